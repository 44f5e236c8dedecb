"""Markdown report (``--format markdown``): a PR comment or a GitHub job summary.

A summary line, a table with one row per case (status, methods grouped by
status, largest errors, time), then a collapsed ``<details>`` section per case
that did not simply pass, quoting its discrepancy report (point, element,
reference, got, errors, tolerance, formula, findings).
"""

from __future__ import annotations

import re
import textwrap

from gradcheck_lab.report.common import case_errors, fmt_num, fmt_seconds, grouped_methods
from gradcheck_lab.report.terminal import (
    details_text,
    overhead_line,
    skipped_reasons,
    summary_line,
)
from gradcheck_lab.results import CaseReport, RunReport

EMOJI = {"pass": "✅", "fail": "❌", "kink": "⚠️", "xfail": "☑️", "unresolved": "❔",
         "error": "💥", "skipped": "⏭️"}
TITLE = "gradcheck-lab"
FOLD_WIDTH = 100


def to_markdown(report: RunReport, title: str = TITLE) -> str:
    ok = report.exit_code == 0
    lines = [f"## {'✅' if ok else '❌'} {title}", "", f"**{summary_line(report)}**", ""]
    if overhead_line(report):
        lines += [f"<sub>{_html(overhead_line(report))}</sub>", ""]
    if report.cases:
        lines += ["| status | case | methods | max abs err | max rel err | time |",
                  "|---|---|---|--:|--:|--:|"]
        lines += [case_row(case) for case in report.cases]
        lines += ["", "Max errors are over the results that count (xfail results are "
                  "documented as wrong and left out). "
                  + " ".join(f"{EMOJI[s]} {s}" for s in EMOJI), ""]
    for case in report.cases:
        section = case_section(case)
        if section:
            lines += [section, ""]
    skips = skipped_reasons(report.cases)
    if skips:
        lines += ["<details><summary>skipped methods</summary>", ""]
        lines += [f"- {_inline(line)}" for line in skips]
        lines += ["", "</details>", ""]
    return "\n".join(lines).rstrip() + "\n"


def case_row(case: CaseReport) -> str:
    abs_err, rel_err = case_errors(case)
    methods = " · ".join(f"{EMOJI[status]} {', '.join(_code(m) for m in names)}"
                         for status, names in grouped_methods(case))
    name = _code(case.case.name)
    if details_text(case):
        name = f"[{name}](#{anchor(case)})"
    cells = [f"{EMOJI[case.status]} {case.status}", name, methods or "-",
             fmt_num(abs_err, 3), fmt_num(rel_err, 3), fmt_seconds(case.seconds)]
    return "| " + " | ".join(cells) + " |"


def case_section(case: CaseReport) -> str:
    """A ``<details>`` block with the case's discrepancy report, or "" when it simply passed."""
    text = fold(details_text(case))
    if not text:
        return ""
    where = f"{case.case.file}:{case.case.line}" if case.case.line else case.case.file
    summary = (f"{EMOJI[case.status]} <b>{case.status.upper()}</b> "
               f"<code>{_html(case.case.name)}</code> ({_html(where)})")
    fence = "`" * max(3, _longest_backticks(text) + 1)
    is_open = " open" if case.status in ("fail", "error") else ""
    return "\n".join([f'<details{is_open} id="{anchor(case)}"><summary>{summary}</summary>', "",
                      f"{fence}text", text, fence, "", "</details>"])


def fold(text: str, width: int = FOLD_WIDTH) -> str:
    """Lines longer than ``width`` broken at spaces, continued 4 columns further in: a
    code block on GitHub does not wrap, and a derivative formula runs to 240 characters."""
    out = []
    for line in text.splitlines():
        if len(line) <= width:
            out.append(line)
            continue
        indent = " " * (len(line) - len(line.lstrip()))
        out += textwrap.wrap(line, width, subsequent_indent=indent + "    ",
                             break_on_hyphens=False) or [line]
    return "\n".join(out)


def anchor(case: CaseReport) -> str:
    return "case-" + re.sub(r"[^a-z0-9_-]", "-", case.case.name.lower())


def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text else _inline(text)


def _inline(text: str) -> str:
    """Text safe in one table cell or list item."""
    return _html(text).replace("|", "\\|").replace("\n", " ")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _longest_backticks(text: str) -> int:
    runs = re.findall(r"`+", text)
    return max((len(r) for r in runs), default=0)
