"""A custom torch.autograd.Function with a hand-written backward, put on trial.

``Softplus`` is correct; ``SoftplusBuggy`` forgets the chain rule's factor in
its backward (returns sigmoid(x) without multiplying by grad_output), a classic
mistake that only shows when the upstream gradient is not 1.
"""

from __future__ import annotations

import torch


class Softplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):  # type: ignore[no-untyped-def, override]
        ctx.save_for_backward(x)
        return torch.logaddexp(x, torch.zeros_like(x))

    @staticmethod
    def backward(ctx, grad_output):  # type: ignore[no-untyped-def, override]
        (x,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(x)


class SoftplusBuggy(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):  # type: ignore[no-untyped-def, override]
        ctx.save_for_backward(x)
        return torch.logaddexp(x, torch.zeros_like(x))

    @staticmethod
    def backward(ctx, grad_output):  # type: ignore[no-untyped-def, override]
        (x,) = ctx.saved_tensors
        return torch.sigmoid(x)  # BUG: drops grad_output


def mean_softplus(x: torch.Tensor) -> torch.Tensor:
    return Softplus.apply(x).mean()


def mean_softplus_buggy(x: torch.Tensor) -> torch.Tensor:
    return SoftplusBuggy.apply(x).mean()
