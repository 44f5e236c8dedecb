"""verify(): cases in, reports out. Plans the methods, runs them per point, judges."""

from __future__ import annotations

import dataclasses
import fnmatch
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from gradcheck_lab.case import Case, Point
from gradcheck_lab.diagnose import diagnose
from gradcheck_lab.errors import UsageError
from gradcheck_lab.kinks import kinks_at
from gradcheck_lab.limits import DEFAULT_LIMITS, Limits
from gradcheck_lab.loader import load_paths
from gradcheck_lab.methods import (
    BUILTIN_METHODS,
    CLAIM_PREFIX,
    DEFAULT_METHODS,
    EXPECT_METHOD,
    IMPL_PREFIX,
    implementations,
    load_method,
)
from gradcheck_lab.methods.base import (
    HVP_ABOVE,
    HVP_DIRECTIONS,
    uses_hvp,
    wants_hessian,
    wrt_size,
)
from gradcheck_lab.methods.claims import compute_claim, compute_expect
from gradcheck_lab.results import (
    CaseReport,
    MethodResult,
    PointReport,
    RunReport,
    Status,
    Verdict,
    worst,
)
from gradcheck_lab.tolerances import CONDITION_SAMPLES, CONDITION_ULPS
from gradcheck_lab.verdict import EXACT_OR_QUOTED, judge_point, usable

Target = str | Path | Case | Sequence[str | Path | Case]
Notify = Callable[[str, int], object]  # (method, point index), before the method runs


def load_cases(target: Target, limits: Limits = DEFAULT_LIMITS) -> list[Case]:
    """Cases from paths (files or folders) and/or Case objects."""
    items = [target] if isinstance(target, (str, Path, Case)) else list(target)
    cases: list[Case] = []
    for item in items:
        cases.extend([item] if isinstance(item, Case) else load_paths([item], limits))
    return cases


def select(cases: list[Case], keyword: str | None) -> list[Case]:
    """``-k``: a substring of the name, or an fnmatch pattern."""
    if not keyword:
        return cases
    return [c for c in cases if keyword in c.name or fnmatch.fnmatchcase(c.name, keyword)]


def plan(case: Case, methods: Sequence[str] | None) -> list[str]:
    """The methods to run on ``case``: its own list or the defaults, filtered by ``methods``."""
    if case.methods is not None:
        names = list(case.methods)
    else:
        names = list(DEFAULT_METHODS)
        names += [CLAIM_PREFIX + c.name for c in case.claims]
        names += [IMPL_PREFIX + i.name for i in case.implementations]
        if any(p.expect is not None for p in case.points):
            names.append(EXPECT_METHOD)
    if methods is not None:
        wanted = set(methods)
        names = [n for n in names if n in wanted
                 or (n.startswith(CLAIM_PREFIX) and "claim:*" in wanted)
                 or (n.startswith(IMPL_PREFIX) and "impl:*" in wanted)]
        names += [m for m in methods if m in BUILTIN_METHODS and m not in names]
    return names


def check_method_names(methods: Sequence[str]) -> None:
    accepted = list(BUILTIN_METHODS) + [EXPECT_METHOD, "claim:*", "impl:*"]
    for m in methods:
        if m not in accepted and not m.startswith((CLAIM_PREFIX, IMPL_PREFIX)):
            raise UsageError(f"unknown method '{m}' (accepted: {', '.join(accepted)}, "
                             "claim:NAME, impl:NAME)")


def verify(target: Target, methods: Sequence[str] | None = None, strict: bool = False,
           keyword: str | None = None, limits: Limits = DEFAULT_LIMITS, jobs: int = 1,
           timeout: float | None = None) -> RunReport:
    """Verify every case of ``target``; ``strict`` makes kinks fail.

    ``jobs`` > 1 or a ``timeout`` (seconds per case) runs cases in worker
    processes (``parallel.run_parallel``): a crash, a hang or running out of
    memory then costs only that case, reported as ``error``.
    """
    start = time.perf_counter()
    if methods is not None:
        check_method_names(methods)
    cases = select(load_cases(target, limits), keyword)
    reports = tuple(run_cases(cases, methods, strict, jobs, timeout))
    return RunReport(reports, time.perf_counter() - start)


