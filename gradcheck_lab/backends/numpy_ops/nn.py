"""NumPy rows of the neural-network ops (float64, and complex128 for the complex step:
windows are sums of products; max pooling picks by the real part)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck_lab.backends.numpy_ops.reductions import logsumexp
from gradcheck_lab.expr.shapes_index import whole
from gradcheck_lab.expr.shapes_nn import pairs


def windows(x: np.ndarray, kernel: tuple[int, ...], stride: tuple[int, ...],
            dilation: tuple[int, ...]) -> list[tuple[tuple[int, ...], np.ndarray]]:
    """For each kernel offset: the strided slice of the (already padded) input it meets,
    shape (N, C, *out)."""
    dims = len(kernel)
    out = [(x.shape[2 + i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1
           for i in range(dims)]
    parts = []
    for offset in itertools.product(*[range(k) for k in kernel]):
        index = (slice(None), slice(None)) + tuple(
            slice(o * d, o * d + s * (n - 1) + 1, s)
            for o, d, s, n in zip(offset, dilation, stride, out, strict=True))
        parts.append((offset, x[index]))
    return parts


def _pad_spatial(x: np.ndarray, pad: tuple[int, ...], value: float) -> np.ndarray:
    return np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in pad], constant_values=value)


def conv_stack(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, dims: int, *,
               stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1
               ) -> np.ndarray:
    """Convolutions of a stack S: input (S, N, C, *spatial), weight (S, O, C / groups,
    *kernel), bias (S, O) or None, where each S is 1 (shared) or the stack's size; out
    (S, N, O, *out). A point is a stack of one; finite differences pass many points at
    once (``batch``), the weight moving with them."""
    s, p, d = (pairs(v, dims, "") for v in (stride, padding, dilation))
    lead = x.shape[:2]
    parts = windows(_pad_spatial(x.reshape(-1, *x.shape[2:]), p, 0.0), tuple(w.shape[3:]),
                    s, d)
    cg, og = x.shape[2] // groups, w.shape[1] // groups
    out = None
    for offset, xs in parts:
        xs = xs.reshape(*lead, *xs.shape[1:])
        kernel = w[(slice(None), slice(None), slice(None)) + offset]  # (S, O, C / groups)
        terms = [np.einsum("snc...,soc->sno...", xs[:, :, g * cg:(g + 1) * cg],
                           kernel[:, g * og:(g + 1) * og]) for g in range(groups)]
        term = np.concatenate(terms, axis=2)
        out = term if out is None else out + term
    assert out is not None
    if b is not None:
        out = out + b.reshape((b.shape[0], 1, -1) + (1,) * dims)
    return np.asarray(out)


def conv(dims: int) -> Callable[..., np.ndarray]:
    def apply(x: Any, w: Any, b: Any = None, *, stride: Any = 1,
              padding: Any = 0, dilation: Any = 1, groups: int = 1) -> np.ndarray:
        bias = None if b is None else np.asarray(b)[None]
        return conv_stack(np.asarray(x)[None], np.asarray(w)[None], bias, dims, stride=stride,
                          padding=padding, dilation=dilation, groups=groups)[0]
    return apply


def _pool(largest: bool) -> Callable[..., np.ndarray]:
    def apply(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
              dilation: Any = 1) -> np.ndarray:
        x = np.asarray(x)
        k = pairs(kernel_size, 2, "kernel_size")
        s = pairs(stride if stride is not None else k, 2, "stride")
        p, d = pairs(padding, 2, "padding"), pairs(dilation, 2, "dilation")
        parts = [xs for _, xs in windows(_pad_spatial(x, p, -np.inf if largest else 0.0),
                                         k, s, d)]
        if not largest:
            return np.asarray(sum(parts) / math.prod(k))
        stacked = np.stack(parts, axis=-1)
        best = np.argmax(np.real(stacked), axis=-1)[..., None]
        return np.asarray(np.take_along_axis(stacked, best, axis=-1)[..., 0])
    return apply


def _layer_norm(x: Any, w: Any = None, b: Any = None, normalized_shape: Any = None,
                eps: float = 1e-5) -> np.ndarray:
    x = np.asarray(x)
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    mean = np.mean(x, axis=axes, keepdims=True)
    var = np.mean((x - mean) ** 2, axis=axes, keepdims=True)
    out = (x - mean) / np.sqrt(var + eps)
    if w is not None:
        out = out * np.asarray(w)
    if b is not None:
        out = out + np.asarray(b)
    return np.asarray(out)


def nll_stack(logp: np.ndarray, target: Any, weight: Any, params: dict[str, Any]
              ) -> np.ndarray:
    """torch's nll_loss (and cross_entropy's label smoothing) on log-probabilities for a
    stack S of (N, C) inputs sharing one target: (S, N) with ``reduction='none'``, else
    (S,). A point is a stack of one; finite differences pass many points at once."""
    t = whole(target).reshape(-1)
    classes = logp.shape[-1]
    w = np.ones(classes) if weight is None else np.asarray(weight)
    valid = t != params["ignore_index"]
    safe = np.where(valid, t, 0)
    wt = w[safe] * valid
    loss = -wt * logp[:, np.arange(t.size), safe]
    eps = params.get("label_smoothing", 0.0)
    if eps:
        smooth = -np.sum(logp * w, axis=2) * valid
        loss = (1 - eps) * loss + eps / classes * smooth
    if params["reduction"] == "none":
        return np.asarray(loss)
    total = np.sum(loss, axis=1)
    return np.asarray(total / np.sum(wt) if params["reduction"] == "mean" else total)


def cross_entropy_stack(x: np.ndarray, target: Any, weight: Any, params: dict[str, Any]
                        ) -> np.ndarray:
    """``nll_stack`` of the log-softmax of logits (S, N, C)."""
    return nll_stack(x - logsumexp(x, axis=-1, keepdims=True), target, weight, params)


def _one(stack: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """The row for one point: (N, C) or (C,) inputs as a stack of one."""
    def row(x: Any, target: Any, weight: Any = None, **params: Any) -> np.ndarray:
        x = np.asarray(x)
        out = stack(x.reshape(1, -1, x.shape[-1]), target, weight, params)[0]
        return np.asarray(out.reshape(()) if x.ndim == 1 else out)
    return row


TABLE: dict[str, Callable[..., Any]] = {
    "conv1d": conv(1), "conv2d": conv(2),
    "avg_pool2d": _pool(False), "max_pool2d": _pool(True),
    "layer_norm": lambda x, w=None, b=None, normalized_shape=None, eps=1e-5: _layer_norm(
        x, w, b, normalized_shape, eps),
    "cross_entropy": _one(cross_entropy_stack), "nll_loss": _one(nll_stack),
}
