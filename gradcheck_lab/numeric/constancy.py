"""Structural zeros: subexpressions that are identically constant in the differentiated
inputs, found by evaluating the DAG at the point and at moved points.

``std`` of one element, ``sqrt(mean((x - mean(x))**2))``, is 0 for every ``x``: its
derivative is 0. A reverse sweep through it multiplies the 0 of ``d(x - mean(x))/dx``
by the infinite derivative of ``sqrt`` at 0 and gets NaN (as torch and JAX do). A node
whose high-precision value does not move at all when every differentiated input moves
(by a random relative 1%, twice) is identically constant there: the sweep passes nothing
through it, so its exact 0 stays 0 through the chain rule (``precise_eval.reverse``'s
``constants``). Cancellation that is not exact in 50 digits (``sin**2 + cos**2 - 1``) is
not detected: this finds exact structural zeros, not identities.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

import sympy as sp

from gradcheck_lab.numeric import precise_eval as pe
from gradcheck_lab.numeric.budget import Budget

MOVES = 2
RELATIVE_MOVE = 0.01


def constant_nodes(order: Sequence[sp.Basic], values: Mapping[sp.Basic, Any],
                   targets: frozenset[sp.Basic], budget: Budget | None = None
                   ) -> frozenset[sp.Basic]:
    """Nodes of ``order`` that depend on ``targets`` but keep their value (finite, exactly)
    when the targets move; ``values`` are the point's."""
    depends = pe.dependents(order, targets)
    candidates = {n for n in depends if n not in targets and _finite(values.get(n))}
    symbols = {n: values[n] for n in order if n.is_Symbol and n in values}
    rng = random.Random(0)
    for _ in range(MOVES):
        if not candidates:
            break
        moved = dict(symbols)
        for t in targets:
            shift = pe.mpf(rng.uniform(-RELATIVE_MOVE, RELATIVE_MOVE))
            moved[t] = values[t] * (1 + shift) + shift
        again = pe.evaluate(order, moved, budget)
        candidates = {n for n in candidates if again[n] == values[n]}
    return frozenset(candidates)


def _finite(value: Any) -> bool:
    try:
        return value is not None and bool(pe.is_finite(value))
    except (TypeError, ValueError):
        return False
