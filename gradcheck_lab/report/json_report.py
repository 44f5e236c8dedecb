"""JSON report, schema ``gradcheck-lab/report/v1`` (contract section 6).

Contract keys are never renamed or dropped; extra keys are additions. Arrays
become nested lists, 0-d arrays plain numbers, and non-finite floats (NaN,
infinities) ``null``, so the output is strict JSON.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from gradcheck_lab.case import Tolerance
from gradcheck_lab.report.common import shown_formulas
from gradcheck_lab.results import STATUSES as RESULT_STATUSES
from gradcheck_lab.results import CaseReport, Finding, Mismatch, PointReport, RunReport, Verdict
from gradcheck_lab.tolerances import ROUNDOFF_ULPS

SCHEMA = "gradcheck-lab/report/v1"
# the contract's summary keys in its order, then the statuses added since (v1 grows only)
STATUSES = ("pass", "fail", "kink", "xfail", "error", "skipped",
            *(s for s in RESULT_STATUSES if s not in ("pass", "fail", "kink", "xfail", "error",
                                                      "skipped")))


def to_json(report: RunReport) -> dict[str, Any]:
    """The report as plain JSON-ready Python data (dicts, lists, str, float, int, None)."""
    counts = report.counts()
    summary: dict[str, Any] = {"cases": len(report.cases)}
    summary.update({status: counts[status] for status in STATUSES})
    summary["framework_findings"] = report.framework_findings  # counted apart (trial.py)
    summary["seconds"] = _float(report.seconds)
    summary["overhead"] = {k: _float(v) for k, v in report.overhead().items()}  # an addition
    return {"schema": SCHEMA, "summary": summary, "cases": [case_json(c) for c in report.cases]}


def dumps(report: RunReport, indent: int | None = 2) -> str:
    """Serialise ``to_json(report)``; raises rather than emit NaN/Infinity."""
    return json.dumps(to_json(report), indent=indent, allow_nan=False)


def case_json(case: CaseReport) -> dict[str, Any]:
    return {
        "name": case.case.name,
        "file": case.case.file,
        "status": case.status,
        "points": [point_json(p) for p in case.points],
        "findings": [finding_json(f) for f in case.findings],
        # additions to the contract
        "line": case.case.line,
        "description": case.case.description,
        "source": case.case.source,
        "methods": list(case.methods),
        "dtype": case.case.dtype,
        "device": case.case.device,
        "method_status": dict(case.method_status),
        "formulas": dict(shown_formulas(case)),
        "seconds": _float(case.seconds),
        "timings": {step: _float(seconds) for step, seconds in case.timings.items()},
        "message": case.message,
        "overhead": {k: _float(v) for k, v in case.overhead.items()},
    }


def point_json(point: PointReport) -> dict[str, Any]:
    return {
        "at": {name: array(value) for name, value in point.point.values.items()},
        "value": None if point.value is None else array(point.value),
        "status": point.status,
        "results": [result_json(v) for v in point.verdicts],
        # additions
        "index": point.point.index,
        "reference": point.reference,
        "kinks": list(point.kinks),
    }


def result_json(verdict: Verdict) -> dict[str, Any]:
    result = verdict.result
    ran = verdict.status not in ("skipped", "error") and result.error is None \
        and result.skipped is None
    out: dict[str, Any] = {
        "method": verdict.method,
        "status": verdict.status,
        "gradient": {name: array(g) for name, g in result.gradient.items()} if ran else {},
        "max_abs_error": _float(verdict.max_abs_error),
        "max_rel_error": _float(verdict.max_rel_error),
        "message": verdict.message or result.error or result.skipped or "",
    }
    if ran and result.hessian is not None:
        out["hessian"] = {a: {b: array(h) for b, h in row.items()}
                          for a, row in result.hessian.items()}
    # additions
    out["seconds"] = _float(result.seconds)
    out["tolerance"] = None if verdict.tolerance is None else _tolerance(verdict.tolerance)
    if verdict.roundoff_floor and out["tolerance"] is not None:
        out["tolerance"]["roundoff_ulps"] = ROUNDOFF_ULPS
    out["mismatch_count"] = max(verdict.mismatch_count, len(verdict.mismatches))
    out["mismatches"] = [mismatch_json(m) for m in verdict.mismatches]
    if ran and result.error_estimate is not None:
        out["error_estimate"] = {name: array(e) for name, e in result.error_estimate.items()}
    if result.note:
        out["note"] = result.note
    if result.device is not None:
        out["device"] = result.device
    return out


def mismatch_json(m: Mismatch) -> dict[str, Any]:
    return {
        "input": m.input,
        "index": list(m.index),
        "reference": _float(m.reference),
        "got": _float(m.got),
        "abs_error": _float(m.abs_error),
        "rel_error": _float(m.rel_error),
        "bound": _float(m.bound),
        "lower": _float(m.lower),
        "upper": _float(m.upper),
    }


def finding_json(f: Finding) -> dict[str, Any]:
    return {"kind": f.kind, "method": f.method, "message": f.message}


def array(value: Any) -> Any:
    """A number or nested list of numbers; non-finite -> None; 0-d arrays -> numbers."""
    arr = np.asarray(value)
    if arr.dtype.kind == "c":
        arr = arr.real
    if arr.dtype.kind == "b":
        return arr.tolist()
    return _clean(arr.astype(np.float64).tolist())


def _clean(data: Any) -> Any:
    if isinstance(data, list):
        return [_clean(x) for x in data]
    return _float(data)


def _float(x: Any) -> float | None:
    if x is None:
        return None
    value = float(x)
    return value if math.isfinite(value) else None



def _tolerance(tol: Tolerance) -> dict[str, float | None]:
    """``{rtol, atol}``, and ``ntol`` (times the largest reference element) where it is set."""
    out = {"rtol": _float(tol.rtol), "atol": _float(tol.atol)}
    if tol.ntol:
        out["ntol"] = _float(tol.ntol)
    return out
