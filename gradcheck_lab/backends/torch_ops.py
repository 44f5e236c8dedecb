"""PyTorch op table. Imported only by the torch methods, never by the package root."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from gradcheck_lab.backends.base import Backend, normalize_axis, numpy_dot


def _dims(a: torch.Tensor, axis: Any) -> tuple[int, ...]:
    axis = normalize_axis(axis)
    if axis is None:
        return tuple(range(a.dim()))
    return tuple(axis) if isinstance(axis, tuple) else (axis,)


def _reduce(fn: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    """Reduce over ``axis`` (None: all), one dim at a time so every torch reduction takes tuples."""
    def reduce(a: torch.Tensor, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
        dims = sorted({d % max(a.dim(), 1) for d in _dims(a, axis)}, reverse=True)
        if a.dim() == 0:
            return fn(a.reshape(1), 0, False)
        out = a
        for d in dims:
            out = fn(out, d, True)
        if not keepdims:
            out = out.squeeze(dims) if dims else out
        return out
    return reduce


def _vector_norm(a: torch.Tensor, ord: float = 2, axis: Any = None,
                 keepdims: bool = False) -> torch.Tensor:
    axis = normalize_axis(axis)
    return torch.linalg.vector_norm(a, ord=ord, dim=axis, keepdim=keepdims)


def _logsumexp(a: torch.Tensor, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    dims = _dims(a, axis)
    if a.dim() == 0:
        return a.clone()
    return torch.logsumexp(a, dim=dims, keepdim=keepdims)


def _softmax(a: torch.Tensor, axis: Any = None) -> torch.Tensor:
    axis = normalize_axis(axis)
    if axis is None:
        return torch.softmax(a.reshape(-1), 0).reshape(a.shape)
    if isinstance(axis, tuple):
        return torch.exp(a - _logsumexp(a, axis, keepdims=True))
    return torch.softmax(a, axis)


def _transpose(a: torch.Tensor, axes: Any = None) -> torch.Tensor:
    return a.permute(tuple(axes) if axes is not None else tuple(reversed(range(a.dim()))))


def _stack(*xs: torch.Tensor) -> torch.Tensor:
    return torch.stack(torch.broadcast_tensors(*xs))


TABLE: dict[str, Callable[..., Any]] = {
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "pow": torch.pow,
    "neg": torch.neg, "matmul": torch.matmul,
    "getitem": lambda a, index: a[index],
    "T": lambda a: _transpose(a),
    "stack": _stack,
    "abs": torch.abs, "sqrt": torch.sqrt, "exp": torch.exp, "log": torch.log,
    "log1p": torch.log1p, "expm1": torch.expm1, "sin": torch.sin, "cos": torch.cos,
    "tan": torch.tan, "arcsin": torch.arcsin, "arccos": torch.arccos, "arctan": torch.arctan,
    "sinh": torch.sinh, "cosh": torch.cosh, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    # logaddexp(x, 0) rather than F.softplus, whose threshold=20 switches to x (gradient 1)
    "softplus": lambda a: torch.logaddexp(a, torch.zeros_like(a)),
    "erf": torch.special.erf, "sign": torch.sign, "stop_gradient": lambda a: a.detach(),
    "gelu": lambda a, approximate: torch.nn.functional.gelu(a, approximate=approximate),
    "maximum": torch.maximum, "minimum": torch.minimum,
    "sum": _reduce(lambda a, d, k: torch.sum(a, dim=d, keepdim=k)),
    "mean": _reduce(lambda a, d, k: torch.mean(a, dim=d, keepdim=k)),
    "prod": _reduce(lambda a, d, k: torch.prod(a, dim=d, keepdim=k)),
    "max": _reduce(lambda a, d, k: torch.amax(a, dim=d, keepdim=k)),
    "min": _reduce(lambda a, d, k: torch.amin(a, dim=d, keepdim=k)),
    "logsumexp": _logsumexp, "norm": _vector_norm,
    "dot": lambda a, b: numpy_dot(torch.matmul, torch.tensordot, a, b),
    "transpose": _transpose,
    "outer": lambda a, b: torch.outer(a.reshape(-1), b.reshape(-1)),
    "trace": lambda a: torch.diagonal(a, 0, 0, 1).sum(-1),
    "det": torch.linalg.det, "inv": torch.linalg.inv,
    "softmax": _softmax,
    "reshape": lambda a, shape: a.reshape(shape),
}


def make_backend(dtype: torch.dtype = torch.float64) -> Backend:
    def constant(value: int | float) -> torch.Tensor:
        return torch.tensor(value, dtype=dtype)

    def named(name: str) -> torch.Tensor:
        return torch.tensor({"pi": math.pi, "e": math.e}[name], dtype=dtype)

    return Backend(f"torch-{dtype}", TABLE, constant, named)
