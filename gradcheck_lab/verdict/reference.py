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
from gradcheck_lab.tolerances import Family, roundoff_unit, tolerance_for


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

    def roundoff_unit(self, method: str) -> float:
        """``ROUNDOFF_ULPS * eps`` of the dtype ``method`` computes in; 0 for exact ones."""
        known = self.methods.get(method)
        family = known.family if known is not None else Family.AUTODIFF
        return roundoff_unit(family, self.case.dtype)

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
    bounds: Mapping[str, KinkInterval] | None  # set at a kink point
    estimate: Mapping[str, np.ndarray] | None  # fd's error estimate, when fd is the reference
    # how far the exact result moves under input rounding (symbolic.conditioning), when
    # measured: added to the bounds of the float methods
    spread: Mapping[str, np.ndarray] | None = None
    # the size of the terms each element is computed from, in eps (verdict.roundoff), when
    # measured; the round-off floor is tolerances.roundoff_unit times it
    magnitudes: Mapping[str, np.ndarray] | None = None

    def floor_scale(self, name: str, ref: np.ndarray) -> np.ndarray:
        """What the round-off floor of quantity ``name`` is measured in (units of eps).

        Against the exact reference: 0 until the terms' magnitudes are measured (the
        strictest judgement first: passing it passes every later one), then the
        magnitudes; where they are not finite (a domain edge) or not measured (Hessian
        entries), and whenever fd is the reference, the largest reference element of
        the quantity (normwise).
        """
        finite = np.where(np.isfinite(ref), np.abs(ref), 0.0)
        normwise = np.full(np.shape(ref), float(np.max(finite, initial=0.0)))
        if self.method != "sympy":
            return normwise
        if self.magnitudes is None:
            return np.zeros(np.shape(ref))
        measured = self.magnitudes.get(name)
        if measured is None:
            return normwise
        return np.where(np.isfinite(measured), measured, normwise)


@dataclass(frozen=True, eq=False)
class Measured:
    """What judging a point measured after a float method failed: the size of each
    element's terms (``verdict.roundoff``), then the point's conditioning."""

    magnitudes: Mapping[str, np.ndarray] | None = None
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


@dataclass(frozen=True, eq=False)
class KinkInterval:
    """fd's one-sided derivatives of one quantity, and which elements really are one-sided.

    ``one_sided``: the elements whose one-sided derivatives differ by more than their
    tolerance (the element sits on a kink); only those are judged against the interval.
    Every other element, a neighbour 1e-7 from a kink included, is judged against the
    reference, whose exact derivative a one-sided difference only approximates.
    """

    lower: np.ndarray
    upper: np.ndarray
    one_sided: np.ndarray


def kink_bounds(judging: Judging, kinks: tuple[str, ...], probe: MethodResult | None
                ) -> Mapping[str, KinkInterval] | None:
    """One-sided bounds when the point really is non-differentiable, else None."""
    if not kinks or probe is None or probe.bounds is None:
        return None
    tol = judging.tolerance("fd")
    out = {}
    for name, (lo, hi) in probe.bounds.items():
        est = probe.error_estimate[name] if probe.error_estimate else 0.0
        width = tol.atol + tol.rtol * np.maximum(np.abs(lo), np.abs(hi)) + 2 * est
        with np.errstate(invalid="ignore"):
            out[name] = KinkInterval(lo, hi, np.asarray(hi - lo > width))
    if not any(np.any(i.one_sided) for i in out.values()):
        return None
    return out


def hessian_key(a: str, b: str) -> str:
    return f"hessian[{a},{b}]"


def estimates(result: MethodResult) -> dict[str, np.ndarray]:
    """fd's error estimates by quantity name (gradients and Hessian blocks)."""
    out = dict(result.error_estimate or {})
    for a, row in (result.hessian_error_estimate or {}).items():
        out.update({hessian_key(a, b): e for b, e in row.items()})
    return out


