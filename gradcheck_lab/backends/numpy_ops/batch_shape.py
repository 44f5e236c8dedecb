"""Batch rules (``batch``) of the structure and network rows whose ``axis``, subscripts or
pad widths must learn about the leading batch axis: convolutions with a moving weight,
``pad``, ``roll``, ``concatenate``, ``tril``/``triu``, ``diagonal``, ``einsum``,
``cross``, ``solve``, the rows along one axis (sorts, ``median``, cumulative sums) and
the losses (``cross_entropy``, ``nll_loss``). Each gives what the row gives point by
point (tests/test_fd_batch.py), and falls back to ``looped`` where a form is not worth a
rule of its own.

Measured before these rules, on a third of the throughput suite (26 s of finite
differences): conv2d with its weight differentiated spent 4.7 s in 6 batched
evaluations stacked point by point, the shape rows together about 1.2 s.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from gradcheck_lab.backends.numpy_ops.batch_kinds import (
    Rule,
    aligned,
    broadcasting,
    core_rank,
    looped,
    per_item,
)
from gradcheck_lab.backends.numpy_ops.nn import conv_stack, cross_entropy_stack, nll_stack
from gradcheck_lab.backends.numpy_ops.shape import pad_stack


def conv(dims: int) -> Rule:
    """conv1d/conv2d: input, weight and bias as stacks of one (fixed) or of the batch."""
    def rule(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
             params: dict[str, Any]) -> np.ndarray:
        x, w, *rest = (a if f else a[None] for a, f in zip(args, flags, strict=True))
        keys = ("stride", "padding", "dilation", "groups")
        return conv_stack(x, w, rest[0] if rest else None, dims,
                          **{k: params[k] for k in keys if k in params})
    return rule


def last_two(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
             params: dict[str, Any]) -> np.ndarray:
    """tril/triu act on the last two axes of a stack (a 1-D core is made a matrix first)."""
    if core_rank(args[0], flags[0]) < 2:
        return looped(fn, args, flags, params)
    return per_item(fn, args, flags, params)


def diagonal(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
             params: dict[str, Any]) -> np.ndarray:
    rank = args[0].ndim - 1
    if rank < 2:
        return looped(fn, args, flags, params)  # as the row says (it refuses)
    axes = {k: params.get(k, d) % rank + 1 for k, d in (("axis1", 0), ("axis2", 1))}
    return np.asarray(fn(args[0], **{**params, **axes}))


def pad(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
        params: dict[str, Any]) -> np.ndarray:
    return pad_stack(args[0], params["pad_width"], 1, params.get("mode", "constant"),
                     params.get("constant_values", 0.0))


def roll(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
         params: dict[str, Any]) -> np.ndarray:
    a, axis = args[0], params.get("axis")
    rank = a.ndim - 1
    if rank == 0:
        return looped(fn, args, flags, params)
    if axis is None:  # numpy rolls the flattened array: each point's own
        if not isinstance(params["shift"], int):
            return looped(fn, args, flags, params)  # as the row says (it may refuse)
        return np.roll(a.reshape(a.shape[0], -1), params["shift"], 1).reshape(a.shape)
    moved = (tuple(ax % rank + 1 for ax in axis) if isinstance(axis, tuple)
             else axis % rank + 1)
    return np.asarray(fn(a, **{**params, "axis": moved}))


def concatenate(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
                params: dict[str, Any]) -> np.ndarray:
    size = next(a.shape[0] for a, f in zip(args, flags, strict=True) if f)
    items = [a if f else np.broadcast_to(a, (size, *a.shape))
             for a, f in zip(args, flags, strict=True)]
    axis = params.get("axis", 0)
    if axis is None:
        return np.concatenate([a.reshape(size, -1) for a in items], axis=1)
    ranks = {a.ndim - 1 for a in items}
    if len(ranks) != 1 or 0 in ranks:
        return looped(fn, args, flags, params)  # numpy refuses: let it say so
    return np.concatenate(items, axis=axis % ranks.pop() + 1)


def einsum(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
           params: dict[str, Any]) -> np.ndarray:
    """Explicit subscripts ('ij,j->i') get a free label for the batch axis on the batched
    operands and the output; implicit ones and '...' go point by point."""
    subscripts = params["subscripts"]
    if "->" not in subscripts or "." in subscripts:
        return looped(fn, args, flags, params)
    free = next(c for c in string.ascii_letters if c not in subscripts)
    inputs, output = subscripts.replace(" ", "").split("->")
    operands = inputs.split(",")
    labelled = ",".join(free + s if f else s for s, f in zip(operands, flags, strict=True))
    return np.asarray(fn(*args, subscripts=f"{labelled}->{free}{output}"))


def cross(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
          params: dict[str, Any]) -> np.ndarray:
    """The vector axis counted from the end, the same axis of both (aligned) cores."""
    ranks = {core_rank(a, f) for a, f in zip(args, flags, strict=True)}
    axis = params.get("axis", -1)
    if axis >= 0 and len(ranks) != 1:
        return looped(fn, args, flags, params)  # a non-negative axis of unequal ranks
    return np.asarray(fn(*aligned(args, flags), axis=axis - max(ranks) if axis >= 0 else axis))


def along_axis(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
               params: dict[str, Any]) -> np.ndarray:
    """sort, argsort, topk, median, cumsum, cumprod (and the order guards of the first
    four): along one axis of each point (None: along its flattened elements)."""
    a = args[0]
    rank = a.ndim - 1
    if "axis" not in params or len(args) > 1 or rank == 0 or isinstance(params["axis"], tuple):
        return looped(fn, args, flags, params)
    if params["axis"] is None:
        out = np.asarray(fn(a.reshape(a.shape[0], -1), **{**params, "axis": 1}))
        if params.get("keepdims") and out.size == a.shape[0]:  # median's one value a point
            return out.reshape((a.shape[0],) + (1,) * rank)
        return out
    return np.asarray(fn(a, **{**params, "axis": params["axis"] % rank + 1}))


def solve(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
          params: dict[str, Any]) -> np.ndarray:
    """One matrix A per point, b a vector or a matrix: LAPACK solves the stack as it
    solves each (numpy loops its gesv over the stack)."""
    (a, b), (fa, fb) = args, flags
    if core_rank(a, fa) != 2 or core_rank(b, fb) not in (1, 2):
        return looped(fn, args, flags, params)
    if core_rank(b, fb) == 1:
        return np.asarray(np.linalg.solve(*aligned([a, b[..., None]], flags))[..., 0])
    return np.asarray(np.linalg.solve(*aligned([a, b], flags)))


def loss(stack: Callable[..., np.ndarray]) -> Rule:
    """cross_entropy/nll_loss with only the input moving: its points as one stack."""
    def rule(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
             params: dict[str, Any]) -> np.ndarray:
        if any(flags[1:]):
            return looped(fn, args, flags, params)
        x = args[0]
        out = stack(x.reshape(x.shape[0], -1, x.shape[-1]), args[1],
                    args[2] if len(args) > 2 else None, params)
        return out.reshape(x.shape[0]) if x.ndim == 2 else out
    return rule


RULES: dict[str, Rule] = {
    "conv1d": conv(1), "conv2d": conv(2), "tril": last_two, "triu": last_two,
    "diagonal": diagonal, "pad": pad, "roll": roll, "concatenate": concatenate,
    "einsum": einsum, "cross": cross, "clip": broadcasting, "solve": solve,
    **dict.fromkeys(("sort", "argsort", "topk", "median", "cumsum", "cumprod"), along_axis),
    "cross_entropy": loss(cross_entropy_stack), "nll_loss": loss(nll_stack),
}
