"""SymPy rows of the further elementwise functions (SymPy's classes: asinh, atan2, erfinv,
loggamma, polygamma, besseli, besselj; their mpmath rules in ``mpmath_rules``). Piecewise
forms are decided at the point: ``cbrt``'s sign, ``gammaln``'s sign of Gamma, ``xlogy``
at x = 0, ``sinc`` at 0 (its Taylor polynomial there: value 1, derivative 0)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from gradcheck_lab.backends.sympy_ops.common import (
    Decider,
    add,
    array_of,
    deciding,
    div,
    elementwise,
    fn,
    mul,
    neg,
    obj,
    power,
    signs,
    sub,
)

HALF, THIRD = sp.Rational(1, 2), sp.Rational(1, 3)


def decided(branch: Callable[..., Any], nargs: int = 1, on: int = 0
            ) -> Callable[..., np.ndarray]:
    """An elementwise op whose form depends on the sign of argument ``on`` at the point."""
    @deciding
    def apply(*args: Any, decider: Decider) -> np.ndarray:
        arrays = np.broadcast_arrays(*[obj(a) for a in args])
        flat = [list(a.ravel()) for a in arrays]
        order = decider.decide(flat[on], signs)
        return array_of([branch(*items, s) for *items, s in zip(*flat, order, strict=True)],
                        arrays[0].shape)
    assert nargs in (1, 2)
    return apply


def _cbrt(x: Any, s: int) -> Any:
    return neg(power(neg(x), THIRD)) if s < 0 else power(x, THIRD)


def _log_base(base: int) -> Callable[[Any], Any]:
    return lambda x: mul(sp.log(x, evaluate=False), sp.Pow(sp.log(base), -1, evaluate=False))


def _logaddexp(base: int) -> Callable[[Any, Any], Any]:
    def build(a: Any, b: Any) -> Any:
        if base == 2:
            total = add(power(sp.Integer(2), a), power(sp.Integer(2), b))
            return _log_base(2)(total)
        return sp.log(add(sp.exp(a, evaluate=False), sp.exp(b, evaluate=False)),
                      evaluate=False)
    return build


@deciding
def _gammaln(a: Any, *, decider: Decider) -> np.ndarray:
    """log|Gamma(x)|: SymPy's loggamma for x > 0; else log of Gamma times its sign."""
    a = obj(a)
    flat = list(a.ravel())
    gammas = [sp.gamma(x, evaluate=False) for x in flat]
    side = decider.decide(flat, signs)
    sign = decider.decide(gammas, signs)
    return array_of([sp.loggamma(x, evaluate=False) if s > 0 else
                     sp.log(mul(sp.Integer(g or 1), gx), evaluate=False)
                     for x, gx, s, g in zip(flat, gammas, side, sign, strict=True)], a.shape)


def _xlog(log: Callable[[Any], Any]) -> Callable[..., np.ndarray]:
    """x log(y): at x = 0 still x log(y) when log(y) is finite (derivative log y), else 0."""
    @deciding
    def apply(x: Any, y: Any, *, decider: Decider) -> np.ndarray:
        x, y = np.broadcast_arrays(obj(x), obj(y))
        xs, ys = list(x.ravel()), list(y.ravel())
        zero = decider.decide(xs, signs)
        inner = [log(q) for q in ys]
        finite = decider.decide(inner, lambda vs: tuple(bool(v == v and abs(v) != float("inf"))
                                                        for v in vs))
        return array_of([mul(p, g) if z != 0 or ok else sp.Integer(0)
                         for p, g, z, ok in zip(xs, inner, zero, finite, strict=True)], x.shape)
    return apply


def _sinc(x: Any, s: int) -> Any:
    t = mul(sp.pi, x)
    if s != 0:
        return div(sp.sin(t, evaluate=False), t)
    t2 = power(t, sp.Integer(2))  # at 0: 1 - t^2/6 + t^4/120, exact in value and 2 derivatives
    return add(sp.Integer(1), add(mul(sp.Rational(-1, 6), t2),
                                  mul(sp.Rational(1, 120), power(t2, sp.Integer(2)))))


TABLE: dict[str, Callable[..., Any]] = {
    "square": elementwise(lambda x: power(x, sp.Integer(2))),
    "cbrt": decided(_cbrt),
    "log2": elementwise(_log_base(2)), "log10": elementwise(_log_base(10)),
    "exp2": elementwise(lambda x: power(sp.Integer(2), x)),
    "arcsinh": elementwise(fn(sp.asinh)), "arccosh": elementwise(fn(sp.acosh)),
    "arctanh": elementwise(fn(sp.atanh)),
    "arctan2": elementwise(lambda y, x: sp.atan2(y, x, evaluate=False), 2),
    "hypot": elementwise(lambda a, b: power(add(power(a, sp.Integer(2)),
                                                power(b, sp.Integer(2))), HALF), 2),
    "logaddexp": elementwise(_logaddexp(0), 2), "logaddexp2": elementwise(_logaddexp(2), 2),
    "logit": elementwise(lambda x: sub(sp.log(x, evaluate=False),
                                       sp.log(sub(sp.Integer(1), x), evaluate=False))),
    "erfc": elementwise(fn(sp.erfc)), "erfinv": elementwise(fn(sp.erfinv)),
    "gammaln": _gammaln,
    "digamma": elementwise(lambda x: sp.polygamma(sp.Integer(0), x, evaluate=False)),
    "polygamma": lambda a, n: elementwise(
        lambda x: sp.polygamma(sp.Integer(n), x, evaluate=False))(a),
    "xlogy": _xlog(lambda y: sp.log(y, evaluate=False)),
    "xlog1py": _xlog(lambda y: sp.log(add(sp.Integer(1), y), evaluate=False)),
    "sinc": decided(_sinc),
    "i0": elementwise(lambda x: sp.besseli(sp.Integer(0), x, evaluate=False)),
    "i1": elementwise(lambda x: sp.besseli(sp.Integer(1), x, evaluate=False)),
    "j0": elementwise(lambda x: sp.besselj(sp.Integer(0), x, evaluate=False)),
    "j1": elementwise(lambda x: sp.besselj(sp.Integer(1), x, evaluate=False)),
}
