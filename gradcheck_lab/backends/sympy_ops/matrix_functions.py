"""SymPy rows of QR (Householder, LAPACK's signs decided at the point), pinv, matrix powers,
expm (scaling and squaring), and the eigen- and singular values (``eigen``'s functions)."""

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
    elementwise,
    mul,
    obj,
    power,
    sub,
)
from gradcheck_lab.backends.sympy_ops.decompositions import (
    HALF,
    ONE,
    ZERO,
    Matrix,
    cholesky,
    det,
    inv,
    per_matrix,
    slogdet,
    solve,
    symmetric,
)
from gradcheck_lab.backends.sympy_ops.eigen import eigenvalue, eigenvector
from gradcheck_lab.backends.sympy_ops.linalg import matmul

TAYLOR_DEGREE = 18  # with |B|_1 <= 2^-8 the remainder is below 1e-60 (see numpy_ops.expm)


def _reflector_rule(values: list[Any]) -> tuple[int, bool]:
    """(sign of the leading element, 0 counted as +; whether the rest is all 0)."""
    return (1 if values[0] >= 0 else -1, all(v == 0 for v in values[1:]))


@deciding
def qr(a: Any, output: Any = None, *, decider: Decider) -> np.ndarray:
    """numpy's reduced QR, as LAPACK's geqrf/orgqr compute it (dlarfg: beta = -sign(alpha)
    ||x||, no reflection where x below alpha is 0)."""
    def one(m: Matrix) -> Matrix:
        rows, cols = len(m), len(m[0])
        r = [row[:] for row in m]
        q = [[ONE if i == j else ZERO for j in range(rows)] for i in range(rows)]
        for j in range(min(rows, cols)):
            x = [r[i][j] for i in range(j, rows)]
            side, flat = decider.decide(x, _reflector_rule)
            if flat:
                continue
            norm = power(add_all([power(v, sp.Integer(2)) for v in x]), HALF)
            beta = mul(sp.Integer(-side), norm)
            tau = div(sub(beta, x[0]), beta)
            v = [ONE] + [div(xi, sub(x[0], beta)) for xi in x[1:]]
            for c in range(j, cols):  # R <- (I - tau v v^T) R
                dot = add_all([mul(vi, r[j + i][c]) for i, vi in enumerate(v)])
                for i, vi in enumerate(v):
                    r[j + i][c] = sub(r[j + i][c], mul(mul(tau, vi), dot))
            for i in range(rows):  # Q <- Q (I - tau v v^T)
                dot = add_all([mul(q[i][j + t], vt) for t, vt in enumerate(v)])
                for t, vt in enumerate(v):
                    q[i][j + t] = sub(q[i][j + t], mul(mul(tau, dot), vt))
            for i in range(j + 1, rows):
                r[i][j] = ZERO
        k = min(rows, cols)
        return [row[:k] for row in q] if output == 0 else [row[:] for row in r[:k]]
    shape = obj(a).shape[-2:]
    k = min(shape)
    return per_matrix(one, a, lambda s: (s[0], k) if output == 0 else (k, s[1]))


def _transpose(a: np.ndarray) -> np.ndarray:
    return np.asarray(np.swapaxes(a, -1, -2), dtype=object)


@deciding
def pinv(a: Any, *, decider: Decider) -> np.ndarray:
    a = obj(a)
    at = _transpose(a)
    if a.shape[-2] >= a.shape[-1]:  # full column rank: (A^T A)^-1 A^T
        return matmul(inv(matmul(at, a), decider=decider), at)
    return matmul(at, inv(matmul(a, at), decider=decider))


def _identity(n: int, batch: tuple[int, ...]) -> np.ndarray:
    eye = np.empty((n, n), dtype=object)
    for i, j in np.ndindex(n, n):
        eye[i, j] = ONE if i == j else ZERO
    return np.asarray(np.broadcast_to(eye, batch + (n, n)), dtype=object)


