"""NumPy rows of the further elementwise functions (float64; complex128 where the row says
the complex step may use it). Special functions without a numpy form (gammaln, digamma,
erfinv, Bessel i1, j0, j1) are evaluated with mpmath at 30 digits and rounded: correctly
rounded float64 values, so finite differences see a smooth function; scipy is not needed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np

_MP = mpmath.MPContext()
_MP.dps = 30


def _real(fn: Callable[[Any], Any]) -> Callable[[Any], np.ndarray]:
    """An elementwise real function from a scalar one (refused for complex input)."""
    vector = np.vectorize(lambda v: _edge(fn, v), otypes=[np.float64])

    def apply(a: Any) -> np.ndarray:
        a = np.asarray(a)
        if np.iscomplexobj(a):
            raise TypeError("no complex extension here")
        return np.asarray(vector(np.asarray(a, dtype=np.float64)))
    return apply


def _edge(fn: Callable[[Any], Any], v: float) -> float:
    try:
        return float(fn(v))
    except (ValueError, ZeroDivisionError, OverflowError):
        return math.nan


def _mp(name: str, *first: int) -> Callable[[Any], np.ndarray]:
    f = getattr(_MP, name)

    def scalar(v: float) -> float:
        try:
            out = f(*first, _MP.mpf(v))
        except (ValueError, ZeroDivisionError):
            return math.nan
        return float(out.real) if isinstance(out, _MP.mpc) and out.imag == 0 else (
            math.nan if isinstance(out, _MP.mpc) else float(out))
    return _real(scalar)


def _gammaln(v: float) -> float:
    if v <= 0 and v == math.floor(v):
        return math.inf
    return math.lgamma(v)


def _cbrt(a: Any) -> np.ndarray:
    a = np.asarray(a)
    if np.iscomplexobj(a):
        s = np.sign(a.real)
        return np.asarray(s * (a * s) ** (1 / 3))
    return np.cbrt(a)


def _arctan2(y: Any, x: Any) -> np.ndarray:
    y, x = np.asarray(y), np.asarray(x)
    if not (np.iscomplexobj(y) or np.iscomplexobj(x)):
        return np.arctan2(y, x)
    y, x = np.broadcast_arrays(y, x)  # the branch of arctan(y/x) the real parts choose
    offset = np.where(x.real < 0, np.where(y.real >= 0, np.pi, -np.pi), 0.0)
    return np.asarray(np.arctan(y / x) + offset)


def _logaddexp(base: float) -> Callable[[Any, Any], np.ndarray]:
    def apply(a: Any, b: Any) -> np.ndarray:
        a, b = np.asarray(a), np.asarray(b)
        if not (np.iscomplexobj(a) or np.iscomplexobj(b)):
            return np.logaddexp(a, b) if base == math.e else np.logaddexp2(a, b)
        m = np.maximum(a.real, b.real)
        k = math.log(base)
        return np.asarray(m + np.log(np.exp(k * (a - m)) + np.exp(k * (b - m))) / k)
    return apply


def _xlog(log: Callable[[Any], Any]) -> Callable[[Any, Any], np.ndarray]:
    def apply(x: Any, y: Any) -> np.ndarray:
        x, y = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y))
        with np.errstate(all="ignore"):
            return np.asarray(np.where(x == 0, 0.0, x * log(y)))
    return apply


def _logit(a: Any) -> np.ndarray:
    a = np.asarray(a)
    return np.asarray(np.log(a) - np.log1p(-a))


def _sinc(a: Any) -> np.ndarray:
    a = np.asarray(a)
    if np.iscomplexobj(a):
        safe = np.where(a == 0, 1.0, a)
        return np.asarray(np.where(a == 0, 1.0, np.sin(np.pi * safe) / (np.pi * safe)))
    return np.sinc(a)


TABLE: dict[str, Callable[..., Any]] = {
    "square": lambda a: np.asarray(a) * np.asarray(a), "cbrt": _cbrt,
    "log2": np.log2, "log10": np.log10, "exp2": lambda a: np.power(2.0, a),
    "arcsinh": np.arcsinh, "arccosh": np.arccosh, "arctanh": np.arctanh,
    "arctan2": _arctan2,
    "hypot": lambda a, b: np.sqrt(np.asarray(a) ** 2 + np.asarray(b) ** 2)
    if np.iscomplexobj(a) or np.iscomplexobj(b) else np.hypot(a, b),
    "logaddexp": _logaddexp(math.e), "logaddexp2": _logaddexp(2.0),
    "logit": _logit, "erfc": _real(math.erfc), "erfinv": _mp("erfinv"),
    "gammaln": _real(_gammaln), "digamma": _mp("digamma"),
    "polygamma": lambda a, n: _mp("polygamma", n)(a),
    "xlogy": _xlog(np.log), "xlog1py": _xlog(np.log1p), "sinc": _sinc,
    "i0": _mp("besseli", 0), "i1": _mp("besseli", 1),
    "j0": _mp("besselj", 0), "j1": _mp("besselj", 1),
}
