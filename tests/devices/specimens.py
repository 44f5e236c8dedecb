"""Hand-written backward rules for the device, dtype and compile tests, right and 1% off.

Our own specimens of what a fused kernel is: a softplus ``log(1 + exp(x))`` whose
backward ``g * sigmoid(x)`` is written by hand (a ``torch.autograd.Function``, a
``jax.custom_vjp``), computed in the input's dtype on the input's device. The
``skewed`` ones multiply the backward by 1.01: an injected relative error of 1e-2, as a
mistyped constant in a kernel would be. Frameworks are imported inside the functions, so
this module imports neither.
"""

from __future__ import annotations

from functools import cache
from typing import Any

SKEW = 1.01  # the injected relative error: 1e-2


@cache
def _torch_softplus(factor: float) -> Any:
    import torch

    class Softplus(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            # max(x, 0) + log1p(exp(-|x|)): no overflow for large |x|
            return torch.clamp(x, min=0) + torch.log1p(torch.exp(-torch.abs(x)))

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            (x,) = ctx.saved_tensors
            out = grad * torch.sigmoid(x)
            return out * factor if factor != 1.0 else out

    return Softplus


def torch_softplus(x: Any) -> Any:
    """Correct: the backward is ``g * sigmoid(x)``, one rounding in the input's dtype."""
    return _torch_softplus(1.0).apply(x)


def torch_softplus_skewed(x: Any) -> Any:
    """The backward 1% too large."""
    return _torch_softplus(SKEW).apply(x)


def torch_softplus_sum(x: Any) -> Any:
    return torch_softplus(x).sum()


def torch_softplus_skewed_sum(x: Any) -> Any:
    return torch_softplus_skewed(x).sum()


@cache
def _jax_softplus(factor: float) -> Any:
    import jax
    import jax.numpy as jnp

    @jax.custom_vjp
    def softplus(x: Any) -> Any:
        return jnp.maximum(x, 0) + jnp.log1p(jnp.exp(-jnp.abs(x)))

    def forward(x: Any) -> Any:
        return softplus(x), x

    def backward(x: Any, grad: Any) -> Any:
        out = grad * jax.nn.sigmoid(x)
        return (out * jnp.asarray(factor, out.dtype) if factor != 1.0 else out,)

    softplus.defvjp(forward, backward)
    return softplus


def jax_softplus(x: Any) -> Any:
    return _jax_softplus(1.0)(x)


def jax_softplus_skewed(x: Any) -> Any:
    return _jax_softplus(SKEW)(x)


def jax_softplus_sum(x: Any) -> Any:
    return _jax_softplus(1.0)(x).sum()


def jax_softplus_skewed_sum(x: Any) -> Any:
    return _jax_softplus(SKEW)(x).sum()


def torch_exp_quarter_in_bfloat16(x: Any) -> Any:
    """``sum(exp(x / 4))`` with the exponential in bfloat16, as autocast would run it: right
    to bfloat16's round-off, wrong for a float32 or float64 case."""
    import torch

    return torch.exp((x / 4).to(torch.bfloat16)).to(x.dtype).sum()
