"""torch rows of the conditionals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from gradcheck_lab.backends.base import with_dtype


def condition(a: torch.Tensor) -> torch.Tensor:
    """A condition as booleans: numbers count as true when nonzero."""
    return a if a.dtype == torch.bool else a != 0


def _where(c: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    a, b = _common(a, b)
    return torch.where(condition(c), a, b)


def _common(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Both operands in their promoted dtype (torch.where wants one dtype)."""
    dtype = torch.promote_types(a.dtype, b.dtype)
    return a.to(dtype), b.to(dtype)


def _clip(a: torch.Tensor, lo: Any = None, hi: Any = None) -> torch.Tensor:
    return torch.clamp(a, min=lo, max=hi)


def _heaviside(x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    # torch.heaviside has no derivative in its values argument: the same by where
    one, zero = torch.ones_like(x), torch.zeros_like(x)
    h = h.to(torch.promote_types(x.dtype, h.dtype))
    return torch.where(x > 0, one, torch.where(x < 0, zero, h))


def _floor_divide(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    # torch.floor_divide has no derivative (it is 0): floor of the quotient has one
    if a.is_floating_point() or b.is_floating_point():
        return torch.floor(torch.div(a, b))
    return torch.floor_divide(a, b)


@with_dtype
def _astype(a: torch.Tensor, dtype: str, *, float_dtype: torch.dtype) -> torch.Tensor:
    if dtype == "bool":
        return condition(a)
    if dtype in ("int64", "int32"):
        return torch.trunc(a).to(torch.int64 if dtype == "int64" else torch.int32)
    return a if a.is_floating_point() else a.to(float_dtype)


TABLE: dict[str, Callable[..., Any]] = {
    "less": torch.lt, "less_equal": torch.le, "greater": torch.gt, "greater_equal": torch.ge,
    "equal": torch.eq, "not_equal": torch.ne,
    "logical_and": torch.logical_and, "logical_or": torch.logical_or,
    "logical_xor": torch.logical_xor, "logical_not": torch.logical_not,
    "where": _where, "clip": _clip,
    "floor": torch.floor, "ceil": torch.ceil, "trunc": torch.trunc,
    "round": lambda a, decimals=0: torch.round(a, decimals=decimals),
    "mod": torch.remainder, "floor_divide": _floor_divide, "heaviside": _heaviside,
    "isfinite": torch.isfinite, "isnan": torch.isnan, "isinf": torch.isinf,
    "astype": _astype,
}
