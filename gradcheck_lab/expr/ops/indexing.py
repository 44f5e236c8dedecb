"""Rows of integer and boolean indexing and the ops that make indices: ``x[idx]``,
``take_along_axis``, ``one_hot``, ``argmax``/``argmin``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from gradcheck_lab.expr import shapes_index
from gradcheck_lab.expr.opspec import Arrays, OpSpec, Params, argext, ties
from gradcheck_lab.expr.params import Param


def _arg_kink(largest: bool) -> Callable[[Arrays, Params], bool]:
    def kink(args: Arrays, params: Params) -> bool:
        return ties(args[0], {"axis": params["axis"]}, largest)
    return kink


def _arg_guard(largest: bool) -> Callable[[Arrays, Params], np.ndarray]:
    def guard(args: Arrays, params: Params) -> np.ndarray:
        return argext(args[0], {"axis": params["axis"]}, largest)
    return guard


def _index_shape(shapes: Sequence[tuple[int, ...]], params: Params) -> tuple[int, ...]:
    raise AssertionError("index's shape depends on values: value_shape is used")


ROWS: list[OpSpec] = [
    OpSpec("index", 2, 33, "integer and boolean array indexing (numpy's advanced indexing): "
                           "idx an int64 input, argmax(...), a comparison, astype(..., "
                           "'int64'); mixes with slices and integers", _index_shape,
           {"index": Param(None, "ints")}, "structure", callable_by_user=False,
           written="indexing", syntax="x[idx], x[mask], x[:, idx]",
           value_shape=shapes_index.index_values),
    OpSpec("take_along_axis", 2, 2, "numpy's take_along_axis: arr's elements at indices along "
                                    "axis (indices of arr's number of dimensions)",
           shapes_index.take_along_axis, {"axis": Param(None, "int")}, "structure",
           static_positional=("axis",), arrays=("arr", "indices")),
    OpSpec("one_hot", 1, 1, "torch.nn.functional.one_hot: an int64 array with a last axis of "
                            "num_classes (labels must lie in 0..num_classes-1)",
           shapes_index.one_hot, {"num_classes": Param(None, "int")}, "structure",
           static_positional=("num_classes",), integer=True, arrays=("labels",)),
    OpSpec("argmax", 1, 1, "index of the largest element (flat for axis=None); first of ties",
           shapes_index.arg_reduction, {"axis": Param(None, "axis"),
                                        "keepdims": Param(False, "bool")}, "reduction",
           kink=_arg_kink(True), guard=_arg_guard(True), jump=True, integer=True),
    OpSpec("argmin", 1, 1, "index of the smallest element", shapes_index.arg_reduction,
           {"axis": Param(None, "axis"), "keepdims": Param(False, "bool")}, "reduction",
           kink=_arg_kink(False), guard=_arg_guard(False), jump=True, integer=True),
]
