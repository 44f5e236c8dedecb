"""SymPy rows of the elementwise functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from gradcheck_lab.backends.sympy_ops.common import add, elementwise, fn, mul, neg, power


def _gelu(x: Any, approximate: str) -> sp.Expr:
    if approximate == "none":
        inner = sp.erf(mul(x, sp.sqrt(2) / 2), evaluate=False)
    else:
        inner = sp.tanh(mul(sp.sqrt(2 / sp.pi),
                            add(x, mul(sp.Rational("0.044715"), power(x, sp.Integer(3))))),
                        evaluate=False)
    return mul(mul(sp.Rational(1, 2), x), add(sp.Integer(1), inner))


TABLE: dict[str, Callable[..., Any]] = {
    "abs": elementwise(fn(sp.Abs)),
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
    "relu": elementwise(lambda x: sp.Max(sp.Integer(0), x, evaluate=False)),
    "softplus": elementwise(lambda x: sp.log(add(sp.Integer(1), sp.exp(x, evaluate=False)),
                                             evaluate=False)),
    "erf": elementwise(fn(sp.erf)), "sign": elementwise(fn(sp.sign)),
    "gelu": lambda a, approximate: elementwise(lambda x: _gelu(x, approximate))(a),
    "maximum": elementwise(lambda a, b: sp.Max(a, b, evaluate=False), 2),
    "minimum": elementwise(lambda a, b: sp.Min(a, b, evaluate=False), 2),
}
