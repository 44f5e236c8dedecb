"""Judge each method's result against the reference, per element, per point.

Rules (contract section 4): the reference is ``sympy`` where it ran and is
finite, otherwise ``fd``. An element passes when
``|got - ref| <= atol + rtol * |ref|`` (plus finite-difference error
estimates, see ``tolerances``). A NaN or infinity where the reference is finite
fails. At a non-differentiable point (an op at its kink *and* one-sided
derivatives that differ), an element whose own one-sided derivatives differ passes when
it lies between them; every other element is judged against the reference as anywhere
else. A method whose every element passes and one of them on a kink is ``kink``, not
``fail``, unless the case says ``kinks: fail``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from gradcheck_lab.case import Tolerance
from gradcheck_lab.results import MethodResult, Mismatch, PointReport, Status, Verdict, worst
from gradcheck_lab.tolerances import expression_depth, fd_estimate_factor
from gradcheck_lab.verdict.reference import (
    Evidence,
    Judging,
    KinkInterval,
    Measured,
    Reference,
    choose_reference,
    estimates,
    hessian_key,
    kink_bounds,
)
from gradcheck_lab.verdict.witness import float32_failure

MAX_MISMATCHES = 20


def _compare(name: str, got: np.ndarray, ref: np.ndarray, bound: np.ndarray, *,
             absolute: np.ndarray | None = None, interval: KinkInterval | None = None,
             mask: np.ndarray | None = None) -> tuple[list[Mismatch], float, float]:
    """Elements outside tolerance (or, where one-sided, the kink interval).

    ``bound``: each element's tolerance (at a kink element: around the interval);
    ``absolute``: its part that does not scale with the reference (atol, the round-off
    floor, estimates); ``mask``: only these elements were computed. Returns the
    mismatches and the largest absolute and relative errors, the relative one only over
    elements whose reference is above their absolute allowance (below it the relative
    error means nothing: 1 for a 0 where the reference is 1e-88; the absolute error tells).
    """
    got = np.broadcast_to(np.asarray(got, dtype=np.float64), np.shape(ref))
    if mask is not None:  # unsampled elements (NaN on one side) are not compared
        got, ref = np.where(mask, got, 0.0), np.where(mask, ref, 0.0)
    on_kink = np.zeros(np.shape(ref), dtype=bool) if interval is None else np.broadcast_to(
        interval.one_sided, np.shape(ref))
    with np.errstate(all="ignore"):
        abs_err = np.abs(got - ref)
        rel_err = np.where(ref != 0, abs_err / np.abs(ref), np.where(abs_err == 0, 0.0, np.inf))
        same_nonfinite = ~np.isfinite(ref) & ((got == ref) | (np.isnan(got) & np.isnan(ref)))
        abs_err = np.where(same_nonfinite, 0.0, np.where(np.isnan(abs_err), np.inf, abs_err))
        rel_err = np.where(same_nonfinite, 0.0, np.where(np.isnan(rel_err), np.inf, rel_err))
        bad = ~(abs_err <= bound)
        if interval is not None:
            lo, hi = interval.lower, interval.upper
            outside = ~(np.isfinite(got) & (got >= lo - bound) & (got <= hi + bound))
            bad = np.where(on_kink, outside, bad)
    mismatches = []
    for idx in zip(*np.nonzero(bad), strict=True) if bad.ndim else ([()] if bad else []):
        idx = tuple(int(i) for i in idx)
        kink = interval is not None and bool(on_kink[idx])
        mismatches.append(Mismatch(
            name, idx, float(ref[idx]), float(got[idx]), float(abs_err[idx]),
            float(rel_err[idx]), float(np.broadcast_to(bound, np.shape(ref))[idx]),
            float(interval.lower[idx]) if kink and interval is not None else None,
            float(interval.upper[idx]) if kink and interval is not None else None))
    allowance = np.zeros(np.shape(ref)) if absolute is None else absolute
    meaningful = (np.abs(ref) > allowance) & ~on_kink
    rel_seen = np.where(meaningful, rel_err, 0.0)
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
    unresolved: list[str] = []
    own = estimates(result) if method == "fd" and result is not ref else {}
    for name, got, want in _quantities(result, ref):
        if got is None or want is None:
            continue
        bound = _bound(judging, tol, want, name, (result, reference))
        absolute = bound - tol.rtol * np.where(np.isfinite(want), np.abs(want), 0.0)
        if name in own:
            unresolved += _unresolved(name, (got, want, own[name]), bound,
                                      _mask(name, result, ref))
        interval = None if reference.bounds is None else reference.bounds.get(name)
        if interval is not None and np.any(interval.one_sided):
            used_interval = True
            around = _bound(judging, tol, np.maximum(np.abs(interval.lower),
                                                     np.abs(interval.upper)),
                            name, (result, reference))
            bound = np.where(interval.one_sided, around, bound)
        found, a, r = _compare(name, got, want, bound, absolute=absolute, interval=interval,
                               mask=_mask(name, result, ref))
        mismatches += found
        max_abs, max_rel = max(max_abs, a), max(max_rel, r)
    for name, got_p, want_p, err in _projection_pairs(result, ref):
        bound = tol.bound(want_p) + fd_estimate_factor(name) * err
        found, a, r = _compare(name, got_p, want_p, np.asarray(bound),
                               absolute=np.asarray(tol.atol + fd_estimate_factor(name) * err))
        mismatches += found
        max_abs, max_rel = max(max_abs, a), max(max_rel, r)
    status, message = _status(mismatches, used_interval, expect_fail, judging.kinks_fail)
    if status == "pass":  # code on trial in half precision, run again in float32
        failure = float32_failure(result.float32_witness, ref, judging.case.dtype,
                                  expression_depth(judging.case.expr))
        if failure is not None:
            status, message = ("xfail", f"fails as expected (expect: fail): {failure}") \
                if expect_fail else ("fail", failure)
    if status in ("pass", "kink") and unresolved:
        status, message = "unresolved", (
            f"{method}'s own error estimate is as large as the derivative at "
            f"{len(unresolved)} element(s) ({unresolved[0]}): finite differences cannot "
            "resolve it here, so this says nothing either way")
    # worst first: the most over its bound, then (ties: a relative error shared by every
    # element) the largest absolute error
    mismatches.sort(key=lambda m: (-(m.abs_error / m.bound if m.bound > 0 else np.inf),
                                   -m.abs_error))
    return Verdict(method, status, result, tol, max_abs, max_rel,
                   tuple(mismatches[:MAX_MISMATCHES]), len(mismatches), message,
                   judging.roundoff_unit(method) > 0)


def _unresolved(name: str, numbers: tuple[np.ndarray, np.ndarray, np.ndarray],
                bound: np.ndarray, mask: np.ndarray | None) -> list[str]:
    """Elements that pass only thanks to fd's own error estimate, an estimate as large as
    the exact derivative there (fd at x = 1e-300: 0 +- 2e-17 for 2e-300), as labels with
    the numbers; such a pass means nothing. Where the exact derivative is 0, fd's noise
    within its estimate is consistent with it: a pass."""
    got, want, est = (np.broadcast_to(np.asarray(a, dtype=np.float64), np.shape(numbers[1]))
                      for a in numbers)
    widened = fd_estimate_factor(name) * np.where(np.isfinite(est), est, 0.0)
    with np.errstate(all="ignore"):
        err = np.abs(got - want)
        found = (err <= bound) & (err > bound - widened) & (widened >= np.abs(want)) \
            & (want != 0)
    if mask is not None:
        found &= np.broadcast_to(mask, found.shape)
    return [f"{_label(name, idx)}: exact {want[idx]:.3g}, "
            f"fd {got[idx]:.3g} +- {widened[idx]:.2g}" for idx in zip(*np.nonzero(found),
                                                                   strict=True)] \
        if found.ndim else ([f"{name}: exact {float(want):.3g}, fd {float(got):.3g} +- "
                             f"{float(widened):.2g}"] if found else [])


def _label(name: str, index: tuple[object, ...]) -> str:
    return name + (f"[{', '.join(str(i) for i in index)}]" if index else "")


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
    unit = judging.roundoff_unit(method)
    if unit:  # the round-off floor: ulps of the terms the element is computed from
        bound = bound + unit * reference.floor_scale(name, ref)
    own = estimates(result) if method == "fd" else None
    for source in (reference.estimate, own):
        if source is not None and name in source:
            est = np.asarray(source[name])
            bound = bound + fd_estimate_factor(name) * np.where(np.isfinite(est), est, 0.0)
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
                measured: Measured | None = None) -> PointReport:
    """Every method at one point, against the reference chosen from the evidence.

    ``measured``: the terms' magnitudes and the point's conditioning (see ``Reference``),
    once measured against the exact reference.
    """
    chosen = choose_reference(evidence.results, evidence.probe)
    bounds = kink_bounds(judging, evidence.kinks, evidence.probe)
    reference = None
    if chosen is not None:
        name, result = chosen
        exact = measured if measured is not None and name == "sympy" else Measured()
        reference = Reference(name, result, bounds, estimates(result) if name == "fd" else None,
                              exact.spread, exact.magnitudes)
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
