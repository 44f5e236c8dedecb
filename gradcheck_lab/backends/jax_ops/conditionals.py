"""JAX rows of the conditionals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp

from gradcheck_lab.backends.base import with_dtype


def condition(a: Any) -> Any:
    """A condition as booleans: numbers count as true when nonzero."""
    return a if jnp.asarray(a).dtype == jnp.bool_ else a != 0


def _clip(a: Any, lo: Any = None, hi: Any = None) -> Any:
    out = a
    if lo is not None:
        out = jnp.where(out < lo, lo, out)
    if hi is not None:
        out = jnp.where(out > hi, hi, out)
    return out


@with_dtype
def _astype(a: Any, dtype: str, *, float_dtype: Any) -> Any:
    if dtype == "bool":
        return condition(a)
    if dtype in ("int64", "int32"):
        return jnp.trunc(a).astype(jnp.int64 if dtype == "int64" else jnp.int32)
    return a if jnp.issubdtype(jnp.asarray(a).dtype, jnp.floating) else a.astype(float_dtype)


TABLE: dict[str, Callable[..., Any]] = {
    "less": jnp.less, "less_equal": jnp.less_equal, "greater": jnp.greater,
    "greater_equal": jnp.greater_equal, "equal": jnp.equal, "not_equal": jnp.not_equal,
    "logical_and": lambda a, b: jnp.logical_and(condition(a), condition(b)),
    "logical_or": lambda a, b: jnp.logical_or(condition(a), condition(b)),
    "logical_xor": lambda a, b: jnp.logical_xor(condition(a), condition(b)),
    "logical_not": lambda a: jnp.logical_not(condition(a)),
    "where": lambda c, a, b: jnp.where(condition(c), a, b), "clip": _clip,
    "floor": jnp.floor, "ceil": jnp.ceil, "trunc": jnp.trunc,
    "round": lambda a, decimals=0: jnp.round(a, decimals),
    "mod": jnp.mod, "floor_divide": jnp.floor_divide, "heaviside": jnp.heaviside,
    "isfinite": jnp.isfinite, "isnan": jnp.isnan, "isinf": jnp.isinf,
    "astype": _astype,
}
