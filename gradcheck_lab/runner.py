"""The case runner: every method of a case at every point, judged, one CaseReport.

Used by ``run`` (in this process) and by ``parallel``'s worker processes alike.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence

from gradcheck_lab import timing
from gradcheck_lab.case import Case, Point, ToleranceOverride
from gradcheck_lab.diagnose import diagnose
from gradcheck_lab.kinks import kinks_at
from gradcheck_lab.methods.base import HVP_ABOVE, HVP_DIRECTIONS, uses_hvp, wants_hessian, wrt_size
from gradcheck_lab.methods.registry import Method, load_method, methods_of
from gradcheck_lab.options import DEFAULT_OPTIONS, RunOptions
from gradcheck_lab.precision import round_to
from gradcheck_lab.results import CaseReport, MethodResult, Status, worst
from gradcheck_lab.trace.resolve import case_at, code_findings, resolve
from gradcheck_lab.verdict import (
    Evidence,
    Judging,
    judge_with_conditioning,
    unexpected_passes,
    usable,
)

Notify = Callable[[str, int], object]  # (method, point index), before the method runs


def run_case(case: Case, options: RunOptions = DEFAULT_OPTIONS, *,
             failed: Mapping[str, str] | None = None, notify: Notify | None = None
             ) -> CaseReport:
    """Run every planned method at every point of ``case`` and judge the results.

    ``failed`` maps methods already known to crash or hang on this case (found by a
    worker process, see ``parallel``) to their error message: they are not run again
    and are ``error``. ``notify(method, point index)`` is called before each method runs.
    """
    start = time.perf_counter()
    failed = failed or {}
    if options.device is not None and options.device != case.device:
        case = dataclasses.replace(case, device=options.device)
    if options.tolerance:
        case = dataclasses.replace(case, tolerance=project_tolerance(case, options.tolerance))
    case = cotangent_in_dtype(case)
    methods = methods_of(case, options.methods)
    overhead = _import_frameworks(methods, failed)  # not any one method's time
    # a function given by code is traced first; code beside an expr is compared with it
    case = resolve(case, points_in_dtype(case))
    judging = Judging(case, {m.name: m for m in methods}, options.strict or case.kinks == "fail")
    # results known before anything runs: methods whose framework is missing, methods that
    # need an expression when the reference is numeric, or that a worker process found to
    # crash or hang on this case
    preset = {name: MethodResult(name, error=message) for name, message in failed.items()}
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
        results = _results(checked, point, methods, preset, notify, overhead=overhead)
        kinks = kinks_at(checked.expr, point.values)
        probe = results.get("fd")
        if probe is None and (kinks or not usable(results.get("sympy"))) and "fd" not in failed:
            if notify is not None:
                notify("fd", point.index)
            probe = load_method("fd").compute(checked, point)  # reference / kink bounds only
        judged = judging if checked is case else dataclasses.replace(judging, case=checked)
        points.append(judge_with_conditioning(judged, Evidence(point, results, probe, kinks)))
    points = unexpected_passes(judging, points)
    names = tuple(m.name for m in methods)
    method_status: dict[str, Status] = {}
    for name in names:
        statuses = [v.status for p in points for v in p.verdicts if v.method == name]
        method_status[name] = worst(statuses) if statuses else "skipped"
    formulas: Mapping[str, str] = {}
    if "sympy" in names and any(v.method == "sympy" and v.status not in ("error", "skipped")
                                for p in points for v in p.verdicts):
        from gradcheck_lab.methods.symbolic import formulas as symbolic_formulas
        formulas = symbolic_formulas(case)  # built when a report shows them, not now
    seconds = time.perf_counter() - start - sum(overhead.values())
    report = CaseReport(case, worst(list(method_status.values())), tuple(points), names,
                        method_status, formulas=formulas, seconds=max(seconds, 0.0),
                        message=_order_message(case), overhead=overhead)
    return dataclasses.replace(report, findings=tuple(code_findings(report) + diagnose(report)))


def _results(case: Case, point: Point, methods: Sequence[Method],
             preset: Mapping[str, MethodResult], notify: Notify | None, *,
             overhead: dict[str, float]) -> dict[str, MethodResult]:
    """Each method's result at ``point``; ``preset``: results known without running. JAX's
    compilation is taken out of a method's time and added to ``overhead``."""
    results: dict[str, MethodResult] = {}
    for method in methods:
        if method.name in preset:
            results[method.name] = preset[method.name]
            continue
        if notify is not None:
            notify(method.name, point.index)
        compiled = timing.compile_seconds()
        result = method.compute(case, point)
        spent = timing.compile_seconds() - compiled
        if spent > 0:
            overhead[timing.COMPILATION] = overhead.get(timing.COMPILATION, 0.0) + spent
            if result is not None:
                result = dataclasses.replace(result, seconds=max(result.seconds - spent, 0.0))
        if result is not None:
            results[method.name] = result
    return results


def _import_frameworks(methods: Sequence[Method], failed: Mapping[str, str]
                       ) -> dict[str, float]:
    """Import the frameworks ``methods`` run in now, timed: the first method to need one
    would otherwise carry its import (torch about 1.2 s). ``{"import torch": s}`` for the
    ones this process had not imported."""
    needed = sorted({name for m in methods if m.name not in failed
                     and (name := getattr(m, "framework", None)) in timing.FRAMEWORKS})
    return {f"import {name}": seconds for name in needed
            if (seconds := timing.import_framework(name)) is not None}


def project_tolerance(case: Case, project: Mapping[str, ToleranceOverride]
                      ) -> dict[str, ToleranceOverride]:
    """The project's overrides (``[tool.gradcheck-lab] tolerance``) under the case's own:
    per key (all methods, or one method), the parts the case gives win."""
    own = dict(case.tolerance or {})
    names = [f.name for f in dataclasses.fields(ToleranceOverride)]
    merged = {key: ToleranceOverride(**{
        n: getattr(own[key], n) if key in own and getattr(own[key], n) is not None
        else getattr(part, n) for n in names}) for key, part in project.items()}
    return {**own, **merged}


def points_in_dtype(case: Case) -> tuple[Point, ...]:
    """Points rounded once to the case's dtype (float32, float16, bfloat16), so every method,
    the exact reference included, sees the numbers the low-precision code sees."""
    if case.dtype == "float64":
        return case.points
    return tuple(dataclasses.replace(p, values={k: v if case.input[k].is_integer else
                                                round_to(v, case.dtype)
                                                for k, v in p.values.items()})
                 for p in case.points)


def cotangent_in_dtype(case: Case) -> Case:
    """A low-precision case with its cotangent rounded once to the dtype, like its points:
    the frameworks seed their backward pass with these numbers, so the reference must."""
    if case.dtype == "float64" or case.cotangent is None:
        return case
    cotangent = round_to(case.cotangent, case.dtype)
    cotangent.setflags(write=False)
    return dataclasses.replace(case, cotangent=cotangent)


def _order_message(case: Case) -> str:
    if case.order == 2 and not wants_hessian(case):
        return ("order 2: the Hessian is checked for a scalar output (or with a cotangent); "
                "this output has shape " + str(case.output_shape))
    if uses_hvp(case):
        return (f"order 2 with {wrt_size(case)} differentiated elements (above {HVP_ABOVE}): "
                f"Hessian-vector products H v for {HVP_DIRECTIONS} seeded random directions "
                "are compared (hessian[input,·vJ]), not the full Hessian")
    return ""
