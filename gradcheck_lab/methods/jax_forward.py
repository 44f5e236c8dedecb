"""Method ``jax_forward``: JAX forward mode (``jax.linearize``), the Jacobian reduced per case."""

from __future__ import annotations

from gradcheck_lab.case import Case, Point
from gradcheck_lab.devices import running_on
from gradcheck_lab.methods.base import (
    as_float64,
    hessian_directions,
    jacobian_to_target,
    missing_module,
    timed,
    wants_hessian,
)
from gradcheck_lab.methods.jax_autodiff import as_function, forward_mode, hessian
from gradcheck_lab.results import MethodResult

NAME = "jax_forward"


def unavailable() -> str | None:
    return missing_module("jax", "jax")


def compute(case: Case, point: Point) -> MethodResult:
    """One forward pass per input element; the Jacobian becomes gradient, VJP or Jacobian."""
    def run() -> MethodResult:
        from gradcheck_lab.backends.jax_ops import x64

        # float64 for our calls only, on the case's device; the caller's settings are restored
        with x64(), running_on("jax", case.device):
            f, primals, names = as_function(case, point)
            out, jacs = forward_mode(f, primals)  # the value from the same linearised call
            jacobian = {n: as_float64(j) for n, j in zip(names, jacs, strict=True)}
            second = hessian(case, f, primals, forward=True,
                             directions=hessian_directions(case, point)) \
                if wants_hessian(case) and primals else None
        return MethodResult(NAME, value=as_float64(out),
                            gradient=jacobian_to_target(case, jacobian), hessian=second)

    return timed(NAME, run)
