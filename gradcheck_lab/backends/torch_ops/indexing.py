"""torch rows of array indexing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from gradcheck_lab.expr.shapes_index import index_key


def whole(a: torch.Tensor) -> torch.Tensor:
    """An index tensor: booleans or integers (whole numbers held as floats become int64)."""
    return a if a.dtype == torch.bool or not a.is_floating_point() else a.detach().long()


def _index(a: torch.Tensor, *arrays: torch.Tensor, index: tuple[Any, ...]) -> torch.Tensor:
    return a[index_key(index, [whole(x) for x in arrays])]


def _arg(fn: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    def arg(a: torch.Tensor, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
        if axis is None:
            out = fn(a.reshape(-1))
            return out.reshape((1,) * a.dim()) if keepdims else out
        return fn(a, dim=axis, keepdim=keepdims)
    return arg


TABLE: dict[str, Callable[..., Any]] = {
    "index": _index,
    "take_along_axis": lambda a, idx, axis: torch.take_along_dim(a, whole(idx), dim=axis),
    "one_hot": lambda labels, num_classes: torch.nn.functional.one_hot(whole(labels),
                                                                       num_classes),
    "argmax": _arg(torch.argmax), "argmin": _arg(torch.argmin),
}
