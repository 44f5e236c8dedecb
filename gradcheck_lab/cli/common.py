"""What the subcommands share: exit codes, printing a problem, writing a file, loading
cases (every problem printed), and parsing ``--methods`` and ``--shard``."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from gradcheck_lab.case import Case
from gradcheck_lab.errors import CaseFileErrors
from gradcheck_lab.limits import Limits
from gradcheck_lab.methods.registry import accepted_methods, method_problems

PROG = "gradcheck-lab"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_PATHS = ("cases",)
PIPE_WIDTH = 120  # output that is not a terminal and says nothing of its width


def error(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


def terminal_width() -> int | None:
    """The width to render at: the terminal's; when piped, ``$COLUMNS`` or 120 (rich
    would fall back to 80 and wrap the report)."""
    if sys.stdout.isatty():
        return None  # rich asks the terminal
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else PIPE_WIDTH


def write_file(path: str, text: str, *, quiet: bool = True, exclusive: bool = False,
               append: bool = False) -> bool:
    """Write (or append) ``text``; False after printing why it could not be written."""
    try:
        folder = Path(path).parent
        if not exclusive and not folder.exists():
            folder.mkdir(parents=True, exist_ok=True)
        mode = "x" if exclusive else "a" if append else "w"
        with open(path, mode, encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        error(f"cannot write {path}: {exc.strerror or exc}")
        return False
    if not quiet:
        print(f"wrote {path}")
    return True


def load(paths: Sequence[str], limits: Limits) -> list[Case] | None:
    """Every case under ``paths``, or None after printing every problem."""
    from gradcheck_lab.loader import load_paths

    missing = [p for p in paths if not Path(p).exists()]
    for path in missing:
        error(f"{path}: no such file or folder")
    present = [p for p in paths if p not in missing]
    try:
        cases = load_paths(present, limits) if present else []
    except CaseFileErrors as exc:
        for problem in exc.errors:
            print(str(problem), file=sys.stderr)  # starts with file:line, as editors expect
        count = len(exc.errors) + len(missing)
        error(f"{count} problem{'s' * (count != 1)} in case files; nothing was run")
        return None
    if missing:
        return None
    if not cases:
        error(f"no case files (*.yaml, *.yml) under {', '.join(map(str, paths))}")
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