@deciding
def matrix_power(a: Any, n: int, *, decider: Decider) -> np.ndarray:
    a = obj(a)
    base = inv(a, decider=decider) if n < 0 else a
    out, k = None, abs(n)
    while k:
        if k & 1:
            out = base if out is None else matmul(out, base)
        k >>= 1
        if k:
            base = matmul(base, base)
    return _identity(a.shape[-1], a.shape[:-2]) if out is None else out


def _squarings(values: list[Any]) -> int:
    """How often to halve A so that |A / 2^s|_1 <= 2^-8 (from the point's entries)."""
    n = int(round(len(values) ** 0.5))
    norm = max((sum(abs(values[i * n + j]) for i in range(n)) for j in range(n)), default=0)
    s = 0
    while norm > 2.0 ** (-8 + s):
        s += 1
    return s


def _scaled(m: np.ndarray, factor: sp.Rational) -> np.ndarray:
    return elementwise(lambda x: mul(x, factor))(m)


@deciding
def expm(a: Any, *, decider: Decider) -> np.ndarray:
    a = obj(a)
    n = a.shape[-1]
    out = np.empty(a.shape, dtype=object)
    for idx in np.ndindex(a.shape[:-2]):
        s = decider.decide(list(a[idx].ravel()), _squarings)
        b = _scaled(a[idx], sp.Rational(1, 2 ** s))
        eye = _identity(n, ())
        t = eye
        for j in range(TAYLOR_DEGREE, 0, -1):  # Horner: I + B (I + B/2 (I + ...)) / 1
            t = elementwise(add, 2)(eye, _scaled(matmul(b, t), sp.Rational(1, j)))
        for _ in range(s):
            t = matmul(t, t)
        out[idx] = t
    return out


def _entries(m: Matrix) -> list[Any]:
    return [v for row in m for v in row]


def eigh(a: Any, output: Any = None) -> np.ndarray:
    def one(m: Matrix) -> Any:
        n, args = len(m), _entries(symmetric(m))
        if output == 0:
            return [eigenvalue(n, k)(*args) for k in range(n)]
        return [[eigenvector(n, k, i)(*args) for k in range(n)] for i in range(n)]
    return per_matrix(one, a, lambda s: s[:1] if output == 0 else s)


def _zeros(values: list[Any]) -> tuple[bool, ...]:
    """Which eigenvalues of a Gram matrix are 0 at the point (below 1e-30 of the largest,
    or of 1: the working precision is 50 digits)."""
    scale = max([abs(v) for v in values] + [1])
    return tuple(bool(abs(v) <= ZERO_GRAM * scale) for v in values)


ZERO_GRAM = 1e-30


@deciding
def singular_values(a: Any, *, decider: Decider) -> np.ndarray:
    """Descending singular values: square roots of the eigenvalues of A^T A (m >= n) or
    A A^T, the largest first. A singular value that is 0 at the point is the constant 0:
    s(A + tE) = |t| |u^T E v| + O(t^2) there, so its symmetric derivative is 0 (the mean of
    the one-sided ones), where sqrt's would be 0/0."""
    a = obj(a)
    m, n = a.shape[-2:]
    gram = matmul(_transpose(a), a) if m >= n else matmul(a, _transpose(a))
    k = min(m, n)

    def one(g: Matrix) -> list[Any]:
        args = _entries(g)
        values = [eigenvalue(k, k - 1 - i)(*args) for i in range(k)]
        zero = decider.decide(values, _zeros)
        return [ZERO if z else power(v, HALF) for v, z in zip(values, zero, strict=True)]
    return per_matrix(one, gram, lambda s: (k,))


TABLE: dict[str, Callable[..., Any]] = {
    "det": det, "inv": inv, "solve": solve, "slogdet": slogdet, "cholesky": cholesky,
    "eigh": eigh, "eigvalsh": lambda a: eigh(a, output=0),
    "svd": deciding(lambda a, compute_uv=True, output=None, *, decider: singular_values(
        a, decider=decider)),
    "svdvals": singular_values, "qr": qr, "pinv": pinv, "matrix_power": matrix_power,
    "expm": expm,
}
