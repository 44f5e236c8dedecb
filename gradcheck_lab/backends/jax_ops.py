"""JAX op table (x64 enabled before any array is made). Imported only by the jax methods."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from typing import Any

import jax

jax.config.update("jax_enable_x64", True)

CACHE_ENV = "GRADCHECK_LAB_CACHE"  # a folder, or off / 0 / no / false
_OFF = ("off", "0", "no", "false")


def cache_folder(environ: Mapping[str, str] = os.environ) -> str | None:
    """Where JAX keeps compiled programs between runs; None when the user said off.

    Every case compiles one small XLA program; keeping them on disk saves a cold
    run over the seed cases about 0.6 s of its 3.5 s here. JAX's own
    ``JAX_COMPILATION_CACHE_DIR`` wins when set. An unwritable folder only
    means nothing is cached (JAX ignores write errors).
    """
    setting = environ.get(CACHE_ENV, "")
    if setting.lower() in _OFF:
        return None
    if setting:
        return os.path.join(setting, "jax")
    home = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(home, "gradcheck-lab", "jax")


if not (os.environ.get("JAX_COMPILATION_CACHE_DIR")
        or getattr(jax.config, "jax_compilation_cache_dir", None)):
    _folder = cache_folder()
    if _folder is not None:
        jax.config.update("jax_compilation_cache_dir", _folder)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)

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
    "stop_gradient": jax.lax.stop_gradient,
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
