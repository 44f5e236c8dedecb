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

import dataclasses
from collections.abc import Mapping

import numpy as np

from gradcheck_lab.case import Tolerance
from gradcheck_lab.results import MethodResult, Mismatch, PointReport, Status, Verdict, worst
from gradcheck_lab.tolerances import FD_ESTIMATE_FACTOR
from gradcheck_lab.verdict.reference import (
    Evidence,
    Judging,
    Reference,
    choose_reference,
    estimates,
    hessian_key,
    kink_bounds,
)

MAX_MISMATCHES = 20


def _compare(name: str, got: np.ndarray, ref: np.ndarray, bound: np.ndarray, *,
             interval: tuple[np.ndarray, np.ndarray] | None = None,
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


def judge(judging: Judging, result: MethodResult, reference: Reference | None) -> Verdict:
    """One method's verdict at one point."""
    method = result.method
    tol = judging.tolerance(method)
    expect_fail = judging.methods[method].expect_fail if method in judging.methods else False
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
        bound = _bound(judging, tol, want, name, (result, reference))
        interval = None
        if reference.bounds is not None and name in reference.bounds:
            interval = reference.bounds[name]
            used_interval = True
            bound = _bound(judging, tol, np.maximum(np.abs(interval[0]), np.abs(interval[1])),
                           name, (result, reference))
        found, a, r = _compare(name, got, want, bound, interval=interval,
                                  mask=_mask(name, result, ref))
        mismatches += found
        max_abs, max_rel = max(max_abs, a), max(max_rel, r)
    for name, got_p, want_p, err in _projection_pairs(result, ref):
        bound = tol.bound(want_p) + FD_ESTIMATE_FACTOR * err
        found, a, r = _compare(name, got_p, want_p, np.asarray(bound))
        mismatches += found
        max_abs, max_rel = max(max_abs, a), max(max_rel, r)
    status, message = _status(mismatches, used_interval, expect_fail, judging.kinks_fail)
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


def _bound(judging: Judging, tol: Tolerance, ref: np.ndarray, name: str,
           judged: tuple[MethodResult, Reference]) -> np.ndarray:
    result, reference = judged
    method = result.method
    bound = tol.bound(np.where(np.isfinite(ref), ref, 0.0))
    own = estimates(result) if method == "fd" else None
    for source in (reference.estimate, own):
        if source is not None and name in source:
            est = np.asarray(source[name])
            bound = bound + FD_ESTIMATE_FACTOR * np.where(np.isfinite(est), est, 0.0)
    spread = reference.spread
    if spread is not None and name in spread and not judging.is_exact(method):
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


def judge_point(judging: Judging, evidence: Evidence,
                spread: Mapping[str, np.ndarray] | None = None) -> PointReport:
    """Every method at one point, against the reference chosen from the evidence.

    ``spread``: the point's conditioning (see ``Reference.spread``), once measured.
    """
    chosen = choose_reference(evidence.results, evidence.probe)
    bounds = kink_bounds(judging, evidence.kinks, evidence.probe)
    reference = None
    if chosen is not None:
        name, result = chosen
        reference = Reference(name, result, bounds, estimates(result) if name == "fd" else None,
                              spread if name == "sympy" else None)
    verdicts = tuple(judge(judging, r, reference) for r in evidence.results.values())
    if chosen is None and evidence.probe is not None and evidence.probe.error is not None:
        # the reference itself failed (a function given by code that cannot be
        # differentiated): an error, never a quiet skip
        verdicts = tuple(dataclasses.replace(v, status="error", message=f"no reference: fd "
                                             f"failed: {evidence.probe.error}")
                         if v.status == "skipped" and v.result.skipped is None else v
                         for v in verdicts)
    return PointReport(evidence.point, None if chosen is None else chosen[0],
                       None if chosen is None else chosen[1].value,
                       worst([v.status for v in verdicts]), verdicts,
                       evidence.kinks if bounds is not None else ())
