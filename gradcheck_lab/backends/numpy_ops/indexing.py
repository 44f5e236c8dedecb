"""NumPy rows of array indexing and the ops that make indices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck_lab.expr.shapes_index import index_key, whole


def _index(a: Any, *arrays: Any, index: tuple[Any, ...]) -> np.ndarray:
    return np.asarray(np.asarray(a)[index_key(index, [whole(x) for x in arrays])])


def _one_hot(labels: Any, num_classes: int) -> np.ndarray:
    labels = whole(labels)
    if labels.dtype == bool:
        raise TypeError("one_hot needs integer labels, got booleans")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels must lie in 0..{num_classes - 1}, got "
                         f"{labels.min()}..{labels.max()}")
    return np.asarray(labels[..., None] == np.arange(num_classes), dtype=np.int64)


def _arg(largest: bool) -> Callable[..., np.ndarray]:
    def arg(a: Any, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        fn = np.argmax if largest else np.argmin
        return np.asarray(fn(np.real(np.asarray(a)), axis=axis, keepdims=keepdims))
    return arg


TABLE: dict[str, Callable[..., Any]] = {
    "index": _index,
    "take_along_axis": lambda a, idx, axis: np.take_along_axis(np.asarray(a), whole(idx), axis),
    "one_hot": _one_hot, "argmax": _arg(True), "argmin": _arg(False),
}
