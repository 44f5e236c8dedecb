"""SymPy rows of the matrix decompositions and functions, built as the scalar algorithms a
numerical library runs, with every choice made at the point in high precision: LU with
partial pivoting (det, inv, solve, slogdet, pinv, negative matrix powers), Cholesky,
Householder QR with LAPACK's reflector signs, expm by scaling and squaring (the number of
squarings chosen from the point's norm). Each is then an ordinary expression in the
matrix entries, so SymPy's own rules give exact derivatives (and Hessians) at the point.
A zero pivot column (a singular matrix) makes det fall back to the division-free
Berkowitz expansion, whose derivative (the adjugate) stays right there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from gradcheck_lab.backends.sympy_ops.common import (
    Decider,
    add,
    add_all,
    deciding,
    div,
    mul,
    neg,
    obj,
    power,
    signs,
    sub,
)

ZERO, ONE, HALF = sp.Integer(0), sp.Integer(1), sp.Rational(1, 2)
Matrix = list[list[Any]]


def pivot_rule(values: list[Any]) -> int | None:
    """The row of the largest magnitude (the first of equal ones), None when all are 0."""
    best = max(range(len(values)), key=lambda i: (abs(values[i]), -i))
    return None if abs(values[best]) == 0 else best


def _nonzero(terms: list[Any]) -> list[Any]:
    return [t for t in terms if t is not ZERO]


def lu(m: Matrix, decider: Decider) -> tuple[list[int], Matrix, Matrix, int] | None:
    """PA = LU with partial pivoting decided at the point; None for a singular matrix."""
    n = len(m)
    a = [row[:] for row in m]
    perm, low, sign = list(range(n)), [[ZERO] * n for _ in range(n)], 1
    for k in range(n):
        p = decider.decide([a[i][k] for i in range(k, n)], pivot_rule)
        if p is None:
            return None
        if p:
            a[k], a[k + p] = a[k + p], a[k]
            low[k], low[k + p] = low[k + p], low[k]
            perm[k], perm[k + p] = perm[k + p], perm[k]
            sign = -sign
        for i in range(k + 1, n):
            f = div(a[i][k], a[k][k])
            low[i][k] = f
            for j in range(k + 1, n):
                a[i][j] = sub(a[i][j], mul(f, a[k][j]))
    return perm, low, a, sign


def lu_solve(factors: tuple[list[int], Matrix, Matrix, int], b: Matrix) -> Matrix:
    """X with A X = B from A's LU factors (forward then back substitution)."""
    perm, low, up, _ = factors
    n, cols = len(up), len(b[0])
    x = [[ZERO] * cols for _ in range(n)]
    for c in range(cols):
        y: list[Any] = []
        for i in range(n):
            terms = _nonzero([b[perm[i]][c]] + [neg(mul(low[i][j], y[j])) for j in range(i)
                                                if y[j] is not ZERO])
            y.append(add_all(terms) if terms else ZERO)
        for i in reversed(range(n)):
            terms = _nonzero([y[i]] + [neg(mul(up[i][j], x[j][c])) for j in range(i + 1, n)
                                       if x[j][c] is not ZERO])
            x[i][c] = div(add_all(terms), up[i][i]) if terms else ZERO
    return x


def per_matrix(f: Callable[[Matrix], Any], a: Any, tail: Callable[[tuple[int, ...]],
                                                                    tuple[int, ...]]
               ) -> np.ndarray:
    """``f`` on each matrix of a batch (..., m, n); ``tail`` gives the shape of its result."""
    a = obj(a)
    out = np.empty(a.shape[:-2] + tail(a.shape[-2:]), dtype=object)
    for idx in np.ndindex(a.shape[:-2]):
        value = f([list(row) for row in a[idx]])
        out[idx] = np.asarray(value, dtype=object) if isinstance(value, list) else value
    return out


def _singular(what: str) -> ValueError:
    return ValueError(f"{what}: the matrix is singular at the point")


@deciding
def det(a: Any, *, decider: Decider) -> np.ndarray:
    def one(m: Matrix) -> Any:
        factors = lu(m, decider)
        if factors is None:
            return sp.Matrix(m).det(method="berkowitz")
        diagonal = [factors[2][k][k] for k in range(len(m))]
        return mul(sp.Integer(factors[3]), sp.Mul(*diagonal, evaluate=False)
                   if len(diagonal) > 1 else diagonal[0])
    return per_matrix(one, a, lambda s: ())


@deciding
def inv(a: Any, *, decider: Decider) -> np.ndarray:
    def one(m: Matrix) -> Matrix:
        factors = lu(m, decider)
        if factors is None:
            raise _singular("inv")
        n = len(m)
        return lu_solve(factors, [[ONE if i == j else ZERO for j in range(n)]
                                  for i in range(n)])
    return per_matrix(one, a, lambda s: s)


@deciding
def solve(a: Any, b: Any, *, decider: Decider) -> np.ndarray:
    a, b = obj(a), obj(b)
    vector = b.ndim == 1
    b = b[:, None] if vector else b
    out = np.empty(b.shape, dtype=object)
    for idx in np.ndindex(a.shape[:-2]):
        factors = lu([list(r) for r in a[idx]], decider)
        if factors is None:
            raise _singular("solve")
        out[idx] = np.asarray(lu_solve(factors, [list(r) for r in b[idx]]), dtype=object)
    return out[:, 0] if vector else out


@deciding
def slogdet(a: Any, output: Any = None, *, decider: Decider) -> np.ndarray:
    def one(m: Matrix) -> Any:
        factors = lu(m, decider)
        if factors is None:
            return ZERO if output == 0 else -sp.oo
        diagonal = [factors[2][k][k] for k in range(len(m))]
        sides = decider.decide(diagonal, signs)
        if output == 0:
            return sp.Integer(factors[3] * int(np.prod(sides)))
        return add_all([sp.log(mul(sp.Integer(s), d), evaluate=False)
                        for s, d in zip(sides, diagonal, strict=True)])
    return per_matrix(one, a, lambda s: ())


def symmetric(m: Matrix) -> Matrix:
    """(A + A^T) / 2, entry by entry (the diagonal as it is)."""
    n = len(m)
    return [[m[i][i] if i == j else mul(add(m[i][j], m[j][i]), HALF) for j in range(n)]
            for i in range(n)]


def cholesky(a: Any) -> np.ndarray:
    def one(m: Matrix) -> Matrix:
        s, n = symmetric(m), len(m)
        low = [[ZERO] * n for _ in range(n)]
        for j in range(n):
            rest = [neg(power(low[j][k], sp.Integer(2))) for k in range(j)]
            low[j][j] = power(add_all([s[j][j], *rest]), HALF)
            for i in range(j + 1, n):
                rest = [neg(mul(low[i][k], low[j][k])) for k in range(j)]
                low[i][j] = div(add_all([s[i][j], *rest]), low[j][j])
        return low
    return per_matrix(one, a, lambda s: s)
