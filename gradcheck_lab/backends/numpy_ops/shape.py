"""NumPy rows of the shape ops (float64 and complex128 alike)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck_lab.expr.shapes_shape import pad_widths


def pad_stack(a: np.ndarray, pad_width: Any, lead: int, mode: str = "constant",
              constant_values: float = 0.0) -> np.ndarray:
    """``pad`` of the array's last axes, its first ``lead`` axes (a batch) left as they are."""
    pairs = [(0, 0)] * lead + [tuple(p) for p in pad_widths(pad_width, a.ndim - lead)]
    if mode == "constant":
        return np.pad(a, pairs, mode="constant", constant_values=constant_values)
    return np.pad(a, pairs, mode="edge" if mode == "edge" else "reflect")


def _pad(a: Any, pad_width: Any, mode: str = "constant",
         constant_values: float = 0.0) -> np.ndarray:
    return pad_stack(np.asarray(a), pad_width, 0, mode, constant_values)


def _expand_dims(a: Any, axis: Any) -> np.ndarray:
    return np.expand_dims(np.asarray(a), axis)


TABLE: dict[str, Callable[..., Any]] = {
    "concatenate": lambda *xs, axis=0: np.concatenate([np.asarray(x) for x in xs], axis=axis),
    "ravel": lambda a: np.ravel(a),
    "pad": _pad,
    "flip": lambda a, axis=None: np.flip(np.asarray(a), axis),
    "roll": lambda a, shift, axis=None: np.roll(np.asarray(a), shift, axis),
    "tile": lambda a, reps: np.tile(np.asarray(a), reps),
    "repeat": lambda a, repeats, axis=None: np.repeat(np.asarray(a), repeats, axis),
    "tril": lambda a, k=0: np.tril(np.asarray(a), k),
    "triu": lambda a, k=0: np.triu(np.asarray(a), k),
    "diag": lambda a, k=0: np.diag(np.asarray(a), k),
    "diagonal": lambda a, offset=0, axis1=0, axis2=1: np.diagonal(np.asarray(a), offset,
                                                                  axis1, axis2),
    "squeeze": lambda a, axis=None: np.squeeze(np.asarray(a), axis),
    "expand_dims": _expand_dims,
    "broadcast_to": lambda a, shape: np.broadcast_to(np.asarray(a), shape),
    "moveaxis": lambda a, source, destination: np.moveaxis(np.asarray(a), source, destination),
    "swapaxes": lambda a, axis1, axis2: np.swapaxes(np.asarray(a), axis1, axis2),
    "einsum": lambda *xs, subscripts: np.einsum(subscripts, *[np.asarray(x) for x in xs]),
    "tensordot": lambda a, b, axes=2: np.tensordot(a, b, axes),
    "kron": lambda a, b: np.kron(a, b),
    "cross": lambda a, b, axis=-1: np.cross(a, b, axis=axis),
}
