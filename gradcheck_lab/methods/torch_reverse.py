"""Method ``torch``: PyTorch reverse mode (torch.autograd.grad) in the case's dtype."""

from __future__ import annotations

from typing import Any

import numpy as np

from gradcheck_lab.case import Case, Point
from gradcheck_lab.expr.evaluate import evaluate
from gradcheck_lab.methods.base import as_float64, missing_module, timed
from gradcheck_lab.results import MethodResult

NAME = "torch"


def unavailable() -> str | None:
    return missing_module("torch", "torch")


def torch_dtype(case: Case) -> Any:
    import torch

    return torch.float32 if case.dtype == "float32" else torch.float64


def leaves(case: Case, point: Point) -> dict[str, Any]:
    """One tensor per input in the case's dtype; differentiated inputs require grad."""
    import torch

    dtype = torch_dtype(case)
    return {spec.name: torch.tensor(np.asarray(point.values[spec.name]), dtype=dtype,
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


def compute(case: Case, point: Point) -> MethodResult:
    def run() -> MethodResult:
        from gradcheck_lab.backends.torch_ops import make_backend

        values = leaves(case, point)
        out = evaluate(case.expr, make_backend(torch_dtype(case)), values)
        names = [spec.name for spec in case.wrt]
        grads = reverse_gradients(case, out, [values[n] for n in names])
        return MethodResult(NAME, value=as_float64(out.detach().cpu()),
                            gradient=dict(zip(names, grads, strict=True)))

    return timed(NAME, run)
