"""The terminal report's table (one row per case and method), fitted to the width.

Names never wrap: a case or method name too long for its column is cut in the middle
(``scaled_do…_product``: both ends stay readable, and the failure block below the table
gives the full name). The columns shrink to fit the console: first the headers get
shorter, then the name columns narrow to a floor, then ``max abs err`` and at last
``time`` are left out, so at 60 columns the table still names every case.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.markup import escape
from rich.table import Table

from gradcheck_lab.report.common import fmt_num, fmt_seconds, method_rows
from gradcheck_lab.results import RunReport

ELLIPSIS = "…"
SEPARATOR = 3  # " │ " between two columns (no padding at the table's edges)
MIN_CASE, MIN_METHOD = 12, 9  # below these a name says too little
NUMBER = 8  # fmt_num(x, 3) is at most 8 wide for a finite error: 1.23e-05
TIME = len("123.4ms")  # fmt_seconds is at most 7 wide below 1000 s


@dataclass(frozen=True)
class Layout:
    case: int
    method: int
    abs_err: str | None  # the column's header, or None when left out
    rel_err: str
    time: bool
    status: int = len("status")  # the longest status shown, at least the header

    @property
    def width(self) -> int:
        columns = [self.case, self.method, self.status, max(len(self.rel_err), NUMBER)]
        columns += [max(len(self.abs_err), NUMBER)] if self.abs_err else []
        columns += [TIME] if self.time else []
        return sum(columns) + SEPARATOR * (len(columns) - 1)


def middle(text: str, width: int) -> str:
    """``text`` cut in the middle to ``width`` characters (an ellipsis where it was cut)."""
    if len(text) <= width:
        return text
    if width <= 1:
        return text[:width]
    head = width // 2
    tail = width - 1 - head
    return text[:head] + ELLIPSIS + (text[-tail:] if tail else "")


def layout(width: int, cases: int, methods: int, status: int = len("status")) -> Layout:
    """The widest layout that fits ``width``; ``cases``/``methods``/``status``: the longest
    names and status."""
    case = max(cases, len("case"))
    method = max(methods, len("method"))
    status = max(status, len("status"))
    steps = [Layout(case, method, "max abs err", "max rel err", True, status),
             Layout(case, method, "abs err", "rel err", True, status)]
    for step in steps:
        if step.width <= width:
            return step
    candidates = [Layout(case, method, "abs err", "rel err", True, status),
                  Layout(case, method, None, "rel err", True, status),
                  Layout(case, method, None, "rel err", False, status)]
    for step in candidates:
        fitted = _narrowed(step, width)
        if fitted is not None:
            return fitted
    last = candidates[-1]  # narrower than any sensible terminal: the names take the cut
    spare = max(width - (last.width - last.case - last.method), 8)
    return Layout(max(spare // 2, 4), max(spare - spare // 2, 4), None, "rel err", False,
                  status)


def _narrowed(step: Layout, width: int) -> Layout | None:
    """``step`` with its name columns narrowed to fit, sharing the room in proportion to
    their longest names, not below the floors; None when even the floors do not fit."""
    room = width - (step.width - step.case - step.method)
    floor_case, floor_method = min(step.case, MIN_CASE), min(step.method, MIN_METHOD)
    if room < floor_case + floor_method:
        return None
    share = room * step.method // (step.case + step.method)
    method = min(step.method, max(floor_method, share, room - step.case))
    case = min(step.case, max(floor_case, room - method))
    method = min(step.method, room - case)  # what the case column leaves
    return Layout(case, method, step.abs_err, step.rel_err, step.time, step.status)


def summary_table(report: RunReport, width: int, styles: dict[str, str]) -> Table:
    rows = {id(case): method_rows(case) for case in report.cases}
    longest_case = max((len(c.case.name) for c in report.cases), default=0)
    longest_method = max((len(r.method) for rs in rows.values() for r in rs), default=0)
    longest_status = max([len(r.status) for rs in rows.values() for r in rs]
                         + [len(c.status) for c in report.cases], default=0)
    fit = layout(width, longest_case, longest_method, longest_status)
    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    table.add_column("case", no_wrap=True, width=fit.case, overflow="crop")
    table.add_column("method", no_wrap=True, width=fit.method, overflow="crop")
    table.add_column("status", no_wrap=True, width=fit.status)
    for header in ([fit.abs_err] if fit.abs_err else []) + [fit.rel_err]:
        table.add_column(header, justify="right", no_wrap=True, width=max(len(header), NUMBER))
    if fit.time:
        table.add_column("time", justify="right", no_wrap=True, width=TIME)
    for number, case in enumerate(report.cases):
        if number:
            table.add_section()
        name = f"[{styles[case.status]}]{escape(middle(case.case.name, fit.case))}[/]"
        entries = [(r.method, r.status, r.max_abs_error, r.max_rel_error, r.seconds)
                   for r in rows[id(case)]] or [("-", case.status, None, None, case.seconds)]
        for i, (method, status, abs_err, rel_err, seconds) in enumerate(entries):
            cells = [name if i == 0 else "", escape(middle(method, fit.method)),
                     f"[{styles.get(status, '')}]{status}[/]"]
            cells += [fmt_num(abs_err, 3)] if fit.abs_err else []
            cells += [fmt_num(rel_err, 3)]
            cells += [fmt_seconds(seconds)] if fit.time else []
            table.add_row(*cells)
    return table
