"""The case runner: every method of a case at every point, judged, one CaseReport.

Used by ``run`` (in this process) and by ``parallel``'s worker processes alike. A case
runs as a sequence of steps: each method at each point (its framework imported first),
then judging each point, then the display-only steps (formulas, diagnosis). An
``Observer`` hears of each step before it runs, of each result once computed and of the
judged report, so a worker's parent knows which step hung or crashed and what was
already done (``Resume``). The seconds of each step are the report's ``timings``.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol, TypeVar

from gradcheck_lab import timing
from gradcheck_lab.backends import sympy_cache
from gradcheck_lab.case import Case, Point
from gradcheck_lab.diagnose import GRADIENT_RIGHT, diagnose
from gradcheck_lab.kinks import kinks_at
from gradcheck_lab.methods.base import HVP_ABOVE, HVP_DIRECTIONS, uses_hvp, wants_hessian, wrt_size
from gradcheck_lab.methods.registry import Method, load_method, methods_of
from gradcheck_lab.options import DEFAULT_OPTIONS, RunOptions
from gradcheck_lab.ready import points_in_dtype, ready
from gradcheck_lab.results import CaseReport, Finding, MethodResult, Status, worst
from gradcheck_lab.trace.resolve import case_at, code_findings, resolve
from gradcheck_lab.trial import case_status, framework_findings
from gradcheck_lab.verdict import (
    Evidence,
    Judging,
    judge_point,
    judge_with_conditioning,
    unexpected_passes,
    usable,
)
from gradcheck_lab.warm_up import warm_up

Notify = Callable[[str, int], object]  # (step, point index), before the step runs
T = TypeVar("T")
JUDGING, FORMULAS, DIAGNOSIS = "judging", "formulas", "diagnosis"
# the steps that are not methods; formulas and diagnosis only explain the verdicts
PHASES = (JUDGING, FORMULAS, DIAGNOSIS)
DISPLAY_ONLY = (FORMULAS, DIAGNOSIS)
WHOLE_CASE = -1  # the point index of steps that are not per point


class Observer(Protocol):
    """What a worker process reports to its parent while a case runs."""

    def step(self, name: str, point: int) -> None:
        """Before a step: a method's name (at ``point``) or one of ``PHASES``."""

    def result(self, point: int, result: MethodResult) -> None:
        """A method's result at ``point``, once computed."""

    def judged(self, report: CaseReport) -> None:
        """The report once every point is judged, and again after each display step."""


@dataclass(frozen=True)
class Resume:
    """What an earlier attempt at the case left: ``failed`` maps a step that crashed or
    hung (a method, or one of ``PHASES``) to what happened; ``known`` holds the results
    computed before, by (method, point index), which are not computed again."""

    failed: Mapping[str, str] = field(default_factory=dict)
    known: Mapping[tuple[str, int], MethodResult] = field(default_factory=dict)


class _Notifier:
    """An Observer that only passes steps on to a ``Notify`` function."""

    def __init__(self, notify: Notify | None) -> None:
        self.notify = notify

    def step(self, name: str, point: int) -> None:
        if self.notify is not None:
            self.notify(name, point)

    def result(self, point: int, result: MethodResult) -> None:
        pass

    def judged(self, report: CaseReport) -> None:
        pass


