"""torch rows of linear algebra."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from gradcheck_lab.backends.base import numpy_dot
from gradcheck_lab.backends.torch_ops.core import transpose


def _sym(a: torch.Tensor) -> torch.Tensor:
    return (a + a.mT) / 2


def _signed(v: torch.Tensor) -> torch.Tensor:
    """Each eigenvector's largest-magnitude component positive (eigh's sign convention)."""
    idx = torch.argmax(torch.abs(v.detach()), dim=-2, keepdim=True)
    signs = torch.sign(torch.gather(v.detach(), -2, idx))
    return v * torch.where(signs == 0, torch.ones_like(signs), signs)


def _eigh(a: torch.Tensor, output: Any = None) -> torch.Tensor:
    w, v = torch.linalg.eigh(_sym(a))
    return w if output == 0 else _signed(v)


def _solve(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    if b.dim() == 1:
        return torch.linalg.solve(a, b[:, None])[:, 0]
    return torch.linalg.solve(a, b)


def _slogdet(a: torch.Tensor, output: Any = None) -> torch.Tensor:
    sign, logabs = torch.linalg.slogdet(a)
    return sign if output == 0 else logabs


def _qr(a: torch.Tensor, output: Any = None) -> torch.Tensor:
    q, r = torch.linalg.qr(a)
    return q if output == 0 else r


TABLE: dict[str, Callable[..., Any]] = {
    "matmul": torch.matmul,
    "dot": lambda a, b: numpy_dot(torch.matmul, torch.tensordot, a, b),
    "transpose": transpose,
    "outer": lambda a, b: torch.outer(a.reshape(-1), b.reshape(-1)),
    "trace": lambda a, offset=0: torch.diagonal(a, offset, 0, 1).sum(-1),
    "det": torch.linalg.det, "inv": torch.linalg.inv, "solve": _solve,
    "cholesky": lambda a: torch.linalg.cholesky(_sym(a)), "slogdet": _slogdet,
    "eigh": _eigh, "eigvalsh": lambda a: torch.linalg.eigvalsh(_sym(a)),
    "svd": lambda a, compute_uv=True, output=None: torch.linalg.svdvals(a),
    "svdvals": torch.linalg.svdvals, "qr": _qr, "pinv": torch.linalg.pinv,
    "matrix_power": lambda a, n: torch.linalg.matrix_power(a, n),
    "expm": torch.linalg.matrix_exp,
}
