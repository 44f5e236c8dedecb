"""HTML report (``--format html``): one self-contained file, no external assets.

A summary, an overview table (one row per case), then one section per case:
its methods (status, errors, time), the discrepancy report of what did not
pass, the symbolic formulas, the findings, and pictures drawn inline as SVG:
the finite-difference error against step size at the first point (every case)
and the error per element of each failing or xfail method. Without matplotlib
the report is complete except for the pictures, and says so.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from functools import partial
from typing import TypeVar

import numpy as np

from gradcheck_lab.names import CLAIM_PREFIX, EXPECT_METHOD
from gradcheck_lab.report.common import (
    case_errors,
    fmt_num,
    fmt_seconds,
    function_text,
    grouped_methods,
    method_rows,
    shown_formulas,
)
from gradcheck_lab.report.markdown import anchor, fold
from gradcheck_lab.report.terminal import (
    details_text,
    overhead_line,
    skipped_reasons,
    summary_line,
)
from gradcheck_lab.results import CaseReport, RunReport

T = TypeVar("T")
TITLE = "gradcheck-lab report"
MAX_PICTURED = 200
SECTION_ORDER = ("error", "fail", "kink", "xfail", "unresolved", "skipped", "pass")  # failing first
COLOURS = {"pass": "#2e7d32", "fail": "#c62828", "kink": "#a15c00", "xfail": "#00796b",
           "unresolved": "#1565c0", "error": "#ad1457", "skipped": "#757575"}
CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;
 margin:0 auto;max-width:1200px;padding:24px 32px;background:#fafafa}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:0 0 6px}
.summary{font-size:15px;margin:4px 0 16px}.note{background:#fff8e1;border:1px solid #ffe082;
 padding:8px 12px;border-radius:6px}
table{border-collapse:collapse;background:#fff;margin:8px 0 12px;font-size:13px}
th,td{border-bottom:1px solid #e5e5e5;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f0f0f0;font-weight:600;white-space:nowrap}td.num{text-align:right;font-variant-numeric:tabular-nums;
 white-space:nowrap}
.badge{display:inline-block;border-radius:4px;padding:0 6px;color:#fff;font-size:12px;
 font-weight:600;line-height:18px;white-space:nowrap}
section.case{background:#fff;border:1px solid #e0e0e0;border-left:6px solid var(--c);
 border-radius:6px;padding:14px 18px;margin:18px 0}
.where{color:#666;font-size:13px;font-weight:normal}.muted{color:#666}
pre{background:#f6f8fa;border:1px solid #e1e4e8;border-radius:6px;padding:10px;
 white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px;line-height:1.4}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.figures{display:flex;flex-wrap:wrap;gap:16px;margin-top:10px}
figure{margin:0;background:#fff;border:1px solid #eee;border-radius:6px;padding:6px;
 flex:1 1 460px;max-width:600px}
figure svg{width:100%;height:auto;display:block}figcaption{font-size:12px;color:#555;
 padding:4px 6px}
ul.findings{margin:4px 0 8px 18px;padding:0}
"""


