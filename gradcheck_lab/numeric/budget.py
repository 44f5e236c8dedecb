"""The exact reference's budget: seconds per case and nodes per SymPy graph.

The exact method builds and sweeps a SymPy DAG whose size grows with the expression (a
conv, an LU of a large matrix, a long sort). A case that would take longer than its
budget says so and leaves the reference to finite differences instead of hanging until
``--timeout`` (the per-case limit of the runner). Time accumulates over a case's points;
the loops of ``precise_eval`` and the graph build call :meth:`Budget.check` every few
thousand nodes, so the budget is kept to within a fraction of a second.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from gradcheck_lab.errors import BudgetExceeded


@dataclass
class Budget:
    """``seconds`` of exact work per case (over all its points) and ``nodes`` per graph."""

    seconds: float
    nodes: int
    spent: float = 0.0
    stage: str = "evaluating"
    _since: float | None = field(default=None, repr=False)

    @contextmanager
    def running(self, stage: str) -> Iterator[Budget]:
        """Count the time spent inside towards the budget; ``stage`` names it in messages."""
        outer, self.stage = self.stage, stage
        started = self._since is None
        if started:
            self._since = time.perf_counter()
        try:
            self.check()
            yield self
        finally:
            if started and self._since is not None:
                self.spent += time.perf_counter() - self._since
                self._since = None
            self.stage = outer

    def elapsed(self) -> float:
        return self.spent + (0.0 if self._since is None else time.perf_counter() - self._since)

    def check(self) -> None:
        if self.elapsed() > self.seconds:
            raise BudgetExceeded(
                f"the exact reference needs more than its budget of {self.seconds:g} s "
                f"(stopped {self.stage}; raise it with --limit max_symbolic_seconds=N)")

    def check_nodes(self, count: int) -> None:
        if count > self.nodes:
            raise BudgetExceeded(
                f"the exact reference's SymPy graph has more than {self.nodes:,} nodes "
                f"(at {count:,} while {self.stage}; raise it with --limit "
                "max_symbolic_nodes=N)")


def unlimited() -> Budget:
    return Budget(float("inf"), 2 ** 62)
