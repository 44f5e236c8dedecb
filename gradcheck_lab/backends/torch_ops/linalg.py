"""torch rows of linear algebra."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from gradcheck_lab.backends.base import numpy_dot
from gradcheck_lab.backends.torch_ops.core import transpose

TABLE: dict[str, Callable[..., Any]] = {
    "matmul": torch.matmul,
    "dot": lambda a, b: numpy_dot(torch.matmul, torch.tensordot, a, b),
    "transpose": transpose,
    "outer": lambda a, b: torch.outer(a.reshape(-1), b.reshape(-1)),
    "trace": lambda a, offset=0: torch.diagonal(a, offset, 0, 1).sum(-1),
    "det": torch.linalg.det, "inv": torch.linalg.inv,
}
