"""JAX rows of array indexing (boolean masks must be concrete: from int64 inputs, which
the jax method passes as constants, not from differentiated values)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from gradcheck_lab.expr.shapes_index import index_key


def whole(a: Any) -> Any:
    """An index array: booleans or integers (whole numbers held as floats become int64)."""
    a = jnp.asarray(a)
    return a if a.dtype == jnp.bool_ or jnp.issubdtype(a.dtype, jnp.integer) \
        else jax.lax.stop_gradient(a).astype(jnp.int64)


def _index(a: Any, *arrays: Any, index: tuple[Any, ...]) -> Any:
    return a[index_key(index, [whole(x) for x in arrays])]


TABLE: dict[str, Callable[..., Any]] = {
    "index": _index,
    "take_along_axis": lambda a, idx, axis: jnp.take_along_axis(a, whole(idx), axis=axis),
    "one_hot": lambda labels, num_classes: jax.nn.one_hot(whole(labels), num_classes,
                                                          dtype=jnp.int64),
    "argmax": lambda a, axis=None, keepdims=False: jnp.argmax(a, axis=axis, keepdims=keepdims),
    "argmin": lambda a, axis=None, keepdims=False: jnp.argmin(a, axis=axis, keepdims=keepdims),
}
