"""JAX rows of the further elementwise functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import jax.scipy.special as jsp


def _bessel_j(order: int) -> Callable[[Any], Any]:
    def j(a: Any) -> Any:
        return jsp.bessel_jn(a, v=max(order, 1))[order]
    return j


TABLE: dict[str, Callable[..., Any]] = {
    "square": jnp.square, "cbrt": jnp.cbrt, "log2": jnp.log2, "log10": jnp.log10,
    "exp2": jnp.exp2, "arcsinh": jnp.arcsinh, "arccosh": jnp.arccosh, "arctanh": jnp.arctanh,
    "arctan2": jnp.arctan2, "hypot": jnp.hypot, "logaddexp": jnp.logaddexp,
    "logaddexp2": jnp.logaddexp2, "logit": jsp.logit, "erfc": jsp.erfc, "erfinv": jsp.erfinv,
    "gammaln": jsp.gammaln, "digamma": jsp.digamma,
    "polygamma": lambda a, n: jsp.polygamma(n, a), "xlogy": jsp.xlogy,
    "xlog1py": jsp.xlog1py, "sinc": jnp.sinc, "i0": jsp.i0, "i1": jsp.i1,
    "j0": _bessel_j(0), "j1": _bessel_j(1),
}
