"""benchmarks/language_coverage.py's entries stay true: every function written in the language
parses and evaluates to finite numbers (the 'after' column), and the ones not written say
why (complex numbers, a list of outputs, an ODE solver, or a loop with state)."""

from __future__ import annotations

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from coverage_functions import ENTRIES  # noqa: E402
from language_coverage import check  # noqa: E402


def test_every_written_entry_parses_and_evaluates() -> None:
    written = [(e.name, e.expr) for e in ENTRIES if e.expr is not None]
    assert len(ENTRIES) >= 100
    problems = {name: why for name, why in check(written).items() if why}
    assert not problems


def test_every_unwritten_entry_says_why() -> None:
    allowed = ("complex numbers", "a list of outputs", "an ODE solver", "with state")
    for e in ENTRIES:
        if e.expr is None:
            assert any(a in e.why for a in allowed), e
    assert sum(e.expr is None for e in ENTRIES) == 12
