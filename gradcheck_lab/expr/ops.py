"""The op list of the expression language: one row per op.

Each row says how the op is called (arity, keywords and their defaults) and,
for the non-smooth ops, two numpy rules used by every method alike:

* ``kink(args, params) -> bool``: the op sits exactly at a non-differentiable
  point (abs/relu/sign/sqrt at 0, maximum/minimum or max/min ties, norm at 0).
* ``guard(args, params) -> array``: a "side" signature. Finite differences only
  use a stencil whose every point has the same guard values as the centre, so a
  step never crosses a kink or a domain edge (log, sqrt, 1/x, arcsin, tan).

Adding an op: one row here, one entry in each backend's table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Arrays = list[np.ndarray]
Params = Mapping[str, Any]
KinkRule = Callable[[Arrays, Params], bool]
GuardRule = Callable[[Arrays, Params], np.ndarray]


@dataclass(frozen=True)
class OpSpec:
    name: str
    min_args: int
    max_args: int
    keywords: Mapping[str, Any] = field(default_factory=dict)  # name -> default
    category: str = "elementwise"
    kink: KinkRule | None = None
    guard: GuardRule | None = None
    callable_by_user: bool = True
    static_positional: tuple[str, ...] = ()  # keywords that may also come positionally


def _side(a: np.ndarray) -> np.ndarray:
    return np.sign(np.real(a))


def _axis_arg(params: Params) -> Any:
    return params.get("axis")


def _ties(a: np.ndarray, params: Params, largest: bool) -> bool:
    axis = _axis_arg(params)
    a = np.real(a)
    reduce = np.max if largest else np.min
    extreme = reduce(a, axis=axis, keepdims=True)
    return bool(np.any(np.sum(a == extreme, axis=axis) > 1))


def _argext(a: np.ndarray, params: Params, largest: bool) -> np.ndarray:
    a = np.real(a)
    axis = _axis_arg(params)
    if isinstance(axis, tuple):  # argmax has no tuple axes: move them to the end and flatten
        keep = [d for d in range(a.ndim) if d not in {ax % a.ndim for ax in axis}]
        a = np.transpose(a, keep + [ax % a.ndim for ax in axis]).reshape(
            [a.shape[d] for d in keep] + [-1])
        axis = -1
    return np.argmax(a, axis=axis) if largest else np.argmin(a, axis=axis)


def _norm_kink(args: Arrays, params: Params) -> bool:
    a = np.abs(np.real(args[0]))
    order, axis = params["ord"], params["axis"]
    if order == 1:
        return bool(np.any(a == 0))
    if order == 2:
        return bool(np.any(np.sum(a * a, axis=axis) == 0))
    return _ties(a, {"axis": axis}, largest=True) or bool(np.any(np.max(a, axis=axis) == 0))


def _norm_guard(args: Arrays, params: Params) -> np.ndarray:
    a = np.real(args[0])
    order, axis = params["ord"], params["axis"]
    if order == 1:
        return _side(a)
    if order == 2:
        return np.sign(np.sum(a * a, axis=axis))
    return np.concatenate([np.ravel(_argext(np.abs(a), {"axis": axis}, True)), np.ravel(_side(a))])


def _pow_guard(args: Arrays, params: Params) -> np.ndarray:
    base, exponent = np.real(args[0]), np.real(args[1])
    if np.all((exponent == np.round(exponent)) & (exponent >= 0)):
        return np.zeros(1)  # a polynomial: smooth everywhere
    return _side(base)


def _elementwise_zero(args: Arrays, params: Params) -> bool:
    return bool(np.any(np.real(args[0]) == 0))


def _pair_tie(args: Arrays, params: Params) -> bool:
    return bool(np.any(np.real(args[0]) == np.real(args[1])))


def _first_side(args: Arrays, params: Params) -> np.ndarray:
    return _side(args[0])


def _unary(name: str, kink: KinkRule | None = None, guard: GuardRule | None = None) -> OpSpec:
    return OpSpec(name, 1, 1, kink=kink, guard=guard)


_REDUCE_KW = {"axis": None, "keepdims": False}

_ROWS: list[OpSpec] = [
    # operators of the syntax (not callable by name)
    OpSpec("add", 2, 2, category="operator", callable_by_user=False),
    OpSpec("sub", 2, 2, category="operator", callable_by_user=False),
    OpSpec("mul", 2, 2, category="operator", callable_by_user=False),
    OpSpec("div", 2, 2, category="operator", callable_by_user=False,
           guard=lambda a, p: _side(a[1])),
    OpSpec("pow", 2, 2, category="operator", callable_by_user=False, guard=_pow_guard),
    OpSpec("neg", 1, 1, category="operator", callable_by_user=False),
    OpSpec("getitem", 1, 1, {"index": None}, category="structure", callable_by_user=False),
    OpSpec("T", 1, 1, category="structure", callable_by_user=False),
    OpSpec("stack", 1, 1_000_000, category="structure", callable_by_user=False),
    # elementwise
    _unary("abs", _elementwise_zero, _first_side),
    _unary("sqrt", _elementwise_zero, _first_side),
    _unary("exp"),
    _unary("log", guard=_first_side),
    _unary("log1p", guard=lambda a, p: _side(np.real(a[0]) + 1)),
    _unary("expm1"),
    _unary("sin"),
    _unary("cos"),
    _unary("tan", guard=lambda a, p: np.floor(np.real(a[0]) / np.pi + 0.5)),
    _unary("arcsin", guard=lambda a, p: _side(1 - np.real(a[0]) ** 2)),
    _unary("arccos", guard=lambda a, p: _side(1 - np.real(a[0]) ** 2)),
    _unary("arctan"),
    _unary("sinh"),
    _unary("cosh"),
    _unary("tanh"),
    _unary("sigmoid"),
    _unary("relu", _elementwise_zero, _first_side),
    _unary("softplus"),
    _unary("erf"),
    _unary("sign", _elementwise_zero, _first_side),
    OpSpec("maximum", 2, 2, kink=_pair_tie, guard=lambda a, p: _side(a[0] - a[1])),
    OpSpec("minimum", 2, 2, kink=_pair_tie, guard=lambda a, p: _side(a[0] - a[1])),
    # reductions
    OpSpec("sum", 1, 1, _REDUCE_KW, category="reduction"),
    OpSpec("mean", 1, 1, _REDUCE_KW, category="reduction"),
    OpSpec("prod", 1, 1, _REDUCE_KW, category="reduction"),
    OpSpec("max", 1, 1, _REDUCE_KW, category="reduction",
           kink=lambda a, p: _ties(a[0], p, True), guard=lambda a, p: _argext(a[0], p, True)),
    OpSpec("min", 1, 1, _REDUCE_KW, category="reduction",
           kink=lambda a, p: _ties(a[0], p, False), guard=lambda a, p: _argext(a[0], p, False)),
    OpSpec("logsumexp", 1, 1, _REDUCE_KW, category="reduction"),
    OpSpec("norm", 1, 1, {"ord": 2, "axis": None, "keepdims": False}, category="reduction",
           kink=_norm_kink, guard=_norm_guard),
    # linear algebra
    OpSpec("dot", 2, 2, category="linalg"),
    OpSpec("matmul", 2, 2, category="linalg"),
    OpSpec("transpose", 1, 1, {"axes": None}, category="linalg"),
    OpSpec("outer", 2, 2, category="linalg"),
    OpSpec("trace", 1, 1, category="linalg"),
    OpSpec("det", 1, 1, category="linalg"),
    OpSpec("inv", 1, 1, category="linalg",
           guard=lambda a, p: np.sign(np.linalg.det(np.real(a[0])))),
    # other
    OpSpec("softmax", 1, 1, {"axis": None}, category="other"),
    OpSpec("reshape", 1, 1, {"shape": None}, category="other", static_positional=("shape",)),
]

OPS: Mapping[str, OpSpec] = {row.name: row for row in _ROWS}
USER_FUNCTIONS: tuple[str, ...] = tuple(r.name for r in _ROWS if r.callable_by_user)
CONSTANTS: tuple[str, ...] = ("pi", "e")
# names an input may not take: functions, constants, and the reserved point key
RESERVED_NAMES: frozenset[str] = frozenset(USER_FUNCTIONS) | {"pi", "e", "inf", "expect"}
