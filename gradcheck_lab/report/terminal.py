"""Terminal report: one table row per case x method, then every failure expanded.

``render`` writes to a rich console; ``render_text`` returns the same report as
plain text (no colour), for tests, ``--output FILE`` and pytest failure text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from gradcheck_lab.report.common import (
    STATUS_ORDER,
    clip,
    element_label,
    fmt_num,
    fmt_seconds,
    provenance_lines,
)
from gradcheck_lab.report.table import summary_table
from gradcheck_lab.results import CaseReport, Mismatch, PointReport, RunReport, Verdict

STYLE: Mapping[str, str] = {
    "pass": "green", "fail": "bold red", "kink": "yellow", "xfail": "cyan",
    "unresolved": "blue", "error": "bold magenta", "skipped": "dim",
}
MAX_MISMATCHES_SHOWN = 3
MAX_POINTS_SHOWN = 3  # failing points expanded per method
MAX_FORMULA_CHARS = 300


def render(report: RunReport, console: Console, verbosity: int = 0) -> None:
    """Write the whole report: table, details of what did not pass, skips, summary line.

    ``verbosity`` -1 (``-q``): no table, only the cases that fail or error, and the summary
    line; -2 (``-qq``): only the summary line.
    """
    if verbosity <= -2:
        console.print(summary_line(report, markup=True), highlight=False)
        return
    if report.cases and verbosity >= 0:
        console.print(summary_table(report, console.width, dict(STYLE)))
    for case in report.cases:
        lines = case_details(case) if verbosity >= 0 or case.status in ("fail", "error") else []
        if lines:
            console.print()
            for line in lines:
                console.print(line, highlight=False, soft_wrap=True)
    skips = skipped_reasons(report.cases) if verbosity >= 0 else []
    if skips:
        console.print()
        console.print("[dim]skipped methods:[/dim]")
        for line in skips:
            console.print(f"  [dim]{escape(line)}[/dim]", highlight=False, soft_wrap=True)
    console.print()
    console.print(summary_line(report, markup=True), highlight=False)
    if overhead_line(report):
        console.print(f"[dim]{escape(overhead_line(report))}[/dim]", highlight=False)


def render_text(report: RunReport, width: int = 120) -> str:
    """The terminal report as plain text (no colour codes)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False,
                      highlight=False, emoji=False)
    render(report, console)
    return buffer.getvalue()


def case_text(case: CaseReport, width: int = 120) -> str:
    """One case's discrepancy report as plain text (e.g. a pytest failure)."""
    return render_text(RunReport(cases=(case,), seconds=case.seconds), width)


def details_text(case: CaseReport) -> str:
    """The expanded part of ``case``'s terminal report (what did not pass), as plain text.

    Empty when the case simply passed. JUnit, Markdown and HTML reports quote it.
    """
    return "\n".join(Text.from_markup(line).plain for line in case_details(case))


# ----------------------------------------------------------------------------- table

def overhead_line(report: RunReport) -> str:
    """``outside the case and method times: import torch 1.21s, jax compilation 0.85s``,
    or ``""``:
    what the runs spent outside every method (``timing.py``), so the time column finds slow
    cases rather than the first case to import a framework."""
    overhead = report.overhead()
    if not overhead:
        return ""
    return "outside the case and method times: " + ", ".join(f"{key} {fmt_seconds(seconds)}"
                                                   for key, seconds in overhead.items())


def summary_line(report: RunReport, markup: bool = False) -> str:
    counts = report.counts()
    parts = []
    for status in STATUS_ORDER:
        if counts[status] or status in ("pass", "fail"):
            text = f"{counts[status]} {status}"
            parts.append(f"[{STYLE[status]}]{text}[/]" if markup and counts[status] else text)
    n = len(report.cases)
    apart = report.framework_findings
    if apart:  # built-in methods failing beside code on trial: counted apart
        parts.append(f"{apart} framework finding{'s' if apart != 1 else ''}")
    return f"{n} case{'s' if n != 1 else ''}: {', '.join(parts)} in {report.seconds:.2f}s"


