"""SymPy rows of array indexing: indices are concrete at the point (int64 inputs, decided
comparisons and argmax), so numpy's own indexing of the object arrays does the work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from gradcheck_lab.backends.sympy_ops.common import Decider, deciding, obj
from gradcheck_lab.expr.shapes_index import index_key


def as_index(a: Any) -> np.ndarray:
    """An index array: integers or booleans, concrete (numbers of an object array too)."""
    a = np.asarray(a)
    if a.dtype != object:
        return a
    if not all(isinstance(v, sp.Integer) for v in a.flat):
        raise TypeError("an index must be an integer array (an int64 input, argmax(...), "
                        "astype(x, 'int64')) or a boolean array")
    return np.asarray([int(v) for v in a.flat], dtype=np.int64).reshape(a.shape)


def _index(a: Any, *arrays: Any, index: tuple[Any, ...]) -> np.ndarray:
    return np.asarray(obj(a)[index_key(index, [as_index(x) for x in arrays])], dtype=object)


def _one_hot(labels: Any, num_classes: int) -> np.ndarray:
    labels = as_index(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels must lie in 0..{num_classes - 1}")
    return np.asarray(labels[..., None] == np.arange(num_classes), dtype=np.int64)


def first_extreme(largest: bool) -> Callable[[list[Any]], int]:
    """The index of the first largest (smallest) value, as numpy's argmax takes it."""
    def rule(values: list[Any]) -> int:
        best = 0
        for i, v in enumerate(values):
            if v != v:  # NaN wins, as in numpy
                return i
            if (v > values[best]) if largest else (v < values[best]):
                best = i
        return best
    return rule


def _arg(largest: bool) -> Callable[..., np.ndarray]:
    rule = first_extreme(largest)

    @deciding
    def apply(a: Any, axis: Any = None, keepdims: bool = False, *,
              decider: Decider) -> np.ndarray:
        a = obj(a)
        moved = a.reshape(1, -1) if axis is None else np.moveaxis(a, axis, -1)
        rows = moved.reshape(-1, moved.shape[-1])
        got = np.asarray([decider.decide(list(r), rule) for r in rows], dtype=np.int64)
        if axis is None:
            return got.reshape((1,) * a.ndim) if keepdims else got.reshape(())
        out = got.reshape(moved.shape[:-1])
        return np.expand_dims(out, axis) if keepdims else out
    return apply


TABLE: dict[str, Callable[..., Any]] = {
    "index": _index,
    "take_along_axis": lambda a, idx, axis: np.asarray(
        np.take_along_axis(obj(a), as_index(idx), axis), dtype=object),
    "one_hot": _one_hot, "argmax": _arg(True), "argmin": _arg(False),
}
