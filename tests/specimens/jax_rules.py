"""JAX custom rules: a ``custom_jvp`` whose rule returns another function's primal."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp


@jax.custom_jvp
def safe_arcsin(x: Any) -> Any:
    return jnp.arcsin(jnp.clip(x, -1.0, 1.0))


@safe_arcsin.defjvp
def _safe_arcsin_jvp(primals: Any, tangents: Any) -> Any:
    (x,), (t,) = primals, tangents
    # BUG (copy-paste from the arccos rule): the primal output is arccos(x); the
    # tangent is arcsin's, so the gradient is right and the value is wrong
    return jnp.arccos(x), t / jnp.sqrt(1.0 - x * x)


@jax.custom_jvp
def good_arcsin(x: Any) -> Any:
    return jnp.arcsin(x)


@good_arcsin.defjvp
def _good_arcsin_jvp(primals: Any, tangents: Any) -> Any:
    (x,), (t,) = primals, tangents
    return jnp.arcsin(x), t / jnp.sqrt(1.0 - x * x)


def arcsin_vector(x: Any) -> Any:
    """Elementwise: a vector output, where only the rule's primal can show the bug."""
    return safe_arcsin(x)


def arcsin_scaled(x: Any, w: Any) -> Any:
    """A vector output with a cotangent: w * arcsin(x)."""
    return w * safe_arcsin(x)


def good_arcsin_vector(x: Any) -> Any:
    return good_arcsin(x)


def hinge_relu(x: Any) -> Any:
    """Piecewise linear: relu, abs, sign, maximum and a max reduction (order 2 is 0)."""
    return (jnp.sum(jax.nn.relu(x) + jnp.abs(x) * jnp.sign(x) + jnp.maximum(x, 0.5 * x))
            + jnp.max(x) - jnp.min(x))
