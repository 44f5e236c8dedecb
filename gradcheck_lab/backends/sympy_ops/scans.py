"""SymPy rows of the scans and order statistics, the orderings decided at the point: each
row's stable sort permutation is found in high precision; elements tied there are
replaced, in each of their sorted positions, by their mean (the symmetric subgradient)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from gradcheck_lab.backends.sympy_ops.common import (
    Decider,
    add,
    array_of,
    deciding,
    mean_of,
    mul,
    obj,
)


def order_rule(values: list[Any]) -> tuple[tuple[int, ...], ...]:
    """The stable ascending order of ``values`` as groups of equal values (a tie: a group
    of several indices), NaN last as numpy puts it."""
    keyed = sorted(range(len(values)), key=lambda i: (values[i] != values[i],
                                                      values[i] if values[i] == values[i]
                                                      else 0, i))
    groups: list[list[int]] = []
    for i in keyed:
        if groups and values[groups[-1][0]] == values[i]:
            groups[-1].append(i)
        else:
            groups.append([i])
    return tuple(tuple(g) for g in groups)


def sorted_row(row: list[Any], decider: Decider) -> list[Any]:
    out: list[Any] = []
    for group in decider.decide(row, order_rule):
        value = mean_of([row[i] for i in group])
        out += [value] * len(group)
    return out


def _rows(a: Any, axis: Any) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """The array's rows along ``axis`` (flattened for None) and how to put them back."""
    a = obj(a)
    if axis is None:
        return a.reshape(1, -1), lambda out: out.reshape(-1)
    moved = np.moveaxis(a, axis, -1)
    shape = moved.shape
    return moved.reshape(-1, shape[-1]), lambda out: np.moveaxis(
        out.reshape(shape[:-1] + out.shape[-1:]), -1, axis)


@deciding
def _sort(a: Any, axis: int = -1, *, decider: Decider) -> np.ndarray:
    rows, back = _rows(a, axis)
    out = np.array([array_of(sorted_row(list(r), decider), (len(r),)) for r in rows],
                   dtype=object).reshape(rows.shape)
    return np.asarray(back(out), dtype=object)


@deciding
def _argsort(a: Any, axis: int = -1, *, decider: Decider) -> np.ndarray:
    rows, back = _rows(a, axis)
    out = np.array([[i for g in decider.decide(list(r), order_rule) for i in g] for r in rows],
                   dtype=np.int64).reshape(rows.shape)
    return np.asarray(back(out), dtype=np.int64)


@deciding
def _topk(a: Any, k: int, axis: int = -1, *, decider: Decider) -> np.ndarray:
    rows, back = _rows(a, axis)
    out = np.empty((rows.shape[0], k), dtype=object)
    for n, r in enumerate(rows):
        for j, v in enumerate(sorted_row(list(r), decider)[::-1][:k]):
            out[n, j] = v
    return np.asarray(back(out), dtype=object)


@deciding
def _median(a: Any, axis: Any = None, keepdims: bool = False, *,
            decider: Decider) -> np.ndarray:
    a = obj(a)
    rows, _ = _rows(a, axis)
    out = []
    for r in rows:
        s = sorted_row(list(r), decider)
        n = len(s)
        out.append(s[n // 2] if n % 2 else mul(add(s[n // 2 - 1], s[n // 2]),
                                               sp.Rational(1, 2)))
    shape = () if axis is None else tuple(np.delete(np.array(a.shape), axis % a.ndim))
    result = array_of(out, shape)
    if keepdims:
        result = result.reshape((1,) * a.ndim) if axis is None else np.expand_dims(result, axis)
    return result


def _scan(step: Callable[[Any, Any], Any]) -> Callable[..., np.ndarray]:
    def scan(a: Any, axis: Any = None) -> np.ndarray:
        rows, back = _rows(a, axis)
        out = np.empty(rows.shape, dtype=object)
        for n, r in enumerate(rows):
            total = None
            for j, v in enumerate(r):
                total = v if total is None else step(total, v)
                out[n, j] = total
        return np.asarray(back(out), dtype=object)
    return scan


TABLE: dict[str, Callable[..., Any]] = {
    "cumsum": _scan(add), "cumprod": _scan(mul), "sort": _sort, "argsort": _argsort,
    "topk": _topk, "median": _median,
}
