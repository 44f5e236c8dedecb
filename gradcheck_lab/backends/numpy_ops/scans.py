"""NumPy rows of the scans and order statistics (complex-safe: order by the real part)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _sorted(a: Any, axis: int, descending: bool = False) -> np.ndarray:
    a = np.asarray(a)
    key = -np.real(a) if descending else np.real(a)
    return np.take_along_axis(a, np.argsort(key, axis=axis, kind="stable"), axis=axis)


def _median(a: Any, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    a = np.asarray(a)
    rows = a.reshape(-1) if axis is None else np.moveaxis(a, axis, -1)
    s = _sorted(rows, -1)
    n = s.shape[-1]
    out = s[..., n // 2] if n % 2 else (s[..., n // 2 - 1] + s[..., n // 2]) / 2
    if keepdims:
        return np.asarray(out).reshape((1,) * a.ndim) if axis is None else np.expand_dims(
            out, axis)
    return np.asarray(out)


def _scan(fn: Callable[..., Any]) -> Callable[..., np.ndarray]:
    return lambda a, axis=None: np.asarray(fn(np.asarray(a), axis=axis))


TABLE: dict[str, Callable[..., Any]] = {
    "cumsum": _scan(np.cumsum), "cumprod": _scan(np.cumprod),
    "sort": lambda a, axis=-1: _sorted(a, axis),
    "argsort": lambda a, axis=-1: np.argsort(np.real(np.asarray(a)), axis=axis, kind="stable"),
    "topk": lambda a, k, axis=-1: np.take(_sorted(a, axis, descending=True), np.arange(k),
                                          axis=axis),
    "median": _median,
}
