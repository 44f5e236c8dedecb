"""torch rows of the scans and order statistics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch


def _scan(fn: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    def scan(a: torch.Tensor, axis: Any = None) -> torch.Tensor:
        return fn(a.reshape(-1), 0) if axis is None else fn(a, axis)
    return scan


def _median(a: torch.Tensor, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """numpy's median (torch.median gives the lower of the two middle elements)."""
    rows = a.reshape(-1) if axis is None else torch.movedim(a, axis, -1)
    s = torch.sort(rows, dim=-1).values
    n = s.shape[-1]
    out = s[..., n // 2] if n % 2 else (s[..., n // 2 - 1] + s[..., n // 2]) / 2
    if keepdims:
        return out.reshape((1,) * a.dim()) if axis is None else out.unsqueeze(axis)
    return out


TABLE: dict[str, Callable[..., Any]] = {
    "cumsum": _scan(torch.cumsum), "cumprod": _scan(torch.cumprod),
    "sort": lambda a, axis=-1: torch.sort(a, dim=axis, stable=True).values,
    "argsort": lambda a, axis=-1: torch.argsort(a, dim=axis, stable=True),
    "topk": lambda a, k, axis=-1: torch.topk(a, k, dim=axis).values,
    "median": _median,
}
