"""Rows of the reductions over axes (``sum``, ``max``, ``norm``...) and ``softmax``."""

from __future__ import annotations

import numpy as np

from gradcheck_lab.expr import shapes
from gradcheck_lab.expr.opspec import (
    REDUCE_KEYWORDS,
    Arrays,
    OpSpec,
    Params,
    argext,
    parts,
    reduction,
    side,
    ties,
)
from gradcheck_lab.expr.params import AXIS, KEEPDIMS, Param


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
    # which elements are the largest in size (each reduction's argmax, ties all marked)
    # beside every element's sign, elementwise so that a batch keeps each point's block
    largest = np.abs(a) == np.max(np.abs(a), axis=axis, keepdims=True)
    return parts(largest, side(a))


def _spread(args: Arrays, params: Params) -> tuple[np.ndarray, int]:
    a = np.real(args[0])
    axis = params["axis"]
    n = a.size if axis is None else int(np.prod([a.shape[d] for d in np.atleast_1d(axis)]))
    return np.var(a, axis=axis), n


def _std_kink(args: Arrays, params: Params) -> bool:
    var, n = _spread(args, params)
    return n > 1 and bool(np.any(var == 0))  # over one element std is 0 everywhere: smooth


def _std_guard(args: Arrays, params: Params) -> np.ndarray:
    var, _ = _spread(args, params)
    return np.sign(np.ravel(var))


ROWS: list[OpSpec] = [
    reduction("sum", "sum over axis (all axes by default)"),
    reduction("mean", "mean over axis"),
    reduction("prod", "product over axis"),
    reduction("max", "largest element over axis (ties are kinks)",
              kink=lambda a, p: ties(a[0], p, True), guard=lambda a, p: argext(a[0], p, True)),
    reduction("min", "smallest element over axis (ties are kinks)",
              kink=lambda a, p: ties(a[0], p, False), guard=lambda a, p: argext(a[0], p, False)),
    OpSpec("logsumexp", 1, 2, "log(sum(b exp(a))) over axis, without overflow; b (weights, "
                              "broadcast against a) is optional, as in scipy",
           shapes.reduction, REDUCE_KEYWORDS, "reduction", arrays=("a", "b")),
    reduction("var", "variance over axis, divided by n - ddof (numpy's var)",
              keywords={"axis": AXIS, "ddof": Param(0, "int"), "keepdims": KEEPDIMS}),
    reduction("std", "standard deviation over axis, sqrt(var(x, axis, ddof)) (kink where "
                     "it is 0 over more than one element)",
              keywords={"axis": AXIS, "ddof": Param(0, "int"), "keepdims": KEEPDIMS},
              kink=_std_kink, guard=_std_guard),
    reduction("norm", "vector norm of order ord (2, 1 or inf) over axis (all elements by "
                      "default)",
              keywords={"ord": Param(2, "ord"), "axis": AXIS, "keepdims": KEEPDIMS},
              kink=_norm_kink, guard=_norm_guard),
    OpSpec("softmax", 1, 1, "exp(x) / sum(exp(x)) over axis (all elements by default)",
           keywords={"axis": AXIS}, category="other"),
]
