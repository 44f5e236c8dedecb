"""NumPy rows of the torch.nn.functional activations (complex-safe where analytic: the
branch is chosen by the real part)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck_lab.backends.numpy_ops.elementwise import TABLE as ELEMENTWISE
from gradcheck_lab.backends.numpy_ops.reductions import logsumexp
from gradcheck_lab.expr.ops.activations import SELU_ALPHA, SELU_SCALE

_sigmoid, _softplus = ELEMENTWISE["sigmoid"], ELEMENTWISE["softplus"]


def _clip(a: Any, lo: float, hi: float) -> np.ndarray:
    a = np.asarray(a)
    return np.asarray(np.where(a.real < lo, lo + 0 * a, np.where(a.real > hi, hi + 0 * a, a)))


def _elu(a: Any, alpha: float = 1.0) -> np.ndarray:
    a = np.asarray(a)
    return np.asarray(np.where(a.real > 0, a, alpha * np.expm1(np.where(a.real > 0, 0 * a, a))))


def _softsign(a: Any) -> np.ndarray:
    a = np.asarray(a)
    return np.asarray(a / (1 + a * np.sign(a.real)))


def _hardsigmoid(a: Any) -> np.ndarray:
    return _clip(np.asarray(a) / 6 + 0.5, 0.0, 1.0)


TABLE: dict[str, Callable[..., Any]] = {
    "silu": lambda a: np.asarray(a) * _sigmoid(a),
    "mish": lambda a: np.asarray(a) * np.tanh(_softplus(a)),
    "softsign": _softsign,
    "log_sigmoid": lambda a: -_softplus(-np.asarray(a)),
    "hardtanh": lambda a, min_val=-1.0, max_val=1.0: _clip(a, min_val, max_val),
    "elu": _elu,
    "selu": lambda a: float(SELU_SCALE) * _elu(a, float(SELU_ALPHA)),
    "leaky_relu": lambda a, negative_slope=0.01: np.asarray(np.where(
        np.asarray(a).real > 0, a, negative_slope * np.asarray(a))),
    "relu6": lambda a: _clip(a, 0.0, 6.0),
    "hardsigmoid": _hardsigmoid,
    "hardswish": lambda a: np.asarray(a) * _hardsigmoid(a),
    "log_softmax": lambda a, axis=-1: np.asarray(a) - logsumexp(np.asarray(a), axis=axis,
                                                               keepdims=True),
}
