"""The exact method's models of a case: one SymPy DAG per branch signature.

Every float input element becomes a real Symbol (``int64`` inputs are constants). The
expression is built once, unevaluated, by the SymPy op table, with its piecewise ops
resolved at a point (``numeric.branches``): the model is the active branch's expression.
Another point reuses a model when every recorded decision comes out the same there (the
same ordering, signs, pivots), so a case usually has one model; a point with another
ordering gets its own. A model is shared by the gradient, the Hessian, the conditioning
measurement and the formulas. The case's :class:`~gradcheck_lab.numeric.budget.Budget`
bounds the time and nodes all of this may take.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from gradcheck_lab.backends.sympy_ops import as_object_array, make_backend
from gradcheck_lab.case import Case, Point
from gradcheck_lab.errors import BudgetExceeded
from gradcheck_lab.expr.evaluate import evaluate
from gradcheck_lab.methods.base import expression
from gradcheck_lab.numeric import precise_eval as pe
from gradcheck_lab.numeric.branches import Decision, Resolver, replay
from gradcheck_lab.numeric.budget import Budget
from gradcheck_lab.numeric.constancy import constant_nodes

MAX_MODELS = 16  # branch signatures kept per case (the oldest is dropped)


@dataclass(eq=False)
class Symbolic:
    """The symbolic model of one case at one branch signature."""

    symbols: dict[str, np.ndarray]  # float input -> object array of Symbols
    output: np.ndarray  # object array of the output's shape
    order: list[sp.Basic]  # every DAG node, children first
    targets: frozenset[sp.Basic]  # symbols of differentiated inputs
    decisions: tuple[Decision, ...] = ()
    constants: frozenset[sp.Basic] | None = None  # structural zeros, found when needed
    cache: dict[str, Any] = field(default_factory=dict)  # per model: gradient DAGs


def _symbols(name: str, shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(shape):
        label = name if not shape else f"{name}[{', '.join(map(str, idx))}]"
        out[idx] = sp.Symbol(label, real=True)
    return out


def as_received(value: Any) -> Any:
    """An input value exactly as every float method (and the user's code) receives it.

    The reference is the exact derivative at the float64 number the other methods see,
    not at the decimal written in the case: ``0.99999999`` is stored as the nearest
    binary64, and where the derivative is ill-conditioned (arcsin' next to 1, sin' at
    1e8) the two differ by far more than any tolerance (rel. 2.5e-9 and 1.9e-8), which
    would be a false alarm against correct code. float -> mpf is exact.
    """
    return pe.mpf(float(value))


class Models:
    """The models of one case (keyed by the integer inputs' values, then found by replaying
    their decisions), its symbols and its budget."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.symbols = {spec.name: _symbols(spec.name, spec.shape)
                        for spec in case.inputs if not spec.is_integer}
        self.targets = frozenset(s for spec in case.wrt for s in self.symbols[spec.name].ravel())
        self.budget = Budget(case.symbolic_seconds, case.symbolic_nodes)
        self.exhausted: str | None = None  # the budget message, once it is spent
        self.models: dict[bytes, list[Symbolic]] = {}

    def subs(self, point: Point, perturb: Mapping[str, np.ndarray] | None = None
             ) -> dict[sp.Basic, Any]:
        """Symbols bound to the point's values (``x * (1 + d)`` with ``perturb``)."""
        out: dict[sp.Basic, Any] = {}
        for name, syms in self.symbols.items():
            given = np.asarray(point.values[name])
            rel = None if perturb is None else np.asarray(perturb[name])
            for idx in np.ndindex(syms.shape):
                out[syms[idx]] = as_received(given[idx])
                if rel is not None:
                    out[syms[idx]] = out[syms[idx]] * (1 + pe.mpf(float(rel[idx])))
        return out

    def integers(self, point: Point) -> dict[str, np.ndarray]:
        return {spec.name: np.asarray(point.values[spec.name], dtype=np.int64)
                for spec in self.case.inputs if spec.is_integer}

    def at(self, point: Point) -> tuple[Symbolic, dict[sp.Basic, Any]]:
        """The model valid at ``point`` and the values computed finding it."""
        if self.exhausted is not None:
            raise BudgetExceeded(self.exhausted)
        try:
            with self.budget.running("deciding the branches at the point"):
                return self._at(point)
        except BudgetExceeded as exc:
            self.exhausted = str(exc)
            raise

    def _at(self, point: Point) -> tuple[Symbolic, dict[sp.Basic, Any]]:
        ints = self.integers(point)
        key = b"".join(name.encode() + b"=" + a.tobytes() for name, a in ints.items())
        subs = self.subs(point)
        known = self.models.setdefault(key, [])
        for model in known:
            values = replay(model.decisions, subs, self.budget)
            if values is not None:
                return model, values
        model, values = self._build(subs, ints)
        known.append(model)
        if len(known) > MAX_MODELS:
            known.pop(0)
        return model, values

    def _build(self, subs: dict[sp.Basic, Any], ints: dict[str, np.ndarray]
               ) -> tuple[Symbolic, dict[sp.Basic, Any]]:
        resolver = Resolver(dict(subs), self.budget)
        with self.budget.running("building the SymPy graph"):
            out = evaluate(expression(self.case), make_backend(resolver),
                           {**self.symbols, **ints})
            output = np.asarray(out, dtype=object) if isinstance(out, np.ndarray) and \
                out.dtype == object else as_object_array(out)
            output = np.vectorize(sp.sympify, otypes=[object])(output) if output.size \
                else output
            order = pe.post_order(list(output.ravel()))
            self.budget.check_nodes(len(order))
        return Symbolic(self.symbols, output, order, self.targets,
                        tuple(resolver.decisions)), resolver.values

    def constants_of(self, model: Symbolic, values: Mapping[sp.Basic, Any]
                     ) -> frozenset[sp.Basic]:
        """The model's structural zeros (computed once, at the first point that needs them)."""
        if model.constants is None:
            with self.budget.running("looking for identically constant subexpressions"):
                model.constants = constant_nodes(model.order, values, model.targets,
                                                 self.budget)
        return model.constants

    def evaluate(self, model: Symbolic, values: dict[sp.Basic, Any]) -> dict[sp.Basic, Any]:
        with self.budget.running("evaluating in 50 digits"):
            return pe.evaluate(model.order, values, self.budget)


@lru_cache(maxsize=64)
def models(case: Case) -> Models:
    return Models(case)
