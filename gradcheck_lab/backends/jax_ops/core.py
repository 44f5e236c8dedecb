"""JAX rows of the syntax's operators, indexing and structure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp


def _stack(*xs: Any, axis: int = 0) -> Any:
    return jnp.stack(jnp.broadcast_arrays(*xs), axis=axis)


TABLE: dict[str, Callable[..., Any]] = {
    "add": jnp.add, "sub": jnp.subtract, "mul": jnp.multiply, "div": jnp.true_divide,
    "pow": jnp.power, "neg": jnp.negative,
    "getitem": lambda a, index: a[index],
    "T": lambda a: jnp.transpose(a),
    "stack": _stack,
    "reshape": lambda a, shape: jnp.reshape(a, shape),
}
