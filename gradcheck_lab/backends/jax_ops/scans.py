"""JAX rows of the scans and order statistics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp


def _topk(a: Any, k: int, axis: int = -1) -> Any:
    moved = jnp.moveaxis(a, axis, -1)
    return jnp.moveaxis(-jnp.sort(-moved, axis=-1)[..., :k], -1, axis)


TABLE: dict[str, Callable[..., Any]] = {
    "cumsum": lambda a, axis=None: jnp.cumsum(a, axis=axis),
    "cumprod": lambda a, axis=None: jnp.cumprod(a, axis=axis),
    "sort": lambda a, axis=-1: jnp.sort(a, axis=axis),
    "argsort": lambda a, axis=-1: jnp.argsort(a, axis=axis, stable=True),
    "topk": _topk,
    "median": lambda a, axis=None, keepdims=False: jnp.median(a, axis=axis, keepdims=keepdims),
}
