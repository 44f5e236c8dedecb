"""SymPy rows of the torch.nn.functional activations, their branches decided at the point
(at a tie, the mean of the two branches)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from gradcheck_lab.backends.sympy_ops.common import (
    Decider,
    add,
    deciding,
    div,
    elementwise,
    mean_of,
    mul,
    neg,
    obj,
    sub,
)
from gradcheck_lab.backends.sympy_ops.conditionals import TABLE as CONDITIONALS
from gradcheck_lab.backends.sympy_ops.elementwise import TABLE as ELEMENTWISE
from gradcheck_lab.backends.sympy_ops.elementwise import by_sign
from gradcheck_lab.backends.sympy_ops.reductions import logsumexp
from gradcheck_lab.expr.ops.activations import SELU_ALPHA, SELU_SCALE

_clip = CONDITIONALS["clip"]
_sigmoid, _softplus, _abs = ELEMENTWISE["sigmoid"], ELEMENTWISE["softplus"], ELEMENTWISE["abs"]


def _expm1(x: Any) -> Any:
    return add(sp.exp(x, evaluate=False), sp.Integer(-1))


def _elu_branch(alpha: Any) -> Callable[[Any, int], Any]:
    def branch(x: Any, s: int) -> Any:
        below = mul(alpha, _expm1(x))
        return x if s > 0 else below if s < 0 else mean_of([x, below])
    return branch


def _leaky(slope: Any) -> Callable[[Any, int], Any]:
    def branch(x: Any, s: int) -> Any:
        return x if s > 0 else mul(slope, x) if s < 0 else mean_of([x, mul(slope, x)])
    return branch


def _number(value: float | str) -> sp.Expr:
    return sp.Rational(repr(value)) if isinstance(value, float) else sp.Rational(value)


@deciding
def _hardtanh(a: Any, min_val: float = -1.0, max_val: float = 1.0, *,
              decider: Decider) -> np.ndarray:
    return _clip(a, _number(min_val), _number(max_val), decider=decider)


@deciding
def _hardsigmoid(a: Any, *, decider: Decider) -> np.ndarray:
    inner = elementwise(lambda x: add(mul(sp.Rational(1, 6), x), sp.Rational(1, 2)))(a)
    return _clip(inner, sp.Integer(0), sp.Integer(1), decider=decider)


@deciding
def _elu(a: Any, alpha: float = 1.0, *, decider: Decider) -> np.ndarray:
    return by_sign(_elu_branch(_number(alpha)))(a, decider=decider)


@deciding
def _selu(a: Any, *, decider: Decider) -> np.ndarray:
    out = by_sign(_elu_branch(_number(SELU_ALPHA)))(a, decider=decider)
    return elementwise(lambda x: mul(_number(SELU_SCALE), x))(out)


@deciding
def _leaky_relu(a: Any, negative_slope: float = 0.01, *, decider: Decider) -> np.ndarray:
    return by_sign(_leaky(_number(negative_slope)))(a, decider=decider)


@deciding
def _softsign(a: Any, *, decider: Decider) -> np.ndarray:
    return elementwise(lambda x, m: div(x, add(sp.Integer(1), m)), 2)(
        a, _abs(a, decider=decider))


@deciding
def _hardswish(a: Any, *, decider: Decider) -> np.ndarray:
    return elementwise(mul, 2)(a, _hardsigmoid(a, decider=decider))


TABLE: dict[str, Callable[..., Any]] = {
    "silu": lambda a: elementwise(mul, 2)(a, _sigmoid(a)),
    "mish": lambda a: elementwise(lambda x, s: mul(x, sp.tanh(s, evaluate=False)), 2)(
        a, _softplus(a)),
    "softsign": _softsign,
    "log_sigmoid": lambda a: elementwise(neg)(_softplus(elementwise(neg)(obj(a)))),
    "hardtanh": _hardtanh, "elu": _elu, "selu": _selu, "leaky_relu": _leaky_relu,
    "relu6": deciding(lambda a, *, decider: _clip(a, sp.Integer(0), sp.Integer(6),
                                                  decider=decider)),
    "hardsigmoid": _hardsigmoid, "hardswish": _hardswish,
    "log_softmax": lambda a, axis=-1: elementwise(sub, 2)(obj(a), logsumexp(a, axis=axis,
                                                                            keepdims=True)),
}
