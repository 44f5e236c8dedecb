"""Data helpers shared by every report format: per-method rows, numbers, one-line headlines.

Nothing here formats for a particular medium; ``terminal``, ``junit``,
``markdown`` and ``html`` build on these so their numbers always agree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from gradcheck_lab.case import Case
from gradcheck_lab.results import (
    SEVERITY,
    STATUSES,
    CaseReport,
    PointReport,
    Status,
    Verdict,
    worst,
)

STATUS_ORDER: tuple[Status, ...] = STATUSES
# results whose errors count toward a case's "max error" (xfail errors are documented as wrong)
COUNTED: tuple[Status, ...] = ("pass", "fail", "kink")


@dataclass(frozen=True)
class MethodRow:
    """One method of one case, over all its points."""

    method: str
    status: Status
    max_abs_error: float | None
    max_rel_error: float | None
    seconds: float
    message: str


MAX_FORMULA_LINES = 12  # lines of a traced formula shown in a discrepancy report


def function_text(case: Case) -> str:
    """The checked function as text: ``expr``, the graph traced from code, or what the
    reference is when the code could not be traced."""
    if case.expr is not None:
        return case.expr.text
    return f"({case.reference_source})"


def provenance_lines(case: Case, failed: bool) -> list[str]:
    """Where the reference came from (for a function given by code) and, when something
    failed, the traced formula; plus code that computes another function than expr."""
    lines = list(case.disagreements)
    if case.traced is None:
        return lines
    lines.insert(0, f"reference: {case.reference_source}")
    if failed and case.expr is not None:
        formula = case.expr.text.splitlines()
        cut = formula[:MAX_FORMULA_LINES] + (
            [f"... ({len(formula) - MAX_FORMULA_LINES} more lines)"]
            if len(formula) > MAX_FORMULA_LINES else [])
        lines.append("traced formula: " + ("\n    ".join(cut) if len(cut) > 1 else cut[0]))
    lines += [f"note: {note}" for note in case.traced.notes]
    return lines
def shown_formulas(case: CaseReport) -> Mapping[str, str]:
    """The symbolic derivatives a whole-case report shows: those of failing cases only.

    Formulas are built on first access (``methods.symbolic_formulas``); a passing case
    never pays for them."""
    return case.formulas if case.status in ("fail", "error") else {}


def case_methods(case: CaseReport) -> tuple[str, ...]:
    return case.methods or tuple(dict.fromkeys(
        v.method for p in case.points for v in p.verdicts))


def method_rows(case: CaseReport) -> list[MethodRow]:
    rows = []
    for method in case_methods(case):
        verdicts = [v for p in case.points for v in p.verdicts if v.method == method]
        status = case.method_status.get(method) or worst([v.status for v in verdicts])
        message = next((message_of(v) for v in verdicts
                        if v.status == status and message_of(v)), "")
        rows.append(MethodRow(method, status,
                              max_of(v.max_abs_error for v in verdicts),
                              max_of(v.max_rel_error for v in verdicts),
                              sum(v.result.seconds for v in verdicts), message))
    return rows


def case_errors(case: CaseReport) -> tuple[float | None, float | None]:
    """Largest abs and rel errors over the results that count (not xfail, error, skipped)."""
    verdicts = [v for p in case.points for v in p.verdicts if v.status in COUNTED]
    return (max_of(v.max_abs_error for v in verdicts),
            max_of(v.max_rel_error for v in verdicts))


def grouped_methods(case: CaseReport) -> list[tuple[Status, list[str]]]:
    """Methods grouped by status, worst first: [("fail", ["claim:a"]), ("pass", [...])]."""
    groups: dict[Status, list[str]] = {}
    for row in method_rows(case):
        groups.setdefault(row.status, []).append(row.method)
    order = SEVERITY
    return [(s, groups[s]) for s in order if s in groups]


def notable(case: CaseReport,
            statuses: Iterable[str] = ("fail", "error", "kink", "xfail", "unresolved")
            ) -> list[tuple[PointReport, Verdict]]:
    wanted = set(statuses)
    return [(p, v) for p in case.points for v in p.verdicts if v.status in wanted]


def message_of(verdict: Verdict) -> str:
    return verdict.message or verdict.result.error or verdict.result.skipped or ""


def headline(case: CaseReport) -> str:
    """One line saying what went wrong first in ``case`` (for a JUnit message attribute)."""
    for status in ("error", "fail", "kink", "xfail", "unresolved"):
        for point, verdict in notable(case, (status,)):
            text = f"{verdict.method} {status} at point {point.point.index}"
            if verdict.mismatches:
                m = verdict.mismatches[0]
                text += (f": {element_label(m.input, m.index)} reference "
                         f"{fmt_num(m.reference, 8)}, got {fmt_num(m.got, 8)}")
            elif message_of(verdict):
                text += f": {message_of(verdict)}"
            return text
    if case.status == "skipped":
        reasons = sorted({message_of(v) for p in case.points for v in p.verdicts
                          if message_of(v)})
        return "every method was skipped" + (f": {'; '.join(reasons)}" if reasons else "")
    return case.message or case.status


def reference_gradient(point: PointReport) -> Mapping[str, np.ndarray] | None:
    """The reference method's gradient at ``point``, when it computed one."""
    for verdict in point.verdicts:
        if verdict.method == point.reference and verdict.result.gradient:
            return verdict.result.gradient
    return None


def element_label(name: str, index: tuple[int, ...]) -> str:
    return name + (f"[{', '.join(str(i) for i in index)}]" if index else "")


def max_of(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    if not present:
        return None
    if any(math.isnan(v) for v in present):
        return math.nan
    return max(present)


def fmt_num(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "-"
    if math.isnan(x) or math.isinf(x):
        return str(x)
    return f"{x:.{digits}g}"


def fmt_seconds(s: float) -> str:
    return f"{s * 1000:.1f}ms" if s < 1 else f"{s:.2f}s"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
