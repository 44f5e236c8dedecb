"""A jax.custom_vjp with a hand-written backward rule, put on trial (correct)."""

from __future__ import annotations

import jax
import jax.numpy as jnp


@jax.custom_vjp
def softplus(x):  # type: ignore[no-untyped-def]
    return jnp.logaddexp(x, 0.0)


def _forward(x):  # type: ignore[no-untyped-def]
    return softplus(x), x


def _backward(x, g):  # type: ignore[no-untyped-def]
    return (g * jax.nn.sigmoid(x),)


softplus.defvjp(_forward, _backward)


def mean_softplus(x):  # type: ignore[no-untyped-def]
    return jnp.mean(softplus(x))
