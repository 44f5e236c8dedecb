"""GELU with a hand-written backward (torch.autograd.Function), put on trial.

``Gelu``: forward x Phi(x), backward Phi(x) + x phi(x) (the exact derivative, phi the
standard normal density). ``GeluTanhBackward`` keeps the exact (erf) forward but its
backward differentiates the tanh approximation 0.5 x (1 + tanh(c (x + 0.044715 x^3))):
a mix-up between the two GELUs that agrees to about 1e-3 and so passes a loose check.
"""

from __future__ import annotations

import math

import torch

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _cdf(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))


def _pdf(x: torch.Tensor) -> torch.Tensor:
    return torch.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


class Gelu(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):  # type: ignore[no-untyped-def, override]
        ctx.save_for_backward(x)
        return x * _cdf(x)

    @staticmethod
    def backward(ctx, grad_output):  # type: ignore[no-untyped-def, override]
        (x,) = ctx.saved_tensors
        return grad_output * (_cdf(x) + x * _pdf(x))


class GeluTanhBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):  # type: ignore[no-untyped-def, override]
        ctx.save_for_backward(x)
        return x * _cdf(x)

    @staticmethod
    def backward(ctx, grad_output):  # type: ignore[no-untyped-def, override]
        (x,) = ctx.saved_tensors
        inner = SQRT_2_OVER_PI * (x + 0.044715 * x ** 3)
        t = torch.tanh(inner)
        slope = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
        return grad_output * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * slope)  # BUG: tanh's


def mean_gelu(x: torch.Tensor) -> torch.Tensor:
    return Gelu.apply(x).mean()


def mean_gelu_tanh_backward(x: torch.Tensor) -> torch.Tensor:
    return GeluTanhBackward.apply(x).mean()
