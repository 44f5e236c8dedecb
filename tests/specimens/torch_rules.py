"""torch user code for the regression tests of issue 10: piecewise-linear losses (order 2
is identically 0), a kink and its near neighbour, tiny gradients and their custom rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch


def l1_penalty(x: torch.Tensor) -> torch.Tensor:
    """An L1 penalty as users write it: its double backward is a ZeroTensor."""
    return torch.abs(x).sum()


def hinge_mix(x: torch.Tensor) -> torch.Tensor:
    """relu, abs, sign, maximum/minimum and max/min reductions together."""
    return (torch.relu(x).sum() + (torch.abs(x) * torch.sign(x)).sum()
            + torch.maximum(x, 0.5 * x).sum() + torch.minimum(x, 2 * x).sum()
            + torch.amax(x) - torch.amin(x))


def _elementwise(name: str, forward: Callable[[torch.Tensor], torch.Tensor],
                 derivative: Callable[[torch.Tensor], torch.Tensor]) -> Any:
    """A ``torch.autograd.Function`` whose backward is ``grad * derivative(x)``."""

    def fwd(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return forward(x)

    def bwd(ctx: Any, g: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        return g * derivative(x)

    return type(name, (torch.autograd.Function,),
                {"forward": staticmethod(fwd), "backward": staticmethod(bwd)})


# L1 plus an exponential barrier, with the subgradient sign(x) at 0: correct
L1Exp = _elementwise("L1Exp", lambda x: x.abs() + x.exp(), lambda x: x.sign() + x.exp())
# BUG: the barrier's derivative scaled by 1 + 1e-6
L1ExpOff = _elementwise("L1ExpOff", lambda x: x.abs() + x.exp(),
                        lambda x: x.sign() + x.exp() * (1 + 1e-6))


def l1_exp(x: torch.Tensor) -> torch.Tensor:
    return L1Exp.apply(x).sum()


def l1_exp_off(x: torch.Tensor) -> torch.Tensor:
    return L1ExpOff.apply(x).sum()


# softplus with its derivative written as 1 - 1/(1 + exp(x)): algebraically sigmoid(x),
# but 1 - 1 = 0 below x = -37 (BUG: the truth there is about exp(x), e.g. 4.2e-18 at -40)
SoftplusNaive = _elementwise("SoftplusNaive", lambda x: torch.logaddexp(x, torch.zeros_like(x)),
                             lambda x: 1 - 1 / (1 + torch.exp(x)))
SoftplusGood = _elementwise("SoftplusGood", lambda x: torch.logaddexp(x, torch.zeros_like(x)),
                            torch.sigmoid)


def softplus_naive(x: torch.Tensor) -> torch.Tensor:
    return SoftplusNaive.apply(x).sum()


def softplus_good(x: torch.Tensor) -> torch.Tensor:
    return SoftplusGood.apply(x).sum()


LAMBDA = (1e-10, 1.0, 3.0)  # per-parameter penalty weights, one of them tiny


class WeightedSquares(torch.autograd.Function):
    """sum(lam * x**2) with per-parameter weights; the backward hard-codes the weights."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return (torch.tensor(LAMBDA, dtype=x.dtype) * x * x).sum()

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        lam = torch.tensor((1.00000001e-10, 1.0, 3.0), dtype=x.dtype)  # BUG: rel 1e-8 on lam[0]
        return g * 2 * lam * x


def weighted_squares(x: torch.Tensor, lam: torch.Tensor) -> torch.Tensor:
    """The case passes ``lam`` too (held constant); the Function has its own copy."""
    return WeightedSquares.apply(x)


def _gelu_tanh_backward(sqrt_2_over_pi: float) -> Callable[[torch.Tensor], torch.Tensor]:
    """GELU's tanh form, d/dx of 0.5 x (1 + tanh(c (x + 0.044715 x^3))), c = sqrt(2/pi),
    written out by hand; ``sqrt_2_over_pi`` is the constant in the inner derivative."""

    def derivative(x: torch.Tensor) -> torch.Tensor:
        t = torch.tanh(0.7978845608028654 * (x + 0.044715 * x**3))
        inner = sqrt_2_over_pi * (1 + 3 * 0.044715 * x**2)
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * inner

    return derivative


def _gelu_tanh(x: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.gelu(x, approximate="tanh")


GeluGood = _elementwise("GeluGood", _gelu_tanh, _gelu_tanh_backward(0.7978845608028654))
# BUG: 0.79788456 typed as 0.79788536 in the inner derivative (relative 1.0e-6)
GeluTypo = _elementwise("GeluTypo", _gelu_tanh, _gelu_tanh_backward(0.79788536))


def gelu_good(x: torch.Tensor) -> torch.Tensor:
    return GeluGood.apply(x).sum()


def gelu_typo(x: torch.Tensor) -> torch.Tensor:
    return GeluTypo.apply(x).sum()


# x tanh(x) (a "tanh-gated" unit) with the product rule cut short: the backward keeps
# tanh(x) and drops x (1 - tanh(x)**2) (BUG)
GatedCut = _elementwise("GatedCut", lambda x: x * torch.tanh(x), torch.tanh)


def gated_cut(x: torch.Tensor) -> torch.Tensor:
    return GatedCut.apply(x).sum()


class SqrtRatio(torch.autograd.Function):
    """x / (1 + sqrt(x)) for x >= 0, its derivative simplified by hand to
    (1 + sqrt(x) / 2) / (1 + sqrt(x))**2, finite at 0 (correct code)."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return x / (1 + torch.sqrt(x))

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        r = torch.sqrt(x)
        return g * (1 + r / 2) / (1 + r) ** 2


def sqrt_ratio(x: torch.Tensor) -> torch.Tensor:
    return SqrtRatio.apply(x).sum()
