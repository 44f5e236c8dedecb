"""Run cases in worker processes: ``--jobs N`` in parallel, each case under a timeout.

A worker that crashes (a segfault in a framework), runs out of memory or exceeds the
per-case timeout is killed and replaced, and every other case still runs. The worker
reports each step of a case before it runs (a method at a point, judging a point, the
display-only formulas and diagnosis: ``runner.Observer``), each result once computed
and the judged report, so the step that hung is the one blamed:

* a method: the case is run again in a fresh worker with that method ``error`` (saying
  what happened, and where) from the point it hung on; every result already computed
  is reused, not computed again;
* judging a point (the point's conditioning costs exact evaluations): run again, from
  the results already computed, judged without the conditioning, and the case says so;
* formulas or diagnosis (they only explain the verdicts): the judged report stands,
  without them, and says so. Nothing runs again.

Only when no step was running (loading a module) or the same step fails twice does
the whole case become ``error``. Workers are started with ``spawn`` (torch and JAX are
not fork-safe) and reused across cases, so each imports its frameworks once and keeps
its caches (compiled JAX programs, SymPy models) from case to case. A free worker
reserves its next few cases (``WARM_UP_CASES``, fewer near the end so workers finish
together) and warms up for them as the first one starts (``warm_up``): JAX compiles
their programs as one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import time
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

from gradcheck_lab.case import Case
from gradcheck_lab.options import RunOptions
from gradcheck_lab.results import CaseReport, MethodResult
from gradcheck_lab.runner import DISPLAY_ONLY, JUDGING, PHASES, Resume
from gradcheck_lab.warm_up import WARM_UP_CASES

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


class _Reporter:
    """The worker's ``runner.Observer``: every step, result and judged report to the parent."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def step(self, name: str, point: int) -> None:
        self.conn.send(("step", name, point))

    def result(self, point: int, result: MethodResult) -> None:
        self.conn.send(("result", point, result))

    def judged(self, report: CaseReport) -> None:
        self.conn.send(("judged", report))


