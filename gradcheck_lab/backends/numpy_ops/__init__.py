"""NumPy op table (float64; also complex128 for the complex step), one module per category
of ``expr.ops``."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck_lab.backends.base import Backend, merge_tables
from gradcheck_lab.backends.numpy_ops import (
    activations,
    conditionals,
    core,
    elementwise,
    indexing,
    linalg,
    nn,
    reductions,
    scans,
    shape,
    special,
)

TABLE: dict[str, Callable[..., Any]] = merge_tables(
    core.TABLE, indexing.TABLE, conditionals.TABLE, elementwise.TABLE, special.TABLE,
    activations.TABLE, reductions.TABLE, scans.TABLE, shape.TABLE,
    nn.TABLE, linalg.TABLE)


def make_backend(dtype: Any = np.float64) -> Backend:
    np_dtype = np.dtype(dtype)

    def constant(value: int | float) -> np.ndarray:
        return np.asarray(value, dtype=np_dtype)

    def named(name: str) -> np.ndarray:
        return np.asarray({"pi": math.pi, "e": math.e}[name], dtype=np_dtype)

    return Backend(f"numpy-{np_dtype.name}", TABLE, constant, named)
