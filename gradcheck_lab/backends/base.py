"""What a backend is: an op table plus how to make constants, in one dtype."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Backend:
    """An array namespace as the evaluator sees it.

    ``ops`` maps every name of ``expr.ops.OPS`` to a function taking the
    argument arrays positionally and the op's static params as keywords.
    """

    name: str
    ops: Mapping[str, Callable[..., Any]]
    constant: Callable[[int | float], Any]
    named_constant: Callable[[str], Any]


def normalize_axis(axis: Any) -> Any:
    """Axis as every backend accepts it: None, an int, or a tuple of ints."""
    if isinstance(axis, tuple) and len(axis) == 1:
        return axis[0]
    return axis


def numpy_dot(matmul: Callable[[Any, Any], Any], tensordot: Callable[..., Any],
              a: Any, b: Any) -> Any:
    """``numpy.dot`` semantics from matmul/tensordot: scalars multiply, 1-D inner,
    2-D matrix product, N-D sum over the last axis of ``a`` and second-to-last of ``b``."""
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim == 1:
        return tensordot(a, b, ([a.ndim - 1], [0]))
    if a.ndim <= 2 and b.ndim == 2:
        return matmul(a, b)
    return tensordot(a, b, ([a.ndim - 1], [b.ndim - 2]))


def merge_tables(*tables: Mapping[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """One backend table from its per-category parts; a name in two parts is a bug."""
    out: dict[str, Callable[..., Any]] = {}
    for table in tables:
        twice = set(out) & set(table)
        if twice:
            raise ImportError(f"backend rows defined twice: {sorted(twice)}")
        out.update(table)
    return out


def with_dtype(f: F) -> F:
    """Mark a table function that takes the backend's float dtype as ``float_dtype=``."""
    f.needs_dtype = True  # type: ignore[attr-defined]
    return f


def bind_dtype(table: Mapping[str, Callable[..., Any]], dtype: Any
               ) -> dict[str, Callable[..., Any]]:
    """The table with ``float_dtype=`` bound into the functions marked by ``with_dtype``."""
    return {name: functools.partial(f, float_dtype=dtype) if getattr(f, "needs_dtype", False)
            else f for name, f in table.items()}
