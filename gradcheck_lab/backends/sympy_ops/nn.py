"""SymPy rows of the neural-network ops: each output element one unevaluated sum of
products (padding contributes nothing); max pooling decided at the point (ties: the mean
of the tied elements); class indices are concrete, so the loss picks its terms directly."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from gradcheck_lab.backends.sympy_ops.common import (
    Decider,
    add,
    add_all,
    deciding,
    elementwise,
    extreme_rule,
    mean_all,
    mean_of,
    mul,
    neg,
    obj,
    power,
    reduction,
    sub,
)
from gradcheck_lab.backends.sympy_ops.indexing import as_index
from gradcheck_lab.backends.sympy_ops.reductions import logsumexp
from gradcheck_lab.expr.shapes_nn import pairs

ZERO = sp.Integer(0)


def _padded(x: np.ndarray, pad: tuple[int, ...]) -> np.ndarray:
    """``x`` with ``None`` around its spatial axes (padding: no term at all)."""
    out = np.full(x.shape[:2] + tuple(n + 2 * p for n, p in zip(x.shape[2:], pad,
                                                                strict=True)), None,
                  dtype=object)
    out[(slice(None), slice(None)) + tuple(slice(p, p + n) for p, n in zip(
        pad, x.shape[2:], strict=True))] = x
    return out


def _out_sizes(xp: np.ndarray, kernel: tuple[int, ...], s: tuple[int, ...],
               d: tuple[int, ...]) -> tuple[int, ...]:
    return tuple((n - di * (k - 1) - 1) // si + 1 for n, k, si, di in zip(
        xp.shape[2:], kernel, s, d, strict=True))


Geometry = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]  # kernel, stride, dilation


def _window(xp: np.ndarray, head: tuple[int, ...], pos: tuple[int, ...], geometry: Geometry
            ) -> list[tuple[tuple[int, ...], Any]]:
    """(kernel offset, element) of one window, padding left out."""
    kernel, s, d = geometry
    out = []
    for k in itertools.product(*[range(n) for n in kernel]):
        v = xp[head + tuple(p * si + ki * di for p, si, ki, di in zip(pos, s, k, d,
                                                                     strict=True))]
        if v is not None:
            out.append((k, v))
    return out


def conv(dims: int) -> Callable[..., np.ndarray]:
    def apply(x: Any, w: Any, b: Any = None, *, stride: Any = 1,
              padding: Any = 0, dilation: Any = 1, groups: int = 1) -> np.ndarray:
        x, w = obj(x), obj(w)
        s, p, d = (pairs(v, dims, "") for v in (stride, padding, dilation))
        xp, kernel = _padded(x, p), tuple(w.shape[2:])
        sizes = _out_sizes(xp, kernel, s, d)
        cg, og = x.shape[1] // groups, w.shape[0] // groups
        out = np.empty((x.shape[0], w.shape[0]) + sizes, dtype=object)
        bias = None if b is None else obj(b)
        for n, o in np.ndindex(out.shape[:2]):
            g = o // og
            for pos in np.ndindex(sizes):
                terms = [mul(v, w[(o, c) + k]) for c in range(cg)
                         for k, v in _window(xp, (n, g * cg + c), pos, (kernel, s, d))]
                total = add_all(terms) if terms else ZERO
                out[(n, o) + pos] = total if bias is None else add(total, bias[o])
        return out
    return apply


def _pool(largest: bool) -> Callable[..., np.ndarray]:
    rule = extreme_rule(True)

    @deciding
    def apply(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
              dilation: Any = 1, *, decider: Decider) -> np.ndarray:
        x = obj(x)
        k = pairs(kernel_size, 2, "kernel_size")
        s = pairs(stride if stride is not None else k, 2, "stride")
        p, d = pairs(padding, 2, "padding"), pairs(dilation, 2, "dilation")
        xp = _padded(x, p)
        sizes = _out_sizes(xp, k, s, d)
        out = np.empty(x.shape[:2] + sizes, dtype=object)
        for head in np.ndindex(x.shape[:2]):
            for pos in np.ndindex(sizes):
                values = [v for _, v in _window(xp, head, pos, (k, s, d))]
                if largest:
                    out[head + pos] = mean_of([values[i] for i in decider.decide(values, rule)])
                else:  # zero padding counted, as torch's count_include_pad=True
                    out[head + pos] = mul(add_all(values), sp.Rational(1, math.prod(k)))
        return out
    return apply


def _layer_norm(x: Any, w: Any = None, b: Any = None, normalized_shape: Any = None,
                eps: float = 1e-5) -> np.ndarray:
    x = obj(x)
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    mean = reduction(mean_all)(x, axis=axes, keepdims=True)
    centred = elementwise(sub, 2)(x, mean)
    var = reduction(mean_all)(elementwise(lambda c: power(c, sp.Integer(2)))(centred),
                              axis=axes, keepdims=True)
    scale = elementwise(lambda v: power(add(v, sp.Rational(repr(eps))), sp.Rational(-1, 2)))(
        var)
    out = elementwise(mul, 2)(centred, scale)
    if w is not None:
        out = elementwise(mul, 2)(out, obj(w))
    if b is not None:
        out = elementwise(add, 2)(out, obj(b))
    return out


def nll(logp: np.ndarray, target: Any, weight: Any, params: dict[str, Any]) -> np.ndarray:
    """torch's nll_loss on log-probabilities (and cross_entropy's label smoothing)."""
    flat = logp.ndim == 1
    logp = logp.reshape(1, -1) if flat else logp
    t = as_index(target).reshape(-1)
    classes = logp.shape[-1]
    w = [sp.Integer(1)] * classes if weight is None else list(obj(weight))
    eps = sp.Rational(repr(float(params.get("label_smoothing", 0.0))))
    losses, weights = [], []
    for i, c in enumerate(t):
        if c == params["ignore_index"]:
            losses.append(ZERO)
            continue
        weights.append(w[c])
        loss = neg(mul(w[c], logp[i, c]))
        if eps:
            smooth = neg(add_all([mul(w[j], logp[i, j]) for j in range(classes)]))
            loss = add(mul(1 - eps, loss), mul(eps / classes, smooth))
        losses.append(loss)
    if params["reduction"] == "none":
        out = np.empty(len(losses), dtype=object)
        out[:] = losses
        return out.reshape(()) if flat else out
    total = add_all(losses)
    if params["reduction"] == "sum":
        return np.asarray(total, dtype=object)
    count = add_all(weights) if weights else ZERO
    return np.asarray(mul(total, sp.Pow(count, -1, evaluate=False)), dtype=object)


def _cross_entropy(x: Any, target: Any, weight: Any = None, **params: Any) -> np.ndarray:
    x = obj(x)
    logp = elementwise(sub, 2)(x, logsumexp(x, axis=-1, keepdims=True))
    return nll(logp, target, weight, params)


TABLE: dict[str, Callable[..., Any]] = {
    "conv1d": conv(1), "conv2d": conv(2),
    "avg_pool2d": _pool(False), "max_pool2d": _pool(True),
    "layer_norm": _layer_norm, "cross_entropy": _cross_entropy,
    "nll_loss": lambda x, target, weight=None, **params: nll(obj(x), target, weight, params),
}
