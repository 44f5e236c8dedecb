"""Rows of the reductions over axes (``sum``, ``max``, ``norm``...) and ``softmax``."""

from __future__ import annotations

import numpy as np

from gradcheck_lab.expr.opspec import (
    Arrays,
    OpSpec,
    Params,
    argext,
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
    return np.concatenate([np.ravel(argext(np.abs(a), {"axis": axis}, True)), np.ravel(side(a))])


ROWS: list[OpSpec] = [
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
    OpSpec("softmax", 1, 1, "exp(x) / sum(exp(x)) over axis (all elements by default)",
           keywords={"axis": AXIS}, category="other"),
]
