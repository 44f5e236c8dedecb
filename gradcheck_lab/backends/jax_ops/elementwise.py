"""JAX rows of the elementwise functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp

TABLE: dict[str, Callable[..., Any]] = {
    "abs": jnp.abs, "sqrt": jnp.sqrt, "exp": jnp.exp, "log": jnp.log, "log1p": jnp.log1p,
    "expm1": jnp.expm1, "sin": jnp.sin, "cos": jnp.cos, "tan": jnp.tan, "arcsin": jnp.arcsin,
    "arccos": jnp.arccos, "arctan": jnp.arctan, "sinh": jnp.sinh, "cosh": jnp.cosh,
    "tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid, "relu": jax.nn.relu,
    "softplus": jax.nn.softplus, "erf": jsp.erf, "sign": jnp.sign,
    "stop_gradient": jax.lax.stop_gradient,
    "gelu": lambda a, approximate: jax.nn.gelu(a, approximate=approximate == "tanh"),
    "maximum": jnp.maximum, "minimum": jnp.minimum,
}
