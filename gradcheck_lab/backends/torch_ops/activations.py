"""torch rows of the activations: torch.nn.functional's own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch.nn.functional as F

TABLE: dict[str, Callable[..., Any]] = {
    "silu": F.silu, "mish": F.mish, "softsign": F.softsign, "log_sigmoid": F.logsigmoid,
    "hardtanh": lambda a, min_val=-1.0, max_val=1.0: F.hardtanh(a, min_val, max_val),
    "elu": lambda a, alpha=1.0: F.elu(a, alpha), "selu": F.selu,
    "leaky_relu": lambda a, negative_slope=0.01: F.leaky_relu(a, negative_slope),
    "relu6": F.relu6, "hardsigmoid": F.hardsigmoid, "hardswish": F.hardswish,
    "log_softmax": lambda a, axis=-1: F.log_softmax(a, dim=axis),
}
