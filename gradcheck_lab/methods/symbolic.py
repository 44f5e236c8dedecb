"""Method ``sympy``: the exact reference.

Every input element becomes a real Symbol, the expression is built once with
the SymPy op table, and derivatives come from one reverse sweep over the SymPy
DAG per checked scalar (``numeric.symbolic_grad``). At a point, symbols are
replaced by exact Rationals (decimal inputs exactly: 0.1 is 1/10), and each
result is evaluated to 30 significant digits before rounding to float64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp

from gradcheck_lab.backends.sympy_ops import exact, make_backend
from gradcheck_lab.case import Case, Point
from gradcheck_lab.expr.evaluate import evaluate
from gradcheck_lab.limits import DEFAULT_LIMITS
from gradcheck_lab.methods.base import timed
from gradcheck_lab.numeric.symbolic_grad import gradient
from gradcheck_lab.results import MethodResult

NAME = "sympy"
DIGITS = 30
FORMULA_CHARS = 240


def unavailable() -> str | None:
    return None  # sympy is a core dependency


@dataclass(frozen=True, eq=False)
class Symbolic:
    """The symbolic model of one case, built once and evaluated at each point."""

    symbols: dict[str, np.ndarray]  # input -> object array of Symbols
    output: np.ndarray  # object array, the output's shape
    gradient: dict[str, np.ndarray]  # wrt input -> object array, the checked shape


def _symbols(name: str, shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(shape):
        label = name if not shape else f"{name}[{', '.join(map(str, idx))}]"
        out[idx] = sp.Symbol(label, real=True)
    return out


@lru_cache(maxsize=64)
def build(case: Case) -> Symbolic:
    symbols = {spec.name: _symbols(spec.name, spec.shape) for spec in case.inputs}
    output = np.asarray(evaluate(case.expr, make_backend(), symbols), dtype=object)
    wrt = [spec.name for spec in case.wrt]
    flat_symbols = [s for name in wrt for s in symbols[name].ravel()]

    def split(grads: list[sp.Expr]) -> dict[str, np.ndarray]:
        out, start = {}, 0
        for name in wrt:
            size = symbols[name].size
            out[name] = np.array(grads[start:start + size], dtype=object).reshape(
                symbols[name].shape)
            start += size
        return out

    if case.is_scalar or case.cotangent is not None:
        if case.cotangent is None:
            target = output.item()
        else:
            weights = np.asarray(case.cotangent).ravel()
            target = sp.Add(*[exact(w) * o for w, o in zip(weights, output.ravel(), strict=True)])
        grads = split(gradient(target, flat_symbols))
    else:
        rows = [split(gradient(o, flat_symbols)) for o in output.ravel()]
        grads = {name: np.stack([r[name] for r in rows]).reshape(
            case.output_shape + symbols[name].shape) for name in wrt}
    return Symbolic(symbols, output, grads)


def to_float(expr: sp.Expr) -> float:
    """Evaluate an exact SymPy number to float64 via ``DIGITS`` digits; zoo/nan -> NaN."""
    value = expr if expr.is_Number else sp.N(expr, DIGITS)
    if value in (sp.zoo, sp.nan) or not value.is_number:
        return math.nan
    if value is sp.oo:
        return math.inf
    if value is -sp.oo:
        return -math.inf
    try:
        return float(value)
    except TypeError:  # a complex value: the real function is undefined here
        return math.nan


def _evaluate(array: np.ndarray, subs: dict[sp.Symbol, sp.Expr]) -> np.ndarray:
    out = np.empty(array.shape, dtype=np.float64)
    for idx in np.ndindex(array.shape):
        out[idx] = to_float(sp.sympify(array[idx]).xreplace(subs))
    return out


def substitutions(model: Symbolic, point: Point) -> dict[sp.Symbol, sp.Expr]:
    subs = {}
    for name, syms in model.symbols.items():
        values = np.asarray(point.values[name])
        for idx in np.ndindex(syms.shape):
            subs[syms[idx]] = exact(values[idx])
    return subs


def compute(case: Case, point: Point) -> MethodResult:
    size = sum(spec.value.size for spec in case.inputs)
    if size > DEFAULT_LIMITS.max_symbolic_elements:
        return MethodResult(NAME, skipped=f"{size} input elements, above the symbolic limit of "
                                          f"{DEFAULT_LIMITS.max_symbolic_elements}")

    def run() -> MethodResult:
        model = build(case)
        subs = substitutions(model, point)
        return MethodResult(
            NAME, value=_evaluate(model.output, subs),
            gradient={name: _evaluate(g, subs) for name, g in model.gradient.items()})

    return timed(NAME, run)


def formulas(case: Case) -> dict[str, str]:
    """Readable symbolic derivatives per differentiated input (first elements of arrays)."""
    model = build(case)
    out = {}
    for name, grads in model.gradient.items():
        flat = grads.ravel()
        parts = [str(flat[0])] if flat.size == 1 else [
            f"[{i}]: {flat[i]}" for i in range(min(flat.size, 3))]
        text = "; ".join(parts) + ("; ..." if flat.size > 3 else "")
        out[name] = text if len(text) <= FORMULA_CHARS else text[: FORMULA_CHARS - 3] + "..."
    return out
