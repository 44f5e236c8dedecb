"""Readable symbolic derivatives, for reports: built only when shown, under a size budget.

A formula is display only: no verdict waits on one. ``LazyFormulas`` builds the texts on
first access, so a case that passes never pays for them (det/inv of 3x3 matrices took
17-30 s of formula building before any check); the terminal report reads them for failing
elements only, the JSON and HTML reports for cases that fail. A derivative whose DAG has
more than ``MAX_NODES`` nodes is not expanded: its text says how large it is and how to
see it anyway (``gradcheck-lab show --full``). Formulas are those of the model at the
case's first point (``symbolic_model``): the active branch of each piecewise op there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import sympy as sp

from gradcheck_lab.backends.sympy_ops import exact
from gradcheck_lab.case import Case
from gradcheck_lab.methods.symbolic_model import Symbolic, models
from gradcheck_lab.numeric.precise_eval import post_order
from gradcheck_lab.numeric.symbolic_grad import gradient

FORMULA_CHARS = 240
FORMULA_MAX_ELEMENTS = 64  # above this many differentiated elements: no formulas
MAX_NODES = 2_000  # DAG nodes of one derivative above which it is not expanded
DOIT_BELOW = 100  # SymPy operations below which the formula is re-evaluated (tidier)


def too_large(nodes: int) -> str:
    return f"formula too large to show: {nodes:,} nodes; `gradcheck-lab show --full`"


def display_model(case: Case) -> Symbolic:
    """The model the formulas show: the one at the case's first point."""
    model, _ = models(case).at(case.points[0])
    return model


def shown(expr: sp.Expr, full: bool = False) -> tuple[sp.Expr | None, int]:
    """``expr`` tidied for display, or None when it is over the size budget; its size."""
    nodes = len(post_order([expr]))
    if nodes > MAX_NODES and not full:
        return None, nodes
    return (expr.doit() if nodes < DOIT_BELOW and sp.count_ops(expr) < DOIT_BELOW
            else expr), nodes


def formula_texts(case: Case) -> dict[str, str]:
    """Per differentiated input, its first derivative elements as text (cut to
    ``FORMULA_CHARS``). Never raises: SymPy's assumption system can itself fail while
    evaluating a product (found by fuzzing), and over the budget there are no formulas."""
    try:
        return _texts(case)
    except Exception:  # noqa: BLE001 - a display aid must not fail the case
        return {}


def _texts(case: Case) -> dict[str, str]:
    model = display_model(case)
    if len(model.targets) > FORMULA_MAX_ELEMENTS or (model.output.size > 1
                                                     and case.cotangent is None):
        return {}
    flat = [s for spec in case.wrt for s in model.symbols[spec.name].ravel()]
    weights, note = cotangent_symbols(case)
    target = model.output.item() if case.cotangent is None else sp.Add(
        *[w * o for w, o in zip(weights, model.output.ravel(), strict=True)])
    grads = dict(zip(flat, gradient(target, flat), strict=True))
    out = {}
    for spec in case.wrt:
        parts = []
        for i, s in enumerate(model.symbols[spec.name].ravel()[:3]):
            expr, nodes = shown(grads[s])
            text = too_large(nodes) if expr is None else str(expr)
            parts.append(text if spec.value.size == 1 else f"[{i}]: {text}")
        text = "; ".join(parts) + ("; ..." if spec.value.size > 3 else "")
        room = FORMULA_CHARS - len(note)
        out[spec.name] = (text if len(text) <= room else text[: room - 3] + "...") + note
    return out


def cotangent_symbols(case: Case) -> tuple[list[Any], str]:
    """The cotangent's weights in a formula, and a note giving their values. Small whole
    numbers (``ones``) are written as they are; other values (``random``, or a given list
    of decimals) become symbols ``v[i]``, their values listed apart, since the 16-digit
    rationals of float64 numbers would bury the formula."""
    if case.cotangent is None:
        return [], ""
    values = np.asarray(case.cotangent, dtype=np.float64)
    if np.all(values == np.round(values)) and np.all(np.abs(values) <= 9):
        return [exact(w) for w in values.ravel()], ""
    name = next(n for n in ("v", "w", "u", "cot") if n not in case.input)
    index = [", ".join(map(str, i)) for i in np.ndindex(values.shape)]
    flat = [f"{w:.4g}" for w in values.ravel()]
    shown = ", ".join(flat if len(flat) <= 6 else flat[:4] + ["...", flat[-1]])
    kind = f"the {case.cotangent_kind} cotangent" if case.cotangent_kind else "the cotangent"
    return ([sp.Symbol(f"{name}[{i}]") for i in index],
            f" (with {name} = [{shown}]{' in flat order' * (values.ndim > 1)}, {kind})")


class LazyFormulas(Mapping[str, str]):
    """The formulas of a case, built on first access (then kept)."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self._texts: dict[str, str] | None = None

    def _load(self) -> dict[str, str]:
        if self._texts is None:
            self._texts = formula_texts(self.case)
        return self._texts

    @property
    def loaded(self) -> bool:
        return self._texts is not None

    def __getitem__(self, key: str) -> str:
        return self._load()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __reduce__(self) -> tuple[Any, ...]:
        if self._texts is not None:
            return (dict, (self._texts,))
        return (LazyFormulas, (self.case,))
