"""NumPy rows of the conditionals (complex-safe: conditions read real parts, so the complex
step follows the active branch)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _real(a: Any) -> np.ndarray:
    return np.real(np.asarray(a))


def _compare(fn: Callable[..., Any]) -> Callable[..., np.ndarray]:
    return lambda a, b: np.asarray(fn(_real(a), _real(b)))


def condition(a: Any) -> np.ndarray:
    """A condition as booleans: numbers count as true when nonzero (numpy's rule)."""
    a = np.asarray(a)
    return a if a.dtype == bool else np.asarray(_real(a) != 0)


def _where(c: Any, a: Any, b: Any) -> np.ndarray:
    return np.asarray(np.where(condition(c), a, b))


def _clip(a: Any, lo: Any = None, hi: Any = None) -> np.ndarray:
    out = np.asarray(a)
    if lo is not None:
        out = np.where(_real(out) < _real(lo), lo, out)
    if hi is not None:
        out = np.where(_real(out) > _real(hi), hi, out)
    return np.asarray(out)


def _constant(fn: Callable[..., Any]) -> Callable[..., np.ndarray]:
    """A piecewise-constant function of the real part (its complex step is 0)."""
    def apply(a: Any, **kw: Any) -> np.ndarray:
        a = np.asarray(a)
        return np.asarray(fn(_real(a), **kw) + 0 * a)
    return apply


def _mod(a: Any, b: Any) -> np.ndarray:
    a, b = np.asarray(a), np.asarray(b)
    if np.iscomplexobj(a) or np.iscomplexobj(b):
        return np.asarray(a - b * np.floor(_real(a) / _real(b)))
    return np.asarray(np.mod(a, b))


def _floor_divide(a: Any, b: Any) -> np.ndarray:
    a, b = np.asarray(a), np.asarray(b)
    out = np.floor_divide(_real(a), _real(b))
    return np.asarray(out + 0 * a * b) if np.iscomplexobj(a) or np.iscomplexobj(b) else out


def _heaviside(x: Any, h: Any) -> np.ndarray:
    x, h = np.broadcast_arrays(np.asarray(x), np.asarray(h))
    r = _real(x)
    return np.asarray(np.where(r > 0, 1.0 + 0 * h, np.where(r < 0, 0 * h, h)))


def _astype(a: Any, dtype: str) -> np.ndarray:
    a = np.asarray(a)
    if dtype == "bool":
        return condition(a)
    if dtype in ("int64", "int32"):
        return np.asarray(np.trunc(_real(a)), dtype=dtype)
    return a if np.issubdtype(a.dtype, np.inexact) else np.asarray(a, dtype=np.float64)


TABLE: dict[str, Callable[..., Any]] = {
    "less": _compare(np.less), "less_equal": _compare(np.less_equal),
    "greater": _compare(np.greater), "greater_equal": _compare(np.greater_equal),
    "equal": _compare(np.equal), "not_equal": _compare(np.not_equal),
    "logical_and": lambda a, b: np.logical_and(condition(a), condition(b)),
    "logical_or": lambda a, b: np.logical_or(condition(a), condition(b)),
    "logical_xor": lambda a, b: np.logical_xor(condition(a), condition(b)),
    "logical_not": lambda a: np.logical_not(condition(a)),
    "where": _where, "clip": _clip,
    "floor": _constant(np.floor), "ceil": _constant(np.ceil), "trunc": _constant(np.trunc),
    "round": _constant(lambda a, decimals=0: np.round(a, decimals)),
    "mod": _mod, "floor_divide": _floor_divide, "heaviside": _heaviside,
    "isfinite": lambda a: np.isfinite(a), "isnan": lambda a: np.isnan(a),
    "isinf": lambda a: np.isinf(a),
    "astype": _astype,
}
