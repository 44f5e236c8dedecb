"""NumPy rows of the syntax's operators, indexing and structure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _getitem(a: np.ndarray, index: tuple[Any, ...]) -> np.ndarray:
    return np.asarray(a[index])


TABLE: dict[str, Callable[..., Any]] = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide,
    "pow": np.power, "neg": np.negative,
    "getitem": _getitem,
    "T": lambda a: np.transpose(a),
    "stack": lambda *xs, axis=0: np.stack(np.broadcast_arrays(*xs), axis=axis),
    "reshape": lambda a, shape: np.reshape(a, shape),
}
