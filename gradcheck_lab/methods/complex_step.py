"""Method ``complex_step``: the complex-step derivative, exact to rounding for analytic functions.

Runs in complex128 with the numpy op table, one input element at a time, whatever
the case's dtype (like finite differences, it checks the function, not a framework).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from gradcheck_lab.case import Case, Point
from gradcheck_lab.expr.evaluate import evaluate
from gradcheck_lab.expr.ops import OPS
from gradcheck_lab.methods.base import expression, jacobian_to_target, point_arrays, timed
from gradcheck_lab.results import MethodResult

NAME = "complex_step"
STEP = 1e-100  # relative to max(1, |x_k|)


def unavailable() -> str | None:
    return None  # numpy only


def complex_step_jacobian(
    f: Callable[[Mapping[str, np.ndarray]], np.ndarray],
    x: Mapping[str, np.ndarray],
    wrt: Sequence[str],
    step: float = STEP,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Value and full Jacobians (output shape + input shape) of ``f`` at ``x`` by complex step.

    For ``f`` real on the reals and analytic at ``x``, the Taylor series along the
    imaginary axis is ``f(x + i h e_k) = f(x) + i h df/dx_k - h**2/2 d2f/dx_k2 + O(h**3)``,
    so ``df/dx_k = Im f(x + i h e_k) / h + O(h**2)`` (Squire & Trapp, SIAM Review 40,
    1998; Martins, Sturdza & Alonso, ACM TOMS 29, 2003). No difference of two nearly
    equal numbers is taken, so there is no subtractive cancellation: ``h`` can be far
    below machine epsilon (here ``1e-100 * max(1, |x_k|)``), which makes the
    truncation error ``O(h**2)`` vanish and leaves only the rounding error of
    evaluating ``f`` itself. ``f`` takes and returns complex arrays; the value returned
    is the real part of ``f(x)``.
    """
    base = {k: np.asarray(v) if np.asarray(v).dtype.kind in "iub"  # int64 inputs stay
            else np.asarray(v, dtype=np.complex128) for k, v in x.items()}
    value = np.asarray(f(base))
    jacobians: dict[str, np.ndarray] = {}
    for name in wrt:
        shape = base[name].shape
        flat = base[name].reshape(-1)
        columns = []
        for k in range(flat.size):
            h = step * max(1.0, abs(flat[k].real))
            shifted = flat.copy()
            shifted[k] += 1j * h
            out = np.asarray(f({**base, name: shifted.reshape(shape)}))
            columns.append(np.imag(out) / h)
        jac = np.stack(columns, axis=-1) if columns else np.zeros(value.shape + (0,))
        jacobians[name] = jac.reshape(value.shape + shape)
    return np.real(value).astype(np.float64), jacobians


def compute(case: Case, point: Point) -> MethodResult:
    not_analytic = sorted({op.op for op in expression(case).ops()
                           if not OPS[op.op].is_analytic(dict(op.params))})
    if not_analytic:
        return MethodResult(NAME, skipped=f"complex_step needs ops analytic at the point; "
                                          f"{', '.join(not_analytic)} is not")

    def run() -> MethodResult:
        from gradcheck_lab.backends.numpy_ops import make_backend

        backend = make_backend(np.complex128)

        def f(values: Mapping[str, np.ndarray]) -> np.ndarray:
            with np.errstate(all="ignore"):
                return np.asarray(evaluate(expression(case), backend, values))

        value, jacobian = complex_step_jacobian(
            f, point_arrays(point), [spec.name for spec in case.wrt])
        return MethodResult(NAME, value=value, gradient=jacobian_to_target(case, jacobian))

    return timed(NAME, run)
