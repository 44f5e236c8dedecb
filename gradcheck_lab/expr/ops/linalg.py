"""Rows of linear algebra: products, transposes, determinants, inverses, decompositions."""

from __future__ import annotations

import numpy as np

from gradcheck_lab.expr import shapes
from gradcheck_lab.expr import shapes_linalg as rules
from gradcheck_lab.expr.opspec import Arrays, OpSpec, Params
from gradcheck_lab.expr.params import Param

OUTPUT = Param(None, "int")  # set by the parser for f(A)[k]


def sym(a: np.ndarray) -> np.ndarray:
    """The symmetric part (A + A^T) / 2 that eigh and cholesky read (see their rows)."""
    a = np.real(np.asarray(a))
    return (a + np.swapaxes(a, -1, -2)) / 2


def _det_side(args: Arrays, params: Params) -> np.ndarray:
    return np.sign(np.linalg.det(np.real(args[0])))


def _gaps(values: np.ndarray) -> bool:
    """Equal neighbours among sorted eigen- or singular values (relative 1e-10): a kink."""
    v = np.sort(values, axis=-1)
    scale = np.maximum(np.max(np.abs(v), axis=-1, keepdims=True), 1e-300)
    return bool(np.any(np.diff(v, axis=-1) <= 1e-10 * scale))


def _eig_kink(args: Arrays, params: Params) -> bool:
    return _gaps(np.linalg.eigvalsh(sym(args[0])))


def _sv(args: Arrays) -> np.ndarray:
    return np.linalg.svd(np.real(args[0]), compute_uv=False)


def _sv_kink(args: Arrays, params: Params) -> bool:
    s = _sv(args)
    return _gaps(s) or bool(np.any(s <= 1e-12 * np.max(s, initial=1e-300)))


def _eig_guard(args: Arrays, params: Params) -> np.ndarray:
    """Which coordinate each eigenvector leans on most: it changes where two eigenvalues
    cross (diag(x, 1) at x = 1), so finite differences stay on one side of a crossing."""
    _, v = np.linalg.eigh(sym(args[0]))
    return np.ravel(np.argmax(np.abs(v), axis=-2))


def _sv_guard(args: Arrays, params: Params) -> np.ndarray:
    """Per singular triple: where u and v lean most, and the sign of u_a v_b there (free of
    the joint sign of u and v): it flips where a singular value passes through 0."""
    u, _, vh = np.linalg.svd(np.real(args[0]), full_matrices=False)
    v = np.swapaxes(vh, -1, -2)
    a, b = np.argmax(np.abs(u), axis=-2), np.argmax(np.abs(v), axis=-2)
    ua = np.take_along_axis(u, a[..., None, :], axis=-2)[..., 0, :]
    vb = np.take_along_axis(v, b[..., None, :], axis=-2)[..., 0, :]
    # per matrix together (a stack's signature is in stack order: batched fd compares
    # each point's part)
    return np.ravel(np.concatenate([a, b, np.sign(ua * vb)], axis=-1))


def _pd_side(args: Arrays, params: Params) -> np.ndarray:
    return np.sign(np.min(np.linalg.eigvalsh(sym(args[0])), axis=-1))


def _householder_signs(args: Arrays) -> np.ndarray:
    """The sign of each Householder step's leading element (LAPACK's choice of reflector):
    Q and R jump where one of them is 0. Every matrix of a stack (and of a batch of
    points) is reduced at once; the signs come per matrix, in stack order."""
    a = np.array(np.real(args[0]), dtype=np.float64)
    m, n = a.shape[-2:]
    r = a.reshape(-1, m, n).copy()
    signs = np.empty((r.shape[0], min(m, n)))
    for j in range(min(m, n)):
        x = r[:, j:, j].copy()
        tail = np.any(x[:, 1:] != 0, axis=1)
        signs[:, j] = np.where(tail, np.sign(x[:, 0]), 2.0)
        norm = np.linalg.norm(x, axis=1)
        step = tail & (norm != 0)  # else the column is already reduced
        if not step.any():
            continue
        v = x[step]
        v[:, 0] += np.where(v[:, 0] != 0, np.copysign(norm[step], v[:, 0]), norm[step])
        v /= np.linalg.norm(v, axis=1)[:, None]
        block = r[step, j:, :]
        r[step, j:, :] = block - 2 * v[:, :, None] * np.einsum("si,sik->sk", v, block)[:, None]
    return np.ravel(signs)


