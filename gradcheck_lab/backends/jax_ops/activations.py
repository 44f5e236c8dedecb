"""JAX rows of the activations (jax.nn's, with torch's keywords)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp


def _clip(a: Any, lo: float, hi: float) -> Any:
    return jnp.where(a < lo, lo, jnp.where(a > hi, hi, a)).astype(a.dtype)


TABLE: dict[str, Callable[..., Any]] = {
    "silu": jax.nn.silu, "mish": jax.nn.mish, "softsign": jax.nn.soft_sign,
    "log_sigmoid": jax.nn.log_sigmoid,
    "hardtanh": lambda a, min_val=-1.0, max_val=1.0: _clip(a, min_val, max_val),
    "elu": lambda a, alpha=1.0: jax.nn.elu(a, alpha), "selu": jax.nn.selu,
    "leaky_relu": lambda a, negative_slope=0.01: jax.nn.leaky_relu(a, negative_slope),
    "relu6": jax.nn.relu6, "hardsigmoid": jax.nn.hard_sigmoid,
    "hardswish": jax.nn.hard_swish,
    "log_softmax": lambda a, axis=-1: jax.nn.log_softmax(a, axis=axis),
}
