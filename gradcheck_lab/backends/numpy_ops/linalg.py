"""NumPy rows of linear algebra."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck_lab.backends.base import numpy_dot


def _trace(a: np.ndarray, offset: int = 0) -> np.ndarray:
    return np.asarray(np.sum(np.diagonal(a, offset, 0, 1), axis=-1))


def signed_columns(v: np.ndarray) -> np.ndarray:
    """Eigenvectors (columns) each scaled so its largest-magnitude component is positive
    (the first of equal magnitudes): the sign convention of ``eigh``."""
    idx = np.argmax(np.abs(np.real(v)), axis=-2)[..., None, :]
    signs = np.sign(np.real(np.take_along_axis(v, idx, axis=-2)))
    return np.asarray(v * np.where(signs == 0, 1.0, signs))


def _sym(a: np.ndarray) -> np.ndarray:
    return (a + np.swapaxes(a, -1, -2)) / 2


def _eigh(a: Any, output: Any = None) -> np.ndarray:
    w, v = np.linalg.eigh(_sym(np.asarray(a)))
    return np.asarray(w if output == 0 else signed_columns(v))


def _solve(a: Any, b: Any) -> np.ndarray:
    a, b = np.asarray(a), np.asarray(b)
    if b.ndim == 1:
        return np.linalg.solve(a, b[:, None])[:, 0]
    return np.linalg.solve(a, b)


def _slogdet(a: Any, output: Any = None) -> np.ndarray:
    sign, logabs = np.linalg.slogdet(np.asarray(a))
    return np.asarray(sign if output == 0 else logabs)


def _qr(a: Any, output: Any = None) -> np.ndarray:
    q, r = np.linalg.qr(np.asarray(a))
    return np.asarray(q if output == 0 else r)


def expm(a: Any) -> np.ndarray:
    """exp(A) by scaling and squaring: B = A / 2^s with |B|_1 <= 2^-8, its Taylor series
    to degree 18 (remainder below 1e-60 relative), then squared s times (Higham,
    *Functions of Matrices*, 2008, ch. 10)."""
    a = np.asarray(a)
    norm = float(np.max(np.sum(np.abs(a), axis=-2))) if a.size else 0.0
    s = max(0, int(np.ceil(np.log2(norm))) + 8) if norm > 0 else 0
    b = a / 2.0 ** s
    eye = np.broadcast_to(np.eye(a.shape[-1]), a.shape)
    out = eye
    for j in range(18, 0, -1):
        out = eye + (b @ out) / j
    for _ in range(s):
        out = out @ out
    return np.asarray(out)


def _matrix_power(a: Any, n: int) -> np.ndarray:
    a = np.asarray(a)
    return np.linalg.matrix_power(np.linalg.inv(a) if n < 0 else a, abs(n))


TABLE: dict[str, Callable[..., Any]] = {
    "matmul": np.matmul,
    "dot": lambda a, b: numpy_dot(np.matmul, np.tensordot, np.asarray(a), np.asarray(b)),
    "transpose": lambda a, axes=None: np.transpose(a, axes),
    "outer": lambda a, b: np.outer(a, b), "trace": _trace,
    "det": np.linalg.det, "inv": np.linalg.inv, "solve": _solve,
    "cholesky": lambda a: np.linalg.cholesky(_sym(np.asarray(a))),
    "slogdet": _slogdet, "eigh": _eigh,
    "eigvalsh": lambda a: np.linalg.eigvalsh(_sym(np.asarray(a))),
    "svd": lambda a, compute_uv=True, output=None: np.linalg.svd(a, compute_uv=False),
    "svdvals": lambda a: np.linalg.svd(a, compute_uv=False),
    "qr": _qr, "pinv": lambda a: np.linalg.pinv(a), "matrix_power": _matrix_power,
    "expm": expm,
}
