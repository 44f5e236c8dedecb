"""JAX op table (x64 enabled before any array is made). Imported only by the jax methods."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402 - x64 must be on before jax.numpy makes arrays
import jax.scipy.special as jsp  # noqa: E402

from gradcheck_lab.backends.base import Backend, normalize_axis, numpy_dot  # noqa: E402


def _reduce(fn: Callable[..., Any]) -> Callable[..., Any]:
    def reduce(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return fn(a, axis=normalize_axis(axis), keepdims=keepdims)
    return reduce


def _norm(a: Any, ord: float = 2, axis: Any = None, keepdims: bool = False) -> Any:
    """Vector norm via jnp.linalg.norm, as users write it (its gradient at 0 is NaN)."""
    axis = normalize_axis(axis)
    if axis is None:
        out = jnp.linalg.norm(jnp.ravel(a), ord=ord)
        return jnp.reshape(out, (1,) * a.ndim) if keepdims else out
    return jnp.linalg.norm(a, ord=ord, axis=axis, keepdims=keepdims)


def _stack(*xs: Any) -> Any:
    return jnp.stack(jnp.broadcast_arrays(*xs))


TABLE: dict[str, Callable[..., Any]] = {
    "add": jnp.add, "sub": jnp.subtract, "mul": jnp.multiply, "div": jnp.true_divide,
    "pow": jnp.power, "neg": jnp.negative, "matmul": jnp.matmul,
    "getitem": lambda a, index: a[index],
    "T": lambda a: jnp.transpose(a),
    "stack": _stack,
    "abs": jnp.abs, "sqrt": jnp.sqrt, "exp": jnp.exp, "log": jnp.log, "log1p": jnp.log1p,
    "expm1": jnp.expm1, "sin": jnp.sin, "cos": jnp.cos, "tan": jnp.tan, "arcsin": jnp.arcsin,
    "arccos": jnp.arccos, "arctan": jnp.arctan, "sinh": jnp.sinh, "cosh": jnp.cosh,
    "tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid, "relu": jax.nn.relu,
    "softplus": jax.nn.softplus, "erf": jsp.erf, "sign": jnp.sign,
    "maximum": jnp.maximum, "minimum": jnp.minimum,
    "sum": _reduce(jnp.sum), "mean": _reduce(jnp.mean), "prod": _reduce(jnp.prod),
    "max": _reduce(jnp.max), "min": _reduce(jnp.min),
    "logsumexp": _reduce(jsp.logsumexp), "norm": _norm,
    "dot": lambda a, b: numpy_dot(jnp.matmul, jnp.tensordot, a, b),
    "transpose": lambda a, axes=None: jnp.transpose(a, axes),
    "outer": jnp.outer, "trace": lambda a: jnp.trace(a, axis1=0, axis2=1),
    "det": jnp.linalg.det, "inv": jnp.linalg.inv,
    "softmax": lambda a, axis=None: jax.nn.softmax(a, axis=normalize_axis(axis)),
    "reshape": lambda a, shape: jnp.reshape(a, shape),
}


def make_backend(dtype: Any = jnp.float64) -> Backend:
    def constant(value: int | float) -> Any:
        return jnp.asarray(value, dtype=dtype)

    def named(name: str) -> Any:
        return jnp.asarray({"pi": math.pi, "e": math.e}[name], dtype=dtype)

    return Backend(f"jax-{jnp.dtype(dtype).name}", TABLE, constant, named)
