"""The general batch rules of ``batch``: how an op's NumPy row takes arguments with a
leading batch axis when the row itself says nothing about one (see ``batch`` for the
table that names a rule per op)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Rule = Callable[[Callable[..., Any], Sequence[np.ndarray], Sequence[bool], dict[str, Any]],
                np.ndarray]


def core_rank(a: np.ndarray, batched: bool) -> int:
    return a.ndim - 1 if batched else a.ndim


def aligned(args: Sequence[np.ndarray], flags: Sequence[bool]) -> list[np.ndarray]:
    """Batched arguments as (B, 1, ..., core) with every core right-aligned to the widest."""
    rank = max(core_rank(a, f) for a, f in zip(args, flags, strict=True))
    return [a.reshape((a.shape[0],) + (1,) * (rank - a.ndim + 1) + a.shape[1:]) if f else a
            for a, f in zip(args, flags, strict=True)]


def per_item(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
             params: dict[str, Any]) -> np.ndarray:
    return np.asarray(fn(*args, **params))


def broadcasting(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
                 params: dict[str, Any]) -> np.ndarray:
    return np.asarray(fn(*aligned(args, flags), **params))


def shift_axis(axis: Any, rank: int) -> Any:
    if axis is None:
        return tuple(range(1, rank + 1))
    if isinstance(axis, tuple):
        return tuple(ax % rank + 1 for ax in axis)
    return axis % rank + 1


def shifted_axes(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
                 params: dict[str, Any]) -> np.ndarray:
    rank = args[0].ndim - 1
    if len(args) > 1:  # weights beside it
        return looped(fn, args, flags, params)
    if rank == 0:  # a batch of scalars: the reduction over a one-element axis is its value
        if params.get("axis") is not None or params.get("keepdims"):
            return looped(fn, args, flags, params)  # as the row says (it may refuse)
        size = args[0].shape[0]
        out = np.asarray(fn(args[0].reshape(size, 1), **{**params, "axis": 1}))
        return out.reshape(size) if out.size == size else looped(fn, args, flags, params)
    return np.asarray(fn(args[0], **{**params, "axis": shift_axis(params.get("axis"), rank)}))


def looped(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
           params: dict[str, Any]) -> np.ndarray:
    """Point by point, stacked: the rule of any op without a faster one."""
    size = next(a.shape[0] for a, f in zip(args, flags, strict=True) if f)
    return np.stack([np.asarray(fn(*[a[b] if f else a for a, f in zip(args, flags, strict=True)],
                                   **params)) for b in range(size)])
