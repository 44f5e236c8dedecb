"""Rows of the shape ops, numpy's names and signatures: ``concatenate``, ``stack``, ``pad``,
``flip``, ``roll``, ``tile``, ``repeat``, ``tril``/``triu``, ``diag``, ``diagonal``,
``squeeze``, ``expand_dims``, ``broadcast_to``, ``moveaxis``, ``swapaxes``, ``ravel``,
``einsum``, ``tensordot``, ``kron``, ``cross``. All are linear (or multilinear) in their
arrays: no kinks."""

from __future__ import annotations

from gradcheck_lab.expr import shapes_einsum
from gradcheck_lab.expr import shapes_shape as rules
from gradcheck_lab.expr.opspec import OpSpec
from gradcheck_lab.expr.params import AXIS, Param

INT_AXIS = Param(0, "int")


def shape_op(name: str, doc: str, rule: rules.ShapeRuleType, **kw: object) -> OpSpec:
    return OpSpec(name, kw.pop("min_args", 1), kw.pop("max_args", 1), doc, rule,  # type: ignore
                  category="shape", **kw)  # type: ignore[arg-type]


ROWS: list[OpSpec] = [
    shape_op("concatenate", "arrays joined along an existing axis (None: flattened first)",
             rules.concatenate, min_args=1, max_args=1_000, sequence=True,
             keywords={"axis": Param(0, "axis")}, order=("arrays", "axis"),
             static_positional=()),
    shape_op("ravel", "the elements as a vector (C order)", rules.ravel),
    shape_op("pad", "numpy's pad: pad_width an int, (before, after) or one pair per axis; "
                    "mode 'constant' (constant_values), 'edge' or 'reflect'", rules.pad,
             keywords={"pad_width": Param(None, "nested"),
                       "mode": Param("constant", "choice", ("constant", "edge", "reflect")),
                       "constant_values": Param(0.0, "number")},
             static_positional=("pad_width",)),
    shape_op("flip", "the order of elements reversed along axis (all axes by default)",
             rules.same_with_axes, keywords={"axis": AXIS}),
    shape_op("roll", "elements shifted cyclically by shift along axis (flattened if None)",
             rules.roll, keywords={"shift": Param(None, "nested"), "axis": AXIS},
             static_positional=("shift",)),
    shape_op("tile", "numpy's tile: the array repeated reps times along each axis",
             rules.tile, keywords={"reps": Param(None, "ints")}, static_positional=("reps",)),
    shape_op("repeat", "each element repeated `repeats` times along axis (flattened if None)",
             rules.repeat, keywords={"repeats": Param(None, "int"), "axis": Param(None, "axis")},
             static_positional=("repeats",)),
    shape_op("tril", "lower triangle of the last two axes (k: which diagonal), zeros above",
             rules.triangle, keywords={"k": Param(0, "int")}),
    shape_op("triu", "upper triangle of the last two axes, zeros below", rules.triangle,
             keywords={"k": Param(0, "int")}),
    shape_op("diag", "numpy's diag: the k-th diagonal of a matrix, or the matrix with a "
                     "vector on it", rules.diag, keywords={"k": Param(0, "int")}),
    shape_op("diagonal", "numpy's diagonal(x, offset, axis1, axis2) (the diagonal last)",
             rules.diagonal, keywords={"offset": Param(0, "int"), "axis1": INT_AXIS,
                                       "axis2": Param(1, "int")}),
    shape_op("squeeze", "axes of size 1 removed (those of axis, or all)", rules.squeeze,
             keywords={"axis": AXIS}),
    shape_op("expand_dims", "a new axis of size 1 at axis", rules.expand_dims,
             keywords={"axis": Param(None, "axis")}, static_positional=("axis",)),
    shape_op("broadcast_to", "the array broadcast to shape", rules.broadcast_to,
             keywords={"shape": Param(None, "ints")}, static_positional=("shape",)),
    shape_op("moveaxis", "axes moved from source to destination", rules.moveaxis,
             keywords={"source": Param(None, "nested"), "destination": Param(None, "nested")},
             static_positional=("source", "destination")),
    shape_op("swapaxes", "two axes exchanged", rules.swapaxes,
             keywords={"axis1": Param(None, "int"), "axis2": Param(None, "int")},
             static_positional=("axis1", "axis2")),
    OpSpec("einsum", 1, 32, "numpy's einsum('ij,j->i', A, x): a sum of products over the "
                            "indices the string names (at most 10^7 multiplications)",
           shapes_einsum.einsum, {"subscripts": Param(None, "subscripts")}, "shape",
           order=("subscripts", "*operands"), static_positional=("subscripts",)),
    OpSpec("tensordot", 2, 2, "numpy's tensordot: a sum over the last axes of a and the first "
                              "of b (axes an int), or over the given pairs of axes",
           shapes_einsum.tensordot, {"axes": Param(2, "nested")}, "shape", arrays=("a", "b")),
    OpSpec("kron", 2, 2, "Kronecker product", rules.kron, category="shape", arrays=("a", "b")),
    OpSpec("cross", 2, 2, "cross product of 3-vectors along axis (broadcast)", rules.cross,
           {"axis": Param(-1, "int")}, "shape", arrays=("a", "b")),
]
