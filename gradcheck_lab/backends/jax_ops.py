"""JAX op table, and the float64 scope every JAX computation of gradcheck-lab runs in.

Imported only by the jax methods. Nothing here changes a global JAX setting: the
caller's program may be float32 (``check(framework="jax")`` runs inside it), so float64
is switched on only around our own calls (``x64``), and the persistent compilation
cache only in processes gradcheck-lab owns (``backends.jax_cache``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp

from gradcheck_lab.backends.base import Backend, normalize_axis, numpy_dot


@contextmanager
def x64() -> Iterator[None]:
    """float64 arrays for the duration of the block, the caller's setting restored after.

    ``jax.enable_x64(True)`` is JAX's thread-local, scoped form of ``jax_enable_x64``
    (jit traces under it are cached apart from float32 ones). Arrays made, programs
    traced and results converted inside the block are float64; outside it JAX
    would silently truncate float64 requests to float32.
    """
    with jax.enable_x64(True):
        yield


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
    "gelu": lambda a, approximate: jax.nn.gelu(a, approximate=approximate == "tanh"),
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
