"""``gradcheck-lab trace module:function --input x=[...]``: a function's formula as a case.

The function is imported from the current folder first (as case files import theirs),
traced at the given point and printed as a ready case file (``trace.case_text``): the
inputs, the traced formula as ``expr`` and the function as an implementation. Exit 0 when
the formula was recovered, 1 when an operation could not be mapped (the case printed
then has no ``expr``: its reference is finite differences of the function), 2 for a wrong
command line.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Any

from gradcheck_lab.errors import CaseFileErrors, UsageError
from gradcheck_lab.names import TARGET_RE

EXIT_TRACED, EXIT_NUMERIC, EXIT_USAGE = 0, 1, 2


def add_parser(sub: Any) -> None:
    """The ``trace`` subcommand's arguments (``sub``: argparse's subparsers)."""
    trace = sub.add_parser("trace", help="trace a torch or JAX function at a point and print "
                                         "it as a ready case file")
    trace.add_argument("target", metavar="MODULE:FUNCTION",
                       help="the function, imported from the current folder first")
    trace.add_argument("--input", "-i", action="append", required=True, metavar="NAME=VALUE",
                       help="an input and its value at the point: a number, a list, or an "
                            "input spec such as '{value: [2, 0], dtype: int64}' (YAML); "
                            "repeat for each input")
    trace.add_argument("--framework", choices=("torch", "jax"),
                       help="default: the one the function's module imports")
    trace.add_argument("--name", help="the case name (default: the function's name)")
    trace.add_argument("--output", "-o", metavar="FILE", help="write the case to FILE")


def run(args: argparse.Namespace) -> int:
    from gradcheck_lab.loader import load_mapping
    from gradcheck_lab.trace.case_text import case_text
    from gradcheck_lab.trace.resolve import resolve

    if not TARGET_RE.match(args.target):
        raise UsageError(f"{args.target!r} is not 'module:function'")
    inputs = {name: value for name, value in map(_input, args.input)}
    framework = args.framework or _framework(args.target)
    name = args.name or re.sub(r"[^A-Za-z0-9_.-]", "_", args.target.split(":")[1])
    raw = {"name": name, "inputs": inputs,
           "implementations": [{"name": name, "framework": framework,
                                "function": args.target}]}
    try:
        (case,) = load_mapping(raw, "<trace>", os.getcwd())
    except CaseFileErrors as exc:
        raise UsageError("\n".join(str(e) for e in exc.errors)) from None
    resolved = resolve(case, case.points)
    text = case_text(resolved, inputs)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    assert resolved.traced is not None
    if not resolved.traced.exact:
        print(f"gradcheck-lab: not traced: {'; '.join(resolved.traced.unmapped)}",
              file=sys.stderr)
        return EXIT_NUMERIC
    return EXIT_TRACED


def _input(text: str) -> tuple[str, Any]:
    import yaml

    name, sep, value = text.partition("=")
    if not sep or not name.strip().isidentifier():
        raise UsageError(f"--input {text!r}: expected NAME=VALUE, e.g. x=[0.5, -1.0]")
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError as exc:
        raise UsageError(f"--input {text!r}: the value is not YAML ({exc})") from None
    return name.strip(), parsed


def _framework(target: str) -> str:
    """torch or jax: the one the function's module imports (both or neither: ask)."""
    from gradcheck_lab.methods.implementations import import_target

    try:
        fn = import_target(target, os.getcwd())
    except Exception as exc:  # noqa: BLE001 - the user's module: say what went wrong
        raise UsageError(f"cannot import {target}: {type(exc).__name__}: {exc}") from None
    found = {value.__name__.split(".")[0] for value in getattr(fn, "__globals__", {}).values()
             if type(value).__name__ == "module"} & {"torch", "jax"}
    if len(found) != 1:
        raise UsageError(f"which framework does {target} use? give --framework torch or jax")
    return found.pop()
