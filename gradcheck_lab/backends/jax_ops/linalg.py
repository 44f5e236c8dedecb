"""JAX rows of linear algebra."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp

from gradcheck_lab.backends.base import numpy_dot

TABLE: dict[str, Callable[..., Any]] = {
    "matmul": jnp.matmul,
    "dot": lambda a, b: numpy_dot(jnp.matmul, jnp.tensordot, a, b),
    "transpose": lambda a, axes=None: jnp.transpose(a, axes),
    "outer": jnp.outer, "trace": lambda a, offset=0: jnp.trace(a, offset=offset, axis1=0, axis2=1),
    "det": jnp.linalg.det, "inv": jnp.linalg.inv,
}
