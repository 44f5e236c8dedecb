"""JAX rows of linear algebra."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.linalg  # noqa: F401 - expm

from gradcheck_lab.backends.base import numpy_dot


def _sym(a: Any) -> Any:
    return (a + jnp.swapaxes(a, -1, -2)) / 2


def _signed(v: Any) -> Any:
    """Each eigenvector's largest-magnitude component positive (eigh's sign convention)."""
    fixed = jax.lax.stop_gradient(v)
    idx = jnp.argmax(jnp.abs(fixed), axis=-2)[..., None, :]
    signs = jnp.sign(jnp.take_along_axis(fixed, idx, axis=-2))
    return v * jnp.where(signs == 0, 1.0, signs)


def _eigh(a: Any, output: Any = None) -> Any:
    w, v = jnp.linalg.eigh(_sym(a))
    return w if output == 0 else _signed(v)


def _solve(a: Any, b: Any) -> Any:
    return jnp.linalg.solve(a, b[:, None])[:, 0] if b.ndim == 1 else jnp.linalg.solve(a, b)


def _slogdet(a: Any, output: Any = None) -> Any:
    sign, logabs = jnp.linalg.slogdet(a)
    return sign if output == 0 else logabs


def _qr(a: Any, output: Any = None) -> Any:
    q, r = jnp.linalg.qr(a)
    return q if output == 0 else r


TABLE: dict[str, Callable[..., Any]] = {
    "matmul": jnp.matmul,
    "dot": lambda a, b: numpy_dot(jnp.matmul, jnp.tensordot, a, b),
    "transpose": lambda a, axes=None: jnp.transpose(a, axes),
    "outer": jnp.outer, "trace": lambda a, offset=0: jnp.trace(a, offset=offset, axis1=0, axis2=1),
    "det": jnp.linalg.det, "inv": jnp.linalg.inv, "solve": _solve,
    "cholesky": lambda a: jnp.linalg.cholesky(_sym(a)), "slogdet": _slogdet,
    "eigh": _eigh, "eigvalsh": lambda a: jnp.linalg.eigvalsh(_sym(a)),
    "svd": lambda a, compute_uv=True, output=None: jnp.linalg.svd(a, compute_uv=False),
    "svdvals": lambda a: jnp.linalg.svd(a, compute_uv=False), "qr": _qr,
    "pinv": jnp.linalg.pinv,
    "matrix_power": lambda a, n: jnp.linalg.matrix_power(a, n),
    "expm": jax.scipy.linalg.expm,
}
