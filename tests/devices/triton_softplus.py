"""A Triton-backed softplus for the GPU device check (``benchmarks/device_check.py``).

Our own fused kernel pair in the shape real ones have: the forward and the backward
are Triton kernels over a flat block of elements, wrapped in a
``torch.autograd.Function``; they compute in float32 and store in the tensor's dtype.
``SKEW`` multiplies the backward by 1.01 in the skewed variant, an injected relative
error of 1e-2. Importing this module needs Triton; running it needs a CUDA device.
"""

from __future__ import annotations

from typing import Any

import torch
import triton
import triton.language as tl

from tests.devices.specimens import SKEW

BLOCK = 1024


# Triton reads a kernel's annotations as types: only tl.constexpr may annotate a
# parameter (``x_ptr: Any`` is "Cannot access global variable Any", found on an H200).
@triton.jit
def _forward_kernel(x_ptr, y_ptr, n, BLOCK_SIZE: tl.constexpr):
    offsets = tl.program_id(axis=0) * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    mask = offsets < n
    x = tl.load(x_ptr + offsets, mask=mask).to(tl.float32)
    # max(x, 0) + log(1 + exp(-|x|)): no overflow
    y = tl.maximum(x, 0.0) + tl.log(1.0 + tl.exp(-tl.abs(x)))
    tl.store(y_ptr + offsets, y.to(y_ptr.dtype.element_ty), mask=mask)


@triton.jit
def _backward_kernel(x_ptr, g_ptr, out_ptr, factor, n,
                     BLOCK_SIZE: tl.constexpr):
    offsets = tl.program_id(axis=0) * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    mask = offsets < n
    x = tl.load(x_ptr + offsets, mask=mask).to(tl.float32)
    g = tl.load(g_ptr + offsets, mask=mask).to(tl.float32)
    out = g * tl.sigmoid(x) * factor
    tl.store(out_ptr + offsets, out.to(out_ptr.dtype.element_ty), mask=mask)


def _launch(n: int) -> tuple[int]:
    return (triton.cdiv(n, BLOCK),)


def _function(factor: float) -> Any:
    class TritonSoftplus(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            x = x.contiguous()
            y = torch.empty_like(x)
            _forward_kernel[_launch(x.numel())](x, y, x.numel(), BLOCK_SIZE=BLOCK)
            ctx.save_for_backward(x)
            return y

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            (x,) = ctx.saved_tensors
            grad = grad.contiguous()
            out = torch.empty_like(x)
            _backward_kernel[_launch(x.numel())](x, grad, out, factor, x.numel(),
                                                 BLOCK_SIZE=BLOCK)
            return out

    return TritonSoftplus


_RIGHT = _function(1.0)
_SKEWED = _function(SKEW)


def triton_softplus_sum(x: Any) -> Any:
    return _RIGHT.apply(x).sum()


def triton_softplus_skewed_sum(x: Any) -> Any:
    return _SKEWED.apply(x).sum()