def _rank_side(args: Arrays, params: Params) -> np.ndarray:
    return np.asarray(np.linalg.matrix_rank(np.real(args[0])))

ROWS: list[OpSpec] = [
    OpSpec("dot", 2, 2, "numpy.dot: inner product, matrix product, sum over the last axis "
                        "of x and the second-to-last of y", shapes.dot, category="linalg"),
    OpSpec("matmul", 2, 2, "matrix product with numpy's 1-D and batch rules; also a @ b",
           shapes.matmul, category="linalg", written="'@'"),
    OpSpec("transpose", 1, 1, "axes permuted (reversed by default); transpose(x, (1, 0, 2))"
                              " as numpy", shapes.transpose,
           {"axes": Param(None, "axes")}, "linalg", order=("x", "axes")),
    OpSpec("outer", 2, 2, "outer product of the flattened x and y", shapes.outer,
           category="linalg"),
    OpSpec("trace", 1, 1, "sum of the offset-th diagonal (first two axes)", shapes.trace,
           {"offset": Param(0, "int")}, category="linalg"),
    OpSpec("det", 1, 1, "determinant of square matrices", shapes.square_to_batch,
           category="linalg"),
    OpSpec("inv", 1, 1, "inverse of square matrices", shapes.square, category="linalg",
           guard=_det_side),
    OpSpec("solve", 2, 2, "numpy's solve(a, b): x with a x = b (b a vector or matrices)",
           rules.solve, category="linalg", guard=_det_side, arrays=("a", "b")),
    OpSpec("cholesky", 1, 1, "lower-triangular L with L L^T = (A + A^T) / 2 (the symmetric "
                             "part: numpy and torch read one triangle, JAX symmetrizes)",
           shapes.square, category="linalg", guard=_pd_side, analytic=False),
    OpSpec("slogdet", 1, 1, "numpy's slogdet(A): [0] the sign of det(A), [1] log|det(A)|",
           rules.slogdet, {"output": OUTPUT}, "linalg", guard=_det_side, analytic=False,
           outputs=("sign", "logabsdet")),
    OpSpec("eigh", 1, 1, "eigh(A)[0]: eigenvalues of (A + A^T) / 2, ascending; eigh(A)[1]: "
                         "eigenvectors (columns), each with its largest-magnitude component "
                         "positive; repeated eigenvalues are kinks", rules.eigh,
           {"output": OUTPUT}, "linalg", kink=_eig_kink, guard=_eig_guard, analytic=False,
           outputs=("eigenvalues", "eigenvectors")),
    OpSpec("eigvalsh", 1, 1, "eigenvalues of (A + A^T) / 2, ascending", rules.eigvalsh,
           category="linalg", kink=_eig_kink, guard=_eig_guard, analytic=False),
    OpSpec("svd", 1, 1, "svd(A)[1] or svd(A, compute_uv=False): singular values, descending; "
                        "repeated or zero ones are kinks", rules.svd,
           {"compute_uv": Param(True, "bool"), "output": OUTPUT}, "linalg", kink=_sv_kink,
           guard=_sv_guard, analytic=False, outputs=("U", "S", "Vh"),
           single_output=lambda p: not p["compute_uv"]),
    OpSpec("svdvals", 1, 1, "singular values, descending", rules.svdvals, category="linalg",
           kink=_sv_kink, guard=_sv_guard, analytic=False),
    OpSpec("qr", 1, 1, "qr(A)[0], qr(A)[1]: numpy's reduced Q and R (LAPACK's Householder "
                       "signs; they jump where a step's leading element crosses 0)", rules.qr,
           {"output": OUTPUT}, "linalg",
           kink=lambda a, p: bool(np.any(_householder_signs(a) == 0)),
           guard=lambda a, p: _householder_signs(a), jump=True, analytic=False,
           outputs=("Q", "R")),
    OpSpec("pinv", 1, 1, "Moore-Penrose pseudo-inverse (full rank: (A^T A)^-1 A^T or "
                         "A^T (A A^T)^-1)", rules.pinv, category="linalg", guard=_rank_side,
           analytic=False),
    OpSpec("matrix_power", 1, 1, "A^n for an integer n (negative: of the inverse)",
           shapes.square, {"n": Param(None, "int")}, "linalg", static_positional=("n",),
           guard=lambda a, p: _det_side(a, p) if p["n"] < 0 else np.zeros(1)),
    OpSpec("expm", 1, 1, "matrix exponential (scipy.linalg.expm)", shapes.square,
           category="linalg"),
]