def run_cases(cases: Sequence[Case], methods: Sequence[str] | None = None, strict: bool = False,
              jobs: int = 1, timeout: float | None = None,
              progress: Callable[[CaseReport], object] | None = None) -> list[CaseReport]:
    """One report per case, in order: in this process, or in workers (jobs > 1 or a timeout)."""
    if jobs > 1 or timeout is not None:
        from gradcheck_lab.parallel import run_parallel

        return run_parallel(cases, methods, strict, jobs, timeout, progress)
    reports = []
    for case in cases:
        reports.append(verify_case(case, methods, strict))
        if progress is not None:
            progress(reports[-1])
    return reports


def _skips(case: Case, names: list[str]) -> dict[str, str]:
    impls = {IMPL_PREFIX + i.name: i for i in case.implementations}
    skips = {}
    for name in names:
        reason = None
        if name in BUILTIN_METHODS:
            reason = load_method(name).unavailable()
        elif name in impls:
            reason = implementations.unavailable(impls[name])
        if reason:
            skips[name] = reason
    return skips


def _results(case: Case, point: Point, names: list[str], skips: dict[str, str],
             failed: Mapping[str, str], notify: Notify | None) -> dict[str, MethodResult]:
    claims = {CLAIM_PREFIX + c.name: c for c in case.claims}
    impls = {IMPL_PREFIX + i.name: i for i in case.implementations}
    results: dict[str, MethodResult] = {}
    for name in names:
        if name in skips:
            results[name] = MethodResult(name, skipped=skips[name])
            continue
        if name in failed:
            results[name] = MethodResult(name, error=failed[name])
            continue
        if notify is not None:
            notify(name, point.index)
        if name in BUILTIN_METHODS:
            results[name] = load_method(name).compute(case, point)
        elif name in claims:
            results[name] = compute_claim(claims[name], point)
        elif name in impls:
            results[name] = implementations.compute(case, point, impls[name])
        elif name == EXPECT_METHOD:
            quoted = compute_expect(point)
            if quoted is not None:
                results[name] = quoted
    return results


def verify_case(case: Case, methods: Sequence[str] | None = None, strict: bool = False, *,
                failed: Mapping[str, str] | None = None, notify: Notify | None = None
                ) -> CaseReport:
    """Run every planned method at every point of ``case`` and judge the results.

    ``failed`` maps methods already known to crash or hang on this case (found by a
    worker process, see ``parallel``) to their error message: they are not run again
    and are ``error``. ``notify(method, point index)`` is called before each method runs.
    """
    start = time.perf_counter()
    failed = failed or {}
    names = plan(case, methods)
    skips = _skips(case, names)
    expect_fail = {CLAIM_PREFIX + c.name for c in case.claims if c.expect_fail}
    expect_fail |= {IMPL_PREFIX + i.name for i in case.implementations if i.expect_fail}
    points = []
    for point in _in_dtype(case):
        results = _results(case, point, names, skips, failed, notify)
        kinks = kinks_at(case.expr, point.values)
        probe = results.get("fd")
        if probe is None and (kinks or not usable(results.get("sympy"))) and "fd" not in failed:
            if notify is not None:
                notify("fd", point.index)
            probe = load_method("fd").compute(case, point)  # reference / kink bounds only
        judged = judge_point(case, point, results, probe, kinks, expect_fail, strict)
        points.append(_within_conditioning(case, point, judged, results, probe, kinks,
                                           expect_fail, strict))
    points = _unexpected_passes(points, expect_fail)
    method_status: dict[str, Status] = {}
    for name in names:
        statuses = [v.status for p in points for v in p.verdicts if v.method == name]
        method_status[name] = worst(statuses) if statuses else "skipped"
    formulas: dict[str, str] = {}
    if "sympy" in names and any(v.method == "sympy" and v.status not in ("error", "skipped")
                                for p in points for v in p.verdicts):
        from gradcheck_lab.methods.symbolic import formulas as symbolic_formulas
        formulas = symbolic_formulas(case)
    report = CaseReport(case, worst(list(method_status.values())), tuple(points), tuple(names),
                        method_status, formulas=formulas, seconds=time.perf_counter() - start,
                        message=_order_message(case))
    return dataclasses.replace(report, findings=tuple(diagnose(report)))


