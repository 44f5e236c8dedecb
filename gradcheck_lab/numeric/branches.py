"""Piecewise ops resolved at the point: the branch decisions of the exact method.

We always differentiate at a point, so ``max``, ``abs``, ``where``, ``sort``... need not
be built as SymPy's symbolic ``Max``/``Piecewise`` (``Max`` compares its arguments
pairwise, and its derivative builds ``Max`` of the others: minutes over a few dozen
elements). Instead the SymPy op table asks a :class:`Resolver` which branch is active at
the point: the resolver evaluates the arguments in high precision (``precise_eval``),
applies the op's rule (``argmax``, ``x > 0``, a sort permutation...) and records the
decision. The model built this way is the active branch's expression: differentiating
it gives the derivative at the point, by SymPy's own rules. Where the rule finds a tie
(a kink), the op builds its symmetric form (the mean of the tied branches), and the
verdict's kink rule, from ``expr.ops``, judges the point.

A model stays valid at another point whose decisions come out the same
(:func:`replay`), so points with the same ordering share one model.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from gradcheck_lab.numeric import precise_eval as pe
from gradcheck_lab.numeric.budget import Budget

Rule = Callable[[list[Any]], Hashable]


@dataclass(frozen=True, eq=False)
class Decision:
    """One branch decision: the rule applied to the high-precision values of ``nodes``."""

    nodes: tuple[sp.Basic, ...]
    rule: Rule
    outcome: Hashable


@dataclass(eq=False)
class Resolver:
    """Decides branches at one point (symbols bound by ``values``) and records them."""

    values: dict[sp.Basic, Any]
    budget: Budget | None = None
    decisions: list[Decision] = field(default_factory=list)

    def decide(self, nodes: Sequence[Any], rule: Rule) -> Any:
        """``rule(values of nodes)``, recorded so another point can replay it."""
        exprs = tuple(sp.sympify(n) for n in nodes)
        pe.evaluate_missing(exprs, self.values, self.budget)
        outcome = rule([self.values[e] for e in exprs])
        self.decisions.append(Decision(exprs, rule, outcome))
        return outcome


def replay(decisions: Sequence[Decision], subs: Mapping[sp.Basic, Any],
           budget: Budget | None = None) -> dict[sp.Basic, Any] | None:
    """The values computed while checking ``decisions`` at the point bound by ``subs``,
    or None when one of them comes out differently there (the model does not apply)."""
    values: dict[sp.Basic, Any] = dict(subs)
    for decision in decisions:
        pe.evaluate_missing(decision.nodes, values, budget)
        if decision.rule([values[n] for n in decision.nodes]) != decision.outcome:
            return None
    return values


def numeric_resolver() -> Resolver:
    """A resolver for expressions of numbers only (no symbols): tests, constant folding."""
    return Resolver({})