def to_html(report: RunReport, title: str = TITLE, pictures: bool = True,
            max_pictured: int = MAX_PICTURED, step_plots: bool = False) -> str:
    """The whole report as one HTML document, failing cases first; ``pictures=False``
    leaves out the plots.

    The step-size plot is drawn where it tells something (``step_tells``): a case that
    fails or errors, or whose finite differences did not simply pass or had to be the
    reference; ``step_plots=True`` draws it for every case. Pictures take a fraction of
    a second each, so at most ``max_pictured`` cases get them, failing ones first.
    """
    from gradcheck_lab.report import plots

    missing = plots.unavailable() if pictures else "pictures were not asked for"
    body = [f"<h1>{_e(title)}</h1>",
            f'<p class="summary">{_e(summary_line(report))}</p>',
            f'<p class="muted">{_e(overhead_line(report))}</p>' if overhead_line(report) else "",
            _counts(report)]
    if missing and pictures:
        body.append(f'<p class="note">Pictures are left out: {_e(missing)}.</p>')
    order = sorted(range(len(report.cases)),
                   key=lambda i: SECTION_ORDER.index(report.cases[i].status))
    drawn = set(order[:max_pictured]) if pictures and not missing else set()
    if pictures and not missing and len(report.cases) > max_pictured:
        body.append(f'<p class="note">Pictures are drawn for {max_pictured} of '
                    f"{len(report.cases)} cases (those that did not simply pass first).</p>")
    body.append(_overview(report, order))
    body += [case_section(report.cases[i], draw=i in drawn,
                          step=step_plots or step_tells(report.cases[i])) for i in order]
    skips = skipped_reasons(report.cases)
    if skips:
        body.append("<h2>Skipped methods</h2><ul>"
                    + "".join(f"<li>{_e(s)}</li>" for s in skips) + "</ul>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(title)}</title><style>{CSS}</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def badge(status: str) -> str:
    return f'<span class="badge" style="background:{COLOURS[status]}">{_e(status)}</span>'


def _counts(report: RunReport) -> str:
    counts = report.counts()
    return "<p>" + " ".join(f"{badge(s)} {counts[s]}" for s in COLOURS if counts[s]) + "</p>"


def step_tells(case: CaseReport) -> bool:
    """Whether the step-size plot says something about ``case``: its finite differences did
    not simply pass or stood in for the exact reference, or a computed derivative (torch,
    JAX, an implementation, the complex step) fails or errors, where finite differences
    are the second witness. A wrong claim formula or a wrong quoted number (``expect``)
    owes nothing to step sizes: there the plot is left out."""
    fd = [v.status for p in case.points for v in p.verdicts if v.method == "fd"]
    computed = [v for p in case.points for v in p.verdicts if v.status in ("fail", "error")
                and not v.method.startswith(CLAIM_PREFIX) and v.method != EXPECT_METHOD]
    return (bool(computed) or any(s not in ("pass", "skipped") for s in fd)
            or any(p.reference == "fd" for p in case.points))


def _overview(report: RunReport, order: list[int]) -> str:
    rows = ["<table><tr><th>status</th><th>case</th><th>methods</th><th>max abs err</th>"
            "<th>max rel err</th><th>time</th></tr>"]
    for case in (report.cases[i] for i in order):
        abs_err, rel_err = case_errors(case)
        methods = " ".join(f"{badge(s)} {_e(', '.join(names))}"
                           for s, names in grouped_methods(case))
        rows.append(f"<tr><td>{badge(case.status)}</td>"
                    f'<td><a href="#{anchor(case)}"><code>{_e(case.case.name)}</code></a></td>'
                    f"<td>{methods or '-'}</td><td class=num>{fmt_num(abs_err)}</td>"
                    f"<td class=num>{fmt_num(rel_err)}</td>"
                    f"<td class=num>{fmt_seconds(case.seconds)}</td></tr>")
    rows.append("</table>")
    return "\n".join(rows) + ('<p class="muted">Max errors are over the results that count: '
                              "xfail results are documented as wrong and left out.</p>")


def case_section(case: CaseReport, draw: bool = True, step: bool = True) -> str:
    c = case.case
    where = f"{c.file}:{c.line}" if c.line else c.file
    parts = [f'<section class="case" id="{anchor(case)}" style="--c:{COLOURS[case.status]}">',
             f"<h2>{badge(case.status)} {_e(c.name)} <span class=where>{_e(where)}</span></h2>"]
    if c.description:
        parts.append(f"<p>{_e(c.description)}</p>")
    if c.source:
        parts.append(f'<p class="muted">source: {_e(c.source)}</p>')
    shape = "scalar" if c.is_scalar else "shape " + "×".join(map(str, c.output_shape))
    parts.append(f"<p><code>{_e(function_text(c))}</code> <span class=muted>({shape} output, "
                 f"{c.dtype}, {len(c.points)} point{'s' * (len(c.points) != 1)})</span></p>")
    if case.message:
        parts.append(f'<p class="note">{_e(case.message)}</p>')
    parts.append(_methods_table(case))
    text = details_text(case)
    if text:
        is_open = " open" if case.status in ("fail", "error") else ""
        parts.append(f"<details{is_open}><summary>discrepancy report</summary>"
                     f"<pre>{_e(fold(text))}</pre></details>")
    formulas = shown_formulas(case)
    if formulas:
        parts.append("<details><summary>symbolic derivatives</summary><pre>"
                     + _e("\n".join(f"d/d{k} = {v}" for k, v in formulas.items()))
                     + "</pre></details>")
    if case.findings and case.status not in ("fail", "error"):  # else in the open report
        parts.append('<ul class="findings">' + "".join(
            f"<li><b>{_e(f.kind)}</b> ({_e(f.method)}): {_e(f.message)}</li>"
            for f in case.findings) + "</ul>")
    if draw:
        parts.append(_figures(case, step))
    parts.append("</section>")
    return "\n".join(parts)


def _methods_table(case: CaseReport) -> str:
    rows = ["<table><tr><th>method</th><th>status</th><th>max abs err</th><th>max rel err</th>"
            "<th>time</th><th>message</th></tr>"]
    for row in method_rows(case):
        rows.append(f"<tr><td><code>{_e(row.method)}</code></td><td>{badge(row.status)}</td>"
                    f"<td class=num>{fmt_num(row.max_abs_error)}</td>"
                    f"<td class=num>{fmt_num(row.max_rel_error)}</td>"
                    f"<td class=num>{fmt_seconds(row.seconds)}</td><td>{_e(row.message)}</td>"
                    "</tr>")
    return "\n".join(rows) + "</table>"


def _figures(case: CaseReport, step: bool = True) -> str:
    from gradcheck_lab.report import plots
    from gradcheck_lab.report.stepscan import ElementErrors, element_errors, step_scan

    figures = []
    scan = _safe(lambda: step_scan(case)) if step else None
    if isinstance(scan, str):
        figures.append(_figure(f"the finite-difference step scan failed: {scan}", ""))
    elif scan is not None:
        svg = _safe(lambda: plots.step_error_svg(scan))
        figures.append(_figure(svg, (
            f"Error of plain central differences D(h) for ∂/∂{scan.label} at point "
            f"{scan.point}, against {scan.reference}. Truncation error (∝ h²) dominates at large "
            "steps, round-off (∝ 1/h) at small ones. Shaded: the steps Ridders' extrapolation "
            "evaluated; dashed: the error of its result; dotted: its own error estimate.")))
    errors = _safe(lambda: element_errors(case))
    by_method: dict[str, list[ElementErrors]] = {}
    for item in errors if isinstance(errors, list) else []:
        by_method.setdefault(item.method, []).append(item)
    for method, items in by_method.items():
        svg = _safe(partial(plots.element_error_svg, items))
        matrix = any(np.ndim(i.got) >= 2 for i in items)
        figures.append(_figure(svg, f"{method}: |got − reference| per element at point "
                                    f"{items[0].point}; " + (
                                        "× marks elements outside the tolerance." if matrix else
                                        "red bars are outside the tolerance (dashed line).")))
    return '<div class="figures">' + "".join(figures) + "</div>" if figures else ""


def _figure(svg: object, caption: str) -> str:
    if not isinstance(svg, str) or not svg.startswith("<svg"):
        reason = svg if isinstance(svg, str) and svg else "nothing was drawn"
        return f"<figure><figcaption>picture left out: {_e(reason)}</figcaption></figure>"
    return f"<figure>{svg}<figcaption>{_e(caption)}</figcaption></figure>"


def _safe(make: Callable[[], T]) -> T | str:
    """Run a picture step; a failure becomes its message, never a broken report."""
    try:
        return make()
    except Exception as exc:  # noqa: BLE001 - a picture must never break the report
        return f"{type(exc).__name__}: {exc}"


def _e(text: str) -> str:
    return html.escape(text, quote=True)
