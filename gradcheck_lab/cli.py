"""Command line: argparse -> loader -> run.verify -> report -> exit code. Thin on purpose.

Exit codes of ``run``: 0 when no case is ``fail`` or ``error``; 1 when one is;
2 when a case file is invalid or the command line is wrong (every problem is
printed, nothing is run, never a traceback).
"""

from __future__ import annotations

import argparse
import fnmatch
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from gradcheck_lab.case import Case
from gradcheck_lab.errors import CaseFileErrors, GradcheckError, UsageError
from gradcheck_lab.methods import BUILTIN_METHODS, CLAIM_PREFIX, EXPECT_METHOD, IMPL_PREFIX

PROG = "gradcheck-lab"
FORMATS = ("table", "json", "junit", "markdown", "html")
IMPLEMENTED_FORMATS = ("table", "json")
DEFAULT_PATHS = ("cases",)
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Verify gradients: exact symbolic, finite differences, torch, JAX.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    run = sub.add_parser("run", help="check every case under PATH (default: cases/)")
    run.add_argument("paths", nargs="*", metavar="PATH",
                     help="case files or folders (searched recursively); default: cases/")
    run.add_argument("--methods", metavar="A,B",
                     help="comma-separated methods to run (default: each case's own or all)")
    run.add_argument("--format", choices=FORMATS, default="table", dest="fmt",
                     help="report format (junit, markdown, html: not implemented yet)")
    run.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    run.add_argument("-k", dest="keyword", metavar="PATTERN",
                     help="only cases whose name contains PATTERN or matches it as a glob")
    run.add_argument("--shard", metavar="K/N",
                     help="run only shard K of N (cases sorted by name, dealt round-robin)")
    run.add_argument("--strict", action="store_true",
                     help="a result at a non-differentiable point (kink) fails the case")

    validate = sub.add_parser("validate", help="check case files only (nothing is run)")
    validate.add_argument("paths", nargs="*", metavar="PATH",
                          help="case files or folders; default: cases/")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed usage (exit 2) or --help (exit 0)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        if args.command == "validate":
            return _validate(args)
        return _run(args)
    except UsageError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        _error("interrupted")
        return 130


def _validate(args: argparse.Namespace) -> int:
    cases = _load(args.paths or list(DEFAULT_PATHS))
    if cases is None:
        return EXIT_USAGE
    files = len({c.file for c in cases})
    print(f"ok: {len(cases)} case{'s' * (len(cases) != 1)} in {files} "
          f"file{'s' * (files != 1)}")
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    problems: list[str] = []
    methods = parse_methods(args.methods, problems) if args.methods is not None else None
    if args.fmt not in IMPLEMENTED_FORMATS:
        problems.append(f"--format {args.fmt} is not implemented yet "
                        f"(available: {', '.join(IMPLEMENTED_FORMATS)})")
    shard = parse_shard(args.shard, problems) if args.shard is not None else None
    if problems:
        for problem in problems:
            _error(problem)
        return EXIT_USAGE
    cases = _load(args.paths or list(DEFAULT_PATHS))
    if cases is None:
        return EXIT_USAGE
    if args.keyword is not None:
        cases = [c for c in cases if matches(c.name, args.keyword)]
        if not cases:
            _error(f"no case matches -k {args.keyword!r}")
            return EXIT_USAGE
    if shard is not None:
        cases = select_shard(cases, *shard)

    from gradcheck_lab.run import verify  # the run machinery loads only when something runs

    try:
        report = verify(cases, methods=methods, strict=args.strict)
    except GradcheckError as exc:
        _error(str(exc))
        return EXIT_USAGE

    from gradcheck_lab.report import dumps, render, render_text
    from gradcheck_lab.report.terminal import summary_line

    if args.fmt == "json":
        text = dumps(report) + "\n"
    elif args.output:
        text = render_text(report)
    else:
        from rich.console import Console

        render(report, Console(width=None if sys.stdout.isatty() else 120))
        return report.exit_code
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            _error(f"cannot write {args.output}: {exc.strerror}")
            return EXIT_USAGE
        print(f"{summary_line(report)}; report written to {args.output}")
    else:
        sys.stdout.write(text)
    return report.exit_code


def _load(paths: Sequence[str]) -> list[Case] | None:
    """Every case under ``paths``, or None after printing every problem."""
    from gradcheck_lab.loader import load_paths

    try:
        cases = load_paths(paths)
    except CaseFileErrors as exc:
        for error in exc.errors:
            print(str(error), file=sys.stderr)  # starts with file:line, as editors expect
        count = len(exc.errors)
        _error(f"{count} problem{'s' * (count != 1)} in case files; nothing was run")
        return None
    if not cases:
        _error(f"no case files (*.yaml, *.yml) under {', '.join(map(str, paths))}")
        return None
    return cases


def accepted_methods() -> list[str]:
    return [*BUILTIN_METHODS, EXPECT_METHOD, CLAIM_PREFIX + "NAME", CLAIM_PREFIX + "*",
            IMPL_PREFIX + "NAME", IMPL_PREFIX + "*"]


def parse_methods(text: str, problems: list[str]) -> tuple[str, ...]:
    """``a,b`` -> ("a", "b"); unknown names are appended to ``problems``."""
    names = [m.strip() for m in text.split(",") if m.strip()]
    if not names:
        problems.append(f"--methods is empty (accepted: {', '.join(accepted_methods())})")
    for name in names:
        prefixed = name.startswith((CLAIM_PREFIX, IMPL_PREFIX))
        suffix = name.split(":", 1)[1] if prefixed else ""
        if not (name in BUILTIN_METHODS or name == EXPECT_METHOD
                or (prefixed and (suffix == "*" or _NAME_RE.match(suffix)))):
            problems.append(f"--methods: unknown method '{name}' "
                            f"(accepted: {', '.join(accepted_methods())})")
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


def matches(name: str, pattern: str) -> bool:
    """-k: substring, or a glob (fnmatch, case-sensitive) over the whole name."""
    return pattern in name or fnmatch.fnmatchcase(name, pattern)


def _error(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


if __name__ == "__main__":  # python -m gradcheck_lab.cli
    sys.exit(main())
