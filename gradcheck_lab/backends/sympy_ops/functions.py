"""SymPy function classes of our own, with their mpmath evaluation (``MPMATH`` rows).

``StopGradient``: the value of its argument, derivative 0 (``stop_gradient``).
"""

from __future__ import annotations

from typing import Any

import sympy as sp


class StopGradient(sp.Function):
    """x with derivative 0: SymPy's rules, and the reverse sweeps, pass nothing through."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.Integer(0)

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.args[0].evalf(prec)


def _identity(ctx: Any, x: Any) -> Any:
    return x


MPMATH_OWN: dict[type, Any] = {StopGradient: _identity}
