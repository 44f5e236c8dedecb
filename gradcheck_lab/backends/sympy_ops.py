"""SymPy op table: numpy object arrays whose elements are SymPy expressions.

Arrays of real Symbols (one per element) go in; decimal literals become exact
Rationals (``0.1`` is 1/10, not the nearest double). Every node is built with
``evaluate=False``: SymPy's automatic simplification (assumption queries on
each ``exp``/``log``) costs milliseconds per node and would dominate at 10^4
elements, while the unevaluated DAG is built in linear time and is exactly
the same function. Reductions build one n-ary ``Add``/``Mul``/``Max`` per
output element instead of chained binary operations.
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


def _add(a: Any, b: Any) -> sp.Expr:
    return sp.Add(a, b, evaluate=False)


def _mul(a: Any, b: Any) -> sp.Expr:
    return sp.Mul(a, b, evaluate=False)


def _neg(a: Any) -> sp.Expr:
    return sp.Mul(sp.Integer(-1), a, evaluate=False)


def _sub(a: Any, b: Any) -> sp.Expr:
    return _add(a, _neg(b))


def _div(a: Any, b: Any) -> sp.Expr:
    return _mul(a, sp.Pow(b, -1, evaluate=False))


def _pow(a: Any, b: Any) -> sp.Expr:
    return sp.Pow(a, b, evaluate=False)


def _fn(cls: Any) -> Callable[..., sp.Expr]:
    def build(*args: Any) -> sp.Expr:
        return cls(*args, evaluate=False)
    return build


class StopGradient(sp.Function):
    """x itself, with derivative 0 (a gradient cut)."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.S.Zero

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real

    def _eval_evalf(self, prec: int) -> Any:
        return self.args[0]._eval_evalf(prec)


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
    return sp.Add(*xs, evaluate=False) if len(xs) > 1 else xs[0]


def _mean_all(xs: list[Any]) -> Any:
    return _mul(_add_all(xs), sp.Rational(1, len(xs)))


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
        out[idx] = _add_all([_mul(x, y) for x, y in zip(row, col, strict=True)])
    if a.ndim == 1:
        out = out[..., 0, :]
    if b.ndim == 1:
        out = out[..., 0]
    return np.asarray(out, dtype=object)


def _dot(a: Any, b: Any) -> np.ndarray:
    a, b = _obj(a), _obj(b)
    if a.ndim == 0 or b.ndim == 0:
        return _elementwise(_mul, 2)(a, b)
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
    ex = _elementwise(_fn(sp.exp))(a)
    return _elementwise(_div, 2)(ex, _reduction(_add_all)(ex, axis=axis, keepdims=True))