def _worker(conn: Connection, options: RunOptions) -> None:
    from gradcheck_lab.backends import jax_cache, sympy_cache

    jax_cache.own_process_cache()  # a worker process is ours (before the runner imports
    sympy_cache.own_process_cache()  # JAX or SymPy)
    from gradcheck_lab.runner import run_case

    reporter = _Reporter(conn)
    while True:
        item = conn.recv()
        if item is None:
            return
        _, case, resume, upcoming = item
        try:
            report = run_case(case, options, resume=resume, observer=reporter,
                              upcoming=upcoming)
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
        self.queue: list[tuple[int, Resume]] = []  # cases reserved for it, next first
        self.warm_up = False  # whether the next case starts a reserved run
        self.resume = Resume()
        self.known: dict[tuple[str, int], MethodResult] = {}  # results of this attempt
        self.running: tuple[str, int] | None = None  # (step, point) now running
        self.judged: CaseReport | None = None
        self.started = 0.0

    def assign(self, index: int, case: Case, resume: Resume,
               upcoming: Sequence[Case] = ()) -> None:
        self.index, self.resume = index, resume
        self.known, self.running, self.judged = dict(resume.known), None, None
        self.started = time.monotonic()
        self.conn.send((index, case, resume, tuple(upcoming)))

    def reserve(self, pending: list[tuple[int, Resume]], stride: int) -> None:
        """Take this worker's next cases from ``pending`` (a stack: the next case last),
        dealt as cards to ``stride`` workers: every ``stride``-th case from the next, its
        share of them and at most ``WARM_UP_CASES``. It warms up for them together, and
        cases still start in about the order given."""
        share = -(-len(pending) // stride)
        places = [len(pending) - 1 - k * stride for k in range(min(WARM_UP_CASES, share))]
        self.queue = [pending[p] for p in places]
        for p in places:  # from the top down, so each place is still right
            del pending[p]
        self.warm_up = bool(self.queue)

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


def _blame(slot: _Slot, failure: str, case: Case, elapsed: float
           ) -> tuple[CaseReport | None, Resume | None]:
    """After a crash or hang: the final report (a display step hung, or nothing to blame),
    or how to run the case again."""
    if slot.running is None or slot.running[0] in slot.resume.failed:
        return error_report(case, failure, elapsed), None
    step, point = slot.running
    if step in DISPLAY_ONLY and slot.judged is not None:
        note = f"{step} {failure} (display only): the verdicts stand, without {step}"
        message = "; ".join(m for m in (slot.judged.message, note) if m)
        return dataclasses.replace(slot.judged, message=message), None
    if step == JUDGING:
        message = (f"judging point {point} {failure}: judged again without the point's "
                   "conditioning")
    elif step in PHASES:
        return error_report(case, f"{failure} in {step}", elapsed), None
    else:
        message = (f"{failure} while running at point {point}; the case's other methods "
                   "gave their results without it")
    return None, Resume({**slot.resume.failed, step: message}, dict(slot.known))


def run_parallel(cases: Sequence[Case], options: RunOptions, progress: Progress | None = None,
                 starting: Callable[[Case], object] | None = None) -> list[CaseReport]:
    """Reports in the order of ``cases``; a case whose worker dies or times out is ``error``
    in the step that hung (see the module's docstring). ``starting(case)`` is called as
    each case goes to a worker (not again when it runs again after a crash or hang).

    ``options.jobs`` workers (at most one per case); ``options.timeout`` seconds per case.
    With ``options.exitfirst``, the first failing case stops the run: cases still running
    are dropped, and only the finished ones are reported.
    """
    timeout = options.timeout
    ctx = multiprocessing.get_context("spawn")
    pending: list[tuple[int, Resume]] = [(i, Resume()) for i in range(len(cases))][::-1]
    reports: dict[int, CaseReport] = {}
    slots = [_Slot(ctx, options) for _ in range(max(1, min(options.jobs, len(cases))))]

    def finish(index: int, report: CaseReport) -> None:
        reports[index] = report
        if progress is not None:
            progress(report)
        if options.exitfirst and report.status in ("fail", "error"):
            pending.clear()

    try:
        while len(reports) < len(cases) and (pending or any(
                s.index is not None or s.queue for s in slots)):
            if options.exitfirst and any(r.status in ("fail", "error")
                                         for r in reports.values()):
                break  # the workers still running are stopped below
            idle = [s for s in slots if s.index is None and not s.queue]
            for n, slot in enumerate(idle):
                if pending:
                    slot.reserve(pending, len(idle) - n)
            for slot in slots:
                if slot.index is not None or not slot.queue:
                    continue
                # the first case of a reserved run warms the worker up for all of them
                upcoming = [cases[i] for i, r in slot.queue if not r.failed] \
                    if slot.warm_up else []
                slot.warm_up = False
                index, resume = slot.queue.pop(0)
                if starting is not None and not resume.failed:
                    starting(cases[index])
                slot.assign(index, cases[index], resume, upcoming)
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
                        if kind == "step":
                            slot.running = (message[0], message[1])
                        elif kind == "result":
                            slot.known[(message[1].method, message[0])] = message[1]
                        elif kind == "judged":
                            slot.judged = message[0]
                        else:
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
                    final, again = _blame(slot, failure, cases[slot.index], elapsed)
                    if final is not None:
                        finish(slot.index, final)
                    pending.extend(reversed(slot.queue))  # its reserved cases go back
                    if again is not None:
                        pending.append((slot.index, again))  # next, in a fresh worker
                    slot.stop()
                    slots[i] = _Slot(ctx, options)
    finally:
        for slot in slots:
            with contextlib.suppress(OSError):
                slot.conn.send(None)
            slot.process.join(timeout=2)
            slot.stop()
    return [reports[i] for i in range(len(cases)) if i in reports]
