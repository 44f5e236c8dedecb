"""Command line: parse arguments, call the library, print, exit code. Thin on purpose.

One module per subcommand (``run``, ``show``, ``validate``, ``schema``, ``new``,
``trace``), each
with ``add_parser(subparsers)`` and ``main(args) -> exit code``: a new subcommand is a
module and a row in ``COMMANDS``. ``gradcheck-lab``, ``python -m gradcheck_lab`` and
``python -m gradcheck_lab.cli`` all land in :func:`main`.

Exit codes of ``run``: 0 when no case is ``fail`` or ``error``; 1 when one is;
2 when a case file is invalid or the command line (or ``[tool.gradcheck-lab]``) is
wrong: every problem is printed, nothing is run, never a traceback. ``show``,
``validate``, ``schema`` and ``new`` exit 0 or 2; ``trace`` exits 0 when the formula
was recovered, 1 when an operation could not be mapped, 2 for a wrong command line.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from gradcheck_lab.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    error,
    parse_methods,
    parse_shard,
    select_shard,
)
from gradcheck_lab.errors import UsageError

# subcommand -> module gradcheck_lab.cli.<module>, in the order `--help` lists them
COMMANDS = {"run": "run_command", "show": "show_command", "validate": "validate_command",
            "schema": "schema_command", "new": "new_command", "trace": "trace_command"}

__all__ = ["COMMANDS", "EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "PROG", "build_parser", "main",
           "parse_methods", "parse_shard", "select_shard"]


def command(name: str) -> ModuleType:
    return importlib.import_module(f"gradcheck_lab.cli.{COMMANDS[name]}")


def build_parser() -> argparse.ArgumentParser:
    from gradcheck_lab import __version__

    parser = argparse.ArgumentParser(
        prog=PROG, description="Verify gradients: exact symbolic, finite differences, torch, JAX.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        command(name).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed usage (exit 2), --help or --version (exit 0)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    from gradcheck_lab.backends import jax_cache, sympy_cache

    jax_cache.own_process_cache()  # this process is ours: JAX may keep programs on disk,
    sympy_cache.own_process_cache()  # and SymPy a cache that large graphs fit in
    try:
        code: int = command(args.command).main(args)
        return code
    except UsageError as exc:
        error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        error("interrupted")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
