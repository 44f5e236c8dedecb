"""``gradcheck-lab run [PATH ...]``: check cases, print and write the reports, exit code."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from gradcheck_lab.cli.common import EXIT_USAGE, error, load, select_shard
from gradcheck_lab.cli.run_settings import FILE_OPTIONS, FORMATS, Once, settings
from gradcheck_lab.cli.validate_command import limit_option
from gradcheck_lab.config import PLOTS
from gradcheck_lab.errors import GradcheckError


def add_parser(sub: Any) -> None:
    run = sub.add_parser("run", help="check every case under PATH (default: [tool.gradcheck-lab]"
                                     " paths, else cases/)")
    run.add_argument("paths", nargs="*", metavar="PATH",
                     help="case files or folders (searched recursively)")
    run.add_argument("--methods", metavar="A,B",
                     help="comma-separated methods to run (default: each case's own or all)")
    limit_option(run)
    out = run.add_argument_group("reports (any number at once)")
    out.add_argument("--format", choices=FORMATS, dest="fmt", action=Once,
                     help="print this format instead of the terminal report (or write it to "
                          "--output)")
    out.add_argument("--output", "-o", metavar="FILE", action=Once,
                     help="write the --format report (or the one FILE's suffix names: .json, "
                          ".xml, .md, .html, .txt) to FILE; only the summary line is printed")
    for flag, fmt in FILE_OPTIONS.items():
        out.add_argument(f"--{flag}", metavar="PATH", action=Once,
                         help=f"also write the {fmt} report to PATH")
    out.add_argument("--no-step-summary", action="store_true",
                     help="do not append the Markdown report to $GITHUB_STEP_SUMMARY")
    out.add_argument("--plots", choices=PLOTS, action=Once,
                     help="HTML pictures: for failing cases (default), all, or none")
    out.add_argument("--no-plots", action="store_true", help="same as --plots none")
    out.add_argument("-q", "--quiet", action="count", default=0,
                     help="no table, only what did not pass (-qq: only the summary line)")
    out.add_argument("-v", "--verbose", action="count", default=0,
                     help="one line per case as it is checked, and every case's details")
    pick = run.add_argument_group("which cases")
    pick.add_argument("-k", dest="keyword", metavar="EXPRESSION",
                      help="case names, as pytest's -k: 'softmax and not jacobian' (words "
                           "are substrings, ignoring case, or globs)")
    pick.add_argument("--lf", "--last-failed", dest="last_failed", action="store_true",
                      help="only the cases that failed last time (all when none did)")
    pick.add_argument("-x", "--exitfirst", action="store_true",
                      help="stop after the first failing case")
    pick.add_argument("--shard", metavar="K/N",
                      help="run only shard K of N (cases sorted by name, dealt round-robin)")
    how = run.add_argument_group("how")
    how.add_argument("--strict", action="store_true",
                     help="a result at a non-differentiable point (kink) fails the case, and "
                          "so does a built-in method failing beside code on trial")
    how.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                     help="run cases in N worker processes (0: one per core; default: one "
                          "per core for large suites, else in this process)")
    how.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                     help="per-case time limit; a case over it (or whose worker crashes) is "
                          "'error' and the rest still runs (implies worker processes)")
    how.add_argument("--device", metavar="DEVICE", help="run torch, JAX and implementations on "
                     "DEVICE: cpu, cuda, cuda:N or auto (default: each case's own)")


def main(args: argparse.Namespace) -> int:
    from gradcheck_lab.cli import cache
    from gradcheck_lab.cli.outputs import emit
    from gradcheck_lab.cli.progress import run_with_progress
    from gradcheck_lab.config import find_config
    from gradcheck_lab.options import RunOptions
    from gradcheck_lab.parallel import auto_jobs
    from gradcheck_lab.run import select

    config = find_config()
    chosen = settings(args, config)  # UsageError: every problem, exit 2
    cases = load(chosen.paths, chosen.limits)
    if cases is None:
        return EXIT_USAGE
    cases = select(cases, chosen.keyword)
    if not cases:
        error(f"no case matches -k {chosen.keyword!r}")
        return EXIT_USAGE
    if chosen.last_failed:
        cases, note = cache.select_last_failed(cases, chosen.root)
        print(note, file=sys.stderr if chosen.outputs.stdout else sys.stdout)
    if chosen.shard is not None:
        cases = select_shard(cases, *chosen.shard)
    cores = os.cpu_count() or 1
    jobs = (auto_jobs(len(cases), cores) if chosen.jobs is None
            else chosen.jobs if chosen.jobs > 0 else cores)
    try:
        options = RunOptions(methods=chosen.methods, strict=chosen.strict,
                             keyword=chosen.keyword, limits=chosen.limits, jobs=jobs,
                             timeout=chosen.timeout, device=chosen.device,
                             tolerance=chosen.tolerance,
                             exitfirst=chosen.exitfirst)
        report = run_with_progress(cases, options, chosen.verbosity)
    except GradcheckError as exc:
        error(str(exc))
        return EXIT_USAGE
    cache.update(chosen.root, report)
    if chosen.exitfirst and len(report.cases) < len(cases):
        print(f"-x: stopped after the first failing case; {len(report.cases)} of {len(cases)} "
              "cases checked", file=sys.stderr)
    return emit(report, chosen.outputs, chosen.verbosity)
