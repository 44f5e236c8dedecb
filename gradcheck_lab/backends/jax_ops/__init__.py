"""JAX op table, one module per category of ``expr.ops``, and the float64 scope every
JAX computation of gradcheck-lab runs in. Imported only by the jax methods.

Nothing here changes a global JAX setting: the caller's program may be float32
(``check(framework="jax")`` runs inside it), so float64 is switched on only around our
own calls (``x64``), and the persistent compilation cache only in processes
gradcheck-lab owns (``backends.jax_cache``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import jax
import jax.numpy as jnp

from gradcheck_lab.backends.base import Backend, bind_dtype, merge_tables
from gradcheck_lab.backends.jax_ops import (
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


def make_backend(dtype: Any = jnp.float64) -> Backend:
    def constant(value: int | float) -> Any:
        return jnp.asarray(value, dtype=dtype)

    def named(name: str) -> Any:
        return jnp.asarray({"pi": math.pi, "e": math.e}[name], dtype=dtype)

    return Backend(f"jax-{jnp.dtype(dtype).name}", bind_dtype(TABLE, dtype), constant, named)
