"""torch rows of the further elementwise functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch


def _cbrt(a: torch.Tensor) -> torch.Tensor:
    # torch has no cbrt; a fractional power of a negative base is NaN
    return torch.sign(a) * torch.abs(a).pow(1 / 3)


Slope = Callable[[torch.Tensor], torch.Tensor]


def _with_slope(value: Slope, slope: Slope, doc: str) -> type[torch.autograd.Function]:
    """An elementwise torch Function ``value`` whose derivative is ``slope(x)``, in reverse,
    forward and vmapped modes (torch.func): for kernels torch ships without a derivative."""

    class Rule(torch.autograd.Function):
        generate_vmap_rule = True

        @staticmethod
        def forward(x: torch.Tensor) -> torch.Tensor:
            return value(x)

        @staticmethod
        def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
            ctx.save_for_backward(inputs[0])
            ctx.save_for_forward(inputs[0])

        @staticmethod
        def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
            (x,) = ctx.saved_tensors
            return grad * slope(x)

        @staticmethod
        def jvp(ctx: Any, tangent: torch.Tensor) -> torch.Tensor:
            (x,) = ctx.saved_tensors
            return slope(x) * tangent

    Rule.__doc__ = doc
    return Rule


def _j1_slope(x: torch.Tensor) -> torch.Tensor:
    """J1' = J0 - J1 / x, 1/2 at 0."""
    safe = torch.where(x == 0, torch.ones_like(x), x)
    return torch.where(x == 0, torch.full_like(x, 0.5), bessel_j0(x) - bessel_j1(safe) / safe)


_BesselJ0 = _with_slope(torch.special.bessel_j0, lambda x: -bessel_j1(x),
                        "torch.special.bessel_j0 has no derivative: J0' = -J1.")
_BesselJ1 = _with_slope(torch.special.bessel_j1, _j1_slope,
                        "torch.special.bessel_j1 has no derivative: J1' = J0 - J1 / x.")


def bessel_j0(x: torch.Tensor) -> torch.Tensor:
    out: torch.Tensor = _BesselJ0.apply(x)
    return out


def bessel_j1(x: torch.Tensor) -> torch.Tensor:
    out: torch.Tensor = _BesselJ1.apply(x)
    return out


TABLE: dict[str, Callable[..., Any]] = {
    "square": torch.square, "cbrt": _cbrt, "log2": torch.log2, "log10": torch.log10,
    "exp2": torch.exp2, "arcsinh": torch.asinh, "arccosh": torch.acosh,
    "arctanh": torch.atanh, "arctan2": torch.atan2, "hypot": torch.hypot,
    "logaddexp": torch.logaddexp, "logaddexp2": torch.logaddexp2, "logit": torch.logit,
    "erfc": torch.special.erfc, "erfinv": torch.special.erfinv,
    "gammaln": torch.special.gammaln, "digamma": torch.special.digamma,
    "polygamma": lambda a, n: torch.special.polygamma(n, a),
    "xlogy": torch.special.xlogy, "xlog1py": torch.special.xlog1py,
    "sinc": torch.special.sinc, "i0": torch.special.i0, "i1": torch.special.i1,
    "j0": bessel_j0, "j1": bessel_j1,
}
