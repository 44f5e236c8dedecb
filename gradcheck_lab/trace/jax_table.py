"""JAX primitives -> graph ops: one row per primitive (a handler building graph ops).

A handler takes the builder, the traced input values and the equation's params, and returns
the traced output value(s). A primitive without a row, or whose row needs an op the
expression language does not have yet, is unmapped: the interpreter then folds it into a
constant when none of its inputs depends on a differentiated input, and otherwise the
reference falls back to finite differences of the user's function.

Primitives that only move elements around (``gather`` with indices known at the point,
``rev``, ``concatenate``, ``sort``, ``dynamic_slice``) are rows of ``SELECTIONS``: the
interpreter runs them on element positions to learn which input element lands where, and
the builder picks those elements (``Builder.pick``). ``sort`` is thereby the permutation
at the point, which is its derivative there (ties are kinks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck_lab.expr.ops import OPS
from gradcheck_lab.trace.builder import Builder, Unmapped, Value
from gradcheck_lab.trace.conv import conv2d

Handler = Callable[[Builder, list[Value], dict[str, Any]], "Value | list[Value]"]

UNARY: dict[str, str] = {
    "neg": "neg", "exp": "exp", "log": "log", "log1p": "log1p", "expm1": "expm1",
    "tanh": "tanh", "logistic": "sigmoid", "erf": "erf", "sin": "sin", "cos": "cos",
    "tan": "tan", "asin": "arcsin", "acos": "arccos", "atan": "arctan", "sinh": "sinh",
    "cosh": "cosh", "sqrt": "sqrt", "abs": "abs", "sign": "sign", "asinh": "arcsinh",
    "acosh": "arccosh", "atanh": "arctanh", "cbrt": "cbrt", "erfc": "erfc",
    "erf_inv": "erfinv", "lgamma": "gammaln", "digamma": "digamma", "floor": "floor",
    "ceil": "ceil",
}
BINARY: dict[str, str] = {
    "add": "add", "sub": "sub", "mul": "mul", "div": "div", "pow": "pow", "max": "maximum",
    "min": "minimum", "atan2": "arctan2",
}
COMPARISONS: dict[str, str] = {
    "eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal", "gt": "greater",
    "ge": "greater_equal", "and": "logical_and", "or": "logical_or", "xor": "logical_xor"}
REDUCTIONS: dict[str, str] = {"reduce_sum": "sum", "reduce_max": "max", "reduce_min": "min",
                              "reduce_prod": "prod"}
IDENTITIES = ("copy", "copy_p", "sharding_constraint", "reduce_precision")
# element moves, resolved at the point by running the primitive on element positions
# (when the row below, if any, finds no op of the language for them)
SELECTIONS = ("gather", "rev", "concatenate", "dynamic_slice", "sort", "pad", "scatter",
              "top_k", "dynamic_update_slice")


def _unary(op: str) -> Handler:
    return lambda b, ins, p: b.op(op, ins[0])


def _binary(op: str) -> Handler:
    return lambda b, ins, p: b.op(op, ins[0], ins[1])


def _compare(op: str) -> Handler:
    return lambda b, ins, p: b.op(op, ins[0], ins[1], dtype=bool)


def _reduce(op: str) -> Handler:
    return lambda b, ins, p: b.op(op, ins[0], axis=axis_param(p["axes"], len(ins[0].shape)))


def axis_param(axes: Any, ndim: int, none_for_all: bool = True
               ) -> int | tuple[int, ...] | None:
    """Axes as a person writes them: None for all (``none_for_all``), one int for one."""
    axes = tuple(sorted(int(a) % max(ndim, 1) for a in axes))
    if axes == tuple(range(ndim)) and none_for_all:
        return None
    return axes[0] if len(axes) == 1 else axes


def _integer_pow(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    return b.op("pow", ins[0], b.constant(int(p["y"])))


def _square(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    return b.op("pow", ins[0], b.constant(2))


def _rsqrt(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    return b.op("div", b.constant(1.0), b.op("sqrt", ins[0]))


def _exp2(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    return b.op("pow", b.constant(2.0), ins[0])


def _round(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    if int(p["rounding_method"]) != 1:  # numpy's round (the language's) is half to even
        raise Unmapped("round", "rounding half away from zero (rounding_method=0)")
    return b.op("round", ins[0], decimals=0)


def _select_n(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    which, cases = ins[0], ins[1:]
    shape = tuple(np.broadcast_shapes(*(c.shape for c in ins)))
    if which.constant and np.ndim(which.data) == 0:  # one case everywhere
        return b.broadcast(cases[int(which.data)], shape)
    if which.dtype.kind != "b" or len(cases) != 2:
        raise Unmapped("select_n", f"{len(cases)} cases chosen by integers")
    return b.op("where", which, cases[1], cases[0])


def _clamp(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    lo, x, hi = ins
    if "clip" in OPS:
        return b.op("clip", x, lo, hi)
    return b.op("minimum", b.op("maximum", x, lo), hi)


def _rev(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    return b.op("flip", ins[0], axis=axis_param(p["dimensions"], len(ins[0].shape), False))


def _concatenate(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    return b.op("concatenate", *ins, axis=int(p["dimension"]))


def _sort(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    if len(ins) != 1:
        raise Unmapped("sort", "several operands (an argsort)")
    return b.op("sort", ins[0], axis=int(p["dimension"]))


def _pad(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    x, fill = ins
    config = [tuple(int(v) for v in c) for c in p["padding_config"]]
    if not fill.constant or any(lo < 0 or hi < 0 or inner for lo, hi, inner in config):
        raise Unmapped("pad", "interior, negative or non-constant padding")
    return b.op("pad", x, pad_width=tuple((lo, hi) for lo, hi, _ in config),
                constant_values=float(fill.data))


def _convert(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    target = np.dtype(p["new_dtype"])
    x = ins[0]
    if x.dtype.kind == "f" and target.kind == "f" and target.itemsize < x.dtype.itemsize:
        b.note(f"the function rounds to {target.name} inside (convert_element_type); the "
               "exact reference treats that rounding as exact")
    return b.cast(x, target)


def _broadcast_in_dim(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    x, shape = ins[0], tuple(p["shape"])
    kept = [1] * len(shape)
    for i, d in enumerate(p["broadcast_dimensions"]):
        kept[d] = x.shape[i]
    return b.broadcast(b.reshape(x, kept), shape)


def _reshape(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    x = ins[0]
    if p.get("dimensions") is not None:
        x = b.transpose(x, tuple(p["dimensions"]))
    return b.reshape(x, tuple(p["new_sizes"]))


def _squeeze(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    x = ins[0]
    drop = {d % len(x.shape) for d in p["dimensions"]}
    return b.reshape(x, [n for d, n in enumerate(x.shape) if d not in drop])


def _expand_dims(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    x = ins[0]
    shape = list(x.shape)
    for d in sorted(p["dimensions"]):
        shape.insert(d, 1)
    return b.reshape(x, shape)


def _transpose(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    return b.transpose(ins[0], tuple(p["permutation"]))


def _dot_general(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    """``dot_general`` as a matrix product: both operands permuted to (batch, free,
    contracted) / (batch, contracted, free) and flattened to 2-D or 3-D when needed."""
    (lc, rc), (lb, rb) = p["dimension_numbers"]
    x, y = ins
    lf = [d for d in range(len(x.shape)) if d not in lc and d not in lb]
    rf = [d for d in range(len(y.shape)) if d not in rc and d not in rb]
    if not lb and len(lc) == 1 and len(x.shape) <= 2 and len(y.shape) <= 2:
        xm = x if lc[0] == len(x.shape) - 1 else b.transpose(x, (1, 0))
        ym = y if rc[0] == 0 else b.transpose(y, (1, 0))
        return b.op("matmul", xm, ym)
    batch = [x.shape[d] for d in lb]
    m, k = _size(x.shape, lf), _size(x.shape, lc)
    n = _size(y.shape, rf)
    xm = b.reshape(b.transpose(x, tuple(lb) + tuple(lf) + tuple(lc)), batch + [m, k])
    ym = b.reshape(b.transpose(y, tuple(rb) + tuple(rc) + tuple(rf)), batch + [k, n])
    out = b.op("matmul", xm, ym)
    return b.reshape(out, batch + [x.shape[d] for d in lf] + [y.shape[d] for d in rf])


def _size(shape: tuple[int, ...], dims: Any) -> int:
    return int(np.prod([shape[d] for d in dims])) if len(dims) else 1


def _slice(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    steps = p.get("strides") or [1] * len(p["start_indices"])
    index = tuple(slice(int(s), int(e), int(st)) for s, e, st in
                  zip(p["start_indices"], p["limit_indices"], steps, strict=True))
    return b.getitem(ins[0], index)


def _cumulative(op: str) -> Handler:
    def row(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
        x, axis = ins[0], int(p["axis"])
        if not p.get("reverse"):
            return b.op(op, x, axis=axis)
        return b.op("flip", b.op(op, b.op("flip", x, axis=axis), axis=axis), axis=axis)
    return row


def _identity(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    return ins[0]


def _optimization_barrier(b: Builder, ins: list[Value], p: dict[str, Any]) -> list[Value]:
    return list(ins)


def _conv(b: Builder, ins: list[Value], p: dict[str, Any]) -> Value:
    x, w = ins
    dn = p["dimension_numbers"]
    if (len(x.shape) != 4 or any(d != 1 for d in p["lhs_dilation"])
            or p["batch_group_count"] != 1):
        raise Unmapped("conv_general_dilated", "only 2-D convolutions without input dilation")
    pads = [(int(lo), int(hi)) for lo, hi in p["padding"]]
    xt = b.transpose(x, tuple(dn.lhs_spec))
    wt = b.transpose(w, tuple(dn.rhs_spec))
    y = conv2d(b, xt, wt, stride=tuple(p["window_strides"]), padding=pads,
               dilation=tuple(p["rhs_dilation"]), groups=int(p["feature_group_count"]))
    return b.transpose(y, tuple(int(i) for i in np.argsort(dn.out_spec)))


TABLE: dict[str, Handler] = {
    **{name: _unary(op) for name, op in UNARY.items()},
    **{name: _binary(op) for name, op in BINARY.items()},
    **{name: _compare(op) for name, op in COMPARISONS.items()},
    **{name: _reduce(op) for name, op in REDUCTIONS.items()},
    **{name: _identity for name in IDENTITIES},
    "integer_pow": _integer_pow, "square": _square, "rsqrt": _rsqrt, "exp2": _exp2,
    "round": _round, "select_n": _select_n, "clamp": _clamp,
    "convert_element_type": _convert, "broadcast_in_dim": _broadcast_in_dim,
    "reshape": _reshape, "squeeze": _squeeze, "expand_dims": _expand_dims,
    "transpose": _transpose, "dot_general": _dot_general, "slice": _slice,
    "cumsum": _cumulative("cumsum"), "cumprod": _cumulative("cumprod"), "rev": _rev,
    "concatenate": _concatenate, "sort": _sort, "pad": _pad,
    "optimization_barrier": _optimization_barrier, "conv_general_dilated": _conv,
}
