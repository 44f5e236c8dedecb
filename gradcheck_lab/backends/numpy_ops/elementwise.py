"""NumPy rows of the elementwise functions (float64, and complex128 for the complex step)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

_erf_real = np.vectorize(math.erf, otypes=[np.float64])


def erf(a: np.ndarray) -> np.ndarray:
    if np.iscomplexobj(a):
        raise TypeError("erf has no complex extension here")
    return np.asarray(_erf_real(a))


def _sigmoid(a: np.ndarray) -> np.ndarray:
    if np.iscomplexobj(a):
        return 1 / (1 + np.exp(-a))
    return np.exp(-np.logaddexp(0.0, -a))  # no overflow for large |a|


def _softplus(a: np.ndarray) -> np.ndarray:
    if np.iscomplexobj(a):
        return np.log1p(np.exp(a))
    return np.logaddexp(0.0, a)


def absolute(a: np.ndarray) -> np.ndarray:
    # complex step needs the analytic continuation of |x| off the kink: x * sign(Re x)
    return a * np.sign(a.real) if np.iscomplexobj(a) else np.abs(a)


def _maximum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if np.iscomplexobj(a) or np.iscomplexobj(b):
        a, b = np.broadcast_arrays(a, b)
        return np.where(a.real >= b.real, a, b)
    return np.maximum(a, b)


def _minimum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if np.iscomplexobj(a) or np.iscomplexobj(b):
        a, b = np.broadcast_arrays(a, b)
        return np.where(a.real <= b.real, a, b)
    return np.minimum(a, b)


def _relu(a: np.ndarray) -> np.ndarray:
    return np.where(a.real > 0, a, 0 * a)


def _stop_gradient(a: np.ndarray) -> np.ndarray:
    # the complex step's derivative is the imaginary part: dropping it makes the derivative 0
    return np.real(a) + 0j if np.iscomplexobj(a) else a


def _sign(a: np.ndarray) -> np.ndarray:
    return np.sign(a.real) + 0 * a


TABLE: dict[str, Callable[..., Any]] = {
    "abs": absolute, "sqrt": np.sqrt, "exp": np.exp, "log": np.log, "log1p": np.log1p,
    "expm1": np.expm1, "sin": np.sin, "cos": np.cos, "tan": np.tan, "arcsin": np.arcsin,
    "arccos": np.arccos, "arctan": np.arctan, "sinh": np.sinh, "cosh": np.cosh,
    "tanh": np.tanh, "sigmoid": _sigmoid, "relu": _relu, "softplus": _softplus,
    "erf": erf, "sign": _sign, "stop_gradient": _stop_gradient,
    "gelu": lambda a, approximate: 0.5 * a * (1 + (
        erf(a / math.sqrt(2)) if approximate == "none"
        else np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)))),
    "maximum": _maximum, "minimum": _minimum,
}
