"""JAX rows of the neural-network ops (lax convolutions and reduce_window; the losses as
torch defines them)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from gradcheck_lab.backends.jax_ops.indexing import whole
from gradcheck_lab.expr.shapes_nn import pairs

_NUMBERS = {1: ("NCH", "OIH", "NCH"), 2: ("NCHW", "OIHW", "NCHW")}


def conv(dims: int) -> Callable[..., Any]:
    def apply(x: Any, w: Any, b: Any = None, *, stride: Any = 1,
              padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Any:
        s, p, d = (pairs(v, dims, "") for v in (stride, padding, dilation))
        out = jax.lax.conv_general_dilated(
            x, w, window_strides=s, padding=[(q, q) for q in p], rhs_dilation=d,
            dimension_numbers=_NUMBERS[dims], feature_group_count=groups,
            precision=jax.lax.Precision.HIGHEST)
        return out if b is None else out + jnp.reshape(b, (1, -1) + (1,) * dims)
    return apply


def _pool(largest: bool) -> Callable[..., Any]:
    def apply(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
              dilation: Any = 1) -> Any:
        k = pairs(kernel_size, 2, "kernel_size")
        s = pairs(stride if stride is not None else k, 2, "stride")
        p, d = pairs(padding, 2, "padding"), pairs(dilation, 2, "dilation")
        pads = ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1]))
        if largest:
            return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 1) + k, (1, 1) + s,
                                         pads, window_dilation=(1, 1) + d)
        total = jax.lax.reduce_window(x, 0.0, jax.lax.add, (1, 1) + k, (1, 1) + s, pads)
        return total / math.prod(k)
    return apply


def _layer_norm(x: Any, w: Any = None, b: Any = None, normalized_shape: Any = None,
                eps: float = 1e-5) -> Any:
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    mean = jnp.mean(x, axis=axes, keepdims=True)
    var = jnp.mean((x - mean) ** 2, axis=axes, keepdims=True)
    out = (x - mean) / jnp.sqrt(var + eps)
    out = out if w is None else out * w
    return out if b is None else out + b


def nll(logp: Any, target: Any, weight: Any, params: dict[str, Any]) -> Any:
    flat = logp.ndim == 1
    logp = logp.reshape(1, -1) if flat else logp
    t = whole(target).reshape(-1)
    classes = logp.shape[-1]
    w = jnp.ones(classes, dtype=logp.dtype) if weight is None else weight
    valid = t != params["ignore_index"]
    safe = jnp.where(valid, t, 0)
    wt = w[safe] * valid
    loss = -wt * jnp.take_along_axis(logp, safe[:, None], axis=1)[:, 0]
    eps = params.get("label_smoothing", 0.0)
    if eps:
        loss = (1 - eps) * loss + eps / classes * (-jnp.sum(logp * w, axis=1) * valid)
    if params["reduction"] == "none":
        return loss.reshape(()) if flat else loss
    total = jnp.sum(loss)
    return total / jnp.sum(wt) if params["reduction"] == "mean" else total


TABLE: dict[str, Callable[..., Any]] = {
    "conv1d": conv(1), "conv2d": conv(2),
    "avg_pool2d": _pool(False), "max_pool2d": _pool(True), "layer_norm": _layer_norm,
    "cross_entropy": lambda x, target, weight=None, **params: nll(
        jax.nn.log_softmax(x, axis=-1), target, weight, params),
    "nll_loss": lambda x, target, weight=None, **params: nll(x, target, weight, params),
}
