"""JAX rows of the shape ops."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp

from gradcheck_lab.expr.shapes_shape import pad_widths


def _pad(a: Any, pad_width: Any, mode: str = "constant", constant_values: float = 0.0) -> Any:
    pairs = pad_widths(pad_width, jnp.ndim(a))
    if mode == "constant":
        return jnp.pad(a, pairs, mode="constant", constant_values=constant_values)
    return jnp.pad(a, pairs, mode=mode)


TABLE: dict[str, Callable[..., Any]] = {
    "concatenate": lambda *xs, axis=0: jnp.concatenate(xs, axis=axis),
    "ravel": jnp.ravel, "pad": _pad,
    "flip": lambda a, axis=None: jnp.flip(a, axis),
    "roll": lambda a, shift, axis=None: jnp.roll(a, shift, axis),
    "tile": lambda a, reps: jnp.tile(a, reps),
    "repeat": lambda a, repeats, axis=None: jnp.repeat(a, repeats, axis=axis),
    "tril": lambda a, k=0: jnp.tril(a, k), "triu": lambda a, k=0: jnp.triu(a, k),
    "diag": lambda a, k=0: jnp.diag(a, k),
    "diagonal": lambda a, offset=0, axis1=0, axis2=1: jnp.diagonal(a, offset, axis1, axis2),
    "squeeze": lambda a, axis=None: jnp.squeeze(a, axis),
    "expand_dims": lambda a, axis: jnp.expand_dims(a, axis),
    "broadcast_to": lambda a, shape: jnp.broadcast_to(a, shape),
    "moveaxis": lambda a, source, destination: jnp.moveaxis(a, source, destination),
    "swapaxes": lambda a, axis1, axis2: jnp.swapaxes(a, axis1, axis2),
    "einsum": lambda *xs, subscripts: jnp.einsum(subscripts, *xs),
    "tensordot": lambda a, b, axes=2: jnp.tensordot(a, b, axes),
    "kron": jnp.kron, "cross": lambda a, b, axis=-1: jnp.cross(a, b, axis=axis),
}
