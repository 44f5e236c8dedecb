"""Which terms of the derivative a wrong gradient got wrong: a missing term, a term
counted twice or with the wrong sign, a constant slightly off in one term.

The exact derivative of each element is a sum of terms (the top-level terms of its
SymPy formula: ``x*cos(x) + sin(x)`` for ``x sin(x)``). When ``got - reference`` is, over
every failing element and point, one common multiple ``delta`` of the sum of a few of
those terms, that is what happened to the code: ``delta = -1`` a term is missing (the
zoo's product rule without ``sin(x)``, a ``.detach()`` dropping ``x sigmoid'(x)``),
``+1`` counted twice, ``-2`` its sign flipped, a small ``delta`` a constant off in that
term (GELU's ``sqrt(2/pi)`` mistyped in one factor of its backward). Terms are matched
across elements by their shape with the element's index removed (``x[2]*cos(x[2])`` is
``x*cos(x)``). A fit must explain the error to ``FIT_RESIDUAL`` and use fewer terms
than there are errors to explain; only small cases are fitted (formulas are symbolic).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import sympy as sp

from gradcheck_lab.backends.sympy_ops import exact
from gradcheck_lab.case import Case, Point
from gradcheck_lab.methods.symbolic_model import models
from gradcheck_lab.numeric import precise_eval as pe
from gradcheck_lab.numeric.symbolic_grad import gradient, tree_larger_than
from gradcheck_lab.results import CaseReport, Finding

MAX_ELEMENTS = 64  # differentiated elements above which no formula is fitted
# tree nodes of one derivative above which it is not split: counted lazily and stopped at
# the limit (sympy.count_ops took 16 s on the derivative of a 3x3 QR before it could say no)
MAX_NODES = 1600
MAX_SUBSET = 3  # terms fitted together at most
FIT_RESIDUAL = 0.02  # |error - delta * terms| / |error| for a fit to count
SHOWN_CHARS = 240

Row = tuple[float, dict[sp.Basic, float]]  # (got - ref, {term shape: its value})


def term_rows(case: Case, point: Point, errors: dict[str, np.ndarray]) -> list[Row] | None:
    """One row per differentiated element at ``point``: its error and its terms' values.

    ``errors``: per input, ``got - reference`` in the gradient's shape. None when the case
    is not one to fit (no expression, a Jacobian, too many elements, too large formulas).
    """
    if case.expr is None or not (case.is_scalar or case.cotangent is not None):
        return None
    if sum(spec.value.size for spec in case.wrt) > MAX_ELEMENTS:
        return None
    found = models(case)
    model, _ = found.at(point)
    flat = [s for spec in case.wrt for s in model.symbols[spec.name].ravel()]
    target = model.output.item() if case.cotangent is None else sp.Add(
        *[exact(w) * o for w, o in zip(np.asarray(case.cotangent).ravel(),
                                       model.output.ravel(), strict=True)])
    if tree_larger_than(target, MAX_NODES):  # its derivatives would be larger still
        return None
    grads = dict(zip(flat, gradient(target, flat), strict=True))
    subs = found.subs(point)
    shapes = {s: sp.Symbol(name) for name, syms in model.symbols.items() for s in syms.ravel()}
    rows: list[Row] = []
    for spec in case.wrt:
        err = np.asarray(errors[spec.name], dtype=np.float64)
        for idx, symbol in np.ndenumerate(model.symbols[spec.name]):
            derivative = grads[symbol]
            if tree_larger_than(derivative, MAX_NODES):
                return None
            values: dict[sp.Basic, float] = {}
            for term in sp.Add.make_args(derivative.doit()):
                shape = term.xreplace(shapes)
                values[shape] = values.get(shape, 0.0) + _value(term, subs)
            rows.append((float(err[idx]), values))
    return rows


def _value(term: sp.Basic, subs: dict[sp.Basic, Any]) -> float:
    order = pe.post_order([term])
    return float(pe.evaluate(order, {s: v for s, v in subs.items() if s in set(order)})[term])


def best_fit(rows: list[Row]) -> tuple[float, tuple[sp.Basic, ...]] | None:
    """(delta, terms) with ``error = delta * sum of terms`` over every row, or None."""
    errors = np.array([e for e, _ in rows])
    shapes = list(dict.fromkeys(s for _, values in rows for s in values))
    scale = float(np.linalg.norm(errors))
    if scale == 0 or not np.all(np.isfinite(errors)) or len(shapes) < 2:
        return None
    table = np.array([[values.get(s, 0.0) for s in shapes] for _, values in rows])
    best: tuple[float, float, tuple[int, ...]] | None = None
    for size in range(1, min(MAX_SUBSET, len(shapes) - 1) + 1):
        if size >= len(rows):  # as many terms as errors: any fit is exact
            break
        for subset in itertools.combinations(range(len(shapes)), size):
            column = table[:, subset].sum(axis=1)
            norm = float(column @ column)
            # a term present in one element only explains that element's error, whatever
            # it is: a fit must hold over at least two elements (or points)
            if norm == 0 or not np.isfinite(norm) or np.count_nonzero(column) < 2:
                continue
            delta = float(errors @ column) / norm
            residual = float(np.linalg.norm(errors - delta * column)) / scale
            if best is None or residual < best[0] - 1e-9:
                best = (residual, delta, subset)
    if best is None or best[0] > FIT_RESIDUAL:
        return None
    return best[1], tuple(shapes[i] for i in best[2])


def describe(delta: float, terms: tuple[sp.Basic, ...]) -> tuple[str, str]:
    """(finding kind, message) for ``got = reference + delta * (terms)``."""
    text = str(sp.factor_terms(sp.Add(*terms)))  # common factors out: one readable product
    text = text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 3] + "..."
    which = "the term" if len(terms) == 1 else "the terms"
    verb = "is" if len(terms) == 1 else "are"
    if abs(delta + 1) < 0.01:
        return "term", (f"{which} {text} of the derivative {verb} missing: got = reference - "
                        f"({text}) (a product or chain rule cut short, a .detach()?)")
    if abs(delta - 1) < 0.01:
        return "term", f"{which} {text} {verb} counted twice: got = reference + ({text})"
    if abs(delta + 2) < 0.01:
        return "term", (f"{which} {text} {verb} added with the wrong sign: got = reference "
                        f"- 2 ({text})")
    if abs(delta) < 0.01:
        sign = "+" if delta > 0 else "-"
        it = "it" if len(terms) == 1 else "them"
        return "coefficient", (f"a constant about {abs(delta):.1g} off (relative) in {which} "
                               f"{text} (got = reference {sign} {abs(delta):.2g} x {it}): a "
                               "mistyped coefficient there?")
    return "term", (f"{which} {text} {verb} {1 + delta:.4g} x what "
                    f"{'it' if len(terms) == 1 else 'they'} should be")


def terms_finding(method: str, report: CaseReport,
                  errors: list[tuple[int, str, np.ndarray]]) -> Finding | None:
    """The term fit over the failing points: ``errors`` holds (point index, input,
    got - reference)."""
    rows = []
    for index in sorted({i for i, _, _ in errors}):
        point = next((r.point for r in report.points if r.point.index == index), None)
        at = {name: e for i, name, e in errors if i == index}
        try:
            found = None if point is None else term_rows(report.case, point, at)
        except Exception:  # noqa: BLE001 - a diagnosis aid: no fit, no finding
            return None
        if found is None:
            return None
        rows += found
    fit = best_fit(rows)
    if fit is None:
        return None
    kind, message = describe(*fit)
    return Finding(kind, method, message)
