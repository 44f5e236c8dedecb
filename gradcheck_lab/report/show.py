"""``gradcheck-lab show``: one case's symbolic derivatives and every method's numbers.

The derivatives are SymPy's, from a symbolic reverse sweep over the case's
expression, pretty-printed; the numbers come from a ``CaseReport`` (one
``verify_case`` run), one table per point.
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gradcheck_lab.case import Case
from gradcheck_lab.report.common import element_label, fmt_num, function_text, method_rows
from gradcheck_lab.report.terminal import STYLE, format_array, format_exact
from gradcheck_lab.results import CaseReport

MAX_SHOWN = 6  # derivative elements pretty-printed per input
MAX_SYMBOLIC_ELEMENTS = 400  # above this many input elements, no formulas are derived


def derivatives(case: Case, max_shown: int = MAX_SHOWN, full: bool = False
                ) -> list[tuple[str, str]]:
    """(label, pretty-printed derivative) pairs, at most ``max_shown`` per input.

    ``∂f/∂x[i]`` for a scalar output, ``∂(c·f)/∂x[i]`` with a cotangent ``c``,
    and ``∂f[j]/∂x[i]`` (the Jacobian) otherwise. A last pair per input says
    how many more elements there are. A derivative over the formula size budget is
    named, not printed, unless ``full``.
    """
    from gradcheck_lab.backends.sympy_ops import exact
    from gradcheck_lab.methods.symbolic_formulas import display_model, too_large
    from gradcheck_lab.methods.symbolic_formulas import shown as for_display
    from gradcheck_lab.numeric.symbolic_grad import gradient

    model = display_model(case)
    out: list[tuple[str, str]] = []
    outputs = list(model.output.ravel())
    if case.is_scalar or case.cotangent is not None:
        weights = [1] if case.cotangent is None else list(np.asarray(case.cotangent).ravel())
        targets = [("f" if case.cotangent is None else "(c·f)",
                    sp.Add(*[exact(w) * o for w, o in zip(weights, outputs, strict=True)]))]
    else:
        targets = [(element_label("f", idx), outputs[n]) for n, idx in
                   enumerate(np.ndindex(case.output_shape))]
    for spec in case.wrt:
        symbols = list(model.symbols[spec.name].ravel())
        indices = list(np.ndindex(spec.shape))
        total = len(symbols) * len(targets)
        shown = 0
        for label, target in targets:
            if shown >= max_shown:
                break
            grads = gradient(target, symbols[: max_shown - shown])
            for idx, g in zip(indices, grads, strict=False):
                expr, nodes = for_display(g, full)
                out.append((f"∂{label}/∂{element_label(spec.name, idx)}",
                            too_large(nodes) if expr is None
                            else sp.pretty(expr, use_unicode=True, num_columns=100)))
                shown += 1
        if total > shown:
            out.append((f"... {total - shown} more element{'s' * (total - shown != 1)} of "
                        f"d/d{spec.name}", ""))
    return out


def render_show(report: CaseReport, console: Console, full: bool = False) -> None:
    case = report.case
    where = f"{case.file}:{case.line}" if case.line else case.file
    console.print(f"[bold]{escape(case.name)}[/] [dim]({escape(where)})[/dim]  "
                  f"[{STYLE[report.status]}]{report.status}[/]", highlight=False)
    for text in (case.description, f"source: {case.source}" if case.source else ""):
        if text:
            console.print(escape(text), highlight=False, soft_wrap=True)
    shape = "scalar" if case.is_scalar else f"shape {case.output_shape}"
    text = escape(function_text(case))
    console.print(f"f = [bold]{text}[/]  [dim]({shape} output, {case.dtype}, "
                  f"differentiated: {', '.join(s.name for s in case.wrt) or 'nothing'})[/dim]",
                  highlight=False)
    console.print()
    size = sum(spec.value.size for spec in case.inputs)
    if size > MAX_SYMBOLIC_ELEMENTS:
        console.print(f"[dim]symbolic derivatives not shown: {size} input elements "
                      f"(more than {MAX_SYMBOLIC_ELEMENTS})[/dim]")
    else:
        console.print("[bold]symbolic derivatives[/bold]")
        try:
            pairs = derivatives(case, full=full)
        except Exception as exc:  # noqa: BLE001 - SymPy's assumptions can fail (see formulas)
            pairs = [(f"not available: SymPy failed ({type(exc).__name__})", "")]
        for label, pretty in pairs:
            console.print(f"  {escape(label)}" + (" =" if pretty else ""), highlight=False)
            for line in pretty.splitlines():
                console.print("      " + escape(line), highlight=False, soft_wrap=True)
    for point in report.points:
        console.print()
        console.print(point_table(report, point.point.index))
    rows = [r for r in method_rows(report) if r.status == "skipped"]
    for row in rows:
        console.print(f"[dim]{escape(row.method)} skipped: {escape(row.message)}[/dim]",
                      highlight=False)


def point_table(report: CaseReport, index: int) -> Table:
    point = next(p for p in report.points if p.point.index == index)
    at = ", ".join(f"{name} = {format_exact(v)}" for name, v in point.point.values.items())
    title = f"point {index}: {at}"
    table = Table(title=escape(title), title_justify="left", header_style="bold",
                  show_edge=False, pad_edge=False)
    names = [spec.name for spec in report.case.wrt]
    for column in ("method", "status", "value", *[f"d/d{n}" for n in names], "max abs err"):
        table.add_column(escape(column), overflow="fold",
                         justify="right" if column == "max abs err" else "left")
    for verdict in point.verdicts:
        result = verdict.result
        value = "-" if result.value is None else format_array(result.value)
        grads = [format_array(result.gradient[n]) if n in result.gradient else "-"
                 for n in names]
        if verdict.status in ("skipped", "error"):
            reason = (result.skipped or result.error or verdict.message or "")[:100]
            grads = [reason] + ["" for _ in names[1:]] if names else []
        method = verdict.method + (" (reference)" if verdict.method == point.reference else "")
        table.add_row(escape(method), f"[{STYLE[verdict.status]}]{verdict.status}[/]",
                      escape(value), *[escape(g) for g in grads],
                      fmt_num(verdict.max_abs_error, 3))
    return table
