"""Before a case runs: its function traced from code, or its code compared with ``expr``.

* A case without ``expr`` (a ``reference:`` or a torch/JAX implementation gives the
  function): the code is traced at every point (``trace.jax`` / ``trace.torch``), each
  trace checked against the function's own value there. When every point traces, the
  graphs are the exact reference (points whose traces are the same graph share one
  object, so the exact method builds it once); the case's ``expr`` is the first point's.
  When an operation cannot be mapped, ``expr`` stays None and the reference is numeric:
  finite differences of the code itself, in float64 (``methods.fd``). Never a crash: a
  function that raises while traced gets the same numeric reference, whose run then
  reports the exception.
* A case with both ``expr`` and code: the code's value at every point is compared with
  ``expr``'s (a ``reference`` before anything runs; an implementation from the value its
  own autodiff call returned, ``code_findings``); a difference is reported as "the code
  computes another function than expr" (with the code's traced formula when it traces),
  since its gradient is then checked against another function's.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Collection, Mapping, Sequence
from functools import lru_cache

import numpy as np

from gradcheck_lab.backends.numpy_ops import make_backend
from gradcheck_lab.case import Case, Implementation, Point, Traced
from gradcheck_lab.expr.evaluate import evaluate
from gradcheck_lab.expr.graph import Expression
from gradcheck_lab.names import IMPL_PREFIX
from gradcheck_lab.precision import HALF_DTYPES
from gradcheck_lab.results import CaseReport, Finding
from gradcheck_lab.tolerances import Family, default_tolerance, expression_depth
from gradcheck_lab.trace.call import call_float64, describe, load, refuses_float64
from gradcheck_lab.trace.result import PointTrace, finish

SAME_FUNCTION_RTOL = 1e-6  # code vs expr: a larger relative difference is another function
MAX_SHOWN_FORMULA = 400  # characters of a code's traced formula shown in that message
_NUMPY = make_backend()


def trace_point(code: Implementation, values: Mapping[str, np.ndarray],
                wrt: Collection[str], keep_cuts: bool = False) -> PointTrace:
    """The code's function traced at one point (never raises for the code's faults);
    ``keep_cuts``: the code defines the intended gradient (a ``reference``), so its
    gradient cuts are part of the function (``Builder.cut``)."""
    from gradcheck_lab.trace.core import Unmapped

    try:
        fn = load(code)
        if code.framework == "jax":
            from gradcheck_lab.trace import jax as tracer
        else:
            from gradcheck_lab.trace import torch as tracer  # type: ignore[no-redef]
        recording = tracer.record(fn, values, tuple(wrt), keep_cuts)
    except Unmapped as missing:
        return PointTrace(None, None, np.array(np.nan), (str(missing),))
    except Exception as exc:  # noqa: BLE001 - the user's code raised: numeric, then reported
        return PointTrace(None, None, np.array(np.nan),
                          (f"tracing raised {type(exc).__name__}: {str(exc)[:300]}",))
    return finish(recording, values)


def resolve(case: Case, points: Sequence[Point]) -> Case:
    """The case ready to run: its function traced when it has no ``expr``; its
    ``reference`` compared with ``expr`` when it has both."""
    if case.expr is None and case.definition is not None:
        return _traced(case, case.definition, points)
    if case.expr is not None and case.reference is not None:
        found = _reference_disagreement(case, case.reference, points)
        if found:
            return dataclasses.replace(case, disagreements=(found,))
    return case


def _traced(case: Case, code: Implementation, points: Sequence[Point]) -> Case:
    wrt = [spec.name for spec in case.wrt]
    cuts = code is case.reference  # a reference's gradient cuts are the intended gradient
    traces = [trace_point(code, dict(p.values), wrt, cuts) for p in points]
    unmapped = tuple(dict.fromkeys(u for t in traces for u in t.unmapped))
    notes = list(dict.fromkeys(n for t in traces for n in t.notes))
    float32 = refuses_float64(traces[0].value)
    notes += [float32] if float32 else []
    expressions: dict[int, Expression] = {}
    if not unmapped:
        shared: dict[str, Expression] = {}
        for point, t in zip(points, traces, strict=True):
            assert t.expression is not None and t.formula is not None
            expressions[point.index] = shared.setdefault(t.formula.text, t.expression)
    invalid = ""
    if unmapped and any(t.cut_kept for t in traces):
        invalid = (f"{describe(code)} cuts gradients (stop_gradient, detach) and could not "
                   "be traced; finite differences of it would give the derivative of its "
                   "value, not the gradient it defines, so there is no valid reference")
    traced = Traced(describe(code), expressions, unmapped, tuple(notes), invalid)
    shape = tuple(np.shape(traces[0].value))
    changes: dict[str, object] = {"traced": traced, "output_shape": shape,
                                  "expr": expressions.get(points[0].index)}
    if case.cotangent_kind in ("ones", "random"):
        changes["cotangent"] = _cotangent(case, shape)
    return dataclasses.replace(case, **changes)  # type: ignore[arg-type]


def _cotangent(case: Case, shape: tuple[int, ...]) -> np.ndarray:
    if case.cotangent_kind == "ones":
        out = np.ones(shape)
    else:  # seeded by the case name, as the loader does for a case with expr
        out = np.random.default_rng(zlib.crc32(case.name.encode())).normal(size=shape)
    out.setflags(write=False)
    return out


def case_at(case: Case, point: Point) -> Case:
    """The case as checked at ``point``: for a traced function, with ``expr`` the graph
    traced there (one Case object per distinct graph, so per-case caches still hit)."""
    if case.traced is None or not case.traced.expressions:
        return case
    expr = case.traced.expressions.get(point.index, case.expr)
    return case if expr is case.expr else _with_expr(case, expr)


@lru_cache(maxsize=64)
def _with_expr(case: Case, expr: Expression | None) -> Case:
    return dataclasses.replace(case, expr=expr)


def _reference_disagreement(case: Case, code: Implementation, points: Sequence[Point]
                            ) -> str:
    """Empty when the reference's value matches ``expr`` at every point, else the message."""
    assert case.expr is not None
    fn = load(code)
    for point in points:
        values = dict(point.values)
        got = np.asarray(call_float64(fn, code.framework, values), np.float64)
        with np.errstate(all="ignore"):
            want = np.asarray(evaluate(case.expr, _NUMPY, values), dtype=np.float64)
        message = another_function(f"the reference ({describe(code)})", point.index, got, want)
        if message:
            return message + _traced_formula(code, values, case)
    return ""


