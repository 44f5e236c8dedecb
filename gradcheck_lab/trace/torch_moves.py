"""aten element moves (resolved at the point on element positions) and composite ops.

An element move (``gather``, ``index``, ``index_put``, ``scatter``, ``cat``, ``flip``,
``masked_fill`` or ``where`` with a condition known at the point, ``split``...) only
copies elements: run on int64 position tensors instead of its floating inputs, torch
itself says where each output element comes from (a ``Scalar`` fill value becomes one more
source), and the builder picks those elements. Composite ops (``native_layer_norm``,
``nll_loss_forward``, ``softplus`` with torch's threshold, ``sort``...) are written with
graph ops by hand; integer outputs (indices, argmax) are taken at the point.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck_lab.expr.ops import OPS
from gradcheck_lab.trace.builder import Unmapped, Value
from gradcheck_lab.trace.conv import conv2d
from gradcheck_lab.trace.torch_state import Call, TArg, Tensors

Row = Callable[[Tensors, Call], "Value | list[Value]"]

MOVES = {"gather", "index_select", "index", "index_put", "scatter", "cat", "concat",
         "flip", "roll", "take", "diagonal", "narrow", "repeat", "tile", "select_scatter",
         "slice_scatter", "split", "split_with_sizes", "unbind", "chunk", "unfold",
         "as_strided", "diag_embed", "tril", "triu"}
SENTINEL = -1  # a Scalar fill value's position while positions are traced


def _arg(call: Call, index: int, key: str, default: Any = None) -> Any:
    if key in call.kwargs:
        return call.kwargs[key]
    return call.args[index] if len(call.args) > index else default


def _outs(call: Call) -> list[TArg]:
    return [o for o in call.outs if isinstance(o, TArg)]


def moved(t: Tensors, call: Call) -> list[Value]:
    """An element move, resolved by running it on element positions."""
    import torch
    from torch.utils._pytree import tree_flatten, tree_unflatten

    schema = call.func._schema.arguments
    args: list[Any] = list(call.args)
    fill: Any = None
    for i, a in enumerate(args):  # a Scalar argument is a fill value: a sentinel position
        if i < len(schema) and str(schema[i].type) == "Scalar" and not isinstance(a, TArg):
            fill, args[i] = a, SENTINEL
    flat, spec = tree_flatten((args, call.kwargs))
    sources, start, replaced = [], 0, []
    for a in flat:
        if isinstance(a, TArg) and a.dtype.kind == "f":
            size = int(np.prod(a.shape))
            replaced.append(torch.arange(start, start + size).reshape(a.shape))
            sources.append(t.value(a))
            start += size
        else:
            replaced.append(torch.as_tensor(a.value) if isinstance(a, TArg) else a)
    pos_args, pos_kwargs = tree_unflatten(replaced, spec)
    out, _ = tree_flatten(call.func(*pos_args, **pos_kwargs))
    if fill is not None:
        sources.append(t.b.constant(float(fill)))
    results = []
    for o in out:
        index = np.asarray(o.numpy(), dtype=np.int64).copy()
        index[index == SENTINEL] = start
        results.append(t.b.pick(sources, index, f"aten.{call.name}"))
    return results


def _pinned(t: Tensors, call: Call, k: int) -> Value:
    """Output ``k`` (integer: indices, counts) as a constant taken at the point."""
    return t.b.constant(_outs(call)[k].value, pinned=True)


def _condition(t: Tensors, call: Call, cond: Value, a: Value, b: Value) -> Value:
    if cond.constant:
        return moved(t, call)[0]
    return t.b.op("where", cond, a, b)


def _where(t: Tensors, c: Call) -> Value:
    cond = t.value(_arg(c, 0, "condition"))
    x = t.value(_arg(c, 1, "self"))
    return _condition(t, c, cond, x, t.value(_arg(c, 2, "other"), x.dtype))


def _masked_fill(t: Tensors, c: Call) -> Value:
    x = t.value(_arg(c, 0, "self"))
    mask = t.value(_arg(c, 1, "mask"))
    return _condition(t, c, mask, t.value(_arg(c, 2, "value"), x.dtype), x)


def _softmax(t: Tensors, c: Call) -> Value:
    x = t.value(c.args[0])
    axis = int(c.args[1]) % len(x.shape)
    if not (c.name.startswith("_log_softmax") or c.name.startswith("log_softmax")):
        return t.b.op("softmax", x, axis=axis)
    if "log_softmax" in OPS:
        return t.b.op("log_softmax", x, axis=axis)
    return t.b.op("sub", x, t.b.op("logsumexp", x, axis=axis, keepdims=True))


def _concatenate(t: Tensors, c: Call) -> Value:
    items = [t.value(a) for a in c.args[0]]
    return t.b.op("concatenate", *items, axis=int(_arg(c, 1, "dim", 0)) % len(items[0].shape))


def _flip(t: Tensors, c: Call) -> Value:
    x = t.value(c.args[0])
    dims = tuple(sorted(int(d) % len(x.shape) for d in c.args[1]))
    return t.b.op("flip", x, axis=dims[0] if len(dims) == 1 else dims)


def _layer_norm(t: Tensors, c: Call) -> list[Value]:
    x = t.value(c.args[0])
    k = len(c.args[1])
    axes = tuple(range(len(x.shape) - k, len(x.shape)))
    axis = axes[0] if k == 1 else axes
    mu = t.b.op("mean", x, axis=axis, keepdims=True)
    centred = t.b.op("sub", x, mu)
    var = t.b.op("mean", t.b.op("pow", centred, t.b.constant(2)), axis=axis, keepdims=True)
    eps = t.b.constant(float(c.args[4]))
    rstd = t.b.op("div", t.b.constant(1.0), t.b.op("sqrt", t.b.op("add", var, eps)))
    y = t.b.op("mul", centred, rstd)
    for extra, op in ((c.args[2], "mul"), (c.args[3], "add")):
        if extra is not None:
            y = t.b.op(op, y, t.value(extra))
    outs = _outs(c)
    return [y, t.b.reshape(mu, outs[1].shape), t.b.reshape(rstd, outs[2].shape)]


def _nll_loss(t: Tensors, c: Call) -> list[Value]:
    logp, target = t.value(c.args[0]), c.args[1]
    weight, reduction, ignore = c.args[2], int(c.args[3]), int(c.args[4])
    if weight is not None or len(logp.shape) != 2:
        raise Unmapped("nll_loss_forward", "class weights or inputs other than (N, C)")
    labels = np.asarray(target.value).reshape(-1)
    valid = labels != ignore
    rows = np.flatnonzero(valid)
    flat = rows * logp.shape[1] + labels[valid]
    count = t.b.constant(float(valid.sum()))
    if reduction == 0:  # per row: -logp[row, label], 0 where ignored
        per_row = np.where(valid, np.arange(labels.size) * logp.shape[1]
                           + np.where(valid, labels, 0), int(np.prod(logp.shape)))
        zero = t.b.constant(0.0)
        return [t.b.pick([t.b.op("neg", logp), zero], per_row, "nll_loss"), count]
    total = t.b.op("neg", t.b.op("sum", t.b.pick([logp], flat, "nll_loss")))
    return [t.b.op("div", total, count) if reduction == 1 else total, count]


def _softplus(t: Tensors, c: Call) -> Value:
    x = t.value(c.args[0])
    return softplus(t, x, float(_arg(c, 1, "beta", 1.0)), float(_arg(c, 2, "threshold", 20.0)))


def softplus(t: Tensors, x: Value, beta: float, threshold: float) -> Value:
    """torch's softplus: log(1 + exp(beta x)) / beta, and x itself where beta x > threshold
    (which side each element is on is taken at the point)."""
    scaled = t.b.op("mul", x, t.b.constant(beta))
    smooth = t.b.op("div", t.b.op("softplus", scaled), t.b.constant(beta))
    above = np.asarray(scaled.array() > threshold)
    if not above.any():
        return smooth
    if above.all():
        return x
    return t.b.pick([smooth, x], np.where(above, above.size, 0) + np.arange(above.size)
                    .reshape(above.shape), "softplus above its threshold")


def _sort(t: Tensors, c: Call) -> list[Value]:
    x = t.value(c.args[0])
    order = _outs(c)[1]
    dim = int(_arg(c, 2, "dim", -1) if c.name == "topk" else _arg(c, 1, "dim", -1))
    dim = dim % len(x.shape)
    if c.name == "sort" and "sort" in OPS:  # the language's sort: valid at every point
        values = t.b.op("sort", x, axis=dim)
        if bool(_arg(c, 2, "descending", False)):
            values = t.b.op("flip", values, axis=dim)
        return [values, _pinned(t, c, 1)]
    base = np.moveaxis(np.arange(int(np.prod(x.shape))).reshape(x.shape), dim, -1)
    index = np.take_along_axis(base, np.moveaxis(order.value, dim, -1), axis=-1)
    return [t.b.pick([x], np.moveaxis(index, -1, dim), f"aten.{c.name}"),
            _pinned(t, c, 1)]


def _extreme(t: Tensors, c: Call) -> Value | list[Value]:
    x = t.value(c.args[0])
    op = "max" if c.name.startswith("max") else "min"
    if len(c.args) < 2 or isinstance(c.args[1], TArg):
        return t.b.op(op, x) if len(c.args) < 2 else t.b.op(
            "maximum" if op == "max" else "minimum", x, t.value(c.args[1], x.dtype))
    keep = bool(_arg(c, 2, "keepdim", False))
    return [t.b.op(op, x, axis=int(c.args[1]) % len(x.shape), keepdims=keep),
            _pinned(t, c, 1)]


def _variance(t: Tensors, c: Call) -> Value | list[Value]:
    """var/std/var_mean: sum((x - mean)^2) / (n - correction), over the axes."""
    x = t.value(c.args[0])
    dims = _arg(c, 1, "dim")
    axes = tuple(range(len(x.shape))) if not dims else tuple(
        sorted(int(d) % len(x.shape) for d in (dims if isinstance(dims, (list, tuple))
                                               else [dims])))
    if c.func._overloadname in ("default", "dim"):  # var(x, dim, unbiased, keepdim)
        correction = 1.0 if _arg(c, 2, "unbiased", True) else 0.0
        keep = bool(_arg(c, 3, "keepdim", False))
    else:  # var.correction(x, dim, *, correction, keepdim)
        given = c.kwargs.get("correction")
        correction, keep = 1.0 if given is None else float(given), bool(
            c.kwargs.get("keepdim", False))
    count = float(np.prod([x.shape[d] for d in axes]))
    axis = axes[0] if len(axes) == 1 else axes
    mu = t.b.op("mean", x, axis=axis, keepdims=True)
    sq = t.b.op("pow", t.b.op("sub", x, mu), t.b.constant(2))
    var = t.b.op("div", t.b.op("sum", sq, axis=axis, keepdims=keep),
                 t.b.constant(count - correction))
    if c.name.startswith("std"):
        return t.b.op("sqrt", var)
    if c.name.startswith("var_mean"):
        return [var, t.b.op("mean", x, axis=axis, keepdims=keep)]
    return var


def _act(t: Tensors, c: Call) -> Value:
    x = t.value(c.args[0])
    if c.name == "gelu":
        return t.b.op("gelu", x, approximate=_arg(c, 1, "approximate", "none"))
    if c.name == "silu":
        return t.b.op("silu", x) if "silu" in OPS else t.b.op("mul", x, t.b.op("sigmoid", x))
    if c.name == "mish":
        return t.b.op("mul", x, t.b.op("tanh", softplus(t, x, 1.0, 20.0)))
    raise Unmapped(f"aten.{c.name}")


def _log_sigmoid(t: Tensors, c: Call) -> list[Value]:
    x = t.value(c.args[0])
    value = t.b.op("neg", softplus(t, t.b.op("neg", x), 1.0, 20.0))
    return [value, t.b.constant(_outs(c)[1].value)]


def _copy(t: Tensors, c: Call) -> Value:
    dst = c.args[0]
    src = t.b.cast(t.value(c.args[1]), dst.dtype)
    return t.b.broadcast(t.b.reshape(src, (1,) * (len(dst.shape) - len(src.shape))
                                     + src.shape), dst.shape)


def _stack(t: Tensors, c: Call) -> Value:
    items = [t.value(a) for a in c.args[0]]
    if int(_arg(c, 1, "dim", 0)) == 0 and len({v.shape for v in items}) == 1:
        return t.b.op("stack", *items)
    return moved(t, c)[0]


def _integers(t: Tensors, c: Call) -> Value:
    return _pinned(t, c, 0)


def _conv(t: Tensors, c: Call) -> Value:
    x, w, bias = t.value(c.args[0]), t.value(c.args[1]), c.args[2]
    stride, padding, dilation, transposed = c.args[3:7]
    if transposed or len(x.shape) != 4:
        raise Unmapped("aten.convolution", "only 2-D convolutions, not transposed")
    y = conv2d(t.b, x, w, stride=tuple(stride), padding=[(int(p), int(p)) for p in padding],
               dilation=tuple(dilation), groups=int(c.args[8]))
    if bias is None:
        return y
    return t.b.op("add", y, t.b.reshape(t.value(bias), (1, -1, 1, 1)))


COMPOSITES: dict[str, Row] = {
    "where": _where, "masked_fill": _masked_fill, "_softmax": _softmax,
    "softmax": _softmax, "_log_softmax": _softmax, "log_softmax": _softmax,
    "native_layer_norm": _layer_norm, "nll_loss_forward": _nll_loss,
    "softplus": _softplus, "sort": _sort, "topk": _sort, "max": _extreme, "min": _extreme,
    "var": _variance, "std": _variance, "var_mean": _variance, "gelu": _act, "silu": _act,
    "mish": _act, "log_sigmoid_forward": _log_sigmoid,
    "copy": _copy, "stack": _stack, "argmax": _integers, "argmin": _integers,
    "cat": _concatenate, "concat": _concatenate, "flip": _flip,
    "convolution": _conv, "cumsum": lambda t, c: t.b.op(
        "cumsum", t.value(c.args[0]), axis=int(c.args[1]) % len(c.args[0].shape)),
}
