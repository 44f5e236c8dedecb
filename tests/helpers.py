"""Test helpers: one way to build a case from text, write a file, run the command line.

Fixtures built on these live in ``tests/conftest.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

from gradcheck_lab.case import Case
from gradcheck_lab.loader import load_document, load_yaml

ROOT = Path(__file__).resolve().parents[1]


def case_from(text: str, file: str = "test.yaml") -> Case:
    """The one case of a YAML text (dedented), built by the real loader, nothing on disk."""
    cases = load_document(load_yaml(textwrap.dedent(text), file), file)
    assert len(cases) == 1, [c.name for c in cases]
    return cases[0]


def write(folder: Path, name: str, text: str) -> Path:
    """``folder/name`` holding ``text`` (dedented, leading newlines dropped); its path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def cli_subprocess(args: Sequence[str], cwd: Path, *, timeout: float = 60,
                   env: dict[str, str] | None = None,
                   preexec: object = None) -> tuple[int, str, float]:
    """The command line in a fresh interpreter: (exit code, stdout + stderr, seconds)."""
    environment = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="200", **(env or {}))
    code = "import sys; from gradcheck_lab.cli import main; sys.exit(main())"
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         timeout=timeout, cwd=cwd, env=environment,
                         preexec_fn=preexec)  # type: ignore[arg-type]
    return run.returncode, run.stdout + run.stderr, time.perf_counter() - start