def another_function(label: str, index: int, got: np.ndarray, want: np.ndarray,
                     rtol: float = SAME_FUNCTION_RTOL) -> str:
    """The message when ``got`` (code's value) is another function's than ``want`` (expr's):
    they differ by more than ``rtol`` of expr's largest value."""
    if got.shape != want.shape:
        return (f"{label} computes another function than expr: its output has shape "
                f"{got.shape}, expr's {want.shape}")
    scale = float(np.max(np.abs(want), initial=0.0))
    diff = float(np.max(np.abs(got - want), initial=0.0))
    if not (np.isnan(diff) or diff > rtol * max(scale, 1e-300)):
        return ""
    return (f"{label} computes another function than expr: at point {index} its value "
            f"differs from expr's by up to {diff:.3g} (largest |expr| {scale:.3g}), so its "
            "gradient is checked against another function's")


def _traced_formula(code: Implementation, values: Mapping[str, np.ndarray], case: Case) -> str:
    traced = trace_point(code, values, [s.name for s in case.wrt])
    if traced.formula is None or len(traced.formula.text) > MAX_SHOWN_FORMULA:
        return ""
    return f"; traced, the code is: {traced.formula.text}"


def code_findings(report: CaseReport) -> list[Finding]:
    """Implementations whose value differs from ``expr``'s at a point: "the code computes
    another function than expr" (their values come from the same call as their gradients,
    so this costs nothing but a trace for the formula when it differs)."""
    case = report.case
    if case.traced is not None or case.expr is None:
        return []  # traced from the code itself: the graph is checked against its value
    findings = []
    rtol = SAME_FUNCTION_RTOL
    if case.dtype in HALF_DTYPES:  # the code's value is rounded too: allow its tolerance
        row = default_tolerance(Family.AUTODIFF, case.dtype, expression_depth(case.expr))
        rtol = max(rtol, row.rtol + row.ntol)
    for impl in case.implementations:
        name = IMPL_PREFIX + impl.name
        for point in report.points:
            result = next((v.result for v in point.verdicts if v.method == name), None)
            if result is None or result.value is None or point.value is None:
                continue
            message = another_function(f"implementation {impl.name}", point.point.index,
                                       np.asarray(result.value, np.float64),
                                       np.asarray(point.value, np.float64), rtol)
            if message:
                if impl.kind == "function":
                    message += _traced_formula(impl, dict(point.point.values), case)
                findings.append(Finding("function", name, message))
                break
    return findings
