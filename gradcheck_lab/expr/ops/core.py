"""Rows of the syntax's operators and of indexing and structure (``a + b``, ``x[i]``,
``x.T``, ``[a, b]``, ``reshape``)."""

from __future__ import annotations

import numpy as np

from gradcheck_lab.expr import shapes, shapes_shape
from gradcheck_lab.expr.opspec import Arrays, OpSpec, Params, operator, side
from gradcheck_lab.expr.params import Param


def _pow_guard(args: Arrays, params: Params) -> np.ndarray:
    base, exponent = np.real(args[0]), np.real(args[1])
    if np.all((exponent == np.round(exponent)) & (exponent >= 0)):
        return np.zeros(1)  # a polynomial: smooth everywhere
    return side(base)


ROWS: list[OpSpec] = [
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
    OpSpec("stack", 1, 1_000_000, "stacked along a new axis (first for [a, b]; items "
                                  "broadcast): stack([a, b], axis=1), [a, b]",
           shapes_shape.stack, {"axis": Param(0, "int")}, category="structure",
           broadcast=True, written="the list [...]", sequence=True, order=("arrays", "axis")),
    OpSpec("reshape", 1, 1, "numpy's reshape, e.g. reshape(x, (2, -1)) (one size may be -1)",
           shapes.reshape, {"shape": Param(None, "ints")}, "other",
           static_positional=("shape",)),
]
