"""``gradcheck-lab new NAME [--template T]``: write a commented starter case file (and,
for ``implementation``, the Python module it puts on trial)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from gradcheck_lab.cli.common import EXIT_OK, EXIT_USAGE, error, write_file
from gradcheck_lab.loader.templates import TEMPLATES, module_name, starter_case, starter_code
from gradcheck_lab.names import NAME_RE


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "new", help="write a commented starter case file NAME.yaml",
        description="Write a commented case file that loads and passes. Templates: "
                    + "; ".join(f"{name}: {t.doc}" for name, t in TEMPLATES.items()) + ".")
    parser.add_argument("name", metavar="NAME", help="the case name ([A-Za-z0-9_.-]+)")
    parser.add_argument("--template", "-t", choices=list(TEMPLATES), default="claim",
                        help="what the case shows (default: claim)")
    parser.add_argument("--output", "-o", metavar="FILE", help="where to write (default: "
                                                                "NAME.yaml)")


def main(args: argparse.Namespace) -> int:
    if not NAME_RE.match(args.name):
        error(f"invalid case name {args.name!r} (accepted: [A-Za-z0-9_.-]+)")
        return EXIT_USAGE
    path = Path(args.output or f"{args.name}.yaml")
    code = starter_code(args.name, args.template)
    module = path.parent / f"{module_name(args.name)}.py"
    for target in [path] + ([module] if code is not None else []):
        if target.exists():
            error(f"{target} already exists; not overwriting it (choose another NAME or "
                  "--output)")
            return EXIT_USAGE
    shipped = Path("schema/case.schema.json")  # the repository's copy, when run from its root
    ref = os.path.relpath(shipped.resolve(), path.resolve().parent) if shipped.is_file() else None
    text = starter_case(args.name, str(path), ref, args.template)
    if not write_file(str(path), text, quiet=False, exclusive=True):
        return EXIT_USAGE
    if code is not None and not write_file(str(module), code, quiet=False, exclusive=True):
        return EXIT_USAGE
    return EXIT_OK
