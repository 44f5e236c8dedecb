"""Method ``torch``: PyTorch reverse mode (torch.autograd.grad) in the case's dtype."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from gradcheck_lab.case import Case, Point
from gradcheck_lab.devices import CPU, running_on
from gradcheck_lab.expr.evaluate import evaluate
from gradcheck_lab.methods.base import (
    as_float64,
    expression,
    hessian_directions,
    missing_module,
    split_hessian,
    split_hvp,
    timed,
    wants_hessian,
)
from gradcheck_lab.results import MethodResult

NAME = "torch"


def unavailable() -> str | None:
    return missing_module("torch", "torch")


def torch_dtype(case: Case) -> Any:
    import torch

    return getattr(torch, case.dtype)  # float64, float32, float16, bfloat16: same names


@contextmanager
def grad_enabled(device: str = CPU) -> Iterator[None]:
    """Autograd on for our calls, whatever the caller's mode, and tensors made on the case's
    ``device``; restored after.

    ``check()`` may be called inside a ``torch.no_grad()`` or ``torch.inference_mode()``
    block of the user's program: both are thread-local and scoped, so switching them
    off here changes nothing outside the block.
    """
    import torch

    with torch.inference_mode(False), torch.enable_grad(), running_on("torch", device):
        yield


def leaves(case: Case, point: Point) -> dict[str, Any]:
    """One tensor per input in the case's dtype; differentiated inputs require grad."""
    import torch

    dtype = torch_dtype(case)
    return {spec.name: torch.tensor(np.asarray(point.values[spec.name]),
                                    dtype=torch.int64 if spec.is_integer else dtype,
                                    requires_grad=spec.wrt) for spec in case.inputs}


def reverse_gradients(case: Case, out: Any, wrt: list[Any]) -> list[np.ndarray]:
    """Gradient, VJP with the cotangent, or full Jacobian (one backward pass per output)."""
    import torch

    def grad(target: Any, seed: Any, retain: bool) -> list[np.ndarray]:
        if not target.requires_grad:  # the output does not depend on any input
            return [np.zeros(w.shape) for w in wrt]
        gs = torch.autograd.grad(target, wrt, grad_outputs=seed, allow_unused=True,
                                 retain_graph=retain)
        return [np.zeros(w.shape) if g is None else as_float64(g.detach().cpu())
                for g, w in zip(gs, wrt, strict=True)]

    if case.is_scalar and case.cotangent is None:
        return grad(out, None, False)
    if case.cotangent is not None:
        seed = torch.tensor(np.asarray(case.cotangent), dtype=out.dtype)
        return grad(out, seed, False)
    flat = out.reshape(-1)
    rows = [grad(flat[k], None, True) for k in range(flat.numel())]
    return [np.stack([row[i] for row in rows]).reshape(case.output_shape + tuple(w.shape))
            for i, w in enumerate(wrt)]


def scalar_target(case: Case, out: Any) -> Any:
    """The scalar whose Hessian is checked: the output, or its dot with the cotangent."""
    import torch

    if case.cotangent is None:
        return out
    return (torch.tensor(np.asarray(case.cotangent), dtype=out.dtype) * out).sum()


def double_backward_hessian(case: Case, out: Any, wrt: list[Any],
                            directions: np.ndarray | None = None) -> dict[str, Any]:
    """Hessian by reverse over reverse: a create_graph gradient, then one backward per entry.

    With ``directions`` (k, n), the Hessian-vector products ``H v = grad(grad f . v)``
    instead: one backward per direction.
    """
    import torch

    target = scalar_target(case, out)
    grads = torch.autograd.grad(target, wrt, create_graph=True, allow_unused=True)
    flat = torch.cat([(torch.zeros_like(w) if g is None else g).reshape(-1)
                      for g, w in zip(grads, wrt, strict=True)])
    if directions is not None:
        products = []
        for v in directions:
            if not flat.requires_grad:  # a linear function: H = 0
                products.append(np.zeros(flat.numel()))
                continue
            dot = (flat * torch.as_tensor(v, dtype=flat.dtype)).sum()
            second = torch.autograd.grad(dot, wrt, retain_graph=True, allow_unused=True)
            products.append(np.concatenate([np.zeros(w.numel()) if h is None
                                            else as_float64(h).reshape(-1)
                                            for h, w in zip(second, wrt, strict=True)]))
        return split_hvp(case, np.stack(products))
    rows = []
    for k in range(flat.numel()):
        if not flat[k].requires_grad:
            rows.append(np.zeros(flat.numel()))
            continue
        second = torch.autograd.grad(flat[k], wrt, retain_graph=True, allow_unused=True)
        rows.append(np.concatenate([np.zeros(w.numel()) if s is None
                                    else as_float64(s).reshape(-1)
                                    for s, w in zip(second, wrt, strict=True)]))
    return split_hessian(case, np.stack(rows))


def compute(case: Case, point: Point) -> MethodResult:
    def run() -> MethodResult:
        with grad_enabled(case.device):
            return _run(case, point)

    return timed(NAME, run)


def _run(case: Case, point: Point) -> MethodResult:
    from gradcheck_lab.backends.torch_ops import make_backend

    values = leaves(case, point)
    out = evaluate(expression(case), make_backend(torch_dtype(case)), values)
    names = [spec.name for spec in case.wrt]
    wrt = [values[n] for n in names]
    hessian = double_backward_hessian(case, out, wrt, hessian_directions(case, point)) \
        if wants_hessian(case) and out.requires_grad else None
    grads = reverse_gradients(case, out, wrt)
    return MethodResult(NAME, value=as_float64(out.detach().cpu()),
                        gradient=dict(zip(names, grads, strict=True)), hessian=hessian)
