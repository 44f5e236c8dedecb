"""Method ``torch_forward``: PyTorch forward mode (``torch.func.jacfwd``) in the case's dtype."""

from __future__ import annotations

import numpy as np

from gradcheck_lab.case import Case, Point
from gradcheck_lab.expr.evaluate import evaluate
from gradcheck_lab.methods.base import (
    as_float64,
    expression,
    hessian_directions,
    jacobian_to_target,
    missing_module,
    split_hessian,
    split_hvp,
    timed,
    wants_hessian,
)
from gradcheck_lab.methods.torch_reverse import grad_enabled, scalar_target, torch_dtype
from gradcheck_lab.results import MethodResult

NAME = "torch_forward"


def unavailable() -> str | None:
    return missing_module("torch", "torch")


def compute(case: Case, point: Point) -> MethodResult:
    """Full Jacobian by forward mode (one JVP per input element), then reduced per case."""
    def run() -> MethodResult:
        with grad_enabled(case.device):  # whatever the caller's grad mode; restored after
            return _run(case, point)

    return timed(NAME, run)


def _run(case: Case, point: Point) -> MethodResult:
    import torch

    from gradcheck_lab.backends.torch_ops import make_backend

    dtype = torch_dtype(case)
    backend = make_backend(dtype)
    values = {spec.name: torch.tensor(np.asarray(point.values[spec.name]),
                                      dtype=torch.int64 if spec.is_integer else dtype)
              for spec in case.inputs}  # inputs with wrt: false stay constants
    names = [spec.name for spec in case.wrt]

    def f(*wrt: torch.Tensor) -> torch.Tensor:
        given = {**values, **dict(zip(names, wrt, strict=True))}
        out = evaluate(expression(case), backend, given)
        # an integer result (argmax) is constant near the point: derivatives 0 as a float,
        # where torch.func refuses an integer output
        return out.to(dtype) if isinstance(out, torch.Tensor) and not out.is_floating_point() \
            else out

    def with_value(*wrt: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = f(*wrt)
        return out, out  # the value as jacfwd's aux: from the same forward-mode call

    primals = [values[n] for n in names]
    argnums = tuple(range(len(primals)))
    if primals:
        jacs, out = torch.func.jacfwd(with_value, argnums=argnums, has_aux=True)(*primals)
    else:
        jacs, out = (), f()
    jacobian = {n: as_float64(j).reshape(case.output_shape + tuple(values[n].shape))
                for n, j in zip(names, jacs, strict=True)}
    hessian = None
    if wants_hessian(case) and primals:
        shapes = [p.shape for p in primals]
        sizes = [p.numel() for p in primals]

        def flat(x: torch.Tensor) -> torch.Tensor:
            parts = torch.split(x, sizes)
            return scalar_target(case, f(*[q.reshape(s)
                                           for q, s in zip(parts, shapes, strict=True)]))

        x0 = torch.cat([p.reshape(-1) for p in primals])
        directions = hessian_directions(case, point)
        if directions is None:
            # forward over reverse (torch.func.hessian = jacfwd(jacrev))
            hessian = split_hessian(case, as_float64(torch.func.hessian(flat)(x0)))
        else:  # H v by forward over reverse: the JVP of the gradient along v
            grad = torch.func.grad(flat)
            hessian = split_hvp(case, np.stack([as_float64(torch.func.jvp(
                grad, (x0,), (torch.as_tensor(v, dtype=x0.dtype),))[1]) for v in directions]))
    return MethodResult(NAME, value=as_float64(out),
                        gradient=jacobian_to_target(case, jacobian), hessian=hessian)
