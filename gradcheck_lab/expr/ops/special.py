"""Rows of the further elementwise functions: numpy's (``square``, ``cbrt``, ``log2``,
``arctan2``, ``logaddexp``...) and scipy.special's (``logit``, ``erfinv``, ``gammaln``,
``digamma``, ``xlogy``, Bessel ``i0 i1 j0 j1``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

from gradcheck_lab.errors import ShapeProblem
from gradcheck_lab.expr import shapes
from gradcheck_lab.expr.opspec import (
    Arrays,
    OpSpec,
    Params,
    first_side,
    parts,
    side,
    unary,
    zero_kink,
)
from gradcheck_lab.expr.params import Param
from gradcheck_lab.expr.shapes import Shape


def special(name: str, doc: str, **kw: object) -> OpSpec:
    return dataclasses.replace(unary(name, doc, **kw), category="special")  # type: ignore[arg-type]


def two(name: str, doc: str, **kw: object) -> OpSpec:
    return OpSpec(name, 2, 2, doc, shapes.broadcast, category="special", broadcast=True,
                  arrays=("x1", "x2"), **kw)  # type: ignore[arg-type]


def _poles(args: Arrays, params: Params) -> np.ndarray:
    """gammaln/digamma: which interval between the poles at 0, -1, -2, ... x lies in."""
    x = np.real(args[0])
    return parts(side(x), np.where(x < 0, np.floor(x), 0))


def _polygamma_shape(shapes_: Sequence[Shape], params: Params) -> Shape:
    if params["n"] < 0:
        raise ShapeProblem(f"the order n = {params['n']} must be >= 0")
    return tuple(shapes_[0])


def _atan2_kink(args: Arrays, params: Params) -> np.ndarray:
    y, x = np.broadcast_arrays(np.real(args[0]), np.real(args[1]))
    return np.asarray((y == 0) & (x <= 0))


def _atan2_guard(args: Arrays, params: Params) -> np.ndarray:
    return parts(side(args[0]), side(args[1]))


def _both_zero(args: Arrays, params: Params) -> np.ndarray:
    a, b = np.broadcast_arrays(np.real(args[0]), np.real(args[1]))
    return np.asarray((a == 0) & (b == 0))


def _second_side(shift: float) -> Callable[[Arrays, Params], np.ndarray]:
    def guard(args: Arrays, params: Params) -> np.ndarray:
        return parts(side(np.real(args[1]) + shift), np.real(args[0]) == 0)
    return guard


ROWS: list[OpSpec] = [
    special("square", "x**2"),
    special("cbrt", "cube root (real, also of negative x)", kink=zero_kink, guard=first_side),
    special("log2", "base-2 logarithm", guard=first_side),
    special("log10", "base-10 logarithm", guard=first_side),
    special("exp2", "2**x"),
    special("arcsinh", "inverse hyperbolic sine"),
    special("arccosh", "inverse hyperbolic cosine (x >= 1)",
            guard=lambda a, p: side(np.real(a[0]) - 1)),
    special("arctanh", "inverse hyperbolic tangent (|x| < 1)",
            guard=lambda a, p: side(1 - np.real(a[0]) ** 2)),
    two("arctan2", "numpy's arctan2(x1, x2): the angle of (x2, x1); jumps on its cut (x1 = 0, "
                   "x2 < 0)", kink=_atan2_kink, guard=_atan2_guard, jump=True),
    two("hypot", "sqrt(x1**2 + x2**2) (kink at the origin)", kink=_both_zero,
        guard=lambda a, p: side(np.real(a[0]) ** 2 + np.real(a[1]) ** 2)),
    two("logaddexp", "log(exp(x1) + exp(x2)), without overflow"),
    two("logaddexp2", "log2(2**x1 + 2**x2), without overflow"),
    special("logit", "log(x / (1 - x)) (0 < x < 1)",
            guard=lambda a, p: side(np.real(a[0]) * (1 - np.real(a[0])))),
    special("erfc", "1 - erf(x), accurate for large x", analytic=False),
    special("erfinv", "inverse error function (|x| < 1)", analytic=False,
            guard=lambda a, p: side(1 - np.real(a[0]) ** 2)),
    special("gammaln", "log |Gamma(x)| (scipy's gammaln; poles at 0, -1, -2, ...)",
            analytic=False, guard=_poles),
    special("digamma", "d/dx log Gamma(x) (scipy's digamma; poles at 0, -1, -2, ...)",
            analytic=False, guard=_poles),
    OpSpec("polygamma", 1, 1, "scipy's polygamma(n, x): the n-th derivative of digamma "
                              "(n >= 0; poles at 0, -1, -2, ...)", _polygamma_shape,
           {"n": Param(None, "int")}, "special", static_positional=("n",), order=("n", "x"),
           guard=_poles, analytic=False),
    two("xlogy", "x1 log(x2), 0 where x1 = 0 (scipy's xlogy; its derivative in x1 is "
                 "log(x2) there)", guard=_second_side(0.0), analytic=False),
    two("xlog1py", "x1 log(1 + x2), 0 where x1 = 0", guard=_second_side(1.0),
        analytic=False),
    special("sinc", "sin(pi x) / (pi x), 1 at 0 (numpy's normalised sinc)"),
    special("i0", "modified Bessel function of the first kind, order 0", analytic=False),
    special("i1", "modified Bessel function of the first kind, order 1", analytic=False),
    special("j0", "Bessel function of the first kind, order 0", analytic=False),
    special("j1", "Bessel function of the first kind, order 1", analytic=False),
]
