"""``gradcheck-lab show NAME|FILE``: symbolic derivatives and every method's values."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gradcheck_lab.cli.common import (
    DEFAULT_PATHS,
    EXIT_OK,
    EXIT_USAGE,
    error,
    load,
    parse_methods,
    terminal_width,
)
from gradcheck_lab.cli.validate_command import limit_option
from gradcheck_lab.errors import GradcheckError
from gradcheck_lab.suggest import did_you_mean


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("show", help="symbolic derivatives and every method's values for "
                                         "one case (a name found under --path) or a case file")
    parser.add_argument("target", metavar="NAME|FILE")
    parser.add_argument("--path", action="append", metavar="PATH",
                        help="where to look for the case name (repeatable; default: "
                             "[tool.gradcheck-lab] paths, else cases/)")
    parser.add_argument("--full", action="store_true",
                        help="print every derivative formula, however large")
    parser.add_argument("--methods", metavar="A,B",
                        help="comma-separated methods to run (default: each case's own or all)")
    limit_option(parser)


def main(args: argparse.Namespace) -> int:
    from gradcheck_lab.config import find_config
    from gradcheck_lab.limits import parse_limit_options

    problems: list[str] = []
    methods = parse_methods(args.methods, problems) if args.methods is not None else None
    for problem in problems:
        error(problem)
    if problems:
        return EXIT_USAGE
    config = find_config()
    limits = parse_limit_options(args.limit or (), config.limits)
    target = Path(args.target)
    if target.is_file() or target.suffix in (".yaml", ".yml"):
        cases = load([args.target], limits)
    else:
        where = args.path or list(config.paths or DEFAULT_PATHS)
        cases = load(where, limits)
        if cases is not None:
            found = [c for c in cases if c.name == args.target]
            if not found:
                hint = did_you_mean(args.target, [c.name for c in cases])
                error(f"no case named {args.target!r} under {', '.join(where)}{hint}")
                return EXIT_USAGE
            cases = found
    if cases is None:
        return EXIT_USAGE
    from rich.console import Console

    from gradcheck_lab.report.show import render_show
    from gradcheck_lab.run import verify_case

    console = Console(width=terminal_width())
    for number, case in enumerate(cases):
        if number:
            console.rule()
        try:
            render_show(verify_case(case, methods=methods), console, full=args.full)
        except GradcheckError as exc:
            error(str(exc))
            return EXIT_USAGE
    return EXIT_OK