# ----------------------------------------------------------------------------- details

def case_details(case: CaseReport) -> list[str]:
    """Markup lines describing everything in ``case`` that did not simply pass."""
    notable = [(p, v) for p in case.points for v in p.verdicts
               if v.status in ("fail", "error", "kink", "xfail", "unresolved")]
    if case.status in ("pass", "skipped") and not notable and not case.findings:
        return []
    where = f"{case.case.file}:{case.case.line}" if case.case.line else case.case.file
    lines = [f"[{STYLE[case.status]}]{case.status.upper()}[/] [bold]{escape(case.case.name)}[/] "
             f"[dim]({escape(where)})[/dim]"]
    if case.case.source:
        lines.append(f"  source: {escape(case.case.source)}")
    if case.message:
        lines.append(f"  {escape(case.message)}")
    for line in provenance_lines(case.case, case.status in ("fail", "error")):
        lines += [f"  {escape(part)}" for part in line.split("\n")]
    shown: dict[str, int] = {}
    formulas_shown: set[str] = set()  # each input's formula once per case
    for point, verdict in notable:
        if verdict.status not in ("fail", "error"):
            continue
        shown[verdict.method] = shown.get(verdict.method, 0) + 1
        if shown[verdict.method] <= MAX_POINTS_SHOWN:
            lines.extend(verdict_lines(case, point, verdict, formulas_shown))
    for method, count in shown.items():
        if count > MAX_POINTS_SHOWN:
            lines.append(f"  ... {escape(method)} also fails at {count - MAX_POINTS_SHOWN} more "
                         f"point{'s' * (count - MAX_POINTS_SHOWN != 1)}")
    lines.extend(grouped_lines([(p, v) for p, v in notable
                                if v.status in ("kink", "xfail", "unresolved")]))
    if case.findings:
        lines.append("  findings:")
        for finding in case.findings:
            lines.append(f"    [bold]{escape(finding.kind)}[/] ({escape(finding.method)}): "
                         f"{escape(finding.message)}")
    return lines


def grouped_lines(items: list[tuple[PointReport, Verdict]]) -> list[str]:
    """kink, xfail and unresolved results, one line per (status, kinks, message) listing
    methods and points."""
    groups: dict[tuple[str, tuple[str, ...], str], tuple[list[str], list[int]]] = {}
    for point, verdict in items:
        message = verdict.message or verdict.result.error or ""
        methods, indices = groups.setdefault((verdict.status, point.kinks, message), ([], []))
        if verdict.method not in methods:
            methods.append(verdict.method)
        if point.point.index not in indices:
            indices.append(point.point.index)
    lines = []
    for (status, kinks, message), (methods, indices) in groups.items():
        where = (f"point {indices[0]}" if len(indices) == 1
                 else f"points {', '.join(map(str, indices))}")
        text = f"  [{STYLE[status]}]{status}[/] {escape(', '.join(methods))} at {where}"
        if kinks:
            text += f" (at a kink: {escape(', '.join(kinks))})"
        lines.append(text + (f": {escape(message)}" if message else ""))
    return lines


