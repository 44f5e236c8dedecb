"""Limits that keep a hostile or mistaken case file from eating the machine.

Every limit is documented in the README and adjustable from the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_input_elements: int = 1_000_000     # per input (literal or random)
    max_cases_per_file: int = 1_000
    max_points: int = 1_000
    max_symbolic_elements: int = 20_000     # above this, sympy is skipped and fd is the reference


DEFAULT_LIMITS = Limits()
