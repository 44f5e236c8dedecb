"""Rows of the activations of torch.nn.functional (names, keywords and constants as
there): ``silu``, ``mish``, ``softsign``, ``log_sigmoid``, ``hardtanh``, ``elu``,
``selu``, ``leaky_relu``, ``relu6``, ``hardsigmoid``, ``hardswish``, ``log_softmax``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gradcheck_lab.expr.opspec import Arrays, OpSpec, Params, first_side, parts, side, zero_kink
from gradcheck_lab.expr.params import Param

# torch.nn.functional.selu's and jax.nn.selu's constants (Klambauer et al., 2017)
SELU_ALPHA = "1.6732632423543772848170429916717"
SELU_SCALE = "1.0507009873554804934193349852946"


def activation(name: str, doc: str, **kw: object) -> OpSpec:
    return OpSpec(name, 1, 1, doc, category="activation", **kw)  # type: ignore[arg-type]


def bounds(lo: float | str, hi: float | str, shift: float = 0.0, scale: float = 1.0
           ) -> tuple[Callable[[Arrays, Params], np.ndarray],
                      Callable[[Arrays, Params], np.ndarray]]:
    """Kink and guard of an op that is linear between two bounds (hardtanh, relu6...):
    ``x * scale + shift`` meets ``lo`` or ``hi`` (names of keywords, or numbers)."""
    def at(p: Params) -> tuple[float, float]:
        return (float(p[lo]) if isinstance(lo, str) else lo,
                float(p[hi]) if isinstance(hi, str) else hi)

    def kink(args: Arrays, params: Params) -> np.ndarray:
        x, (a, b) = np.real(args[0]) * scale + shift, at(params)
        return np.asarray((x == a) | (x == b))

    def guard(args: Arrays, params: Params) -> np.ndarray:
        x, (a, b) = np.real(args[0]) * scale + shift, at(params)
        return parts(side(x - a), side(x - b))
    return kink, guard


_HARDTANH = bounds("min_val", "max_val")
_RELU6 = bounds(0.0, 6.0)
_HARD = bounds(-3.0, 3.0)

ROWS: list[OpSpec] = [
    activation("silu", "x sigmoid(x) (swish)"),
    activation("mish", "x tanh(softplus(x))"),
    activation("softsign", "x / (1 + |x|)"),
    activation("log_sigmoid", "log(sigmoid(x)) = -softplus(-x) (torch's logsigmoid)"),
    activation("hardtanh", "x clipped to [min_val, max_val]",
               keywords={"min_val": Param(-1.0, "number"), "max_val": Param(1.0, "number")},
               kink=_HARDTANH[0], guard=_HARDTANH[1]),
    activation("elu", "x for x > 0, alpha (exp(x) - 1) else", keywords={"alpha":
                                                                      Param(1.0, "number")},
               kink=zero_kink, guard=first_side),
    activation("selu", f"{SELU_SCALE[:6]} elu(x, alpha={SELU_ALPHA[:6]}), torch's constants",
               kink=zero_kink, guard=first_side),
    activation("leaky_relu", "x for x > 0, negative_slope x else",
               keywords={"negative_slope": Param(0.01, "number")}, kink=zero_kink,
               guard=first_side),
    activation("relu6", "min(max(x, 0), 6)", kink=_RELU6[0], guard=_RELU6[1]),
    activation("hardsigmoid", "relu6(x + 3) / 6 (kinks at -3 and 3)", kink=_HARD[0],
               guard=_HARD[1]),
    activation("hardswish", "x relu6(x + 3) / 6 (kinks at -3 and 3)", kink=_HARD[0],
               guard=_HARD[1]),
    activation("log_softmax", "x - logsumexp(x, axis, keepdims=True), stable",
               keywords={"axis": Param(-1, "axis")}),
]
