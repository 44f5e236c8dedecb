"""Eigenvalues and eigenvectors of symmetric matrices as SymPy functions of the matrix
entries, evaluated by mpmath (``eigsy`` at the working precision) and differentiated by
perturbation theory (no closed form is needed: we differentiate at a point).

For a symmetric ``S`` with a simple eigenvalue ``l_k`` and unit eigenvector ``v_k``, and
``E = e_a e_b^T`` (entry (a, b) moved): ``d l_k = v_k^T E v_k = v_ak v_bk`` and
``d v_k = sum_{l != k} v_l (v_l^T E v_k) / (l_k - l_l)`` (Magnus, "On differentiating
eigenvalues and eigenvectors", Econometric Theory 1, 1985). Both are again expressions in
these functions, so second derivatives (Hessians) follow by the same rules. The entries of
``S`` are separate arguments; where the graph builds ``S`` from a matrix, the chain rule
through ``S_ab`` and ``S_ba`` gives the symmetric perturbation. Eigenvalues are ascending;
each eigenvector is scaled so its largest-magnitude component is positive (the first of
equal magnitudes), the sign convention of ``eigh``. One class per (size, index, row):
the index of an eigenvalue is part of what a function is, not an argument. At a repeated
eigenvalue (a kink) the slope ``v_ak v_bk`` is averaged over the tied eigenvalues, as
sort averages tied positions: for two tied ones, the mean of the one-sided derivatives.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import sympy as sp

_CLASSES: dict[tuple[int, int, int | None, tuple[int, int] | None], type] = {}
_DECOMPOSED: OrderedDict[tuple[Any, ...], tuple[list[Any], list[list[Any]]]] = OrderedDict()


def decompose(ctx: Any, values: tuple[Any, ...], n: int) -> tuple[list[Any], list[list[Any]]]:
    """(eigenvalues ascending, eigenvectors as columns v[i][k]) of the n x n matrix given by
    ``values`` (row-major), with the sign convention; cached (every entry of a
    decomposition is a separate node of the graph)."""
    key = (n, ctx.prec, *values)
    if key in _DECOMPOSED:
        _DECOMPOSED.move_to_end(key)
        return _DECOMPOSED[key]
    w, q = ctx.eigsy(ctx.matrix([[values[i * n + j] for j in range(n)] for i in range(n)]))
    order = sorted(range(n), key=lambda k: w[k])
    vectors = [[q[i, k] for k in order] for i in range(n)]
    for k in range(n):
        column = [vectors[i][k] for i in range(n)]
        big = max(range(n), key=lambda i: (abs(column[i]), -i))
        if column[big] < 0:
            for i in range(n):
                vectors[i][k] = -vectors[i][k]
    out = ([w[k] for k in order], vectors)
    _DECOMPOSED[key] = out
    if len(_DECOMPOSED) > 512:
        _DECOMPOSED.popitem(last=False)
    return out


def tied(ctx: Any, w: list[Any], k: int) -> list[int]:
    """The eigenvalues equal to the k-th at the working precision (k among them)."""
    scale = max([abs(x) for x in w] + [ctx.mpf(1)])
    return [m for m in range(len(w)) if abs(w[m] - w[k]) <= ctx.eps * 2 ** 20 * scale]


class Eigen(sp.Function):
    """Base of the eigenvalue (``row`` None), eigenvector-component and eigenvalue-slope
    (``slope`` = (a, b): d l_k / d S_ab) classes."""

    size = 0
    index = 0
    row: int | None = None
    slope: tuple[int, int] | None = None

    def _eval_is_real(self) -> bool:
        return True

    @classmethod
    def evaluate_mp(cls, ctx: Any, *values: Any) -> Any:
        w, v = decompose(ctx, tuple(values), cls.size)
        if cls.slope is not None:  # v_ak v_bk, averaged over a tie (sort's convention)
            a, b = cls.slope
            group = tied(ctx, w, cls.index)
            return sum(v[a][m] * v[b][m] for m in group) / len(group)
        return w[cls.index] if cls.row is None else v[cls.row][cls.index]

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        n, k, args = self.size, self.index, self.args
        a, b = divmod(argindex - 1, n)

        def vec(kk: int, ii: int) -> sp.Expr:
            return eigenvector(n, kk, ii)(*args)

        if self.slope is not None:  # the product rule on v_ak v_bk (off ties)
            p, q = self.slope
            return sp.Add(sp.Mul(vec(k, p).fdiff(argindex), vec(k, q), evaluate=False),
                          sp.Mul(vec(k, p), vec(k, q).fdiff(argindex), evaluate=False),
                          evaluate=False)
        if self.row is None:
            return _cls(n, k, None, (a, b))(*args)
        lam = eigenvalue(n, k)(*args)
        terms = [sp.Mul(vec(m, self.row), vec(m, a), vec(k, b),
                        sp.Pow(sp.Add(lam, sp.Mul(-1, eigenvalue(n, m)(*args),
                                                  evaluate=False), evaluate=False),
                               -1, evaluate=False), evaluate=False)
                 for m in range(n) if m != k]
        return sp.Add(*terms, evaluate=False) if terms else sp.Integer(0)


def _cls(n: int, k: int, row: int | None, slope: tuple[int, int] | None = None) -> type:
    key = (n, k, row, slope)
    if key not in _CLASSES:
        name = (f"eigval{n}_{k}" if row is None and slope is None else
                f"eigvec{n}_{k}_{row}" if slope is None else
                f"eigslope{n}_{k}_{slope[0]}_{slope[1]}")
        _CLASSES[key] = type(name, (Eigen,), {"size": n, "index": k, "row": row,
                                              "slope": slope, "nargs": n * n})
    return _CLASSES[key]


def eigenvalue(n: int, k: int) -> type:
    """The class of the k-th (ascending) eigenvalue of an n x n symmetric matrix."""
    return _cls(n, k, None)


def eigenvector(n: int, k: int, i: int) -> type:
    """The class of component i of the k-th eigenvector."""
    return _cls(n, k, i)
