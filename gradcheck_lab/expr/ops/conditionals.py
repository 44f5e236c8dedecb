"""Rows of the conditionals: comparisons, logical operators, ``where``, ``clip``, the
piecewise-constant functions (``floor``, ``ceil``, ``round``, ``%``, ``//``,
``heaviside``), tests of non-finite values and casts.

The derivative is the active branch's at the point. Where a condition flips at the point
(a comparison of equal values, ``x`` at an integer for ``floor``) the op is at its kink;
``jump`` ops are discontinuous there, and a ``where`` whose condition flips is a kink when
its two branches agree there and a jump when they differ (``kinks.kinks_at`` says which).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from gradcheck_lab.expr import shapes
from gradcheck_lab.expr.opspec import Arrays, OpSpec, Params, first_side, parts, side
from gradcheck_lab.expr.params import Param


def tie_mask(args: Arrays, params: Params) -> np.ndarray:
    """Elementwise: the two arguments are equal (a comparison flips here)."""
    a, b = np.broadcast_arrays(np.real(args[0]), np.real(args[1]))
    return np.asarray(a == b)


def _pair_side(args: Arrays, params: Params) -> np.ndarray:
    a, b = np.broadcast_arrays(np.real(args[0]), np.real(args[1]))
    return side(a - b)


def compare(name: str, symbol: str, doc: str) -> OpSpec:
    return OpSpec(name, 2, 2, doc, shapes.broadcast, category="conditional", broadcast=True,
                  kink=tie_mask, guard=_pair_side, jump=True, boolean=True,
                  written=f"'{symbol}'", syntax=f"a {symbol} b")


def logical(name: str, symbol: str, doc: str, arity: int = 2) -> OpSpec:
    return OpSpec(name, arity, arity, doc, shapes.broadcast if arity == 2 else shapes.same,
                  category="conditional", broadcast=arity == 2, boolean=True,
                  written=f"'{symbol}'", syntax=f"a {symbol} b" if arity == 2 else f"{symbol}a")


def _clip_kink(args: Arrays, params: Params) -> np.ndarray:
    x = np.real(args[0])
    out = np.zeros(np.shape(x), dtype=bool)
    for bound in args[1:]:
        out = out | (x == np.real(bound))
    return out


def _clip_guard(args: Arrays, params: Params) -> np.ndarray:
    x = np.real(args[0])
    return parts(*[side(x - np.real(b)) for b in args[1:]]) if len(args) > 1 else np.zeros(1)


def _integer_kink(step: float) -> Callable[[Arrays, Params], np.ndarray]:
    def kink(args: Arrays, params: Params) -> np.ndarray:
        scale = 10.0 ** params.get("decimals", 0)
        x = np.real(args[0]) * scale + step
        return np.asarray(np.isfinite(x) & (x == np.floor(x)))
    return kink


def _integer_guard(step: float) -> Callable[[Arrays, Params], np.ndarray]:
    def guard(args: Arrays, params: Params) -> np.ndarray:
        scale = 10.0 ** params.get("decimals", 0)
        x = np.real(args[0]) * scale + step
        return parts(np.floor(x), x == np.floor(x))
    return guard


def _quotient_kink(args: Arrays, params: Params) -> np.ndarray:
    with np.errstate(all="ignore"):
        q = np.real(args[0]) / np.real(args[1])
    return np.asarray(np.isfinite(q) & (q == np.floor(q)))


def _quotient_guard(args: Arrays, params: Params) -> np.ndarray:
    with np.errstate(all="ignore"):
        q = np.real(args[0]) / np.real(args[1])
    return parts(np.floor(q), q == np.floor(q), side(args[1]))


def _trunc_kink(args: Arrays, params: Params) -> np.ndarray:
    x = np.real(args[0])
    return np.asarray(np.isfinite(x) & (x == np.trunc(x)) & (x != 0))


def _cast_kink(args: Arrays, params: Params) -> np.ndarray:
    x = np.real(args[0])
    if params["dtype"] in ("int64", "int32"):
        return _trunc_kink(args, params)
    if params["dtype"] == "bool":
        return np.asarray(x == 0)
    return np.zeros(np.shape(x), dtype=bool)


def _cast_guard(args: Arrays, params: Params) -> np.ndarray:
    x = np.real(args[0])
    if params["dtype"] == "float64":
        return np.zeros(1)
    return parts(np.trunc(x), side(x), x == np.trunc(x))


CAST = Param("float64", "choice", ("float64", "int64", "int32", "bool"))

ROWS: list[OpSpec] = [
    compare("less", "<", "x < y, elementwise (a boolean array)"),
    compare("less_equal", "<=", "x <= y"),
    compare("greater", ">", "x > y"),
    compare("greater_equal", ">=", "x >= y"),
    compare("equal", "==", "x == y"),
    compare("not_equal", "!=", "x != y"),
    logical("logical_and", "&", "both conditions (booleans; numbers: nonzero is true)"),
    logical("logical_or", "|", "either condition"),
    logical("logical_xor", "^", "exactly one of the conditions"),
    logical("logical_not", "~", "the condition negated", arity=1),
    OpSpec("where", 3, 3, "x where the condition holds, else y (broadcast); the derivative is "
                          "the active branch's; where the condition flips, a kink if the "
                          "branches agree there, a jump if not", shapes.broadcast,
           category="conditional", broadcast=True, condition=0,
           arrays=("condition", "x", "y")),
    OpSpec("clip", 1, 3, "x limited to [a_min, a_max] (None: no bound); kinks where x meets a "
                         "bound", shapes.broadcast, category="conditional", broadcast=True,
           kink=_clip_kink, guard=_clip_guard, arrays=("a", "a_min", "a_max"),
           defaults={"a_min": -math.inf, "a_max": math.inf}),
    OpSpec("floor", 1, 1, "largest integer <= x (derivative 0; jumps at integers)",
           category="conditional", kink=_integer_kink(0.0), guard=_integer_guard(0.0),
           jump=True),
    OpSpec("ceil", 1, 1, "smallest integer >= x (jumps at integers)", category="conditional",
           kink=_integer_kink(0.0), guard=_integer_guard(0.0), jump=True),
    OpSpec("trunc", 1, 1, "x rounded toward 0 (jumps at nonzero integers)",
           category="conditional", kink=_trunc_kink, guard=_integer_guard(0.0),
           jump=True),
    OpSpec("round", 1, 1, "x rounded to `decimals` digits, halves to even (numpy's round; "
                          "jumps at the halves)", category="conditional",
           keywords={"decimals": Param(0, "int")}, static_positional=("decimals",),
           kink=_integer_kink(0.5), guard=_integer_guard(0.5), jump=True),
    OpSpec("mod", 2, 2, "x - y floor(x / y), the sign of y (numpy's mod, Python's %); also "
                        "a % b", shapes.broadcast, category="conditional", broadcast=True,
           kink=_quotient_kink, guard=_quotient_guard, jump=True, written="'%'"),
    OpSpec("floor_divide", 2, 2, "floor(x / y) (derivative 0); also a // b", shapes.broadcast,
           category="conditional", broadcast=True, kink=_quotient_kink, guard=_quotient_guard,
           jump=True, written="'//'"),
    OpSpec("heaviside", 2, 2, "numpy's heaviside: 0 for x1 < 0, x2 at 0, 1 for x1 > 0",
           shapes.broadcast, category="conditional", broadcast=True,
           kink=lambda a, p: np.asarray(np.real(a[0]) == 0), guard=first_side, jump=True,
           arrays=("x1", "x2")),
    OpSpec("isfinite", 1, 1, "x is neither infinite nor NaN (a boolean array)",
           category="conditional", boolean=True),
    OpSpec("isnan", 1, 1, "x is NaN", category="conditional", boolean=True),
    OpSpec("isinf", 1, 1, "x is +inf or -inf", category="conditional", boolean=True),
    OpSpec("astype", 1, 1, "x cast to 'float64' (the case's float dtype), 'int64', 'int32' "
                           "(toward 0; jumps at integers) or 'bool' (x != 0)",
           category="conditional", keywords={"dtype": CAST}, static_positional=("dtype",),
           kink=_cast_kink, guard=_cast_guard,
           analytic=lambda p: p["dtype"] == "float64"),
]
