"""SymPy rows of the reductions and softmax."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from gradcheck_lab.backends.sympy_ops.common import (
    Decider,
    add_all,
    deciding,
    div,
    elementwise,
    extreme_rule,
    fn,
    mean_all,
    mean_of,
    mul,
    mul_all,
    obj,
    power,
    reduction,
    sub,
)
from gradcheck_lab.backends.sympy_ops.elementwise import TABLE as ELEMENTWISE

ABS = ELEMENTWISE["abs"]


def _softmax(a: Any, axis: Any = None) -> np.ndarray:
    ex = elementwise(fn(sp.exp))(a)
    return elementwise(div, 2)(ex, reduction(add_all)(ex, axis=axis, keepdims=True))


def logsumexp(a: Any, b: Any = None, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    """log(sum(b exp(a))): exact, so no shift is needed (mpmath has no overflow)."""
    terms = elementwise(fn(sp.exp))(a)
    if b is not None:
        terms = elementwise(mul, 2)(obj(b), terms)
    total = reduction(add_all)(terms, axis=axis, keepdims=keepdims)
    return elementwise(fn(sp.log))(total)


def _var(a: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> np.ndarray:
    a = obj(a)
    mean = reduction(mean_all)(a, axis=axis, keepdims=True)
    squares = elementwise(lambda x, m: power(sub(x, m), sp.Integer(2)), 2)(a, mean)
    total = reduction(add_all)(squares, axis=axis, keepdims=keepdims)
    n = a.size // max(total.size, 1) if not keepdims else a.size // max(total.size, 1)
    return elementwise(lambda t: mul(t, sp.Rational(1, n - ddof) if n != ddof
                                     else sp.zoo))(total)


def extreme(largest: bool) -> Callable[..., np.ndarray]:
    """max/min over axis: the element that is largest (smallest) at the point; at a tie,
    the mean of the tied elements (the symmetric subgradient, as torch's amax gives)."""
    rule = extreme_rule(largest)

    @deciding
    def reduce(a: Any, axis: Any = None, keepdims: bool = False, *,
               decider: Decider) -> np.ndarray:
        def pick(xs: list[Any]) -> Any:
            return mean_of([xs[i] for i in decider.decide(xs, rule)]) if len(xs) > 1 else xs[0]
        return reduction(pick)(a, axis=axis, keepdims=keepdims)
    return reduce


@deciding
def _norm(a: Any, ord: float = 2, axis: Any = None, keepdims: bool = False, *,
          decider: Decider) -> np.ndarray:
    if ord == 2:
        squares = elementwise(lambda x: power(x, sp.Integer(2)))(a)
        total = reduction(add_all)(squares, axis=axis, keepdims=keepdims)
        return elementwise(lambda x: power(x, sp.Rational(1, 2)))(total)
    magnitudes = ABS(a, decider=decider)
    if ord == 1:
        return reduction(add_all)(magnitudes, axis=axis, keepdims=keepdims)
    return extreme(True)(magnitudes, axis=axis, keepdims=keepdims, decider=decider)


TABLE: dict[str, Callable[..., Any]] = {
    "sum": reduction(add_all), "mean": reduction(mean_all), "prod": reduction(mul_all),
    "max": extreme(True), "min": extreme(False),
    "logsumexp": logsumexp, "norm": _norm, "softmax": _softmax, "var": _var,
    "std": lambda a, axis=None, ddof=0, keepdims=False: elementwise(
        lambda v: power(v, sp.Rational(1, 2)))(_var(a, axis, ddof, keepdims)),
}
