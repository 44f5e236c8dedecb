"""torch rows of the syntax's operators, indexing and structure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch


def transpose(a: torch.Tensor, axes: Any = None) -> torch.Tensor:
    return a.permute(tuple(axes) if axes is not None else tuple(reversed(range(a.dim()))))


def _stack(*xs: torch.Tensor, axis: int = 0) -> torch.Tensor:
    return torch.stack(torch.broadcast_tensors(*xs), dim=axis)


TABLE: dict[str, Callable[..., Any]] = {
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "pow": torch.pow,
    "neg": torch.neg,
    "getitem": lambda a, index: a[index],
    "T": lambda a: transpose(a),
    "stack": _stack,
    "reshape": lambda a, shape: a.reshape(shape),
}
