"""verify(): cases in, reports out: in this process, or in worker processes.

The case runner itself is ``runner.run_case``; ``parallel`` runs it in workers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from gradcheck_lab.case import Case
from gradcheck_lab.limits import DEFAULT_LIMITS, Limits
from gradcheck_lab.loader import load_paths
from gradcheck_lab.options import DEFAULT_OPTIONS, RunOptions
from gradcheck_lab.results import CaseReport, RunReport
from gradcheck_lab.runner import Notify, run_case
from gradcheck_lab.warm_up import WARM_UP_CASES

Target = str | Path | Case | Sequence[str | Path | Case]
Progress = Callable[[CaseReport], object]  # a case's report, when it is done
Starting = Callable[[Case], object]  # a case, as it starts

__all__ = ["load_cases", "run_cases", "select", "verify", "verify_case"]


def load_cases(target: Target, limits: Limits = DEFAULT_LIMITS) -> list[Case]:
    """Cases from paths (files or folders) and/or Case objects."""
    items = [target] if isinstance(target, (str, Path, Case)) else list(target)
    cases: list[Case] = []
    for item in items:
        cases.extend([item] if isinstance(item, Case) else load_paths([item], limits))
    return cases


def select(cases: Sequence[Case], keyword: str | None) -> list[Case]:
    """``-k``: pytest-style expressions over case names (``gradcheck_lab.keyword``)."""
    if not keyword:
        return list(cases)
    from gradcheck_lab.keyword import compile_keyword

    matches = compile_keyword(keyword)
    return [c for c in cases if matches(c.name)]


def verify(target: Target, *, methods: Sequence[str] | None = None, strict: bool = False,
           keyword: str | None = None, limits: Limits = DEFAULT_LIMITS, jobs: int = 1,
           timeout: float | None = None, device: str | None = None) -> RunReport:
    """Verify every case of ``target`` (paths and/or Case objects); ``strict`` makes kinks
    fail.

    ``jobs`` > 1 or a ``timeout`` (seconds per case) runs cases in worker
    processes (``parallel.run_parallel``): a crash, a hang or running out of
    memory then costs only that case, reported as ``error``. ``device`` (``cpu``,
    ``cuda``, ``cuda:N``, ``auto``) runs every case's torch, JAX and implementations there.
    """
    start = time.perf_counter()
    options = RunOptions(None if methods is None else tuple(methods), strict, keyword, limits,
                         jobs, timeout, device=device)
    cases = select(load_cases(target, limits), keyword)
    reports = tuple(run_cases(cases, options))
    return RunReport(reports, time.perf_counter() - start)


def verify_case(case: Case, *, methods: Sequence[str] | None = None, strict: bool = False,
                failed: dict[str, str] | None = None, notify: Notify | None = None
                ) -> CaseReport:
    """One case in this process (see ``runner.run_case``)."""
    options = RunOptions(None if methods is None else tuple(methods), strict)
    return run_case(case, options, failed=failed, notify=notify)


def run_cases(cases: Sequence[Case], options: RunOptions = DEFAULT_OPTIONS,
              progress: Progress | None = None, starting: Starting | None = None
              ) -> list[CaseReport]:
    """One report per case, in order: in this process, or in workers (``options.jobs`` > 1
    or a timeout). ``starting(case)`` and ``progress(report)`` are called around each case;
    with ``options.exitfirst`` the run stops after the first failing case (its reports
    are then fewer than the cases)."""
    if options.in_workers:
        from gradcheck_lab.parallel import run_parallel

        return run_parallel(cases, options, progress, starting)
    reports = []
    for i, case in enumerate(cases):
        if starting is not None:
            starting(case)
        upcoming = cases[i:i + WARM_UP_CASES] if i % WARM_UP_CASES == 0 else ()
        reports.append(run_case(case, options, upcoming=upcoming))
        if progress is not None:
            progress(reports[-1])
        if options.exitfirst and reports[-1].status in ("fail", "error"):
            break
    return reports