def _logsumexp(a: Any, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    total = _reduction(_add_all)(_elementwise(_fn(sp.exp))(a), axis=axis, keepdims=keepdims)
    return _elementwise(_fn(sp.log))(total)


def _norm(a: Any, ord: float = 2, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    if ord == 1:
        return _reduction(_add_all)(_elementwise(_fn(sp.Abs))(a), axis=axis, keepdims=keepdims)
    if ord == 2:
        squares = _elementwise(lambda x: _pow(x, sp.Integer(2)))(a)
        total = _reduction(_add_all)(squares, axis=axis, keepdims=keepdims)
        return _elementwise(lambda x: _pow(x, sp.Rational(1, 2)))(total)
    return _reduction(_max_all)(_elementwise(_fn(sp.Abs))(a), axis=axis, keepdims=keepdims)


def _max_all(xs: list[Any]) -> Any:
    return sp.Max(*xs, evaluate=False) if len(xs) > 1 else xs[0]


def _min_all(xs: list[Any]) -> Any:
    return sp.Min(*xs, evaluate=False) if len(xs) > 1 else xs[0]


def _stack(*xs: Any) -> np.ndarray:
    arrays = np.broadcast_arrays(*[_obj(x) for x in xs])
    return np.stack(arrays).astype(object)


TABLE: dict[str, Callable[..., Any]] = {
    "add": _elementwise(_add, 2),
    "sub": _elementwise(_sub, 2),
    "mul": _elementwise(_mul, 2),
    "div": _elementwise(_div, 2),
    "pow": _elementwise(_pow, 2),
    "neg": _elementwise(_neg),
    "matmul": _matmul,
    "getitem": lambda a, index: _obj(_obj(a)[index]),
    "T": lambda a: _obj(np.transpose(_obj(a))),
    "stack": _stack,
    "abs": _elementwise(_fn(sp.Abs)),
    "sqrt": _elementwise(lambda x: _pow(x, sp.Rational(1, 2))),
    "exp": _elementwise(_fn(sp.exp)),
    "log": _elementwise(_fn(sp.log)),
    "log1p": _elementwise(lambda x: sp.log(_add(sp.Integer(1), x), evaluate=False)),
    "expm1": _elementwise(lambda x: _add(sp.exp(x, evaluate=False), sp.Integer(-1))),
    "sin": _elementwise(_fn(sp.sin)), "cos": _elementwise(_fn(sp.cos)),
    "tan": _elementwise(_fn(sp.tan)), "arcsin": _elementwise(_fn(sp.asin)),
    "arccos": _elementwise(_fn(sp.acos)), "arctan": _elementwise(_fn(sp.atan)),
    "sinh": _elementwise(_fn(sp.sinh)), "cosh": _elementwise(_fn(sp.cosh)),
    "tanh": _elementwise(_fn(sp.tanh)),
    "sigmoid": _elementwise(lambda x: _pow(_add(sp.Integer(1), sp.exp(_neg(x), evaluate=False)),
                                           sp.Integer(-1))),
    "relu": _elementwise(lambda x: sp.Max(sp.Integer(0), x, evaluate=False)),
    "softplus": _elementwise(lambda x: sp.log(_add(sp.Integer(1), sp.exp(x, evaluate=False)),
                                              evaluate=False)),
    "erf": _elementwise(_fn(sp.erf)), "sign": _elementwise(_fn(sp.sign)),
    "stop_gradient": _elementwise(_fn(StopGradient)),
    "gelu": lambda a, approximate: _elementwise(lambda x: _mul(_mul(sp.Rational(1, 2), x), _add(
        sp.Integer(1), sp.erf(_mul(x, sp.sqrt(2) / 2), evaluate=False) if approximate == "none"
        else sp.tanh(_mul(sp.sqrt(2 / sp.pi), _add(x, _mul(sp.Rational("0.044715"),
                                                           _pow(x, sp.Integer(3))))),
                     evaluate=False))))(a),
    "maximum": _elementwise(lambda a, b: sp.Max(a, b, evaluate=False), 2),
    "minimum": _elementwise(lambda a, b: sp.Min(a, b, evaluate=False), 2),
    "sum": _reduction(_add_all), "mean": _reduction(_mean_all),
    "prod": _reduction(lambda xs: sp.Mul(*xs, evaluate=False) if len(xs) > 1 else xs[0]),
    "max": _reduction(_max_all), "min": _reduction(_min_all),
    "logsumexp": _logsumexp, "norm": _norm,
    "dot": _dot,
    "transpose": lambda a, axes=None: _obj(np.transpose(_obj(a), axes)),
    "outer": lambda a, b: _elementwise(_mul, 2)(_obj(a).ravel()[:, None], _obj(b).ravel()[None, :]),
    "trace": lambda a: _reduction(_add_all)(np.diagonal(_obj(a), 0, 0, 1), axis=-1),
    "det": _linalg(lambda m: m.det(method="berkowitz"), returns_matrix=False),
    "inv": _linalg(lambda m: m.inv(), returns_matrix=True),
    "softmax": _softmax,
    "reshape": lambda a, shape: _obj(np.reshape(_obj(a), shape)),
}


# Every SymPy function class the table builds, or that SymPy's derivative of one brings in,
# with its evaluation in mpmath (``numeric.precise_eval``): an mpmath function name, or a
# function of (mpmath context, *args). A test checks that each op's output and derivatives
# are covered.
def _mp_sign(ctx: Any, x: Any) -> Any:
    return ctx.mpf((x > 0) - (x < 0))


def _mp_heaviside(ctx: Any, x: Any, h0: Any = None) -> Any:
    if x > 0:
        return ctx.mpf(1)
    if x < 0:
        return ctx.mpf(0)
    return ctx.mpf(0.5) if h0 is None else h0


MPMATH: dict[type, str | Callable[..., Any]] = {
    sp.exp: "exp", sp.log: "log", sp.sin: "sin", sp.cos: "cos", sp.tan: "tan",
    sp.asin: "asin", sp.acos: "acos", sp.atan: "atan", sp.sinh: "sinh", sp.cosh: "cosh",
    sp.tanh: "tanh", sp.erf: "erf", sp.erfc: "erfc", sp.sec: "sec", sp.csc: "csc",
    sp.cot: "cot", sp.Abs: lambda ctx, x: abs(x), sp.sign: _mp_sign,
    sp.Heaviside: _mp_heaviside, sp.Max: lambda ctx, *xs: max(xs),
    sp.Min: lambda ctx, *xs: min(xs), StopGradient: lambda ctx, x: x,
}


def make_backend() -> Backend:
    return Backend("sympy", TABLE, exact, lambda name: {"pi": sp.pi, "e": sp.E}[name])
