"""torch rows of the elementwise functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

SQRT_2_OVER_PI = 0.7978845608028654  # sqrt(2 / pi)


def _gelu_tanh(a: Any) -> Any:
    """x/2 (1 + tanh u) written as x sigmoid(2u), the same function: where tanh u is near
    -1 (x < -4) F.gelu's 1 + tanh u cancels, its derivative 2e-10 off relatively at -5."""
    return a * torch.sigmoid(2.0 * SQRT_2_OVER_PI * (a + 0.044715 * a ** 3))


TABLE: dict[str, Callable[..., Any]] = {
    "abs": torch.abs, "sqrt": torch.sqrt, "exp": torch.exp, "log": torch.log,
    "log1p": torch.log1p, "expm1": torch.expm1, "sin": torch.sin, "cos": torch.cos,
    "tan": torch.tan, "arcsin": torch.arcsin, "arccos": torch.arccos, "arctan": torch.arctan,
    "sinh": torch.sinh, "cosh": torch.cosh, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    # logaddexp(x, 0) rather than F.softplus, whose threshold=20 switches to x (gradient 1)
    "softplus": lambda a: torch.logaddexp(a, torch.zeros_like(a)),
    "erf": torch.special.erf, "sign": torch.sign, "stop_gradient": lambda a: a.detach(),
    "gelu": lambda a, approximate: (torch.nn.functional.gelu(a) if approximate == "none"
                                    else _gelu_tanh(a)),
    "maximum": torch.maximum, "minimum": torch.minimum,
}
