"""Command line: parse arguments, call the library, print, exit code. Thin on purpose.

Exit codes of ``run``: 0 when no case is ``fail`` or ``error``; 1 when one is;
2 when a case file is invalid or the command line is wrong (every problem is
printed, nothing is run, never a traceback). ``show``, ``validate``,
``schema`` and ``new`` exit 0 or 2.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from gradcheck_lab.case import Case
from gradcheck_lab.errors import CaseFileErrors, GradcheckError, UsageError
from gradcheck_lab.methods.registry import accepted_methods, method_problems
from gradcheck_lab.names import NAME_RE
from gradcheck_lab.options import RunOptions
from gradcheck_lab.parallel import auto_jobs
from gradcheck_lab.results import RunReport
from gradcheck_lab.suggest import did_you_mean
from gradcheck_lab.trace import command as trace_command

PROG = "gradcheck-lab"
FORMATS = ("table", "json", "junit", "markdown", "html")
DEFAULT_PATHS = ("cases",)
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Verify gradients: exact symbolic, finite differences, torch, JAX.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    run = sub.add_parser("run", help="check every case under PATH (default: cases/)")
    run.add_argument("paths", nargs="*", metavar="PATH",
                     help="case files or folders (searched recursively); default: cases/")
    _methods_option(run)
    run.add_argument("--format", choices=FORMATS, default="table", dest="fmt",
                     help="report format (default: table)")
    run.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    run.add_argument("-k", dest="keyword", metavar="PATTERN",
                     help="only cases whose name contains PATTERN or matches it as a glob")
    run.add_argument("--shard", metavar="K/N",
                     help="run only shard K of N (cases sorted by name, dealt round-robin)")
    run.add_argument("--strict", action="store_true",
                     help="a result at a non-differentiable point (kink) fails the case")
    run.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                     help="run cases in N worker processes (0: one per core; default: one "
                          "per core for large suites, else in this process)")
    run.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                     help="per-case time limit; a case over it (or whose worker crashes) is "
                          "'error' and the rest still runs (implies worker processes)")
    run.add_argument("--device", metavar="DEVICE", help="run torch, JAX and implementations on "
                     "DEVICE: cpu, cuda, cuda:N or auto (default: each case's own)")

    show = sub.add_parser("show", help="symbolic derivatives and every method's values for "
                                       "one case (a name found under --path) or a case file")
    show.add_argument("target", metavar="NAME|FILE")
    show.add_argument("--path", action="append", metavar="PATH",
                      help="where to look for the case name (repeatable; default: cases/)")
    show.add_argument("--full", action="store_true",
                      help="print every derivative formula, however large")
    _methods_option(show)

    validate = sub.add_parser("validate", help="check case files only (nothing is run)")
    validate.add_argument("paths", nargs="*", metavar="PATH",
                          help="case files or folders; default: cases/")
    _limit_option(validate)

    schema = sub.add_parser("schema", help="print the JSON Schema (draft 2020-12) of case files")
    schema.add_argument("--output", "-o", metavar="FILE", help="write it to FILE instead")

    new = sub.add_parser("new", help="write a commented starter case file NAME.yaml")
    new.add_argument("name", metavar="NAME", help="the case name ([A-Za-z0-9_.-]+)")
    new.add_argument("--output", "-o", metavar="FILE", help="where to write (default: NAME.yaml)")
    trace_command.add_parser(sub)
    return parser


def _methods_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--methods", metavar="A,B",
                        help="comma-separated methods to run (default: each case's own or all)")
    _limit_option(parser)


def _limit_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", action="append", metavar="NAME=VALUE",
                        help="change one limit of gradcheck_lab/limits.py, e.g. "
                             "max_points=5000 (repeatable; see README, Limits)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed usage (exit 2) or --help (exit 0)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    commands = {"run": _run, "show": _show, "validate": _validate, "schema": _schema,
                "new": _new, "trace": trace_command.run}
    from gradcheck_lab.backends.jax_cache import own_process_cache

    own_process_cache()  # this process is ours: JAX may keep compiled programs on disk
    try:
        return commands[args.command](args)
    except UsageError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        _error("interrupted")
        return 130


def _validate(args: argparse.Namespace) -> int:
    cases = _load(args.paths or list(DEFAULT_PATHS), args.limit)
    if cases is None:
        return EXIT_USAGE
    files = len({c.file for c in cases})
    print(f"ok: {len(cases)} case{'s' * (len(cases) != 1)} in {files} "
          f"file{'s' * (files != 1)}")
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    problems: list[str] = []
    methods = parse_methods(args.methods, problems) if args.methods is not None else None
    shard = parse_shard(args.shard, problems) if args.shard is not None else None
    if problems:
        for problem in problems:
            _error(problem)
        return EXIT_USAGE
    cases = _load(args.paths or list(DEFAULT_PATHS), args.limit)
    if cases is None:
        return EXIT_USAGE
    from gradcheck_lab.run import select

    cases = select(cases, args.keyword)
    if not cases:
        _error(f"no case matches -k {args.keyword!r}")
        return EXIT_USAGE
    if shard is not None:
        cases = select_shard(cases, *shard)
    try:
        cores = os.cpu_count() or 1
        jobs = (auto_jobs(len(cases), cores) if args.jobs is None
                else args.jobs if args.jobs > 0 else cores)
        options = RunOptions(methods=methods, strict=args.strict, keyword=args.keyword,
                             jobs=jobs, timeout=args.timeout, device=args.device)
        report = verify_with_progress(cases, options)
    except GradcheckError as exc:
        _error(str(exc))
        return EXIT_USAGE
    return _output(report, args.fmt, args.output)


def _output(report: RunReport, fmt: str, output: str | None) -> int:
    """Print or write the report in ``fmt``; the exit code of the run (2 if unwritable)."""
    from gradcheck_lab import report as formats
    from gradcheck_lab.report.terminal import summary_line

    if fmt == "table" and not output:
        from rich.console import Console

        formats.render(report, Console(width=None if sys.stdout.isatty() else 120))
        return report.exit_code
    if fmt == "html":
        with _status("drawing the HTML report's pictures"):
            text = formats.to_html(report)
    else:
        render = {"table": formats.render_text, "json": lambda r: formats.dumps(r) + "\n",
                  "junit": formats.to_junit, "markdown": formats.to_markdown}[fmt]
        text = render(report)
    if not output:
        sys.stdout.write(text)
        return report.exit_code
    if not _write(output, text):
        return EXIT_USAGE
    print(f"{summary_line(report)}; report written to {output}")
    return report.exit_code


def verify_with_progress(cases: Sequence[Case], options: RunOptions) -> RunReport:
    """``run_cases`` with a progress bar when stdout is a terminal."""
    from gradcheck_lab.run import run_cases  # the run machinery loads only when something runs

    start = time.perf_counter()
    if not (sys.stdout.isatty() and len(cases) > 1):
        reports = run_cases(cases, options)
        return RunReport(tuple(reports), time.perf_counter() - start)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), transient=True) as progress:
        task = progress.add_task("checking", total=len(cases))
        reports = run_cases(cases, options, progress=lambda r: progress.update(
            task, advance=1, description=f"checked {r.case.name}"))
    return RunReport(tuple(reports), time.perf_counter() - start)


def _show(args: argparse.Namespace) -> int:
    problems: list[str] = []
    methods = parse_methods(args.methods, problems) if args.methods is not None else None
    for problem in problems:
        _error(problem)
    if problems:
        return EXIT_USAGE
    target = Path(args.target)
    if target.is_file() or target.suffix in (".yaml", ".yml"):
        cases = _load([args.target], args.limit)
    else:
        cases = _load(args.path or list(DEFAULT_PATHS), args.limit)
        if cases is not None:
            found = [c for c in cases if c.name == args.target]
            if not found:
                hint = did_you_mean(args.target, [c.name for c in cases])
                where = ", ".join(args.path or DEFAULT_PATHS)
                _error(f"no case named {args.target!r} under {where}{hint}")
                return EXIT_USAGE
            cases = found
    if cases is None:
        return EXIT_USAGE
    from rich.console import Console

    from gradcheck_lab.report.show import render_show
    from gradcheck_lab.run import verify_case

    console = Console(width=None if sys.stdout.isatty() else 120)
    for number, case in enumerate(cases):
        if number:
            console.rule()
        try:
            render_show(verify_case(case, methods=methods), console, full=args.full)
        except GradcheckError as exc:
            _error(str(exc))
            return EXIT_USAGE
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    from gradcheck_lab.loader.schema import schema_text

    if args.output:
        return EXIT_OK if _write(args.output, schema_text(), quiet=False) else EXIT_USAGE
    sys.stdout.write(schema_text())
    return EXIT_OK


def _new(args: argparse.Namespace) -> int:
    from gradcheck_lab.loader.schema import starter_case

    if not NAME_RE.match(args.name):
        _error(f"invalid case name {args.name!r} (accepted: [A-Za-z0-9_.-]+)")
        return EXIT_USAGE
    path = Path(args.output or f"{args.name}.yaml")
    if path.exists():
        _error(f"{path} already exists; not overwriting it (choose another NAME or --output)")
        return EXIT_USAGE
    shipped = Path("schema/case.schema.json")  # the repository's copy, when run from its root
    ref = os.path.relpath(shipped.resolve(), path.resolve().parent) if shipped.is_file() else None
    text = starter_case(args.name, str(path), ref)
    return EXIT_OK if _write(str(path), text, quiet=False, exclusive=True) else EXIT_USAGE


def _write(path: str, text: str, quiet: bool = True, exclusive: bool = False) -> bool:
    try:
        with open(path, "x" if exclusive else "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        _error(f"cannot write {path}: {exc.strerror or exc}")
        return False
    if not quiet:
        print(f"wrote {path}")
    return True


def _status(message: str) -> contextlib.AbstractContextManager[object]:
    """A spinner on a terminal, nothing otherwise."""
    if not sys.stdout.isatty():
        return contextlib.nullcontext()
    from rich.console import Console

    return Console().status(message)


def _load(paths: Sequence[str], limit_options: Sequence[str] | None) -> list[Case] | None:
    """Every case under ``paths``, or None after printing every problem."""
    from gradcheck_lab.limits import parse_limit_options
    from gradcheck_lab.loader import load_paths

    limits = parse_limit_options(limit_options or ())  # UsageError: exit 2 in main()

    missing = [p for p in paths if not Path(p).exists()]
    for path in missing:
        _error(f"{path}: no such file or folder")
    present = [p for p in paths if p not in missing]
    try:
        cases = load_paths(present, limits) if present else []
    except CaseFileErrors as exc:
        for error in exc.errors:
            print(str(error), file=sys.stderr)  # starts with file:line, as editors expect
        count = len(exc.errors) + len(missing)
        _error(f"{count} problem{'s' * (count != 1)} in case files; nothing was run")
        return None
    if missing:
        return None
    if not cases:
        _error(f"no case files (*.yaml, *.yml) under {', '.join(map(str, paths))}")
        return None
    return cases


def parse_methods(text: str, problems: list[str]) -> tuple[str, ...]:
    """``a,b`` -> ("a", "b"); unknown names are appended to ``problems``."""
    names = [m.strip() for m in text.split(",") if m.strip()]
    if not names:
        problems.append(f"--methods is empty (accepted: {', '.join(accepted_methods())})")
    problems += [f"--methods: {problem}" for problem in method_problems(names)]
    return tuple(dict.fromkeys(names))


def parse_shard(text: str, problems: list[str]) -> tuple[int, int] | None:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if match:
        k, n = int(match.group(1)), int(match.group(2))
        if 1 <= k <= n:
            return k, n
    problems.append(f"--shard {text!r}: expected K/N with 1 <= K <= N, e.g. 2/4")
    return None


def select_shard(cases: list[Case], k: int, n: int) -> list[Case]:
    """Shard K of N: cases sorted by name, the i-th going to shard i mod N (1-based K)."""
    ordered = sorted(cases, key=lambda c: c.name)
    chosen = {c.name for i, c in enumerate(ordered) if i % n == k - 1}
    return [c for c in cases if c.name in chosen]


def _error(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


if __name__ == "__main__":  # python -m gradcheck_lab.cli
    sys.exit(main())
