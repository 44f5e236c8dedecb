"""JAX op table (x64 enabled before any array is made), one module per category of
``expr.ops``. Imported only by the jax methods."""

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

from gradcheck_lab.backends.base import Backend, merge_tables  # noqa: E402
from gradcheck_lab.backends.jax_ops import core, elementwise, linalg, reductions  # noqa: E402

TABLE: dict[str, Callable[..., Any]] = merge_tables(
    core.TABLE, elementwise.TABLE, reductions.TABLE, linalg.TABLE)


def make_backend(dtype: Any = jnp.float64) -> Backend:
    def constant(value: int | float) -> Any:
        return jnp.asarray(value, dtype=dtype)

    def named(name: str) -> Any:
        return jnp.asarray({"pi": math.pi, "e": math.e}[name], dtype=dtype)

    return Backend(f"jax-{jnp.dtype(dtype).name}", TABLE, constant, named)
