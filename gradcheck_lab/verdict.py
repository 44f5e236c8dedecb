"""Judge each method's result against the reference, per element, per point.

Rules (contract section 4): the reference is ``sympy`` where it ran and is
finite, otherwise ``fd``. An element passes when
``|got - ref| <= atol + rtol * |ref|`` (plus finite-difference error
estimates, see ``tolerances``). A NaN or infinity where the reference is finite
fails. At a non-differentiable point (an op at its kink *and* one-sided
derivatives that differ), an element passes when it lies between the one-sided
derivatives; a method whose every element does is ``kink``, not ``fail``,
unless the case says ``kinks: fail``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np

from gradcheck_lab.case import Case, Point, Tolerance
from gradcheck_lab.results import MethodResult, Mismatch, PointReport, Status, Verdict, worst
from gradcheck_lab.tolerances import FD_ESTIMATE_FACTOR, tolerance_for

MAX_MISMATCHES = 20


@dataclass(frozen=True)
class Reference:
    method: str
    result: MethodResult
    bounds: Mapping[str, tuple[np.ndarray, np.ndarray]] | None  # set at a kink point
    estimate: Mapping[str, np.ndarray] | None  # fd's error estimate, when fd is the reference
    # how far the exact result moves under input rounding (symbolic.conditioning), when
    # measured: added to the bounds of the float methods
    spread: Mapping[str, np.ndarray] | None = None

# results not computed in floating point from the case's inputs: never widened
EXACT_OR_QUOTED = ("sympy", "expect")


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


def kink_bounds(kinks: tuple[str, ...], probe: MethodResult | None, case: Case
                ) -> Mapping[str, tuple[np.ndarray, np.ndarray]] | None:
    """One-sided bounds when the point really is non-differentiable, else None."""
    if not kinks or probe is None or probe.bounds is None:
        return None
    tol = tolerance_for(case, "fd")
    for name, (lo, hi) in probe.bounds.items():
        est = probe.error_estimate[name] if probe.error_estimate else 0.0
        width = tol.atol + tol.rtol * np.maximum(np.abs(lo), np.abs(hi)) + 2 * est
        if np.any(hi - lo > width):
            return probe.bounds
    return None


def _compare(name: str, got: np.ndarray, ref: np.ndarray, bound: np.ndarray,
             interval: tuple[np.ndarray, np.ndarray] | None,
             mask: np.ndarray | None = None) -> tuple[list[Mismatch], float, float]:
    """Elements outside tolerance (or the kink interval); ``mask``: only these were computed."""
    got = np.broadcast_to(np.asarray(got, dtype=np.float64), np.shape(ref))
    if mask is not None:  # unsampled elements (NaN on one side) are not compared
        got, ref = np.where(mask, got, 0.0), np.where(mask, ref, 0.0)
    with np.errstate(all="ignore"):
        abs_err = np.abs(got - ref)
        rel_err = np.where(ref != 0, abs_err / np.abs(ref), np.where(abs_err == 0, 0.0, np.inf))
        same_nonfinite = ~np.isfinite(ref) & ((got == ref) | (np.isnan(got) & np.isnan(ref)))
        abs_err = np.where(same_nonfinite, 0.0, np.where(np.isnan(abs_err), np.inf, abs_err))
        rel_err = np.where(same_nonfinite, 0.0, np.where(np.isnan(rel_err), np.inf, rel_err))
        if interval is None:
            bad = ~(abs_err <= bound)
        else:
            lo, hi = interval
            bad = ~(np.isfinite(got) & (got >= lo - bound) & (got <= hi + bound))
    mismatches = []
    for idx in zip(*np.nonzero(bad), strict=True) if bad.ndim else ([()] if bad else []):
        idx = tuple(int(i) for i in idx)
        mismatches.append(Mismatch(
            name, idx, float(ref[idx]), float(got[idx]), float(abs_err[idx]),
            float(rel_err[idx]), float(np.broadcast_to(bound, np.shape(ref))[idx]),
            None if interval is None else float(interval[0][idx]),
            None if interval is None else float(interval[1][idx])))
    # the relative error is only meaningful where the reference is not 0 (there abs says it)
    rel_seen = np.where(ref != 0, rel_err, 0.0)
    return mismatches, float(np.max(abs_err, initial=0.0)), float(np.max(rel_seen, initial=0.0))


def judge(case: Case, result: MethodResult, reference: Reference | None,
          expect_fail: bool, kinks_fail: bool) -> Verdict:
    """One method's verdict at one point."""
    method = result.method
    tol = tolerance_for(case, method)
    if result.skipped is not None:
        return Verdict(method, "skipped", result, tol, message=result.skipped)
    if result.error is not None:
        return Verdict(method, "error", result, tol, message=result.error)
    if reference is None:
        return Verdict(method, "skipped", result, tol,
                       message="no reference: neither sympy nor fd produced a result")
    ref = reference.result
    mismatches: list[Mismatch] = []
    max_abs = max_rel = 0.0
    used_interval = False
    for name, got, want in _quantities(result, ref):
        if got is None or want is None:
            continue
        bound = _bound(tol, want, name, result, reference, method)
        interval = None
        if reference.bounds is not None and name in reference.bounds:
            interval = reference.bounds[name]
            used_interval = True
            bound = _bound(tol, np.maximum(np.abs(interval[0]), np.abs(interval[1])), name,
                           result, reference, method)
        found, a, r = _compare(name, got, want, bound, interval, _mask(name, result, ref))
        mismatches += found
        max_abs, max_rel = max(max_abs, a), max(max_rel, r)
    for name, got_p, want_p, err in _projection_pairs(result, ref):
        bound = tol.bound(want_p) + FD_ESTIMATE_FACTOR * err
        found, a, r = _compare(name, got_p, want_p, np.asarray(bound), None)
        mismatches += found
        max_abs, max_rel = max(max_abs, a), max(max_rel, r)
    status, message = _status(mismatches, used_interval, expect_fail, kinks_fail)
    mismatches.sort(key=lambda m: -(m.abs_error / m.bound if m.bound > 0 else np.inf))
    return Verdict(method, status, result, tol, max_abs, max_rel,
                   tuple(mismatches[:MAX_MISMATCHES]), len(mismatches), message)