def verdict_lines(case: CaseReport, point: PointReport, verdict: Verdict,
                  formulas_shown: set[str] | None = None) -> list[str]:
    head = (f"  [{STYLE[verdict.status]}]{verdict.status}[/] {escape(verdict.method)} "
            f"at point {point.point.index}")
    if point.reference and point.reference != verdict.method:
        head += f" [dim](reference: {escape(point.reference)})[/dim]"
    lines = [head]
    if verdict.status in ("fail", "error"):
        for name, value in point.point.values.items():
            lines.append(f"    {escape(name)} = {escape(format_exact(value))}")
        if point.value is not None:
            lines.append(f"    value = {escape(format_array(point.value))}")
    if point.kinks:
        lines.append(f"    at a kink: {escape(', '.join(point.kinks))}")
    message = verdict.message or verdict.result.error or verdict.result.skipped or ""
    if message:
        lines.append(f"    {escape(message)}")
    if verdict.status == "fail" and verdict.tolerance is not None:
        tol = verdict.tolerance
        floor = f" + {fmt_num(tol.ntol, 3)} * max|ref|" if tol.ntol else ""
        if verdict.roundoff_floor:
            floor += " + round-off floor (ulps of each element's terms)"
        lines.append(f"    tolerance: |got - ref| <= {fmt_num(tol.atol, 3)} + "
                     f"{fmt_num(tol.rtol, 3)} * |ref|{floor}")
    if verdict.status == "fail" and verdict.mismatches:
        shown_formulas = set() if formulas_shown is None else formulas_shown
        for mismatch in verdict.mismatches[:MAX_MISMATCHES_SHOWN]:
            lines.extend(mismatch_lines(mismatch))
            formula = case.formulas.get(mismatch.input)
            if formula and mismatch.input not in shown_formulas:
                shown_formulas.add(mismatch.input)
                lines.append(f"      d/d{escape(mismatch.input)} = "
                             f"{escape(clip(formula, MAX_FORMULA_CHARS))}")
        hidden = max(verdict.mismatch_count, len(verdict.mismatches)) - MAX_MISMATCHES_SHOWN
        if hidden > 0:
            lines.append(f"    ... and {hidden} more element{'s' if hidden != 1 else ''} "
                         "outside tolerance")
    return lines


def mismatch_lines(m: Mismatch) -> list[str]:
    element = element_label(m.input, m.index)
    text = (f"    {escape(element)}: reference {fmt_num(m.reference, 12)}, "
            f"got {fmt_num(m.got, 12)}, abs err {fmt_num(m.abs_error, 3)}, "
            f"rel err {fmt_num(m.rel_error, 3)}, bound {fmt_num(m.bound, 3)}")
    lines = [text]
    if m.lower is not None or m.upper is not None:
        lines.append(f"      kink interval [{fmt_num(m.lower, 6)}, {fmt_num(m.upper, 6)}]")
    return lines


def skipped_reasons(cases: Iterable[CaseReport]) -> list[str]:
    """One line per distinct (method, reason) of skipped results, with how many cases."""
    seen: dict[tuple[str, str], set[str]] = {}
    for case in cases:
        for point in case.points:
            for verdict in point.verdicts:
                if verdict.status == "skipped":
                    reason = verdict.result.skipped or verdict.message or "skipped"
                    seen.setdefault((verdict.method, reason), set()).add(case.case.name)
    return [f"{method}: {reason} ({len(names)} case{'s' if len(names) != 1 else ''})"
            for (method, reason), names in seen.items()]


# ----------------------------------------------------------------------------- helpers

def format_exact(value: object) -> str:
    """An input's value with the shortest digits that read back as the same double:
    0.99999999 and -2.9999999 as written, never rounded to ``1.`` and ``-3.``."""
    arr = np.asarray(value)
    if arr.dtype.kind in "iub":
        return np.array2string(arr, threshold=12, edgeitems=3, separator=", ") \
            if arr.ndim else str(arr.item())
    if arr.ndim == 0:
        return repr(float(arr))
    text = np.array2string(arr, threshold=12, edgeitems=3, max_line_width=100, separator=", ",
                           formatter={"float_kind": lambda v: repr(float(v))})
    return re.sub(r"\s*\n\s*", " ", text)


def format_array(value: object, precision: int = 6) -> str:
    arr = np.asarray(value)
    if arr.ndim == 0:
        return fmt_num(float(arr), precision + 4)
    text = np.array2string(arr, precision=precision, threshold=12, edgeitems=3,
                           max_line_width=100, separator=", ")
    return re.sub(r"\s*\n\s*", " ", text)


def _status(status: str) -> str:
    return f"[{STYLE.get(status, '')}]{status}[/]"
