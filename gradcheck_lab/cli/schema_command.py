"""``gradcheck-lab schema [--output FILE]``: the JSON Schema of case files."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gradcheck_lab.cli.common import EXIT_OK, EXIT_USAGE, write_file


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("schema", help="print the JSON Schema (draft 2020-12) of case files")
    parser.add_argument("--output", "-o", metavar="FILE", help="write it to FILE instead")


def main(args: argparse.Namespace) -> int:
    from gradcheck_lab.loader.schema import schema_text

    if args.output:
        return EXIT_OK if write_file(args.output, schema_text(), quiet=False) else EXIT_USAGE
    sys.stdout.write(schema_text())
    return EXIT_OK
