"""torch rows of the neural-network ops: torch.nn.functional's own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from gradcheck_lab.backends.torch_ops.indexing import whole


def _pair(value: Any) -> Any:
    return tuple(value) if isinstance(value, tuple) else value


def _conv(fn: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    def apply(x: torch.Tensor, w: torch.Tensor, b: Any = None, *, stride: Any = 1,
              padding: Any = 0, dilation: Any = 1, groups: int = 1) -> torch.Tensor:
        return fn(x, w, b, _pair(stride), _pair(padding), _pair(dilation), groups)
    return apply


def _layer_norm(x: torch.Tensor, w: Any = None, b: Any = None, normalized_shape: Any = None,
                eps: float = 1e-5) -> torch.Tensor:
    shape = tuple(normalized_shape)
    if w is not None and w.dim() == 0:  # a default 1 (bias given without weight)
        w = w.expand(shape)
    return F.layer_norm(x, shape, w, b, eps)


def _nll(logp: torch.Tensor, target: torch.Tensor, weight: torch.Tensor,
         params: dict[str, Any]) -> torch.Tensor:
    """torch's own formula, written out for a weight: F.nll_loss has no derivative in it."""
    flat = logp.dim() == 1
    logp = logp.reshape(1, -1) if flat else logp
    t = whole(target).reshape(-1)
    valid = t != params["ignore_index"]
    safe = torch.where(valid, t, torch.zeros_like(t))
    wt = weight[safe] * valid
    loss = -wt * torch.gather(logp, 1, safe[:, None])[:, 0]
    eps = params.get("label_smoothing", 0.0)
    if eps:
        smooth = -torch.sum(logp * weight, dim=1) * valid
        loss = (1 - eps) * loss + eps / logp.shape[-1] * smooth
    if params["reduction"] == "none":
        return loss.reshape(()) if flat else loss
    total = torch.sum(loss)
    return total / torch.sum(wt) if params["reduction"] == "mean" else total


def _loss(log_probs: bool) -> Callable[..., torch.Tensor]:
    def apply(x: torch.Tensor, target: torch.Tensor, weight: Any = None,
              **params: Any) -> torch.Tensor:
        if weight is not None:  # (forward mode would silently give 0 for the weight too)
            logp = x if log_probs else F.log_softmax(x, dim=-1)
            return _nll(logp, target, weight.to(x.dtype), params)
        fn = F.nll_loss if log_probs else F.cross_entropy
        return fn(x, whole(target), **params)
    return apply


TABLE: dict[str, Callable[..., Any]] = {
    "conv1d": _conv(F.conv1d), "conv2d": _conv(F.conv2d),
    "avg_pool2d": lambda x, kernel_size, stride=None, padding=0: F.avg_pool2d(
        x, _pair(kernel_size), None if stride is None else _pair(stride), _pair(padding)),
    "max_pool2d": lambda x, kernel_size, stride=None, padding=0, dilation=1: F.max_pool2d(
        x, _pair(kernel_size), None if stride is None else _pair(stride), _pair(padding),
        _pair(dilation)),
    "layer_norm": _layer_norm,
    "cross_entropy": _loss(False), "nll_loss": _loss(True),
}
