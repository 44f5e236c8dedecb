"""What a point is judged with: the judging context, the evidence, the reference.

The reference is ``sympy`` where it ran and is finite, otherwise ``fd`` (the method's own
result, or a probe run only for that). At a kink, fd's one-sided derivatives bound what a
valid subgradient may be.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from gradcheck_lab.case import Case, Point, Tolerance
from gradcheck_lab.methods.registry import Method
from gradcheck_lab.results import MethodResult
from gradcheck_lab.tolerances import Family, tolerance_for


@dataclass(frozen=True, eq=False)
class Judging:
    """What every verdict of a case is judged by: the case, its methods (by name: tolerance
    family, exact or not, expected to fail), and whether a kink fails."""

    case: Case
    methods: Mapping[str, Method]
    kinks_fail: bool

    def tolerance(self, method: str) -> Tolerance:
        known = self.methods.get(method)
        family = known.family if known is not None else Family.AUTODIFF
        return tolerance_for(self.case, method, family)

    def is_exact(self, method: str) -> bool:
        known = self.methods.get(method)
        return known is not None and known.exact


@dataclass(frozen=True, eq=False)
class Evidence:
    """Everything computed at one point: each method's result, fd's probe (for the
    reference and kink bounds, when fd did not run as a method) and the ops at a kink."""

    point: Point
    results: Mapping[str, MethodResult]
    probe: MethodResult | None
    kinks: tuple[str, ...]


@dataclass(frozen=True)
class Reference:
    method: str
    result: MethodResult
    bounds: Mapping[str, tuple[np.ndarray, np.ndarray]] | None  # set at a kink point
    estimate: Mapping[str, np.ndarray] | None  # fd's error estimate, when fd is the reference
    # how far the exact result moves under input rounding (symbolic.conditioning), when
    # measured: added to the bounds of the float methods
    spread: Mapping[str, np.ndarray] | None = None



def usable(result: MethodResult | None) -> bool:
    return (result is not None and result.error is None and result.skipped is None
            and result.value is not None
            and bool(np.all(np.isfinite(result.value)))
            and all(np.all(np.isfinite(g)) for g in result.gradient.values()))


def choose_reference(results: Mapping[str, MethodResult], probe: MethodResult | None
                     ) -> tuple[str, MethodResult] | None:
    """sympy where it ran and is finite, else fd (the method's own result or the probe)."""
    if usable(results.get("sympy")):
        return "sympy", results["sympy"]
    for candidate in (results.get("fd"), probe):
        if candidate is not None and candidate.error is None and candidate.skipped is None:
            return "fd", candidate
    return None


def kink_bounds(judging: Judging, kinks: tuple[str, ...], probe: MethodResult | None
                ) -> Mapping[str, tuple[np.ndarray, np.ndarray]] | None:
    """One-sided bounds when the point really is non-differentiable, else None."""
    if not kinks or probe is None or probe.bounds is None:
        return None
    tol = judging.tolerance("fd")
    for name, (lo, hi) in probe.bounds.items():
        est = probe.error_estimate[name] if probe.error_estimate else 0.0
        width = tol.atol + tol.rtol * np.maximum(np.abs(lo), np.abs(hi)) + 2 * est
        if np.any(hi - lo > width):
            return probe.bounds
    return None


def hessian_key(a: str, b: str) -> str:
    return f"hessian[{a},{b}]"


def estimates(result: MethodResult) -> dict[str, np.ndarray]:
    """fd's error estimates by quantity name (gradients and Hessian blocks)."""
    out = dict(result.error_estimate or {})
    for a, row in (result.hessian_error_estimate or {}).items():
        out.update({hessian_key(a, b): e for b, e in row.items()})
    return out


