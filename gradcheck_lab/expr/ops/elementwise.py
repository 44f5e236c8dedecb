"""Rows of the elementwise functions of one or two arguments."""

from __future__ import annotations

import numpy as np

from gradcheck_lab.expr.opspec import (
    OpSpec,
    binary,
    first_side,
    pair_side,
    pair_tie,
    side,
    unary,
    zero_kink,
)
from gradcheck_lab.expr.params import Param

ROWS: list[OpSpec] = [
    unary("abs", "|x|", kink=zero_kink, guard=first_side),
    unary("sqrt", "square root", kink=zero_kink, guard=first_side),
    unary("exp", "e**x"),
    unary("log", "natural logarithm", guard=first_side),
    unary("log1p", "log(1 + x), accurate near 0", guard=lambda a, p: side(np.real(a[0]) + 1)),
    unary("expm1", "exp(x) - 1, accurate near 0"),
    unary("sin", "sine"),
    unary("cos", "cosine"),
    unary("tan", "tangent", guard=lambda a, p: np.floor(np.real(a[0]) / np.pi + 0.5)),
    unary("arcsin", "inverse sine", guard=lambda a, p: side(1 - np.real(a[0]) ** 2)),
    unary("arccos", "inverse cosine", guard=lambda a, p: side(1 - np.real(a[0]) ** 2)),
    unary("arctan", "inverse tangent"),
    unary("sinh", "hyperbolic sine"),
    unary("cosh", "hyperbolic cosine"),
    unary("tanh", "hyperbolic tangent"),
    unary("sigmoid", "1 / (1 + exp(-x))"),
    unary("relu", "max(x, 0)", kink=zero_kink, guard=first_side),
    unary("softplus", "log(1 + exp(x))"),
    unary("erf", "error function", analytic=False),
    unary("gelu", "x Phi(x); approximate='tanh': 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) "
                  "(torch's default is 'none', jax.nn.gelu's is the tanh form)",
          keywords={"approximate": Param("none", "choice", ("none", "tanh"))},
          analytic=lambda p: p["approximate"] == "tanh"),
    OpSpec("sign", 1, 1, "-1, 0 or 1", kink=zero_kink, guard=first_side, jump=True),
    OpSpec("stop_gradient", 1, 1, "x, with derivative 0: a gradient cut (torch's .detach(), "
                                  "jax.lax.stop_gradient); finite differences hold it at the "
                                  "point", cuts_gradient=True),
    binary("maximum", "elementwise larger of x and y", kink=pair_tie, guard=pair_side),
    binary("minimum", "elementwise smaller of x and y", kink=pair_tie, guard=pair_side),
]
