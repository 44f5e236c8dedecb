"""PyTorch op table, one module per category of ``expr.ops``. Imported only by the torch
methods, never by the package root."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from gradcheck_lab.backends.base import Backend, bind_dtype, merge_tables
from gradcheck_lab.backends.torch_ops import (
    activations,
    conditionals,
    core,
    elementwise,
    indexing,
    linalg,
    nn,
    reductions,
    scans,
    shape,
    special,
)

TABLE: dict[str, Callable[..., Any]] = merge_tables(
    core.TABLE, indexing.TABLE, conditionals.TABLE, elementwise.TABLE, special.TABLE,
    activations.TABLE, reductions.TABLE, scans.TABLE, shape.TABLE,
    nn.TABLE, linalg.TABLE)


def make_backend(dtype: torch.dtype = torch.float64) -> Backend:
    def constant(value: int | float) -> torch.Tensor:
        return torch.tensor(value, dtype=dtype)

    def named(name: str) -> torch.Tensor:
        return torch.tensor({"pi": math.pi, "e": math.e}[name], dtype=dtype)

    return Backend(f"torch-{dtype}", bind_dtype(TABLE, dtype), constant, named)
