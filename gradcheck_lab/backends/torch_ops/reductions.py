"""torch rows of the reductions and softmax."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from gradcheck_lab.backends.base import normalize_axis


def dims(a: torch.Tensor, axis: Any) -> tuple[int, ...]:
    axis = normalize_axis(axis)
    if axis is None:
        return tuple(range(a.dim()))
    return tuple(axis) if isinstance(axis, tuple) else (axis,)


def reduce_each(fn: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    """Reduce over ``axis`` (None: all), one dim at a time so every torch reduction takes tuples."""
    def reduce(a: torch.Tensor, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
        ds = sorted({d % max(a.dim(), 1) for d in dims(a, axis)}, reverse=True)
        if a.dim() == 0:
            return fn(a.reshape(1), 0, False)
        out = a
        for d in ds:
            out = fn(out, d, True)
        if not keepdims:
            out = out.squeeze(ds) if ds else out
        return out
    return reduce


def _vector_norm(a: torch.Tensor, ord: float = 2, axis: Any = None,
                 keepdims: bool = False) -> torch.Tensor:
    axis = normalize_axis(axis)
    return torch.linalg.vector_norm(a, ord=ord, dim=axis, keepdim=keepdims)


def logsumexp(a: torch.Tensor, b: Any = None, axis: Any = None,
              keepdims: bool = False) -> torch.Tensor:
    ds = dims(a, axis)
    if b is None:
        return a.clone() if a.dim() == 0 else torch.logsumexp(a, dim=ds, keepdim=keepdims)
    # weights (scipy's b): shift by the largest a, as torch.logsumexp does inside
    a, b = torch.broadcast_tensors(a, b)
    ds = dims(a, axis)
    shift = torch.amax(a.detach(), dim=ds, keepdim=True) if a.dim() else a.detach()
    shift = torch.where(torch.isfinite(shift), shift, torch.zeros_like(shift))
    out = torch.log(torch.sum(b * torch.exp(a - shift), dim=ds, keepdim=True)) + shift
    return out if keepdims else out.squeeze(ds) if a.dim() else out


def _var(a: torch.Tensor, axis: Any = None, ddof: int = 0,
         keepdims: bool = False) -> torch.Tensor:
    ds = dims(a, axis)
    if a.dim() == 0:
        return torch.var(a.reshape(1), correction=ddof)
    return torch.var(a, dim=ds, correction=ddof, keepdim=keepdims)


def softmax(a: torch.Tensor, axis: Any = None) -> torch.Tensor:
    axis = normalize_axis(axis)
    if axis is None:
        return torch.softmax(a.reshape(-1), 0).reshape(a.shape)
    if isinstance(axis, tuple):
        return torch.exp(a - logsumexp(a, axis=axis, keepdims=True))
    return torch.softmax(a, axis)


TABLE: dict[str, Callable[..., Any]] = {
    "sum": reduce_each(lambda a, d, k: torch.sum(a, dim=d, keepdim=k)),
    "mean": reduce_each(lambda a, d, k: torch.mean(a, dim=d, keepdim=k)),
    "prod": reduce_each(lambda a, d, k: torch.prod(a, dim=d, keepdim=k)),
    "max": reduce_each(lambda a, d, k: torch.amax(a, dim=d, keepdim=k)),
    "min": reduce_each(lambda a, d, k: torch.amin(a, dim=d, keepdim=k)),
    "logsumexp": logsumexp, "norm": _vector_norm, "softmax": softmax, "var": _var,
    "std": lambda a, axis=None, ddof=0, keepdims=False: torch.sqrt(_var(a, axis, ddof,
                                                                       keepdims)),
}
