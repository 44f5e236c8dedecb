"""``gradcheck-lab validate [PATH ...]``: load and check case files; every problem listed."""

from __future__ import annotations

import argparse
from typing import Any

from gradcheck_lab.cli.common import DEFAULT_PATHS, EXIT_OK, EXIT_USAGE, load


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("validate", help="check case files only (nothing is run); every "
                                             "problem of every file is listed")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="case files or folders; default: [tool.gradcheck-lab] paths, "
                             "else cases/")
    limit_option(parser)


def limit_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", action="append", metavar="NAME=VALUE",
                        help="change one limit of gradcheck_lab/limits.py, e.g. "
                             "max_points=5000 (repeatable; see README, Limits)")


def main(args: argparse.Namespace) -> int:
    from gradcheck_lab.config import find_config
    from gradcheck_lab.limits import parse_limit_options

    config = find_config()
    limits = parse_limit_options(args.limit or (), config.limits)
    cases = load(args.paths or list(config.paths or DEFAULT_PATHS), limits)
    if cases is None:
        return EXIT_USAGE
    files = len({c.file for c in cases})
    print(f"ok: {len(cases)} case{'s' * (len(cases) != 1)} in {files} "
          f"file{'s' * (files != 1)}")
    return EXIT_OK
