"""``gradcheck-lab trace MODULE:FUNCTION --input NAME=VALUE``: the command lives with the
tracer (``gradcheck_lab.trace.command``); this module is its row in the CLI."""

from __future__ import annotations

from gradcheck_lab.trace.command import add_parser
from gradcheck_lab.trace.command import run as main

__all__ = ["add_parser", "main"]
