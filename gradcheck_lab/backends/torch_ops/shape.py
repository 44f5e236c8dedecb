"""torch rows of the shape ops."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from gradcheck_lab.expr.shapes_shape import edge_index, pad_widths


def _pad(a: torch.Tensor, pad_width: Any, mode: str = "constant",
         constant_values: float = 0.0) -> torch.Tensor:
    pairs = pad_widths(pad_width, a.dim())
    if mode == "constant":
        flat = [w for b, e in reversed(pairs) for w in (b, e)]
        return torch.nn.functional.pad(a, flat, mode="constant", value=constant_values)
    out = a
    for axis, (b, e) in enumerate(pairs):
        if b or e:
            index = edge_index(out.shape[axis], b, e, mode)
            out = torch.index_select(out, axis, torch.as_tensor(index, dtype=torch.int64))
    return out


def _roll(a: torch.Tensor, shift: Any, axis: Any = None) -> torch.Tensor:
    if axis is None:
        return torch.roll(a.reshape(-1), shift).reshape(a.shape)
    return torch.roll(a, shift, axis)


def _repeat(a: torch.Tensor, repeats: int, axis: Any = None) -> torch.Tensor:
    if axis is None:
        return torch.repeat_interleave(a.reshape(-1), repeats)
    return torch.repeat_interleave(a, repeats, dim=axis)


def _expand_dims(a: torch.Tensor, axis: Any) -> torch.Tensor:
    axes = axis if isinstance(axis, tuple) else (axis,)
    n = a.dim() + len(axes)
    out = a
    for ax in sorted(x % n for x in axes):
        out = out.unsqueeze(ax)
    return out


def _squeeze(a: torch.Tensor, axis: Any = None) -> torch.Tensor:
    if axis is None:
        return a.squeeze()
    return a.squeeze(axis if isinstance(axis, tuple) else (axis,))


def _flip(a: torch.Tensor, axis: Any = None) -> torch.Tensor:
    dims = tuple(range(a.dim())) if axis is None else (
        axis if isinstance(axis, tuple) else (axis,))
    return torch.flip(a, dims)


def _tensordot(a: torch.Tensor, b: torch.Tensor, axes: Any = 2) -> torch.Tensor:
    if isinstance(axes, int):
        return torch.tensordot(a, b, dims=axes)
    left, right = (list(x) if isinstance(x, tuple) else [x] for x in axes)
    return torch.tensordot(a, b, dims=(left, right))


TABLE: dict[str, Callable[..., Any]] = {
    "concatenate": lambda *xs, axis=0: torch.cat([x.reshape(-1) for x in xs]) if axis is None
    else torch.cat(xs, dim=axis),
    "ravel": torch.ravel, "pad": _pad, "flip": _flip, "roll": _roll,
    "tile": lambda a, reps: torch.tile(a, tuple(reps)), "repeat": _repeat,
    "tril": lambda a, k=0: torch.tril(a, k), "triu": lambda a, k=0: torch.triu(a, k),
    "diag": lambda a, k=0: torch.diag(a, k),
    "diagonal": lambda a, offset=0, axis1=0, axis2=1: torch.diagonal(a, offset, axis1, axis2),
    "squeeze": _squeeze, "expand_dims": _expand_dims,
    "broadcast_to": lambda a, shape: torch.broadcast_to(a, tuple(shape)),
    "moveaxis": lambda a, source, destination: torch.movedim(a, source, destination),
    "swapaxes": lambda a, axis1, axis2: torch.swapaxes(a, axis1, axis2),
    "einsum": lambda *xs, subscripts: torch.einsum(subscripts, *xs),
    "tensordot": _tensordot, "kron": torch.kron,
    "cross": lambda a, b, axis=-1: torch.linalg.cross(*torch.broadcast_tensors(a, b), dim=axis),
}
