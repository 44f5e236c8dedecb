"""SymPy rows of linear algebra."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck_lab.backends.sympy_ops.common import (
    add_all,
    elementwise,
    mul,
    obj,
    reduction,
)


def matmul(a: Any, b: Any) -> np.ndarray:
    a, b = obj(a), obj(b)
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
        out[idx] = add_all([mul(x, y) for x, y in zip(row, col, strict=True)])
    if a.ndim == 1:
        out = out[..., 0, :]
    if b.ndim == 1:
        out = out[..., 0]
    return np.asarray(out, dtype=object)


def _dot(a: Any, b: Any) -> np.ndarray:
    a, b = obj(a), obj(b)
    if a.ndim == 0 or b.ndim == 0:
        return elementwise(mul, 2)(a, b)
    if b.ndim <= 2 and a.ndim <= 2:
        return matmul(a, b)
    return obj(np.dot(a, b))


TABLE: dict[str, Callable[..., Any]] = {
    "matmul": matmul, "dot": _dot,
    "transpose": lambda a, axes=None: obj(np.transpose(obj(a), axes)),
    "outer": lambda a, b: elementwise(mul, 2)(obj(a).ravel()[:, None], obj(b).ravel()[None, :]),
    "trace": lambda a, offset=0: reduction(add_all)(np.diagonal(obj(a), offset, 0, 1),
                                                    axis=-1),
}
