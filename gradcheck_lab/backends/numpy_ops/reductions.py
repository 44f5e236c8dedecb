"""NumPy rows of the reductions and softmax (complex-safe: the complex step picks the
element whose real part is extreme)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck_lab.backends.base import normalize_axis
from gradcheck_lab.backends.numpy_ops.elementwise import absolute


def _reduce(fn: Callable[..., Any]) -> Callable[..., Any]:
    def reduce(a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        return np.asarray(fn(a, axis=normalize_axis(axis), keepdims=keepdims))
    return reduce


def real_extreme(largest: bool) -> Callable[..., Any]:
    def extreme(a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        axis = normalize_axis(axis)
        if not np.iscomplexobj(a):
            fn = np.max if largest else np.min
            return np.asarray(fn(a, axis=axis, keepdims=keepdims))
        if isinstance(axis, tuple):  # argmax takes one axis: move these to the end, flatten
            axes = sorted(ax % a.ndim for ax in axis)
            keep = [d for d in range(a.ndim) if d not in axes]
            moved = np.transpose(a, keep + axes).reshape([a.shape[d] for d in keep] + [-1])
            out = extreme(moved, axis=-1)
            return out.reshape([1 if d in axes else a.shape[d] for d in range(a.ndim)]
                               ) if keepdims else out
        # complex step: pick the element whose real part is extreme, keep its imaginary part
        idx = (np.argmax if largest else np.argmin)(a.real, axis=axis, keepdims=True)
        if axis is None:
            out = a.reshape(-1)[idx.reshape(-1)].reshape(())
            return out.reshape([1] * a.ndim) if keepdims else out
        out = np.take_along_axis(a, idx, axis=axis)
        return out if keepdims else np.squeeze(out, axis=axis)
    return extreme


def logsumexp(a: np.ndarray, b: Any = None, axis: Any = None,
              keepdims: bool = False) -> np.ndarray:
    """log(sum(b exp(a))) over axis (scipy's logsumexp; b optional)."""
    axis = normalize_axis(axis)
    a = np.asarray(a)
    shift = np.max(a.real, axis=axis, keepdims=True)
    shift = np.where(np.isfinite(shift), shift, 0.0)
    terms = np.exp(a - shift) if b is None else np.asarray(b) * np.exp(a - shift)
    with np.errstate(all="ignore"):
        out = np.log(np.sum(terms, axis=axis, keepdims=True)) + shift
    return out if keepdims else np.squeeze(out, axis=axis)


def _var(a: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> np.ndarray:
    a = np.asarray(a)
    axis = normalize_axis(axis)
    mean = np.mean(a, axis=axis, keepdims=True)
    n = a.size if axis is None else int(np.prod([a.shape[d] for d in np.atleast_1d(axis)]))
    with np.errstate(all="ignore"):
        return np.asarray(np.sum((a - mean) ** 2, axis=axis, keepdims=keepdims) / (n - ddof))


def softmax(a: np.ndarray, axis: Any = None) -> np.ndarray:
    axis = normalize_axis(axis)
    shift = np.max(a.real, axis=axis, keepdims=True)
    ex = np.exp(a - np.where(np.isfinite(shift), shift, 0.0))
    return np.asarray(ex / np.sum(ex, axis=axis, keepdims=True))


def _norm(a: np.ndarray, ord: float = 2, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    """Vector norm over all elements (axis None) or along ``axis``."""
    axis = normalize_axis(axis)
    if ord == 1:
        return np.asarray(np.sum(absolute(a), axis=axis, keepdims=keepdims))
    if ord == 2:
        return np.asarray(np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims)))
    return real_extreme(True)(absolute(a), axis=axis, keepdims=keepdims)


TABLE: dict[str, Callable[..., Any]] = {
    "sum": _reduce(np.sum), "mean": _reduce(np.mean), "prod": _reduce(np.prod),
    "max": real_extreme(True), "min": real_extreme(False),
    "logsumexp": logsumexp, "norm": _norm, "softmax": softmax,
    "var": _var,
    "std": lambda a, axis=None, ddof=0, keepdims=False: np.sqrt(_var(a, axis, ddof, keepdims)),
}