def _within_conditioning(case: Case, point: Point, judged: PointReport,
                         results: Mapping[str, MethodResult], probe: MethodResult | None,
                         kinks: tuple[str, ...], expect_fail: set[str], strict: bool
                         ) -> PointReport:
    """Judge again, allowing for the point's conditioning, when a float method failed.

    Measured only then (it costs a few more exact evaluations). A verdict that passes
    only with the allowance says so in its message.
    """
    failing = {v.method for v in judged.verdicts
               if v.status in ("fail", "xfail") and v.method not in EXACT_OR_QUOTED}
    if judged.reference != "sympy" or not failing or judged.kinks:
        return judged
    from gradcheck_lab.methods.symbolic import conditioning

    try:
        spread = conditioning(case, point, CONDITION_ULPS, CONDITION_SAMPLES)
    except Exception:  # noqa: BLE001 - not measurable: the first verdicts stand
        return judged
    again = judge_point(case, point, results, probe, kinks, expect_fail, strict, spread)
    before = {v.method: v for v in judged.verdicts}
    worst_rel = max((_relative(s, ref) for n, s in spread.items()
                     for ref in [_reference_of(judged, n)] if ref is not None), default=0.0)
    verdicts = []
    for v in again.verdicts:
        if v.method in failing and v.status == "pass":
            v = dataclasses.replace(v, message=(
                f"passes only within the point's conditioning: inputs moved by "
                f"{CONDITION_ULPS:g} ulps move the exact result by up to rel. "
                f"{worst_rel:.2g} (without that: {before[v.method].message})"))
        elif v.method not in failing:
            v = before[v.method]
        verdicts.append(v)
    return dataclasses.replace(judged, verdicts=tuple(verdicts),
                               status=worst([v.status for v in verdicts]))


def _relative(spread: np.ndarray, ref: np.ndarray) -> float:
    scale = np.abs(ref)
    ratio = np.divide(spread, scale, out=np.zeros(np.shape(scale)), where=scale > 0)
    return float(np.max(ratio, initial=0.0))


def _reference_of(judged: PointReport, name: str) -> np.ndarray | None:
    ref = next((v.result for v in judged.verdicts if v.method == judged.reference), None)
    if ref is None:
        return None
    found = ref.value if name == "value" else ref.gradient.get(name)
    return None if found is None else np.asarray(found, dtype=np.float64)


def _in_dtype(case: Case) -> tuple[Point, ...]:
    """For float32 cases, points rounded to float32 so every method sees the same inputs."""
    if case.dtype != "float32":
        return case.points
    return tuple(dataclasses.replace(p, values={k: np.asarray(v, np.float32).astype(np.float64)
                                                for k, v in p.values.items()})
                 for p in case.points)


def _order_message(case: Case) -> str:
    if case.order == 2 and not wants_hessian(case):
        return ("order 2: the Hessian is checked for a scalar output (or with a cotangent); "
                "this output has shape " + str(case.output_shape))
    if uses_hvp(case):
        return (f"order 2 with {wrt_size(case)} differentiated elements (above {HVP_ABOVE}): "
                f"Hessian-vector products H v for {HVP_DIRECTIONS} seeded random directions "
                "are compared (hessian[input,·vJ]), not the full Hessian")
    return ""


def _unexpected_passes(points: list[PointReport], expect_fail: set[str]) -> list[PointReport]:
    """A method marked ``expect: fail`` that failed nowhere is ``fail`` wherever it passed."""
    passed = {m for m in expect_fail
              if not any(v.method == m and v.status in ("xfail", "error")
                         for p in points for v in p.verdicts)}
    if not passed:
        return points

    def flip(v: Verdict) -> Verdict:
        if v.method in passed and v.status in ("pass", "kink"):
            return dataclasses.replace(v, status="fail", message="expected to fail "
                                       "(expect: fail) but passed at every point")
        return v

    out = []
    for p in points:
        verdicts = tuple(flip(v) for v in p.verdicts)
        out.append(dataclasses.replace(p, verdicts=verdicts,
                                       status=worst([v.status for v in verdicts])))
    return out
