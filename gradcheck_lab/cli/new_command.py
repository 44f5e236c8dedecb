"""``gradcheck-lab new NAME``: write a commented starter case file."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from gradcheck_lab.cli.common import EXIT_OK, EXIT_USAGE, error, write_file
from gradcheck_lab.names import NAME_RE


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("new", help="write a commented starter case file NAME.yaml")
    parser.add_argument("name", metavar="NAME", help="the case name ([A-Za-z0-9_.-]+)")
    parser.add_argument("--output", "-o", metavar="FILE", help="where to write (default: "
                                                                "NAME.yaml)")


def main(args: argparse.Namespace) -> int:
    from gradcheck_lab.loader.schema import starter_case

    if not NAME_RE.match(args.name):
        error(f"invalid case name {args.name!r} (accepted: [A-Za-z0-9_.-]+)")
        return EXIT_USAGE
    path = Path(args.output or f"{args.name}.yaml")
    if path.exists():
        error(f"{path} already exists; not overwriting it (choose another NAME or --output)")
        return EXIT_USAGE
    shipped = Path("schema/case.schema.json")  # the repository's copy, when run from its root
    ref = os.path.relpath(shipped.resolve(), path.resolve().parent) if shipped.is_file() else None
    text = starter_case(args.name, str(path), ref)
    return EXIT_OK if write_file(str(path), text, quiet=False, exclusive=True) else EXIT_USAGE
