"""Data for the HTML report's pictures: a finite-difference step scan and error-per-element.

``step_scan`` evaluates plain central difference quotients
``D(h) = (F(x + h e_k) - F(x - h e_k)) / 2h`` at steps ``h = logspace(-16, 0)``
times ``max(1, |x_k|)`` with the ``fd`` method's own flat problem, and compares
them with the reference: the familiar V of truncation error (large h) against
round-off (small h). It also reruns the Ridders kernel on the same element,
recording which steps it evaluated, so the picture shows where Ridders looked
and how close its answer came.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gradcheck_lab.kinks import kinks_at
from gradcheck_lab.report.common import element_label, reference_gradient
from gradcheck_lab.results import CaseReport, PointReport, Verdict

if TYPE_CHECKING:
    from gradcheck_lab.methods.fd import FlatProblem

STEPS = np.logspace(-16, 0, 97)  # relative to max(1, |x_k|); 6 per decade


@dataclass(frozen=True)
class StepScan:
    label: str  # the element, e.g. "W1[0, 1]"
    point: int
    reference: str  # the method the errors are measured against
    steps: np.ndarray  # absolute steps h
    errors: np.ndarray  # max over outputs of |D(h) - reference|; NaN where F is not finite
    ridders_steps: tuple[float, float] | None  # smallest and largest step Ridders evaluated
    ridders_error: float  # max over outputs of |Ridders - reference|
    ridders_estimate: float  # Ridders' own error estimate (max over outputs)


@dataclass(frozen=True)
class ElementErrors:
    """One method's result for one input at one point, next to the reference."""

    method: str
    input: str
    point: int
    got: np.ndarray
    reference: np.ndarray
    bound: np.ndarray | None  # atol + rtol * |reference|, per element
    kind: str = "gradient"  # or "value": the function's value (an expect that quotes one)


def _columns(grads: Mapping[str, np.ndarray], names: list[str], rows: int) -> np.ndarray:
    """Per-input gradients in the case's checked shapes -> one (outputs, inputs) matrix."""
    return np.concatenate([np.asarray(grads[n], dtype=np.float64).reshape(rows, -1)
                           for n in names], axis=1)


def step_scan(report: CaseReport) -> StepScan | None:
    """The step scan at the case's first point, for the element where ``fd`` is worst."""
    from gradcheck_lab.methods.fd import FlatProblem
    from gradcheck_lab.numeric.finite_diff import derivative

    if not report.points:
        return None
    point: PointReport = report.points[0]
    ref = reference_gradient(point)
    problem = FlatProblem(report.case, point.point)
    x0 = problem.x0
    if ref is None or x0.size == 0 or not all(n in ref for n in problem.names):
        return None
    with np.errstate(all="ignore"):
        rows = problem.function(x0).size
        ref_matrix = _columns(ref, problem.names, rows)
        k = _worst_element(point, problem.names, rows, ref_matrix)
        ref_col = ref_matrix[:, k]
        scale = max(1.0, abs(float(x0[k])))
        steps = STEPS * scale
        errors = np.array([_quotient_error(problem.function, x0, k, h, ref_col) for h in steps])
        seen: list[float] = []

        def recording(x: np.ndarray) -> np.ndarray:
            if x[k] != x0[k]:
                seen.append(abs(float(x[k] - x0[k])))
            return problem.function(x)

        d = derivative(recording, problem.guard, x0, k,
                       bool(kinks_at(report.case.expr, problem.base)))
        ridders_error = float(np.max(np.abs(d.value - ref_col)))
        estimate = float(np.max(d.error))
    return StepScan(_label(problem, k), point.point.index, point.reference or "?", steps, errors,
                    (min(seen), max(seen)) if seen else None, ridders_error, estimate)


def _worst_element(point: PointReport, names: list[str], rows: int, ref: np.ndarray) -> int:
    for verdict in point.verdicts:
        if verdict.method == "fd" and verdict.result.gradient and \
                all(n in verdict.result.gradient for n in names):
            err = np.abs(_columns(verdict.result.gradient, names, rows) - ref)
            err = np.where(np.isnan(err), np.inf, err).max(axis=0)
            return int(np.argmax(err)) if np.any(err > 0) else 0
    return 0


def _quotient_error(f: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, k: int, h: float,
                    ref: np.ndarray) -> float:
    xp, xm = x0.copy(), x0.copy()
    xp[k] += h
    xm[k] -= h
    width = float(xp[k] - xm[k])
    if width == 0:
        return float("nan")
    d = (f(xp) - f(xm)) / width
    if not np.all(np.isfinite(d)):
        return float("nan")
    return float(np.max(np.abs(d - ref)))


def _label(problem: FlatProblem, k: int) -> str:
    start = 0
    for name, shape in zip(problem.names, problem.shapes, strict=True):
        size = int(np.prod(shape)) if shape else 1
        if k < start + size:
            index = np.unravel_index(k - start, shape) if shape else ()
            return element_label(name, tuple(int(i) for i in index))
        start += size
    return f"element {k}"


def element_errors(report: CaseReport, limit: int = 4) -> list[ElementErrors]:
    """For each failing or xfail method (at most ``limit``), its errors at the first such point:
    per differentiated input, and for the function's value where that is what failed (an
    ``expect`` that quotes a value)."""
    out: list[ElementErrors] = []
    done: set[str] = set()
    for point in report.points:
        ref = reference_gradient(point)
        if ref is None:
            continue
        for verdict in point.verdicts:
            if verdict.status not in ("fail", "xfail") or verdict.method in done \
                    or not (verdict.result.gradient or _value_errors(point, verdict)):
                continue
            done.add(verdict.method)
            for name, got in verdict.result.gradient.items():
                if name not in ref or np.shape(got) != np.shape(ref[name]):
                    continue
                reference = np.asarray(ref[name], dtype=np.float64)
                bound = None if verdict.tolerance is None else \
                    np.asarray(verdict.tolerance.bound(reference))
                out.append(ElementErrors(verdict.method, name, point.point.index,
                                         np.asarray(got, dtype=np.float64), reference, bound))
            value = _value_errors(point, verdict)
            if value is not None:
                out.append(value)
            if len(done) >= limit:
                return out
    return out


def _value_errors(point: PointReport, verdict: Verdict) -> ElementErrors | None:
    """The function's value against the reference value, when a mismatch is in the value."""
    got, reference = verdict.result.value, point.value
    if got is None or reference is None or np.shape(got) != np.shape(reference) \
            or not any(m.input == "value" for m in verdict.mismatches):
        return None
    reference = np.asarray(reference, dtype=np.float64)
    bound = None if verdict.tolerance is None else np.asarray(verdict.tolerance.bound(reference))
    return ElementErrors(verdict.method, "value", point.point.index,
                         np.asarray(got, dtype=np.float64), reference, bound, kind="value")
