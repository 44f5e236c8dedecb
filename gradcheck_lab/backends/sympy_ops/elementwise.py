"""SymPy rows of the elementwise functions."""

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
    elementwise,
    fn,
    mean_of,
    mul,
    neg,
    obj,
    pair_signs,
    power,
    signs,
)
from gradcheck_lab.backends.sympy_ops.mpmath_rules import StopGradient


def _gelu(x: Any, approximate: str) -> sp.Expr:
    if approximate == "none":
        inner = sp.erf(mul(x, sp.sqrt(2) / 2), evaluate=False)
    else:
        inner = sp.tanh(mul(sp.sqrt(2 / sp.pi),
                            add(x, mul(sp.Rational("0.044715"), power(x, sp.Integer(3))))),
                        evaluate=False)
    return mul(mul(sp.Rational(1, 2), x), add(sp.Integer(1), inner))


def by_sign(branch: Callable[[Any, int], Any]) -> Callable[..., np.ndarray]:
    """An elementwise op whose branch is chosen by the sign of its argument at the point
    (``branch(x, sign)``)."""
    @deciding
    def apply(a: Any, *, decider: Decider) -> np.ndarray:
        a = obj(a)
        flat = list(a.ravel())
        out = [branch(x, s) for x, s in zip(flat, decider.decide(flat, signs), strict=True)]
        return array_of(out, a.shape)
    return apply


def _abs(x: Any, s: int) -> Any:
    return x if s > 0 else neg(x) if s < 0 else sp.Abs(x, evaluate=False)  # 0: sign(0) = 0


def _relu(x: Any, s: int) -> Any:
    return x if s > 0 else sp.Integer(0) if s < 0 else mean_of([x, sp.Integer(0)])


def pairwise(larger: bool) -> Callable[..., np.ndarray]:
    """maximum/minimum: the larger (smaller) argument at the point, their mean at a tie."""
    @deciding
    def apply(a: Any, b: Any, *, decider: Decider) -> np.ndarray:
        a, b = (obj(v) for v in np.broadcast_arrays(obj(a), obj(b)))
        xs, ys = list(a.ravel()), list(b.ravel())
        order = decider.decide(xs + ys, pair_signs)
        out = [mean_of([x, y]) if s == 0 else (x if (s > 0) == larger else y)
               for x, y, s in zip(xs, ys, order, strict=True)]
        return array_of(out, a.shape)
    return apply


TABLE: dict[str, Callable[..., Any]] = {
    "abs": by_sign(_abs),
    "sqrt": elementwise(lambda x: power(x, sp.Rational(1, 2))),
    "exp": elementwise(fn(sp.exp)),
    "log": elementwise(fn(sp.log)),
    "log1p": elementwise(lambda x: sp.log(add(sp.Integer(1), x), evaluate=False)),
    "expm1": elementwise(lambda x: add(sp.exp(x, evaluate=False), sp.Integer(-1))),
    "sin": elementwise(fn(sp.sin)), "cos": elementwise(fn(sp.cos)),
    "tan": elementwise(fn(sp.tan)), "arcsin": elementwise(fn(sp.asin)),
    "arccos": elementwise(fn(sp.acos)), "arctan": elementwise(fn(sp.atan)),
    "sinh": elementwise(fn(sp.sinh)), "cosh": elementwise(fn(sp.cosh)),
    "tanh": elementwise(fn(sp.tanh)),
    "sigmoid": elementwise(lambda x: power(add(sp.Integer(1), sp.exp(neg(x), evaluate=False)),
                                           sp.Integer(-1))),
    "relu": by_sign(_relu),
    "softplus": elementwise(lambda x: sp.log(add(sp.Integer(1), sp.exp(x, evaluate=False)),
                                             evaluate=False)),
    "erf": elementwise(fn(sp.erf)), "sign": by_sign(lambda x, s: sp.Integer(s)),
    "stop_gradient": elementwise(fn(StopGradient)),
    "gelu": lambda a, approximate: elementwise(lambda x: _gelu(x, approximate))(a),
    "maximum": pairwise(True), "minimum": pairwise(False),
}
