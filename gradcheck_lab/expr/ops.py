"""The op list of the expression language: one :class:`OpSpec` row per op.

Adding an op: one row here, one entry in each backend table (``backends/numpy_ops.py``,
``sympy_ops.py``, ``torch_ops.py``, ``jax_ops.py``) and one row in
``tests/test_backends.py``; ``make docs`` regenerates the README's op table from these
rows. See ``docs/extending.md``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from gradcheck_lab.expr import shapes
from gradcheck_lab.expr.opspec import (
    Arrays,
    OpSpec,
    Params,
    argext,
    binary,
    first_side,
    operator,
    pair_side,
    pair_tie,
    reduction,
    side,
    ties,
    unary,
    zero_kink,
)
from gradcheck_lab.expr.params import AXIS, KEEPDIMS, Param

__all__ = ["CONSTANTS", "OPS", "RESERVED_NAMES", "USER_FUNCTIONS", "OpSpec"]


def _norm_kink(args: Arrays, params: Params) -> bool:
    a = np.abs(np.real(args[0]))
    order, axis = params["ord"], params["axis"]
    if order == 1:
        return bool(np.any(a == 0))
    if order == 2:
        return bool(np.any(np.sum(a * a, axis=axis) == 0))
    return ties(a, {"axis": axis}, largest=True) or bool(np.any(np.max(a, axis=axis) == 0))


def _norm_guard(args: Arrays, params: Params) -> np.ndarray:
    a = np.real(args[0])
    order, axis = params["ord"], params["axis"]
    if order == 1:
        return side(a)
    if order == 2:
        return np.sign(np.sum(a * a, axis=axis))
    return np.concatenate([np.ravel(argext(np.abs(a), {"axis": axis}, True)), np.ravel(side(a))])


def _pow_guard(args: Arrays, params: Params) -> np.ndarray:
    base, exponent = np.real(args[0]), np.real(args[1])
    if np.all((exponent == np.round(exponent)) & (exponent >= 0)):
        return np.zeros(1)  # a polynomial: smooth everywhere
    return side(base)


_ROWS: list[OpSpec] = [
    # operators of the syntax (not callable by name)
    operator("add", "a + b", "sum, with numpy broadcasting"),
    operator("sub", "a - b", "difference"),
    operator("mul", "a * b", "product"),
    operator("div", "a / b", "quotient", guard=lambda a, p: side(a[1])),
    operator("pow", "a ** b", "power (real: a fractional power of a negative base is NaN)",
             guard=_pow_guard),
    OpSpec("neg", 1, 1, "negation", category="operator", callable_by_user=False,
           written="unary '-'", syntax="-a"),
    OpSpec("getitem", 1, 1, "integer indices and slices (steps > 0)", shapes.getitem,
           {"index": Param(None, "ints")}, "structure", callable_by_user=False,
           written="indexing", syntax="x[i], x[i, j], x[a:b]"),
    OpSpec("T", 1, 1, "the axes reversed", shapes.reverse, category="structure",
           callable_by_user=False, written="'.T'", syntax="x.T"),
    OpSpec("stack", 1, 1_000_000, "stacked along a new first axis (items broadcast)",
           shapes.stack, category="structure", broadcast=True, callable_by_user=False,
           written="the list [...]", syntax="[a, b, ...]"),
    # elementwise
    unary("abs", "|x|", kink=zero_kink, guard=first_side),
    unary("sqrt", "square root", kink=zero_kink, guard=first_side),
    unary("exp", "e**x"),
    unary("log", "natural logarithm", guard=first_side),
    unary("log1p", "log(1 + x), accurate near 0", guard=lambda a, p: side(np.real(a[0]) + 1)),
    unary("expm1", "exp(x) - 1, accurate near 0"),
    unary("sin", "sine"),
    unary("cos", "cosine"),
    unary("tan", "tangent", guard=lambda a, p: np.floor(np.real(a[0]) / np.pi + 0.5)),
    unary("arcsin", "inverse sine", guard=lambda a, p: side(1 - np.real(a[0]) ** 2)),
    unary("arccos", "inverse cosine", guard=lambda a, p: side(1 - np.real(a[0]) ** 2)),
    unary("arctan", "inverse tangent"),
    unary("sinh", "hyperbolic sine"),
    unary("cosh", "hyperbolic cosine"),
    unary("tanh", "hyperbolic tangent"),
    unary("sigmoid", "1 / (1 + exp(-x))"),
    unary("relu", "max(x, 0)", kink=zero_kink, guard=first_side),
    unary("softplus", "log(1 + exp(x))"),
    unary("erf", "error function", analytic=False),
    unary("gelu", "x Phi(x); approximate='tanh': 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) "
                  "(torch's default is 'none', jax.nn.gelu's is the tanh form)",
          keywords={"approximate": Param("none", "choice", ("none", "tanh"))},
          analytic=lambda p: p["approximate"] == "tanh"),
    unary("sign", "-1, 0 or 1", kink=zero_kink, guard=first_side),
    OpSpec("stop_gradient", 1, 1, "x, with derivative 0: a gradient cut (torch's .detach(), "
                                  "jax.lax.stop_gradient); finite differences hold it at the "
                                  "point", cuts_gradient=True),
    binary("maximum", "elementwise larger of x and y", kink=pair_tie, guard=pair_side),
    binary("minimum", "elementwise smaller of x and y", kink=pair_tie, guard=pair_side),
    # reductions
    reduction("sum", "sum over axis (all axes by default)"),
    reduction("mean", "mean over axis"),
    reduction("prod", "product over axis"),
    reduction("max", "largest element over axis (ties are kinks)",
              kink=lambda a, p: ties(a[0], p, True), guard=lambda a, p: argext(a[0], p, True)),
    reduction("min", "smallest element over axis (ties are kinks)",
              kink=lambda a, p: ties(a[0], p, False), guard=lambda a, p: argext(a[0], p, False)),
    reduction("logsumexp", "log(sum(exp(x))) over axis, without overflow"),
    reduction("norm", "vector norm of order ord (2, 1 or inf) over axis (all elements by "
                      "default)",
              keywords={"ord": Param(2, "ord"), "axis": AXIS, "keepdims": KEEPDIMS},
              kink=_norm_kink, guard=_norm_guard),
    # linear algebra
    OpSpec("dot", 2, 2, "numpy.dot: inner product, matrix product, sum over the last axis "
                        "of x and the second-to-last of y", shapes.dot, category="linalg"),
    OpSpec("matmul", 2, 2, "matrix product with numpy's 1-D and batch rules; also a @ b",
           shapes.matmul, category="linalg", written="'@'"),
    OpSpec("transpose", 1, 1, "axes permuted (reversed by default)", shapes.transpose,
           {"axes": Param(None, "axes")}, "linalg"),
    OpSpec("outer", 2, 2, "outer product of the flattened x and y", shapes.outer,
           category="linalg"),
    OpSpec("trace", 1, 1, "sum of the diagonal (first two axes)", shapes.trace,
           category="linalg"),
    OpSpec("det", 1, 1, "determinant of square matrices", shapes.square_to_batch,
           category="linalg"),
    OpSpec("inv", 1, 1, "inverse of square matrices", shapes.square, category="linalg",
           guard=lambda a, p: np.sign(np.linalg.det(np.real(a[0])))),
    # other
    OpSpec("softmax", 1, 1, "exp(x) / sum(exp(x)) over axis (all elements by default)",
           keywords={"axis": AXIS}, category="other"),
    OpSpec("reshape", 1, 1, "numpy's reshape, e.g. reshape(x, (2, -1)) (one size may be -1)",
           shapes.reshape, {"shape": Param(None, "ints")}, "other",
           static_positional=("shape",)),
]

OPS: Mapping[str, OpSpec] = {row.name: row for row in _ROWS}
USER_FUNCTIONS: tuple[str, ...] = tuple(r.name for r in _ROWS if r.callable_by_user)
CONSTANTS: tuple[str, ...] = ("pi", "e")
# names an input may not take: functions, constants, and the reserved point key
RESERVED_NAMES: frozenset[str] = frozenset(USER_FUNCTIONS) | {"pi", "e", "inf", "expect"}
