"""Every SymPy function class the table builds, or that SymPy's derivative of one brings
in, with its evaluation in mpmath (``numeric.precise_eval``): an mpmath function name, or a
function of (mpmath context, *args). A test checks that each op's output and derivatives
are covered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp


def _mp_sign(ctx: Any, x: Any) -> Any:
    return ctx.mpf((x > 0) - (x < 0))


def _mp_heaviside(ctx: Any, x: Any, h0: Any = None) -> Any:
    if x > 0:
        return ctx.mpf(1)
    if x < 0:
        return ctx.mpf(0)
    return ctx.mpf(0.5) if h0 is None else h0


class StopGradient(sp.Function):
    """x itself, with derivative 0 (a gradient cut)."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.S.Zero

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real

    def _eval_evalf(self, prec: int) -> Any:
        return self.args[0]._eval_evalf(prec)


MPMATH: dict[type, str | Callable[..., Any]] = {
    sp.exp: "exp", sp.log: "log", sp.sin: "sin", sp.cos: "cos", sp.tan: "tan",
    sp.asin: "asin", sp.acos: "acos", sp.atan: "atan", sp.sinh: "sinh", sp.cosh: "cosh",
    sp.tanh: "tanh", sp.erf: "erf", sp.erfc: "erfc", sp.sec: "sec", sp.csc: "csc",
    sp.cot: "cot", sp.Abs: lambda ctx, x: abs(x), sp.sign: _mp_sign,
    sp.Heaviside: _mp_heaviside, sp.Max: lambda ctx, *xs: max(xs),
    sp.Min: lambda ctx, *xs: min(xs),
    sp.asinh: "asinh", sp.acosh: "acosh", sp.atanh: "atanh", sp.atan2: "atan2",
    sp.erfinv: "erfinv", sp.loggamma: "loggamma", sp.gamma: "gamma",
    sp.polygamma: lambda ctx, n, x: ctx.polygamma(int(n), x),
    sp.besseli: lambda ctx, n, x: ctx.besseli(n, x),
    sp.besselj: lambda ctx, n, x: ctx.besselj(n, x),
    StopGradient: lambda ctx, x: x,
}