class _Clock:
    """Seconds per step, summed (the report's ``timings``)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, key: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[key] = self.seconds.get(key, 0.0) + time.perf_counter() - start


def run_case(case: Case, options: RunOptions = DEFAULT_OPTIONS, *,
             failed: Mapping[str, str] | None = None, notify: Notify | None = None,
             resume: Resume | None = None, observer: Observer | None = None,
             upcoming: Sequence[Case] = ()) -> CaseReport:
    """Run every planned method at every point of ``case`` and judge the results.

    ``resume`` (or just ``failed``) carries what an earlier attempt found (see
    ``parallel``): a failed method is ``error`` where it has no known result, a failed
    judging step judges without the point's conditioning, a failed display step is left
    out. ``observer`` (or just ``notify``) hears of every step before it runs.
    ``upcoming``: this case and the ones this process runs next, which methods may
    prepare for together now (``warm_up``).
    """
    start = time.perf_counter()
    resume = resume or Resume(failed=failed or {})
    observer = observer or _Notifier(notify)
    clock = _Clock()
    case = ready(case, options)
    methods = methods_of(case, options.methods)
    if any(m.name == "sympy" for m in methods):  # before anything imports SymPy
        sympy_cache.import_with_large_cache()
    overhead = _import_frameworks(methods, resume.failed, observer)  # no method's time
    accounts = Accounts(observer, clock, overhead)
    if upcoming and not resume.failed:
        warm_up([ready(c, options) for c in upcoming], options.methods, accounts.step_at_0)
    # a function given by code is traced first; code beside an expr is compared with it
    case = resolve(case, points_in_dtype(case))
    judging = Judging(case, {m.name: m for m in methods}, options.strict or case.kinks == "fail")
    # results known before anything runs: methods whose framework is missing, methods that
    # need an expression when the reference is numeric, or that a worker process found to
    # crash or hang on this case
    preset = {name: MethodResult(name, error=message) for name, message in resume.failed.items()
              if name not in PHASES}
    preset.update({m.name: MethodResult(m.name, skipped=reason)
                   for m in methods if (reason := m.unavailable())})
    if case.expr is None:
        preset.update({m.name: MethodResult(m.name, skipped="no expression to differentiate: "
                                                            "the reference is "
                                                            + case.reference_source)
                       for m in methods if m.needs_expression and m.name not in preset})
    points = []
    for point in points_in_dtype(case):
        checked = case_at(case, point)  # a traced function: the graph traced at this point
        results = _results(checked, point, methods, (preset, resume.known),
                           accounts)
        kinks = kinks_at(checked.expr, point.values)
        probe = results.get("fd") or resume.known.get(("fd", point.index))
        if probe is None and (kinks or not usable(results.get("sympy"))) \
                and "fd" not in resume.failed:
            observer.step("fd", point.index)
            with clock("method:fd"):  # reference / kink bounds only
                probe = load_method("fd").compute(checked, point)
            observer.result(point.index, probe)
        observer.step(JUDGING, point.index)
        with clock(JUDGING):
            judged = judging if checked is case else dataclasses.replace(judging, case=checked)
            evidence = Evidence(point, results, probe, kinks)
            points.append(judge_point(judged, evidence) if JUDGING in resume.failed
                          else judge_with_conditioning(judged, evidence))
    with clock(JUDGING):
        points = unexpected_passes(judging, points)
        names = tuple(m.name for m in methods)
        method_status: dict[str, Status] = {}
        for name in names:
            statuses = [v.status for p in points for v in p.verdicts if v.method == name]
            method_status[name] = worst(statuses) if statuses else "skipped"
    notes = [note for note in (_order_message(case),
                               *(resume.failed[p] for p in PHASES if p in resume.failed)) if note]
    report = CaseReport(case, case_status(case, method_status, options.strict), tuple(points),
                        names, method_status, message="; ".join(notes), overhead=overhead)

    def stamped(report: CaseReport) -> CaseReport:
        seconds = time.perf_counter() - start - sum(overhead.values())
        return dataclasses.replace(report, seconds=max(seconds, 0.0), timings=dict(clock.seconds))

    observer.judged(stamped(report))
    if FORMULAS not in resume.failed and "sympy" in names and any(
            v.method == "sympy" and v.status not in ("error", "skipped")
            for p in points for v in p.verdicts):
        from gradcheck_lab.methods.symbolic import formulas as symbolic_formulas

        observer.step(FORMULAS, WHOLE_CASE)
        with clock(FORMULAS):  # built when a report shows them, not now
            report = dataclasses.replace(report, formulas=symbolic_formulas(case))
        observer.judged(stamped(report))
    if DIAGNOSIS not in resume.failed:
        observer.step(DIAGNOSIS, WHOLE_CASE)
        with clock(DIAGNOSIS):
            report = dataclasses.replace(report, findings=tuple(
                _findings(report) + framework_findings(report, options.strict)))
    return stamped(report)


def _findings(report: CaseReport) -> list[Finding]:
    """The code's own findings (another function than expr), then the failure patterns; a
    value mismatch both report is said once, with what the pattern adds."""
    code = code_findings(report)
    said = {f.method: i for i, f in enumerate(code) if f.kind == "function"}
    patterns = []
    for finding in diagnose(report):
        if finding.kind == "value" and finding.method in said:
            if GRADIENT_RIGHT in finding.message:
                i = said[finding.method]
                code[i] = dataclasses.replace(code[i], message=code[i].message + "; "
                                              + finding.message.split(", while ", 1)[1])
            continue
        patterns.append(finding)
    return code + patterns


@dataclass(frozen=True)
class Accounts:
    """Where a method's step is reported and its seconds go: the observer, the step clock,
    and the case's overhead (JAX's compilation is taken out of the method's time)."""

    observer: Observer
    clock: _Clock
    overhead: dict[str, float]

    def charge(self, method: str, work: Callable[[], T]) -> tuple[T, float]:
        """``work()`` as method ``method``'s step on the clock, with JAX's compilation
        inside it moved to the case's overhead; its result and those seconds."""
        compiled = timing.compile_seconds()
        key = f"method:{method}"
        with self.clock(key):
            out = work()
        spent = timing.compile_seconds() - compiled
        if spent > 0:
            self.overhead[timing.COMPILATION] = \
                self.overhead.get(timing.COMPILATION, 0.0) + spent
            self.clock.seconds[key] = max(self.clock.seconds[key] - spent, 0.0)
        return out, spent

    def step_at_0(self, method: str, work: Callable[[], object]) -> None:
        """``work()`` announced as method ``method``'s step at point 0, and charged."""
        self.observer.step(method, 0)
        self.charge(method, work)


