"""JAX rows of the reductions and softmax."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp

from gradcheck_lab.backends.base import normalize_axis


def reduce_with(fn: Callable[..., Any]) -> Callable[..., Any]:
    def reduce(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return fn(a, axis=normalize_axis(axis), keepdims=keepdims)
    return reduce


def _norm(a: Any, ord: float = 2, axis: Any = None, keepdims: bool = False) -> Any:
    """Vector norm, as users write it (its gradient at 0 is NaN). Over two axes it stays a
    vector norm of their elements: ``jnp.linalg.norm`` would take a matrix norm there (the
    largest singular value for ord 2), which is not the language's ``norm``."""
    axis = normalize_axis(axis)
    if axis is None:
        out = jnp.linalg.norm(jnp.ravel(a), ord=ord)
        return jnp.reshape(out, (1,) * a.ndim) if keepdims else out
    # jax types ord as int | str, but takes any float order (inf included) as numpy does
    return jnp.linalg.vector_norm(a, ord=ord, axis=axis, keepdims=keepdims)  # type: ignore[arg-type]


TABLE: dict[str, Callable[..., Any]] = {
    "sum": reduce_with(jnp.sum), "mean": reduce_with(jnp.mean), "prod": reduce_with(jnp.prod),
    "max": reduce_with(jnp.max), "min": reduce_with(jnp.min),
    "logsumexp": lambda a, b=None, axis=None, keepdims=False: jsp.logsumexp(
        a, axis=normalize_axis(axis), b=b, keepdims=keepdims),
    "norm": _norm,
    "var": lambda a, axis=None, ddof=0, keepdims=False: jnp.var(
        a, axis=normalize_axis(axis), ddof=ddof, keepdims=keepdims),
    "std": lambda a, axis=None, ddof=0, keepdims=False: jnp.sqrt(jnp.var(
        a, axis=normalize_axis(axis), ddof=ddof, keepdims=keepdims)),
    "softmax": lambda a, axis=None: jax.nn.softmax(a, axis=normalize_axis(axis)),
}
