"""Running cases with feedback: on a terminal, a progress bar naming the case being
checked (every case in flight when workers run several at once); with ``-v``, one line
per case as it finishes, on a terminal or not."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

from gradcheck_lab.case import Case
from gradcheck_lab.options import RunOptions
from gradcheck_lab.results import CaseReport, RunReport


def case_line(report: CaseReport) -> str:
    """``PASS  mse_linear  (cases/mse.yaml:3)  0.12s``: a case as ``-v`` lists it."""
    from gradcheck_lab.report.common import fmt_seconds

    case = report.case
    where = f"{case.file}:{case.line}" if case.line else case.file
    return f"{report.status.upper():<7} {case.name}  ({where})  {fmt_seconds(report.seconds)}"


def run_with_progress(cases: Sequence[Case], options: RunOptions, verbosity: int = 0
                      ) -> RunReport:
    """``run_cases`` with a progress bar when stdout is a terminal, and ``-v`` lines."""
    from gradcheck_lab.run import run_cases  # the run machinery loads only when something runs

    start = time.perf_counter()
    if not (sys.stdout.isatty() and len(cases) > 1):
        def done(report: CaseReport) -> None:
            if verbosity > 0:
                print(case_line(report), flush=True)

        reports = run_cases(cases, options, progress=done)
        return RunReport(tuple(reports), time.perf_counter() - start)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    running: list[str] = []  # names of the cases in flight, oldest first
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task("checking", total=len(cases))

        def describe() -> None:
            shown = ", ".join(running[:3]) + (f" (+{len(running) - 3})" * (len(running) > 3))
            bar.update(task, description=f"checking {shown}" if shown else "checking")

        def starting(case: Case) -> None:
            running.append(case.name)
            describe()

        def finished(report: CaseReport) -> None:
            if report.case.name in running:
                running.remove(report.case.name)
            if verbosity > 0:
                bar.console.print(case_line(report), highlight=False, markup=False)
            bar.update(task, advance=1)
            describe()

        reports = run_cases(cases, options, progress=finished, starting=starting)
    return RunReport(tuple(reports), time.perf_counter() - start)
