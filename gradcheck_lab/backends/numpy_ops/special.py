"""NumPy rows of the further elementwise functions (float64; complex128 where the row says
the complex step may use it). Special functions without a numpy form (digamma, polygamma,
erfinv, Bessel i0, i1, j0, j1) are scipy.special's where scipy is installed (JAX brings it):
vectorised, within a few ulps (1e-16 absolute near the functions' zeros), which finite
differences see as the rounding noise of any libm function. Without scipy they are
evaluated with mpmath at 30 digits and rounded (correctly rounded, but about 0.5 ms per
element: finite differences over a 3x4 input took 2 s). Outside the domain both give NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
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


def _special(name: str, mp_name: str, *first: int, scipy_first: tuple[int, ...] = ()
             ) -> Callable[[Any], np.ndarray]:
    """scipy.special's ``name`` where importable (checked at the first call, so that
    importing the table imports no scipy), else mpmath's ``mp_name``. ``first``: the
    leading arguments mpmath takes (a Bessel order), ``scipy_first``: scipy's."""
    slow = _mp(mp_name, *first)
    fast: list[Any] = []

    def apply(a: Any) -> np.ndarray:
        if not fast:
            try:
                import scipy.special
                fast.append(getattr(scipy.special, name))
            except ImportError:
                fast.append(None)
        a = np.asarray(a)
        if fast[0] is None or np.iscomplexobj(a):
            return slow(a)
        x = np.asarray(a, dtype=np.float64)
        out = np.asarray(fast[0](*scipy_first, x), dtype=np.float64)
        if name in ("psi", "polygamma"):  # scipy's inf at 0 and the poles beyond: NaN,
            return np.where((x <= 0) & (x == np.floor(x)), np.nan, out)  # as mpmath says
        return out
    return apply


@cache
def _polygamma(n: int) -> Callable[[Any], np.ndarray]:
    """psi^(n): scipy's polygamma (psi, or a Hurwitz zeta times -(-1)^n n!), else mpmath's."""
    return _special("polygamma", "polygamma", n, scipy_first=(n,))


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
    "logit": _logit, "erfc": _real(math.erfc), "erfinv": _special("erfinv", "erfinv"),
    "gammaln": _real(_gammaln), "digamma": _special("psi", "digamma"),
    "polygamma": lambda a, n: _polygamma(n)(a),
    "xlogy": _xlog(np.log), "xlog1py": _xlog(np.log1p), "sinc": _sinc,
    "i0": _special("i0", "besseli", 0), "i1": _special("i1", "besseli", 1),
    "j0": _special("j0", "besselj", 0), "j1": _special("j1", "besselj", 1),
}
