"""``--lf/--last-failed``: the cases that failed last time, kept in ``.gradcheck_cache/``.

Like pytest's cache: after each run, cases that failed (``fail`` or ``error``) are
added to ``lastfailed``, cases that ran without failing are removed from it, and cases
not run keep their entry. The folder sits in the project's root (the folder of the
``pyproject.toml`` with ``[tool.gradcheck-lab]``, else the current one) and ignores
itself in git.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from gradcheck_lab.case import Case
from gradcheck_lab.results import RunReport

FOLDER = ".gradcheck_cache"
LAST_FAILED = "lastfailed.json"
_README = ("# gradcheck-lab's cache (--lf/--last-failed reads lastfailed.json).\n"
           "# Created by gradcheck-lab automatically; safe to delete.\n")


def case_key(case: Case, root: Path) -> str:
    """``file::name``, the file relative to ``root`` when it lies below it."""
    file = Path(case.file).resolve()
    shown = file.relative_to(root.resolve()) if file.is_relative_to(root.resolve()) else file
    return f"{shown.as_posix()}::{case.name}"


def last_failed(root: Path) -> set[str]:
    try:
        data = json.loads((root / FOLDER / LAST_FAILED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {k for k in data if isinstance(k, str)} if isinstance(data, dict) else set()


def select_last_failed(cases: Sequence[Case], root: Path) -> tuple[list[Case], str]:
    """The cases that failed last time, and a line saying what was chosen (all of them
    when none failed or nothing is recorded, as pytest does)."""
    failed = last_failed(root)
    chosen = [c for c in cases if case_key(c, root) in failed]
    if not chosen:
        return list(cases), "--lf: no case failed last time (or no record); running all"
    return chosen, (f"--lf: running the {len(chosen)} case{'s' * (len(chosen) != 1)} that "
                    f"failed last time, of {len(cases)}")


def update(root: Path, report: RunReport) -> None:
    """Record this run's failures; a cache that cannot be written is skipped silently."""
    failed = last_failed(root)
    for case in report.cases:
        key = case_key(case.case, root)
        if case.status in ("fail", "error"):
            failed.add(key)
        else:
            failed.discard(key)
    folder = root / FOLDER
    if not failed and not folder.exists():
        return  # nothing to remember: leave the project alone
    try:
        folder.mkdir(exist_ok=True)
        if not (folder / ".gitignore").exists():
            (folder / ".gitignore").write_text("# created by gradcheck-lab\n*\n")
            (folder / "README.md").write_text(_README)
        (folder / LAST_FAILED).write_text(json.dumps({k: True for k in sorted(failed)},
                                                     indent=1) + "\n", encoding="utf-8")
    except OSError:
        pass  # a read-only checkout still runs