def _mask(name: str, result: MethodResult, ref: MethodResult) -> np.ndarray | None:
    masks = [m[name] for m in (result.sampled, ref.sampled) if m is not None and name in m]
    if not masks:
        return None
    return np.logical_and.reduce(masks) if len(masks) > 1 else masks[0]


def project(gradient: Mapping[str, np.ndarray], direction: Mapping[str, np.ndarray]
            ) -> np.ndarray:
    """The gradient (or Jacobian) applied to a direction: sum over inputs of <g, v>."""
    total: np.ndarray = np.asarray(0.0)
    for name, v in direction.items():
        g = np.asarray(gradient[name])
        axes = (list(range(g.ndim - v.ndim, g.ndim)), list(range(v.ndim)))
        total = total + np.tensordot(g, v, axes=axes)
    return total


def _projection_pairs(result: MethodResult, ref: MethodResult
                      ) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """(name, got, reference, fd error) for each random direction checked by fd."""
    if result is ref:
        return []
    if ref.projections:
        return [(f"projection[{i}]", project(result.gradient, p.direction), p.value, p.error)
                for i, p in enumerate(ref.projections) if set(p.direction) <= set(result.gradient)]
    return [(f"projection[{i}]", p.value, project(ref.gradient, p.direction), p.error)
            for i, p in enumerate(result.projections)]


def hessian_key(a: str, b: str) -> str:
    return f"hessian[{a},{b}]"


def _quantities(result: MethodResult, ref: MethodResult
                ) -> list[tuple[str, np.ndarray | None, np.ndarray | None]]:
    """Everything compared: the value, each gradient, each Hessian block (by name)."""
    pairs: list[tuple[str, np.ndarray | None, np.ndarray | None]] = [
        ("value", result.value, ref.value)]
    pairs += [(n, g, ref.gradient.get(n)) for n, g in result.gradient.items()]
    if result.hessian is not None and ref.hessian is not None:
        pairs += [(hessian_key(a, b), h, ref.hessian.get(a, {}).get(b))
                  for a, row in result.hessian.items() for b, h in row.items()]
    return pairs


def estimates(result: MethodResult) -> dict[str, np.ndarray]:
    """fd's error estimates by quantity name (gradients and Hessian blocks)."""
    out = dict(result.error_estimate or {})
    for a, row in (result.hessian_error_estimate or {}).items():
        out.update({hessian_key(a, b): e for b, e in row.items()})
    return out


def _bound(tol: Tolerance, ref: np.ndarray, name: str, result: MethodResult,
           reference: Reference, method: str) -> np.ndarray:
    bound = tol.bound(np.where(np.isfinite(ref), ref, 0.0))
    own = estimates(result) if method == "fd" else None
    for source in (reference.estimate, own):
        if source is not None and name in source:
            est = np.asarray(source[name])
            bound = bound + FD_ESTIMATE_FACTOR * np.where(np.isfinite(est), est, 0.0)
    spread = reference.spread
    if spread is not None and name in spread and method not in EXACT_OR_QUOTED:
        # not measurable (the perturbed point leaves the domain): no allowance
        bound = bound + np.where(np.isfinite(spread[name]), spread[name], 0.0)
    return np.asarray(bound)


def _status(mismatches: list[Mismatch], at_kink: bool, expect_fail: bool,
            kinks_fail: bool) -> tuple[Status, str]:
    if mismatches:
        if expect_fail:
            return "xfail", "fails as expected (expect: fail)"
        return "fail", f"{len(mismatches)} element(s) outside tolerance"
    if at_kink:
        if kinks_fail:
            return "fail", "non-differentiable point and kinks: fail"
        return "kink", "non-differentiable point: within the one-sided derivatives"
    return "pass", ""


def judge_point(case: Case, point: Point, results: Mapping[str, MethodResult],
                probe: MethodResult | None, kinks: tuple[str, ...],
                expect_fail: Collection[str], kinks_fail: bool,
                spread: Mapping[str, np.ndarray] | None = None) -> PointReport:
    """Every method at one point; ``probe`` is an fd result used for the reference and kinks.

    ``spread``: the point's conditioning (see ``Reference.spread``), once measured.
    """
    chosen = choose_reference(results, probe)
    bounds = kink_bounds(kinks, probe, case)
    reference = None
    if chosen is not None:
        name, result = chosen
        reference = Reference(name, result, bounds, estimates(result) if name == "fd" else None,
                              spread if name == "sympy" else None)
    verdicts = tuple(judge(case, r, reference, m in expect_fail, kinks_fail or case.kinks == "fail")
                     for m, r in results.items())
    return PointReport(point, None if chosen is None else chosen[0],
                       None if chosen is None else chosen[1].value,
                       worst([v.status for v in verdicts]), verdicts,
                       kinks if bounds is not None else ())
