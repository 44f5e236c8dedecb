"""The zoo's user code: torch forward functions with hand-written backward rules.

Each public function takes the case's inputs as keyword arguments (as
``impl:`` methods call it) and returns the case's output. Most go through a
``torch.autograd.Function`` whose ``backward`` is what is on trial; the ``BUG``
comments say what is wrong. The same callables are handed to
``torch.autograd.gradcheck`` by ``benchmarks/zoo_detection.py`` (through
``catalog.positional``), so both tools judge the very same code.

A few numpy gradient functions (``*_np``) repeat a bug in plain numpy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

Tensor = torch.Tensor
Backward = Callable[[Tensor, Tensor, Tensor], Tensor]


def _unary(forward: Callable[[Tensor], Tensor], backward: Backward, name: str) -> Any:
    """An elementwise ``torch.autograd.Function``; ``backward(x, y, grad_output)``."""

    def fwd(ctx: Any, x: Tensor) -> Tensor:
        y = forward(x)
        ctx.save_for_backward(x, y)
        return y

    def bwd(ctx: Any, g: Tensor) -> Tensor:
        x, y = ctx.saved_tensors
        return backward(x, y, g)

    return type(name, (torch.autograd.Function,),
                {"forward": staticmethod(fwd), "backward": staticmethod(bwd)})


# --------------------------------------------------------------------------- wrong

Sin2x = _unary(torch.sin, lambda x, y, g: 2 * g * torch.cos(x), "Sin2x")  # BUG: 2x


def scale_2x(x: Tensor) -> Tensor:
    return Sin2x.apply(x).sum()


class MeanSquare(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        ctx.save_for_backward(x)
        return (x * x).mean()

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return g * 2 * x  # BUG: the gradient of the sum; the mean's 1/N is missing


def sum_instead_of_mean(x: Tensor) -> Tensor:
    return MeanSquare.apply(x)


def sum_instead_of_mean_np(x: np.ndarray) -> np.ndarray:
    return 2 * x  # BUG: same as MeanSquare.backward


CosSign = _unary(torch.cos, lambda x, y, g: g * torch.sin(x), "CosSign")  # BUG: d cos = -sin


def sign_flip(x: Tensor) -> Tensor:
    return CosSign.apply(x).sum()


XSinX = _unary(lambda x: x * torch.sin(x),
               lambda x, y, g: g * x * torch.cos(x), "XSinX")  # BUG: product rule, no sin(x)


def missing_term(x: Tensor) -> Tensor:
    return XSinX.apply(x).sum()


SinSquare = _unary(lambda x: torch.sin(x * x),
                   lambda x, y, g: g * torch.cos(x * x), "SinSquare")  # BUG: chain rule, no 2x


def missing_chain_factor(x: Tensor) -> Tensor:
    return SinSquare.apply(x).sum()


class MatVecTransposed(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, A: Tensor, x: Tensor) -> Tensor:
        ctx.save_for_backward(A)
        return A @ x

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[None, Tensor]:
        (A,) = ctx.saved_tensors
        return None, A @ g  # BUG: A.T @ g


def transposed_jacobian(A: Tensor, x: Tensor) -> Tensor:
    return MatVecTransposed.apply(A, x)


class DetTransposed(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, A: Tensor) -> Tensor:
        d = torch.linalg.det(A)
        ctx.save_for_backward(A, d)
        return d

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Tensor:
        A, d = ctx.saved_tensors
        return g * d * torch.linalg.inv(A)  # BUG: det(A) * inv(A).T


def transposed_det_gradient(A: Tensor) -> Tensor:
    return DetTransposed.apply(A)


class Roughness(torch.autograd.Function):
    """sum((x[1:] - x[:-1])**2), with a loop-style backward."""

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        ctx.save_for_backward(x)
        return ((x[1:] - x[:-1]) ** 2).sum()

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        d = 2 * (x[1:] - x[:-1])
        grad = torch.zeros_like(x)
        grad[1:] += d
        grad[1:-1] -= d[1:]  # BUG: should be grad[:-1] -= d: element 0 is left out
        return g * grad


def one_element(x: Tensor) -> Tensor:
    return Roughness.apply(x)


def one_element_np(x: np.ndarray) -> np.ndarray:
    d = 2 * (x[1:] - x[:-1])
    grad = np.zeros_like(x)
    grad[1:] += d
    grad[1:-1] -= d[1:]  # BUG: as Roughness.backward
    return grad


def _sin_pi(pi_in_backward: float, name: str) -> Any:
    return _unary(lambda x: torch.sin(math.pi * x),
                  lambda x, y, g: g * pi_in_backward * torch.cos(math.pi * x), name)


SinPi4 = _sin_pi(3.142, "SinPi4")  # BUG: pi to 4 digits, relative error 1.3e-4
SinPi6 = _sin_pi(3.14159, "SinPi6")  # BUG: pi to 6 digits, relative error 8.4e-7
SinPi8 = _sin_pi(3.1415927, "SinPi8")  # BUG: pi to 8 digits, relative error 1.5e-8


def rel_error_1e4(x: Tensor) -> Tensor:
    return SinPi4.apply(x).sum()


def rel_error_1e6(x: Tensor) -> Tensor:
    return SinPi6.apply(x).sum()


def rel_error_1e8(x: Tensor) -> Tensor:
    return SinPi8.apply(x).sum()


WeightDecay = _unary(lambda x: 1e-7 * x * x,
                     lambda x, y, g: g * 1e-7 * x, "WeightDecay")  # BUG: factor 2 missing


def small_gradient(x: Tensor) -> Tensor:
    return WeightDecay.apply(x).sum()


SinExp32 = _unary(  # BUG: the backward of a float64 function computed in float32
    lambda x: torch.sin(x) * torch.exp(x),
    lambda x, y, g: (g.float() * (torch.sin(x.float()) + torch.cos(x.float()))
                     * torch.exp(x.float())).double(),
    "SinExp32")


def float32_backward(x: Tensor) -> Tensor:
    return SinExp32.apply(x).sum()


SoftplusNaive = _unary(  # BUG: exp(x)/(1+exp(x)) is inf/inf = nan for x > 709
    lambda x: torch.logaddexp(x, torch.zeros_like(x)),
    lambda x, y, g: g * torch.exp(x) / (1 + torch.exp(x)), "SoftplusNaive")


def nan_large_inputs(x: Tensor) -> Tensor:
    return SoftplusNaive.apply(x).sum()


TanhZero = _unary(torch.tanh, lambda x, y, g: torch.zeros_like(x), "TanhZero")  # BUG: zeros


def zero_gradient(x: Tensor) -> Tensor:
    return TanhZero.apply(x).sum()


def detached_term(x: Tensor) -> Tensor:
    return (x * torch.sigmoid(x).detach()).sum()  # BUG: sigmoid(x) gets no gradient


def _sigmoid_two_branches(x: Tensor, y: Tensor, g: Tensor) -> Tensor:
    e = torch.exp(-torch.abs(x))
    positive = e / (1 + e) ** 2  # x >= 0: exp(-x)/(1+exp(-x))^2
    negative = e / (1 + e * e)  # BUG: x < 0 should be exp(x)/(1+exp(x))^2 too
    return g * torch.where(x >= 0, positive, negative)


SigmoidBranches = _unary(torch.sigmoid, _sigmoid_two_branches, "SigmoidBranches")


def wrong_at_some_points(x: Tensor) -> Tensor:
    return SigmoidBranches.apply(x).sum()


TanhNoGrad = _unary(torch.tanh, lambda x, y, g: 1 - y * y, "TanhNoGrad")  # BUG: * g missing


def missing_grad_output(x: Tensor) -> Tensor:
    return TanhNoGrad.apply(x)


class MulSquareSwapped(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, y: Tensor) -> Tensor:
        ctx.save_for_backward(x, y)
        return (x * y * y).sum()

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Tensor, Tensor]:
        x, y = ctx.saved_tensors
        return g * 2 * x * y, g * y * y  # BUG: swapped: (y**2, 2*x*y)


def swapped_inputs(x: Tensor, y: Tensor) -> Tensor:
    return MulSquareSwapped.apply(x, y)


SigmoidOfInput = _unary(torch.sigmoid, lambda x, y, g: g * x * (1 - x),
                        "SigmoidOfInput")  # BUG: y * (1 - y), with the output y


def input_instead_of_output(x: Tensor) -> Tensor:
    return SigmoidOfInput.apply(x).sum()


class AddBias(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, b: Tensor) -> Tensor:
        return x + b

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Tensor, Tensor]:
        return g, g.mean()  # BUG: the broadcast bias needs g.sum()


def broadcast_bias_mean(x: Tensor, b: Tensor) -> Tensor:
    return (AddBias.apply(x, b) ** 2).sum()


SinPi3_14 = _unary(lambda x: torch.sin(math.pi * x),
                   lambda x, y, g: g * 3.14 * torch.cos(math.pi * x),
                   "SinPi3_14")  # BUG: pi = 3.14, relative error 5.1e-4


def float32_rel_error_5e4(x: Tensor) -> Tensor:
    return SinPi3_14.apply(x).sum()


# --------------------------------------------------------------------------- correct

Sin = _unary(torch.sin, lambda x, y, g: g * torch.cos(x), "Sin")
Square = _unary(lambda x: x * x, lambda x, y, g: g * 2 * x, "Square")


def huge_sin(x: Tensor) -> Tensor:
    return Sin.apply(x).sum()


def huge_square(x: Tensor) -> Tensor:
    return Square.apply(x).sum()


X2Exp = _unary(lambda x: x * x * torch.exp(x),
               lambda x, y, g: g * (2 * x + x * x) * torch.exp(x), "X2Exp")


def tiny_values(x: Tensor) -> Tensor:
    return X2Exp.apply(x).sum()


def large_value_offset(x: Tensor) -> Tensor:
    return 1e6 + Sin.apply(x).sum()


Shifted = _unary(lambda x: (x - 1e6) ** 2, lambda x, y, g: g * 2 * (x - 1e6), "Shifted")


def large_input_offset(x: Tensor) -> Tensor:
    return Shifted.apply(x).sum()


Log = _unary(torch.log, lambda x, y, g: g / x, "Log")
Sqrt = _unary(torch.sqrt, lambda x, y, g: g * 0.5 / y, "Sqrt")


def log_near_zero(x: Tensor) -> Tensor:
    return Log.apply(x).sum()


def sqrt_near_zero(x: Tensor) -> Tensor:
    return Sqrt.apply(x).sum()


Tanh = _unary(torch.tanh, lambda x, y, g: g * (1 - y * y), "Tanh")


def float32_tanh(x: Tensor) -> Tensor:
    return Tanh.apply(x).sum()


def float32_mean_square(x: Tensor) -> Tensor:
    return Square.apply(x).mean()


def abs_kink(x: Tensor) -> Tensor:
    return torch.abs(x).sum()  # torch's own rule: sign(0) = 0


def relu_kink(x: Tensor) -> Tensor:
    return torch.relu(x).sum()  # torch's own rule: 0 at 0


def max_tie(x: Tensor) -> Tensor:
    return torch.max(x)  # torch's own rule: ties share the gradient evenly


Exp = _unary(torch.exp, lambda x, y, g: g * y, "Exp")


def exp_large(x: Tensor) -> Tensor:
    return Exp.apply(x).sum()


class LogSumExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        m = x.max()
        out = m + torch.log(torch.exp(x - m).sum())
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Tensor:
        x, out = ctx.saved_tensors
        return g * torch.exp(x - out)


def logsumexp_large(x: Tensor) -> Tensor:
    return LogSumExp.apply(x)


class Det(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, A: Tensor) -> Tensor:
        d = torch.linalg.det(A)
        ctx.save_for_backward(A, d)
        return d

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Tensor:
        A, d = ctx.saved_tensors
        return g * d * torch.linalg.inv(A).T


def det_matrix(A: Tensor) -> Tensor:
    return Det.apply(A)


class Inv(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, A: Tensor) -> Tensor:
        inv = torch.linalg.inv(A)
        ctx.save_for_backward(inv)
        return inv

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Tensor:
        (inv,) = ctx.saved_tensors
        return -inv.T @ g @ inv.T


def inv_matrix(A: Tensor) -> Tensor:
    return Inv.apply(A)


Softplus = _unary(lambda x: torch.logaddexp(x, torch.zeros_like(x)),
                  lambda x, y, g: g * torch.sigmoid(x), "Softplus")


def softplus_large(x: Tensor) -> Tensor:
    return Softplus.apply(x).sum()


Arcsin = _unary(torch.asin, lambda x, y, g: g / torch.sqrt((1 - x) * (1 + x)), "Arcsin")


def arcsin_near_one(x: Tensor) -> Tensor:
    return Arcsin.apply(x).sum()


Sigmoid = _unary(torch.sigmoid, lambda x, y, g: g * y * (1 - y), "Sigmoid")


def sigmoid_far_tail(x: Tensor) -> Tensor:
    return Sigmoid.apply(x).sum()
