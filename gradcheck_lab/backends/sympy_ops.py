"""SymPy op table: numpy object arrays whose elements are SymPy expressions.

Arrays of real Symbols (one per element) go in; decimal literals become exact
Rationals (``0.1`` is 1/10, not the nearest double). Reductions build one
n-ary ``Add``/``Mul``/``Max`` per output element instead of chained binary
operations, which SymPy would re-flatten at quadratic cost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from gradcheck_lab.backends.base import Backend, normalize_axis


def exact(value: Any) -> sp.Expr:
    """A Python/NumPy number as an exact SymPy number (floats via their shortest repr)."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, (bool, np.bool_)):
        return sp.Integer(int(value))
    if isinstance(value, (int, np.integer)):
        return sp.Integer(int(value))
    f = float(value)
    if f != f or f in (float("inf"), float("-inf")):
        return sp.nan if f != f else (sp.oo if f > 0 else -sp.oo)
    if f == int(f) and abs(f) < 2**53:
        return sp.Integer(int(f))
    return sp.Rational(repr(f))


def as_object_array(values: Any) -> np.ndarray:
    """Exact object array from numbers or nested lists."""
    arr = np.asarray(values, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    for idx in np.ndindex(arr.shape):
        out[idx] = exact(arr[idx])
    return out


def _obj(a: Any) -> np.ndarray:
    return a if isinstance(a, np.ndarray) and a.dtype == object else np.asarray(a, dtype=object)


def _elementwise(fn: Callable[..., Any], nargs: int = 1) -> Callable[..., np.ndarray]:
    ufunc = np.frompyfunc(fn, nargs, 1)

    def apply(*args: Any) -> np.ndarray:
        return np.asarray(ufunc(*[_obj(a) for a in args]), dtype=object)
    return apply


def _reduction(combine: Callable[[list[Any]], Any]) -> Callable[..., np.ndarray]:
    def reduce(a: Any, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        a = _obj(a)
        axis = normalize_axis(axis)
        axes = tuple(range(a.ndim)) if axis is None else (
            tuple(ax % a.ndim for ax in axis) if isinstance(axis, tuple) else (axis % a.ndim,))
        if a.ndim == 0:
            axes = ()
        keep = [d for d in range(a.ndim) if d not in axes]
        moved = np.transpose(a, keep + list(axes)).reshape([a.shape[d] for d in keep] + [-1])
        out = np.empty(moved.shape[:-1], dtype=object)
        for idx in np.ndindex(out.shape):
            out[idx] = combine(list(moved[idx]))
        if keepdims:
            out = out.reshape([1 if d in axes else a.shape[d] for d in range(a.ndim)])
        return out
    return reduce


def _add_all(xs: list[Any]) -> Any:
    return sp.Add(*xs)


def _mean_all(xs: list[Any]) -> Any:
    return sp.Add(*xs) / len(xs)


def _matmul(a: Any, b: Any) -> np.ndarray:
    a, b = _obj(a), _obj(b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: input operand does not have enough dimensions")
    a2 = a.reshape(1, -1) if a.ndim == 1 else a
    b2 = b.reshape(-1, 1) if b.ndim == 1 else b
    if a2.shape[-1] != b2.shape[-2]:
        raise ValueError(f"matmul: mismatch in core dimension ({a.shape} @ {b.shape})")
    batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    a3 = np.broadcast_to(a2, batch + a2.shape[-2:])
    b3 = np.broadcast_to(b2, batch + b2.shape[-2:])
    out = np.empty(batch + (a2.shape[-2], b2.shape[-1]), dtype=object)
    for idx in np.ndindex(out.shape):
        *bi, i, j = idx
        row, col = a3[tuple(bi) + (i,)], b3[tuple(bi) + (slice(None), j)]
        out[idx] = sp.Add(*[x * y for x, y in zip(row, col, strict=True)])
    if a.ndim == 1:
        out = out[..., 0, :]
    if b.ndim == 1:
        out = out[..., 0]
    return np.asarray(out, dtype=object)


def _dot(a: Any, b: Any) -> np.ndarray:
    a, b = _obj(a), _obj(b)
    if a.ndim == 0 or b.ndim == 0:
        return _obj(a * b)
    if b.ndim <= 2 and a.ndim <= 2:
        return _matmul(a, b)
    return _obj(np.dot(a, b))


def _linalg(fn: Callable[[sp.Matrix], Any], returns_matrix: bool) -> Callable[[Any], np.ndarray]:
    def apply(a: Any) -> np.ndarray:
        a = _obj(a)
        if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
            raise ValueError(f"expects square matrices, got shape {a.shape}")
        out_shape = a.shape if returns_matrix else a.shape[:-2]
        out = np.empty(out_shape, dtype=object)
        for idx in np.ndindex(a.shape[:-2]):
            value = fn(sp.Matrix(a[idx].tolist()))
            out[idx] = np.array(value.tolist(), dtype=object) if returns_matrix else value
        return out
    return apply


def _softmax(a: Any, axis: Any = None) -> np.ndarray:
    ex = _elementwise(sp.exp)(a)
    return _obj(ex / _reduction(_add_all)(ex, axis=axis, keepdims=True))


def _logsumexp(a: Any, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    total = _reduction(_add_all)(_elementwise(sp.exp)(a), axis=axis, keepdims=keepdims)
    return _elementwise(sp.log)(total)


def _norm(a: Any, ord: float = 2, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    if ord == 1:
        return _reduction(_add_all)(_elementwise(sp.Abs)(a), axis=axis, keepdims=keepdims)
    if ord == 2:
        squares = _obj(a) * _obj(a)
        return _elementwise(sp.sqrt)(_reduction(_add_all)(squares, axis=axis, keepdims=keepdims))
    return _reduction(lambda xs: sp.Max(*xs))(_elementwise(sp.Abs)(a), axis=axis,
                                               keepdims=keepdims)


def _stack(*xs: Any) -> np.ndarray:
    arrays = np.broadcast_arrays(*[_obj(x) for x in xs])
    return np.stack(arrays).astype(object)


TABLE: dict[str, Callable[..., Any]] = {
    "add": lambda a, b: _obj(_obj(a) + _obj(b)),
    "sub": lambda a, b: _obj(_obj(a) - _obj(b)),
    "mul": lambda a, b: _obj(_obj(a) * _obj(b)),
    "div": lambda a, b: _obj(_obj(a) / _obj(b)),
    "pow": _elementwise(lambda a, b: a**b, 2),
    "neg": lambda a: _obj(-_obj(a)),
    "matmul": _matmul,
    "getitem": lambda a, index: _obj(_obj(a)[index]),
    "T": lambda a: _obj(np.transpose(_obj(a))),
    "stack": _stack,
    "abs": _elementwise(sp.Abs), "sqrt": _elementwise(sp.sqrt), "exp": _elementwise(sp.exp),
    "log": _elementwise(sp.log), "log1p": _elementwise(lambda x: sp.log(1 + x)),
    "expm1": _elementwise(lambda x: sp.exp(x) - 1), "sin": _elementwise(sp.sin),
    "cos": _elementwise(sp.cos), "tan": _elementwise(sp.tan), "arcsin": _elementwise(sp.asin),
    "arccos": _elementwise(sp.acos), "arctan": _elementwise(sp.atan),
    "sinh": _elementwise(sp.sinh), "cosh": _elementwise(sp.cosh), "tanh": _elementwise(sp.tanh),
    "sigmoid": _elementwise(lambda x: 1 / (1 + sp.exp(-x))),
    "relu": _elementwise(lambda x: sp.Max(0, x)),
    "softplus": _elementwise(lambda x: sp.log(1 + sp.exp(x))),
    "erf": _elementwise(sp.erf), "sign": _elementwise(sp.sign),
    "maximum": _elementwise(sp.Max, 2), "minimum": _elementwise(sp.Min, 2),
    "sum": _reduction(_add_all), "mean": _reduction(_mean_all),
    "prod": _reduction(lambda xs: sp.Mul(*xs)),
    "max": _reduction(lambda xs: sp.Max(*xs)), "min": _reduction(lambda xs: sp.Min(*xs)),
    "logsumexp": _logsumexp, "norm": _norm,
    "dot": _dot,
    "transpose": lambda a, axes=None: _obj(np.transpose(_obj(a), axes)),
    "outer": lambda a, b: _obj(np.multiply.outer(_obj(a).ravel(), _obj(b).ravel())),
    "trace": lambda a: _reduction(_add_all)(np.diagonal(_obj(a), 0, 0, 1), axis=-1),
    "det": _linalg(lambda m: m.det(method="berkowitz"), returns_matrix=False),
    "inv": _linalg(lambda m: m.inv(), returns_matrix=True),
    "softmax": _softmax,
    "reshape": lambda a, shape: _obj(np.reshape(_obj(a), shape)),
}


def make_backend() -> Backend:
    return Backend("sympy", TABLE, exact, lambda name: {"pi": sp.pi, "e": sp.E}[name])
