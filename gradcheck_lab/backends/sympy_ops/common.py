"""Building blocks of the SymPy op table: exact numbers, object arrays, unevaluated nodes.

Arrays are numpy object arrays whose elements are SymPy expressions. Every node is built
with ``evaluate=False``: SymPy's automatic simplification (assumption queries on each
``exp``/``log``) costs milliseconds per node and would dominate at 10^4 elements, while
the unevaluated DAG is built in linear time and is exactly the same function.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, Protocol, TypeVar

import numpy as np
import sympy as sp

from gradcheck_lab.backends.base import normalize_axis


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


def obj(a: Any) -> np.ndarray:
    """``a`` as an object array of SymPy expressions (bool and int arrays become exact)."""
    if isinstance(a, np.ndarray) and a.dtype == object:
        return a
    return as_object_array(a)


def add(a: Any, b: Any) -> sp.Expr:
    return sp.Add(a, b, evaluate=False)


def mul(a: Any, b: Any) -> sp.Expr:
    return sp.Mul(a, b, evaluate=False)


def neg(a: Any) -> sp.Expr:
    return sp.Mul(sp.Integer(-1), a, evaluate=False)


def sub(a: Any, b: Any) -> sp.Expr:
    return add(a, neg(b))


def div(a: Any, b: Any) -> sp.Expr:
    return mul(a, sp.Pow(b, -1, evaluate=False))


def power(a: Any, b: Any) -> sp.Expr:
    return sp.Pow(a, b, evaluate=False)


def fn(cls: Any) -> Callable[..., sp.Expr]:
    def build(*args: Any) -> sp.Expr:
        return cls(*args, evaluate=False)
    return build


def elementwise(f: Callable[..., Any], nargs: int = 1) -> Callable[..., np.ndarray]:
    ufunc = np.frompyfunc(f, nargs, 1)

    def apply(*args: Any) -> np.ndarray:
        return np.asarray(ufunc(*[obj(a) for a in args]), dtype=object)
    return apply


def reduction(combine: Callable[[list[Any]], Any]) -> Callable[..., np.ndarray]:
    def reduce(a: Any, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        a = obj(a)
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


def add_all(xs: list[Any]) -> Any:
    return sp.Add(*xs, evaluate=False) if len(xs) > 1 else xs[0]


def mean_all(xs: list[Any]) -> Any:
    return mul(add_all(xs), sp.Rational(1, len(xs)))


def mul_all(xs: list[Any]) -> Any:
    return sp.Mul(*xs, evaluate=False) if len(xs) > 1 else xs[0]


class Decider(Protocol):
    """Decides a branch at the point (``numeric.branches.Resolver``): ``rule`` applied to
    the high-precision values of ``nodes``, recorded so another point can replay it."""

    def decide(self, nodes: Sequence[Any], rule: Callable[[list[Any]], Hashable]) -> Any: ...


F = TypeVar("F", bound=Callable[..., Any])


def deciding(f: F) -> F:
    """Mark a table function that takes ``decider=`` (``make_backend`` passes it)."""
    f.needs_decider = True  # type: ignore[attr-defined]
    return f


def signs(values: list[Any]) -> tuple[int, ...]:
    """-1, 0 or 1 per value (NaN gives 0: the symmetric form keeps it NaN)."""
    return tuple(int(v > 0) - int(v < 0) for v in values)


def pair_signs(values: list[Any]) -> tuple[int, ...]:
    """sign(a_i - b_i) for values a_0..a_n-1, b_0..b_n-1."""
    n = len(values) // 2
    return tuple(int(a > b) - int(a < b) for a, b in zip(values[:n], values[n:], strict=True))


def extreme_rule(largest: bool) -> Callable[[list[Any]], tuple[int, ...]]:
    """The indices of the largest (smallest) values: one, or several at a tie."""
    def rule(values: list[Any]) -> tuple[int, ...]:
        finite = [v for v in values if v == v]
        if not finite:
            return tuple(range(len(values)))
        best = max(finite) if largest else min(finite)
        return tuple(i for i, v in enumerate(values) if v == best)
    return rule


def mean_of(xs: Sequence[Any]) -> Any:
    """The mean of tied branches: the symmetric subgradient at a kink."""
    return xs[0] if len(xs) == 1 else mul(add_all(list(xs)), sp.Rational(1, len(xs)))


def array_of(items: Sequence[Any], shape: Sequence[int]) -> np.ndarray:
    """An object array of ``shape`` holding ``items`` in C order (never nested further)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out.reshape(tuple(shape))
