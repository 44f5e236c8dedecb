"""JAX rows of the elementwise functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp

SQRT_2_OVER_PI = 0.7978845608028654  # sqrt(2 / pi)


def _gelu_tanh(a: Any) -> Any:
    """x/2 (1 + tanh u) written as x sigmoid(2u), the same function: where tanh u is near
    -1 (x < -4) jax.nn.gelu's 1 + tanh u cancels, its derivative 1e-9 off relatively."""
    return a * jax.nn.sigmoid(2.0 * SQRT_2_OVER_PI * (a + 0.044715 * a ** 3))


TABLE: dict[str, Callable[..., Any]] = {
    "abs": jnp.abs, "sqrt": jnp.sqrt, "exp": jnp.exp, "log": jnp.log, "log1p": jnp.log1p,
    "expm1": jnp.expm1, "sin": jnp.sin, "cos": jnp.cos, "tan": jnp.tan, "arcsin": jnp.arcsin,
    "arccos": jnp.arccos, "arctan": jnp.arctan, "sinh": jnp.sinh, "cosh": jnp.cosh,
    "tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid, "relu": jax.nn.relu,
    "softplus": jax.nn.softplus, "erf": jsp.erf, "sign": jnp.sign,
    "stop_gradient": jax.lax.stop_gradient,
    "gelu": lambda a, approximate: (jax.nn.gelu(a, approximate=False) if approximate == "none"
                                    else _gelu_tanh(a)),
    "maximum": jnp.maximum, "minimum": jnp.minimum,
}
