"""SymPy rows of the reductions and softmax."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from gradcheck_lab.backends.sympy_ops.common import (
    add_all,
    div,
    elementwise,
    fn,
    mean_all,
    mul_all,
    power,
    reduction,
)


def _softmax(a: Any, axis: Any = None) -> np.ndarray:
    ex = elementwise(fn(sp.exp))(a)
    return elementwise(div, 2)(ex, reduction(add_all)(ex, axis=axis, keepdims=True))


def _logsumexp(a: Any, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    total = reduction(add_all)(elementwise(fn(sp.exp))(a), axis=axis, keepdims=keepdims)
    return elementwise(fn(sp.log))(total)


def _max_all(xs: list[Any]) -> Any:
    return sp.Max(*xs, evaluate=False) if len(xs) > 1 else xs[0]


def _min_all(xs: list[Any]) -> Any:
    return sp.Min(*xs, evaluate=False) if len(xs) > 1 else xs[0]


def _norm(a: Any, ord: float = 2, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    if ord == 1:
        return reduction(add_all)(elementwise(fn(sp.Abs))(a), axis=axis, keepdims=keepdims)
    if ord == 2:
        squares = elementwise(lambda x: power(x, sp.Integer(2)))(a)
        total = reduction(add_all)(squares, axis=axis, keepdims=keepdims)
        return elementwise(lambda x: power(x, sp.Rational(1, 2)))(total)
    return reduction(_max_all)(elementwise(fn(sp.Abs))(a), axis=axis, keepdims=keepdims)


TABLE: dict[str, Callable[..., Any]] = {
    "sum": reduction(add_all), "mean": reduction(mean_all), "prod": reduction(mul_all),
    "max": reduction(_max_all), "min": reduction(_min_all),
    "logsumexp": _logsumexp, "norm": _norm, "softmax": _softmax,
}
