"""NumPy op table (float64; also complex128 for the complex step)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck_lab.backends.base import Backend, normalize_axis, numpy_dot

_erf_real = np.vectorize(math.erf, otypes=[np.float64])


def _erf(a: np.ndarray) -> np.ndarray:
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


def _reduce(fn: Callable[..., Any]) -> Callable[..., Any]:
    def reduce(a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        return np.asarray(fn(a, axis=normalize_axis(axis), keepdims=keepdims))
    return reduce


def _real_extreme(largest: bool) -> Callable[..., Any]:
    def extreme(a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        axis = normalize_axis(axis)
        if not np.iscomplexobj(a):
            fn = np.max if largest else np.min
            return np.asarray(fn(a, axis=axis, keepdims=keepdims))
        if isinstance(axis, tuple):  # argmax takes one axis: move these to the end, flatten
            axes = sorted(ax % a.ndim for ax in axis)
            keep = [d for d in range(a.ndim) if d not in axes]
            moved = np.transpose(a, keep + axes).reshape([a.shape[d] for d in keep] + [-1])
            out = extreme(moved, axis=-1)
            return out.reshape([1 if d in axes else a.shape[d] for d in range(a.ndim)]
                               ) if keepdims else out
        # complex step: pick the element whose real part is extreme, keep its imaginary part
        idx = (np.argmax if largest else np.argmin)(a.real, axis=axis, keepdims=True)
        if axis is None:
            out = a.reshape(-1)[idx.reshape(-1)].reshape(())
            return out.reshape([1] * a.ndim) if keepdims else out
        out = np.take_along_axis(a, idx, axis=axis)
        return out if keepdims else np.squeeze(out, axis=axis)
    return extreme


def _logsumexp(a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    axis = normalize_axis(axis)
    shift = np.max(a.real, axis=axis, keepdims=True)
    shift = np.where(np.isfinite(shift), shift, 0.0)
    out = np.log(np.sum(np.exp(a - shift), axis=axis, keepdims=True)) + shift
    return out if keepdims else np.squeeze(out, axis=axis)


def _softmax(a: np.ndarray, axis: Any = None) -> np.ndarray:
    axis = normalize_axis(axis)
    shift = np.max(a.real, axis=axis, keepdims=True)
    ex = np.exp(a - np.where(np.isfinite(shift), shift, 0.0))
    return np.asarray(ex / np.sum(ex, axis=axis, keepdims=True))


def _norm(a: np.ndarray, ord: float = 2, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    """Vector norm over all elements (axis None) or along ``axis``."""
    axis = normalize_axis(axis)
    if ord == 1:
        return np.asarray(np.sum(_abs(a), axis=axis, keepdims=keepdims))
    if ord == 2:
        return np.asarray(np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims)))
    return _real_extreme(True)(_abs(a), axis=axis, keepdims=keepdims)


def _abs(a: np.ndarray) -> np.ndarray:
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


def _sign(a: np.ndarray) -> np.ndarray:
    return np.sign(a.real) + 0 * a


def _stop_gradient(a: np.ndarray) -> np.ndarray:
    # the complex step's derivative is the imaginary part: dropping it makes the derivative 0
    return np.real(a) + 0j if np.iscomplexobj(a) else a


def _trace(a: np.ndarray) -> np.ndarray:
    return np.asarray(np.sum(np.diagonal(a, 0, 0, 1), axis=-1))


def _outer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.outer(a, b)


def _getitem(a: np.ndarray, index: tuple[Any, ...]) -> np.ndarray:
    return np.asarray(a[index])


TABLE: dict[str, Callable[..., Any]] = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide,
    "pow": np.power, "neg": np.negative, "matmul": np.matmul,
    "getitem": _getitem,
    "T": lambda a: np.transpose(a),
    "stack": lambda *xs: np.stack(np.broadcast_arrays(*xs)),
    "abs": _abs, "sqrt": np.sqrt, "exp": np.exp, "log": np.log, "log1p": np.log1p,
    "expm1": np.expm1, "sin": np.sin, "cos": np.cos, "tan": np.tan, "arcsin": np.arcsin,
    "arccos": np.arccos, "arctan": np.arctan, "sinh": np.sinh, "cosh": np.cosh,
    "tanh": np.tanh, "sigmoid": _sigmoid, "relu": _relu, "softplus": _softplus,
    "erf": _erf, "sign": _sign, "stop_gradient": _stop_gradient,
    "gelu": lambda a, approximate: 0.5 * a * (1 + (
        _erf(a / math.sqrt(2)) if approximate == "none"
        else np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)))),
    "maximum": _maximum, "minimum": _minimum,
    "sum": _reduce(np.sum), "mean": _reduce(np.mean), "prod": _reduce(np.prod),
    "max": _real_extreme(True), "min": _real_extreme(False),
    "logsumexp": _logsumexp, "norm": _norm,
    "dot": lambda a, b: numpy_dot(np.matmul, np.tensordot, np.asarray(a), np.asarray(b)),
    "transpose": lambda a, axes=None: np.transpose(a, axes),
    "outer": _outer, "trace": _trace, "det": np.linalg.det, "inv": np.linalg.inv,
    "softmax": _softmax,
    "reshape": lambda a, shape: np.reshape(a, shape),
}


def make_backend(dtype: Any = np.float64) -> Backend:
    np_dtype = np.dtype(dtype)

    def constant(value: int | float) -> np.ndarray:
        return np.asarray(value, dtype=np_dtype)

    def named(name: str) -> np.ndarray:
        return np.asarray({"pi": math.pi, "e": math.e}[name], dtype=np_dtype)

    return Backend(f"numpy-{np_dtype.name}", TABLE, constant, named)
