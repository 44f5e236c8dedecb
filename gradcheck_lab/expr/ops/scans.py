"""Rows of the scans and order statistics: ``cumsum``, ``cumprod``, ``sort``, ``argsort``,
``topk`` (torch's values), ``median`` (numpy's: the mean of the middle two for an even
count). The derivative of ``sort`` is a permutation at the point; ties are kinks."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from gradcheck_lab.errors import ShapeProblem
from gradcheck_lab.expr.opspec import Arrays, OpSpec, Params
from gradcheck_lab.expr.params import KEEPDIMS, Param
from gradcheck_lab.expr.shapes import Shape, axes_of, reduction


def _one_axis(shape: Shape, axis: int | None) -> int | None:
    if axis is None:
        return None
    if isinstance(axis, tuple):
        raise ShapeProblem(f"axis must be one integer, got {axis}")
    return axes_of(axis, shape)[0] if shape else None


def _scan_shape(shapes: Sequence[Shape], params: Params) -> Shape:
    shape = shapes[0]
    if params.get("axis") is None:
        return (int(np.prod(shape)),)
    _one_axis(shape, params["axis"])
    return shape


def _sort_shape(shapes: Sequence[Shape], params: Params) -> Shape:
    if not shapes[0]:
        raise ShapeProblem("sort needs an array of 1 or more dimensions")
    _one_axis(shapes[0], params["axis"])
    return shapes[0]


def _topk_shape(shapes: Sequence[Shape], params: Params) -> Shape:
    shape, k = shapes[0], params["k"]
    ax = _one_axis(_sort_shape(shapes, {"axis": params["axis"]}), params["axis"])
    assert ax is not None
    if not 1 <= k <= shape[ax]:
        raise ShapeProblem(f"k = {k} must lie in 1..{shape[ax]} (the size of axis {ax})")
    return shape[:ax] + (k,) + shape[ax + 1:]


def _sorted_rows(args: Arrays, params: Params) -> np.ndarray:
    a = np.real(np.asarray(args[0]))
    axis = params.get("axis")
    if axis is None:
        return np.sort(a.reshape(1, -1), axis=-1)
    return np.sort(np.moveaxis(a, axis, -1), axis=-1)


def _ties(upto: Callable[[Params], int] | None = None,
          descending: bool = False) -> Callable[[Arrays, Params], bool]:
    """Equal neighbours among the first ``upto(params)`` sorted positions (all when None) of
    each row: a kink."""
    def kink(args: Arrays, params: Params) -> bool:
        rows = _sorted_rows(args, params)
        if descending:
            rows = rows[..., ::-1]
        window = rows if upto is None else rows[..., : upto(params)]
        return bool(np.any(window[..., 1:] == window[..., :-1]))
    return kink


def _order_guard(args: Arrays, params: Params) -> np.ndarray:
    a = np.real(np.asarray(args[0]))
    axis = params.get("axis")
    flat = a.reshape(-1) if axis is None else np.moveaxis(a, axis, -1)
    return np.ravel(np.argsort(flat, axis=-1, kind="stable"))


def _median_shape(shapes: Sequence[Shape], params: Params) -> Shape:
    _one_axis(shapes[0], params.get("axis"))
    return reduction(shapes, params)


def _median_kink(args: Arrays, params: Params) -> bool:
    rows = _sorted_rows(args, params)
    n = rows.shape[-1]
    mid = rows[..., max(n // 2 - 1, 0): n // 2 + 2]  # the middle ones and their neighbours
    return bool(np.any(mid[..., 1:] == mid[..., :-1]))


ROWS: list[OpSpec] = [
    OpSpec("cumsum", 1, 1, "cumulative sum along axis (of the flattened array for None)",
           _scan_shape, {"axis": Param(None, "axis")}, "scan"),
    OpSpec("cumprod", 1, 1, "cumulative product along axis", _scan_shape,
           {"axis": Param(None, "axis")}, "scan"),
    OpSpec("sort", 1, 1, "sorted along axis, ascending (the derivative is the permutation at "
                         "the point; ties are kinks)", _sort_shape,
           {"axis": Param(-1, "axis")}, "scan", kink=_ties(), guard=_order_guard),
    OpSpec("argsort", 1, 1, "the indices that sort along axis (stable)", _sort_shape,
           {"axis": Param(-1, "axis")}, "scan", kink=_ties(), guard=_order_guard, jump=True,
           integer=True),
    OpSpec("topk", 1, 1, "torch.topk(x, k, dim=axis).values: the k largest along axis, "
                         "largest first (ties inside them are kinks)", _topk_shape,
           {"k": Param(None, "int"), "axis": Param(-1, "axis")}, "scan",
           static_positional=("k",),
           kink=_ties(lambda p: p["k"] + 1, descending=True), guard=_order_guard),
    OpSpec("median", 1, 1, "numpy's median over axis (mean of the two middle elements for an "
                           "even count)", _median_shape,
           {"axis": Param(None, "axis"), "keepdims": KEEPDIMS},
           "scan", kink=_median_kink, guard=_order_guard),
]
