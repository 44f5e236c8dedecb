"""SymPy rows of the conditionals, decided at the point (``numeric.branches``).

A comparison's result is a concrete boolean array (its value at the point); ``where``
then picks one branch's expression per element; ``floor``, ``round``, ``//`` are the
integer constants they take at the point, ``x % y`` is ``x - y k`` with that constant
``k``; ``clip`` is the argument or the bound it meets. At an exact tie ``clip`` takes the
mean of the two (the symmetric subgradient).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from gradcheck_lab.backends.sympy_ops.common import (
    Decider,
    array_of,
    deciding,
    mean_of,
    mul,
    obj,
    signs,
    sub,
)


def pair_rule(test: Callable[[Any, Any], bool]) -> Callable[[list[Any]], tuple[bool, ...]]:
    def rule(values: list[Any]) -> tuple[bool, ...]:
        n = len(values) // 2
        return tuple(bool(test(a, b)) for a, b in zip(values[:n], values[n:], strict=True))
    return rule


def _compare(test: Callable[[Any, Any], bool]) -> Callable[..., np.ndarray]:
    rule = pair_rule(test)

    @deciding
    def apply(a: Any, b: Any, *, decider: Decider) -> np.ndarray:
        a, b = np.broadcast_arrays(obj(a), obj(b))
        outcome = decider.decide(list(a.ravel()) + list(b.ravel()), rule) if a.size else ()
        return np.asarray(outcome, dtype=bool).reshape(a.shape)
    return apply


def _nonzero(values: list[Any]) -> tuple[bool, ...]:
    return tuple(bool(v != 0) for v in values)


def condition(c: Any, decider: Decider) -> np.ndarray:
    """Booleans at the point: concrete arrays as numpy reads them, expressions decided."""
    c = np.asarray(c) if not isinstance(c, np.ndarray) else c
    if c.dtype == bool:
        return c
    if c.dtype != object:
        return np.asarray(c != 0)
    return np.asarray(decider.decide(list(c.ravel()), _nonzero), dtype=bool).reshape(c.shape)


def _logical(fn: Callable[..., Any]) -> Callable[..., np.ndarray]:
    @deciding
    def apply(*args: Any, decider: Decider) -> np.ndarray:
        return np.asarray(fn(*[condition(a, decider) for a in args]))
    return apply


@deciding
def _where(c: Any, a: Any, b: Any, *, decider: Decider) -> np.ndarray:
    return np.asarray(np.where(condition(c, decider), obj(a), obj(b)), dtype=object)


@deciding
def _clip(a: Any, lo: Any = None, hi: Any = None, *, decider: Decider) -> np.ndarray:
    out = obj(a)
    for bound, below in ((lo, True), (hi, False)):
        if bound is None:
            continue
        x, bnd = np.broadcast_arrays(out, obj(bound))
        flat_x, flat_b = list(x.ravel()), list(bnd.ravel())
        order = decider.decide([sub(p, q) for p, q in zip(flat_x, flat_b, strict=True)], signs)
        out = array_of([mean_of([p, q]) if s == 0 else (q if (s < 0) == below else p)
                        for p, q, s in zip(flat_x, flat_b, order, strict=True)], x.shape)
    return out


def integer_rule(kind: str, decimals: int = 0) -> Callable[[list[Any]], tuple[Any, ...]]:
    """floor/ceil/trunc/round(half to even) of each value, as (numerator, scale) pairs."""
    scale = 10 ** decimals

    def one(v: Any) -> Any:
        if v != v or v in (float("inf"), float("-inf")):
            return None
        v = v * scale
        f = int(v) if v >= 0 or v == int(v) else int(v) - 1  # int() truncates toward 0
        if kind == "floor":
            return f
        if kind == "ceil":
            return f if v == f else f + 1
        if kind == "trunc":
            return f if v >= 0 or v == f else f + 1
        rest = v - f  # round: halves to even
        return f + 1 if rest > 0.5 or (rest == 0.5 and f % 2) else f

    return lambda values: tuple(one(v) for v in values)


def _integer(kind: str) -> Callable[..., np.ndarray]:
    @deciding
    def apply(a: Any, decimals: int = 0, *, decider: Decider) -> np.ndarray:
        a = obj(a)
        got = decider.decide(list(a.ravel()), integer_rule(kind, decimals))
        return array_of([sp.nan if k is None else sp.Rational(k, 10 ** decimals) for k in got],
                        a.shape)
    return apply


def _quotients(a: Any, b: Any, decider: Decider) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    a, b = np.broadcast_arrays(obj(a), obj(b))
    qs = [mul(p, sp.Pow(q, -1, evaluate=False)) for p, q in zip(a.ravel(), b.ravel(),
                                                                 strict=True)]
    return a, b, list(decider.decide(qs, integer_rule("floor")))


@deciding
def _mod(a: Any, b: Any, *, decider: Decider) -> np.ndarray:
    a, b, ks = _quotients(a, b, decider)
    return array_of([sp.nan if k is None else sub(p, mul(q, sp.Integer(k)))
                     for p, q, k in zip(a.ravel(), b.ravel(), ks, strict=True)], a.shape)


@deciding
def _floor_divide(a: Any, b: Any, *, decider: Decider) -> np.ndarray:
    a, _, ks = _quotients(a, b, decider)
    return array_of([sp.nan if k is None else sp.Integer(k) for k in ks], a.shape)


@deciding
def _heaviside(x: Any, h: Any, *, decider: Decider) -> np.ndarray:
    x, h = np.broadcast_arrays(obj(x), obj(h))
    order = decider.decide(list(x.ravel()), signs)
    return array_of([sp.Integer(1) if s > 0 else sp.Integer(0) if s < 0 else g
                     for s, g in zip(order, h.ravel(), strict=True)], x.shape)


def _test(test: Callable[[Any], bool]) -> Callable[..., np.ndarray]:
    @deciding
    def apply(a: Any, *, decider: Decider) -> np.ndarray:
        a = obj(a)
        got = decider.decide(list(a.ravel()), lambda vs: tuple(bool(test(v)) for v in vs))
        return np.asarray(got, dtype=bool).reshape(a.shape)
    return apply


@deciding
def _astype(a: Any, dtype: str, *, decider: Decider) -> np.ndarray:
    if dtype == "bool":
        return condition(a, decider)
    if dtype in ("int64", "int32"):
        a = obj(a)
        got = decider.decide(list(a.ravel()), integer_rule("trunc"))
        if any(k is None for k in got):
            raise ValueError("cannot cast a non-finite value to an integer")
        return np.asarray(got, dtype=np.int64).reshape(a.shape)
    return obj(a)


def _is_inf(v: Any) -> bool:
    return v in (float("inf"), float("-inf"))


TABLE: dict[str, Callable[..., Any]] = {
    "less": _compare(operator.lt), "less_equal": _compare(operator.le),
    "greater": _compare(operator.gt), "greater_equal": _compare(operator.ge),
    "equal": _compare(operator.eq), "not_equal": _compare(operator.ne),
    "logical_and": _logical(np.logical_and), "logical_or": _logical(np.logical_or),
    "logical_xor": _logical(np.logical_xor), "logical_not": _logical(np.logical_not),
    "where": _where, "clip": _clip,
    "floor": _integer("floor"), "ceil": _integer("ceil"), "trunc": _integer("trunc"),
    "round": _integer("round"), "mod": _mod, "floor_divide": _floor_divide,
    "heaviside": _heaviside,
    "isfinite": _test(lambda v: v == v and not _is_inf(v)), "isnan": _test(lambda v: v != v),
    "isinf": _test(_is_inf),
    "astype": _astype,
}