def _results(case: Case, point: Point, methods: Sequence[Method],
             given: tuple[Mapping[str, MethodResult], Mapping[tuple[str, int], MethodResult]],
             accounts: Accounts) -> dict[str, MethodResult]:
    """Each method's result at ``point``; ``given``: results known without running (by
    method, and by method and point)."""
    preset, known = given
    results: dict[str, MethodResult] = {}
    for method in methods:
        if (method.name, point.index) in known:
            results[method.name] = known[(method.name, point.index)]
            continue
        if method.name in preset:
            results[method.name] = preset[method.name]
            continue
        accounts.observer.step(method.name, point.index)
        result, spent = accounts.charge(method.name, partial(method.compute, case, point))
        if spent > 0 and result is not None:
            result = dataclasses.replace(result, seconds=max(result.seconds - spent, 0.0))
        if result is not None:
            results[method.name] = result
            accounts.observer.result(point.index, result)
    return results


def _import_frameworks(methods: Sequence[Method], failed: Mapping[str, str],
                       observer: Observer) -> dict[str, float]:
    """Import the frameworks ``methods`` run in now, timed: the first method to need one
    would otherwise carry its import (torch about 1.2 s). ``{"import torch": s}`` for the
    ones this process had not imported. A hang or crash here is the first method's that
    needs the framework."""
    needed: dict[str, str] = {}
    for m in methods:
        name = getattr(m, "framework", None)
        if m.name not in failed and name in timing.FRAMEWORKS:
            needed.setdefault(name, m.name)
    out = {}
    for name in sorted(needed):
        if name not in sys.modules:
            observer.step(needed[name], 0)
        seconds = timing.import_framework(name)
        if seconds is not None:
            out[f"import {name}"] = seconds
    return out


def _order_message(case: Case) -> str:
    if case.order == 2 and not wants_hessian(case):
        return ("order 2: the Hessian is checked for a scalar output (or with a cotangent); "
                "this output has shape " + str(case.output_shape))
    if uses_hvp(case):
        return (f"order 2 with {wrt_size(case)} differentiated elements (above {HVP_ABOVE}): "
                f"Hessian-vector products H v for {HVP_DIRECTIONS} seeded random directions "
                "are compared (hessian[input,·vJ]), not the full Hessian")
    return ""
