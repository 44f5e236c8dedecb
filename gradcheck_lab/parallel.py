"""Run cases in worker processes: ``--jobs N`` in parallel, each case under a timeout.

A worker that crashes (a segfault in a framework), runs out of memory or
exceeds the per-case timeout is killed and replaced, and every other case
still runs. The worker reports which method it is running, so the culprit is
known: the case is run again in a fresh worker with that method marked
``error`` (saying what happened, and where) and its other methods giving
their results. Only when no method was running (loading a module, judging)
does the whole case become ``error``. Workers
are started with ``spawn`` (torch and JAX are not fork-safe) and reused
across cases, so each imports its frameworks once.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

from gradcheck_lab.case import Case
from gradcheck_lab.options import RunOptions
from gradcheck_lab.results import CaseReport

Progress = Callable[[CaseReport], object]
CASES_PER_WORKER = 40  # a worker's start-up (importing torch and JAX: ~2 s) must pay off


def auto_jobs(cases: int, cores: int) -> int:
    """The CLI's default ``--jobs``: one worker per core once the suite is large enough.

    Each spawned worker imports its frameworks and compiles its own JAX programs, so
    on small suites workers cost more than they save: over the 25 cases of ``cases/``
    on 2 cores, ``-j 2`` took 4.9-5.6 s against 4.4-4.8 s in one process. With at
    least ``CASES_PER_WORKER`` cases per worker, every core gets one.
    """
    return max(1, min(cores, cases // CASES_PER_WORKER))


def _worker(conn: Connection, options: RunOptions) -> None:
    from gradcheck_lab.backends.jax_cache import own_process_cache
    from gradcheck_lab.runner import run_case

    own_process_cache()  # a worker process is ours (before the runner imports JAX)

    while True:
        item = conn.recv()
        if item is None:
            return
        index, case, failed = item

        def running(method: str, point: int) -> None:
            conn.send(("running", method, point))

        try:
            report = run_case(case, options, failed=failed, notify=running)
            conn.send(("done", report, None))
        except Exception:  # noqa: BLE001 - reported as the case's error, the worker goes on
            conn.send(("done", None, traceback.format_exc(limit=3)))


def error_report(case: Case, message: str, seconds: float = 0.0) -> CaseReport:
    return CaseReport(case, "error", (), (), {}, seconds=seconds, message=message)


class _Slot:
    def __init__(self, ctx: Any, options: RunOptions) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child, options), daemon=True)
        self.process.start()
        child.close()
        self.index: int | None = None
        self.failed: dict[str, str] = {}  # methods of this case known to crash or hang
        self.running: tuple[str, int] | None = None  # (method, point) now running
        self.started = 0.0

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


def run_parallel(cases: Sequence[Case], options: RunOptions, progress: Progress | None = None,
                 starting: Callable[[Case], object] | None = None) -> list[CaseReport]:
    """Reports in the order of ``cases``; a case whose worker dies or times out is ``error``.

    ``options.jobs`` workers (at most one per case); ``options.timeout`` seconds per case.
    With ``options.exitfirst``, the first failing case stops the run: cases still running
    are dropped, and only the finished ones are reported.
    """
    timeout = options.timeout
    ctx = multiprocessing.get_context("spawn")
    # (case index, methods known to fail on it); popped from the end
    no_failures: dict[str, str] = {}
    pending = [(i, no_failures) for i in range(len(cases))][::-1]
    reports: dict[int, CaseReport] = {}
    slots = [_Slot(ctx, options) for _ in range(max(1, min(options.jobs, len(cases))))]

    def finish(index: int, report: CaseReport) -> None:
        reports[index] = report
        if progress is not None:
            progress(report)
        if options.exitfirst and report.status in ("fail", "error"):
            pending.clear()

    try:
        while len(reports) < len(cases) and (pending or any(s.index is not None
                                                            for s in slots)):
            if options.exitfirst and any(r.status in ("fail", "error")
                                         for r in reports.values()):
                break  # the workers still running are stopped below
            for slot in slots:
                if slot.index is None and pending:
                    slot.index, slot.failed = pending.pop()
                    slot.running, slot.started = None, time.monotonic()
                    if starting is not None and not slot.failed:
                        starting(cases[slot.index])
                    slot.conn.send((slot.index, cases[slot.index], slot.failed))
            for i, slot in enumerate(slots):
                if slot.index is None:
                    continue
                elapsed = time.monotonic() - slot.started
                failure = None
                if slot.conn.poll(0.02):
                    try:
                        kind, *message = slot.conn.recv()
                    except (EOFError, OSError):
                        slot.process.join(timeout=5)  # reap it, so the exit code is known
                        failure = (f"the worker process died (exit code "
                                   f"{slot.process.exitcode}: a crash or out of memory)")
                    else:
                        if kind == "running":
                            slot.running = (message[0], message[1])
                            continue
                        report, trace = message
                        finish(slot.index, report if report is not None else error_report(
                            cases[slot.index], f"internal error: {trace}", elapsed))
                        slot.index = None
                        continue
                elif not slot.process.is_alive():
                    failure = (f"the worker process died (exit code {slot.process.exitcode}:"
                               " a crash or out of memory)")
                elif timeout is not None and elapsed > timeout:
                    failure = f"timed out after {timeout:g} s (--timeout)"
                if failure is not None:
                    if slot.running is not None and slot.running[0] not in slot.failed:
                        method, point = slot.running
                        failed = {**slot.failed,
                                  method: f"{failure} while running at point {point}; the "
                                          "case's other methods were run again without it"}
                        pending.append((slot.index, failed))  # next, in a fresh worker
                    else:
                        finish(slot.index, error_report(cases[slot.index], failure, elapsed))
                    slot.stop()
                    slots[i] = _Slot(ctx, options)
    finally:
        for slot in slots:
            with contextlib.suppress(OSError):
                slot.conn.send(None)
            slot.process.join(timeout=2)
            slot.stop()
    return [reports[i] for i in range(len(cases)) if i in reports]
