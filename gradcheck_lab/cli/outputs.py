"""The reports of one run: the terminal report, and every file asked for, at once.

``--format F`` prints F instead of the terminal report; with ``--output FILE`` it goes
to FILE and only the summary line is printed. ``--junit-xml``, ``--markdown``,
``--html`` and ``--json`` each write their file alongside whatever is printed, and the
Markdown report is appended to ``$GITHUB_STEP_SUMMARY`` when that is set. Notes about
written files go to stderr when stdout carries a machine-readable report.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable

from gradcheck_lab.cli.common import EXIT_USAGE, terminal_width, write_file
from gradcheck_lab.cli.run_settings import Outputs
from gradcheck_lab.results import RunReport

NAMES = {"table": "text", "json": "JSON", "junit": "JUnit XML", "markdown": "Markdown",
         "html": "HTML"}


def emit(report: RunReport, outputs: Outputs, verbosity: int = 0) -> int:
    """Print and write every report; the run's exit code (2 when a file cannot be written)."""
    from gradcheck_lab.report.terminal import render, summary_line

    texts: dict[str, str] = {}

    def text_of(fmt: str) -> str:
        if fmt not in texts:
            texts[fmt] = _renderer(fmt, outputs.plots)(report)
        return texts[fmt]

    notes = sys.stderr if outputs.stdout not in (None, "table") else sys.stdout
    written = True
    if outputs.output is not None:
        fmt, path = outputs.output
        written = write_file(path, text_of(fmt))
        if written:
            print(f"{summary_line(report)}; report written to {path}")
    elif outputs.stdout not in (None, "table"):
        sys.stdout.write(text_of(outputs.stdout))
    else:
        from rich.console import Console

        render(report, Console(width=terminal_width()), verbosity=verbosity)
    for fmt, path in outputs.files.items():
        if write_file(path, text_of(fmt)):
            print(f"{NAMES[fmt]} report written to {path}", file=notes)
        else:
            written = False
    if outputs.step_summary is not None:
        written = write_file(outputs.step_summary, text_of("markdown") + "\n",
                             append=True) and written
    return report.exit_code if written else EXIT_USAGE


def _renderer(fmt: str, plots: str) -> Callable[[RunReport], str]:
    from gradcheck_lab import report as formats

    if fmt == "html":
        def html(report: RunReport) -> str:
            with _status("drawing the HTML report's pictures"):
                return formats.to_html(report, pictures=plots != "none",
                                       step_plots=plots == "all")
        return html
    renderers: dict[str, Callable[[RunReport], str]] = {
        "table": formats.render_text, "json": lambda r: formats.dumps(r) + "\n",
        "junit": formats.to_junit, "markdown": formats.to_markdown}
    return renderers[fmt]


def _status(message: str) -> contextlib.AbstractContextManager[object]:
    """A spinner on a terminal, nothing otherwise."""
    if not sys.stdout.isatty():
        return contextlib.nullcontext()
    from rich.console import Console

    return Console(stderr=True).status(message)
