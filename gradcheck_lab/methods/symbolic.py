"""Method ``sympy``: the exact reference.

Every input element becomes a real Symbol and the expression is built once,
unevaluated, with the SymPy op table. At a point, symbols are bound to the
the float64 input values exactly (``as_received``: the number every other method
and the user's code receive, so 0.1 is the binary64 nearest 1/10), the DAG is
evaluated in 50-digit arithmetic and one reverse sweep per checked scalar
gives the derivatives, using SymPy's own local derivative rules
(``numeric.precise_eval``). Results are rounded to float64 only at the end.
Readable formulas for the report come from a symbolic reverse sweep
(``numeric.symbolic_grad``) for small inputs.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from gradcheck_lab.backends.sympy_ops import exact, make_backend
from gradcheck_lab.case import Case, Point
from gradcheck_lab.expr.evaluate import evaluate
from gradcheck_lab.methods.base import (
    expression,
    hessian_directions,
    split_hessian,
    split_hvp,
    timed,
    wants_hessian,
)
from gradcheck_lab.numeric import precise_eval as pe
from gradcheck_lab.numeric.symbolic_grad import gradient
from gradcheck_lab.results import MethodResult

NAME = "sympy"
FORMULA_CHARS = 240
FORMULA_MAX_ELEMENTS = 64  # above this, formulas are not derived (display only)


def unavailable() -> str | None:
    return None  # sympy is a core dependency


@dataclass(frozen=True, eq=False)
class Symbolic:
    """The symbolic model of one case, built once and evaluated at each point."""

    symbols: dict[str, np.ndarray]  # input -> object array of Symbols
    output: np.ndarray  # object array of the output's shape
    order: list[sp.Basic]  # every DAG node, children first
    targets: frozenset[sp.Basic]  # symbols of differentiated inputs


def _symbols(name: str, shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(shape):
        label = name if not shape else f"{name}[{', '.join(map(str, idx))}]"
        out[idx] = sp.Symbol(label, real=True)
    return out


@lru_cache(maxsize=64)
def build(case: Case) -> Symbolic:
    symbols = {spec.name: _symbols(spec.name, spec.shape) for spec in case.inputs}
    output = np.asarray(evaluate(expression(case), make_backend(), symbols), dtype=object)
    output = np.vectorize(sp.sympify, otypes=[object])(output) if output.size else output
    targets = frozenset(s for spec in case.wrt for s in symbols[spec.name].ravel())
    return Symbolic(symbols, output, pe.post_order(list(output.ravel())), targets)


def as_received(value: Any) -> Any:
    """An input value exactly as every float method (and the user's code) receives it.

    The reference is the exact derivative at the float64 number the other methods see,
    not at the decimal written in the case: ``0.99999999`` is stored as the nearest
    binary64, and where the derivative is ill-conditioned (arcsin' next to 1, sin' at
    1e8) the two differ by far more than any tolerance (rel. 2.5e-9 and 1.9e-8), which
    would be a false alarm against correct code. float -> mpf is exact.
    """
    return pe.mpf(float(value))


def _seeds(nodes: list[Any], weights: Any) -> dict[sp.Basic, Any]:
    """Reverse-sweep seeds: each node's weight, summed where a node appears twice."""
    seeds: dict[sp.Basic, Any] = {}
    for node, weight in zip(nodes, weights, strict=True):
        seeds[node] = seeds.get(node, 0) + as_received(weight)
    return seeds


def _floats(values: list[Any], shape: tuple[int, ...]) -> np.ndarray:
    return np.array([float(v) for v in values], dtype=np.float64).reshape(shape)


def derivatives(case: Case, point: Point, perturb: Mapping[str, np.ndarray] | None = None
                ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Value of the expression and the checked derivatives at ``point``, in float64.

    ``perturb``: per input, relative perturbations ``d`` (the input's shape); the
    inputs are then ``x * (1 + d)``, exactly, in 50-digit arithmetic.
    """
    model = build(case)
    subs: dict[sp.Basic, Any] = {}
    for name, syms in model.symbols.items():
        given = np.asarray(point.values[name])
        rel = None if perturb is None else np.asarray(perturb[name])
        for idx in np.ndindex(syms.shape):
            subs[syms[idx]] = as_received(given[idx])
            if rel is not None:
                subs[syms[idx]] = subs[syms[idx]] * (1 + pe.mpf(float(rel[idx])))
    values = pe.evaluate(model.order, subs)
    outputs = list(model.output.ravel())
    value = _floats([values[o] for o in outputs], model.output.shape)
    wrt = [spec.name for spec in case.wrt]

    def sweep(seeds: dict[sp.Basic, Any]) -> dict[str, np.ndarray]:
        adj = pe.reverse(model.order, values, seeds, model.targets)
        return {n: _floats([adj[s] for s in model.symbols[n].ravel()], model.symbols[n].shape)
                for n in wrt}

    if case.is_scalar or case.cotangent is not None:
        weights = [1] if case.cotangent is None else np.asarray(case.cotangent).ravel()
        return value, sweep(_seeds(outputs, weights))
    rows = [sweep({node: pe.mpf(1)}) for node in outputs]
    return value, {n: np.stack([r[n] for r in rows]).reshape(case.gradient_shape(n))
                   for n in wrt}


def conditioning(case: Case, point: Point, ulps: float, samples: int
                 ) -> dict[str, np.ndarray]:
    """How far the exact value and gradients move when the inputs move by ``ulps`` ulps.

    A float64 program computes, at best, the exact result at inputs perturbed by a
    few rounding errors (backward stability; Higham, *Accuracy and Stability of
    Numerical Algorithms*, 2nd ed., ch. 1.5). At an ill-conditioned point (sin of
    1e24, a sum that cancels, arcsin next to 1) that alone moves the result by more
    than any float64 tolerance. Returns, per quantity (``value`` and each input),
    the largest change over ``samples`` seeded random sign patterns of relative size
    ``ulps * eps``.
    """
    value, grads = derivatives(case, point)
    spread = {"value": np.zeros_like(value), **{n: np.zeros_like(g) for n, g in grads.items()}}
    rng = np.random.default_rng([zlib.crc32(case.name.encode()), point.index])
    size = ulps * float(np.finfo(np.float64).eps)
    for _ in range(samples):
        perturb = {spec.name: size * rng.choice([-1.0, 1.0], size=spec.shape)
                   for spec in case.inputs}
        moved_value, moved = derivatives(case, point, perturb)
        spread["value"] = np.maximum(spread["value"], np.abs(moved_value - value))
        for n, g in moved.items():
            spread[n] = np.maximum(spread[n], np.abs(g - grads[n]))
    return spread


@lru_cache(maxsize=16)
def _gradient_dag(case: Case) -> tuple[list[sp.Expr], list[sp.Basic]]:
    """Symbolic gradient of the checked scalar (for Hessians), and its DAG order."""
    model = build(case)
    flat = [s for spec in case.wrt for s in model.symbols[spec.name].ravel()]
    outputs = list(model.output.ravel())
    weights = [1] if case.cotangent is None else np.asarray(case.cotangent).ravel()
    target = sp.Add(*[sp.Mul(exact(w), o, evaluate=False)
                      for w, o in zip(weights, outputs, strict=True)], evaluate=False)
    grads = [sp.sympify(g) for g in gradient(target, flat)]
    return grads, pe.post_order(grads)


def hessian(case: Case, point: Point) -> dict[str, dict[str, np.ndarray]]:
    """Exact Hessian: a reverse sweep over each entry of the symbolic gradient."""
    model = build(case)
    grads, order = _gradient_dag(case)
    subs = {s: as_received(np.asarray(point.values[n])[idx])
            for n, syms in model.symbols.items() for idx, s in np.ndenumerate(syms)}
    values = pe.evaluate(order, {k: v for k, v in subs.items()})
    flat = [s for spec in case.wrt for s in model.symbols[spec.name].ravel()]
    directions = hessian_directions(case, point)
    if directions is not None:
        # H v = grad(grad f . v): one reverse sweep over the gradient's DAG per direction
        products = []
        for v in directions:
            adj = pe.reverse(order, values, _seeds(grads, v), model.targets)
            products.append([float(adj[s]) for s in flat])
        return split_hvp(case, np.array(products, dtype=np.float64))
    rows = []
    for g in grads:
        adj = pe.reverse(order, values, {g: pe.mpf(1)}, model.targets)
        rows.append([float(adj[s]) for s in flat])
    return split_hessian(case, np.array(rows, dtype=np.float64).reshape(len(flat), len(flat)))


def compute(case: Case, point: Point) -> MethodResult:
    size = sum(spec.value.size for spec in case.inputs)
    if size > case.symbolic_limit:
        return MethodResult(NAME, skipped=f"{size} input elements, above the symbolic limit of "
                                          f"{case.symbolic_limit} (--limit "
                                          "max_symbolic_elements=N)")

    def run() -> MethodResult:
        value, grads = derivatives(case, point)
        return MethodResult(NAME, value=value, gradient=grads,
                            hessian=hessian(case, point) if wants_hessian(case) else None)

    return timed(NAME, run)


def formulas(case: Case) -> dict[str, str]:
    """Readable symbolic derivatives per differentiated input (first elements of arrays).

    For reading only, so it never raises: SymPy's assumption system can itself fail
    while auto-evaluating a product (found by fuzzing: ``InconsistentAssumptions`` and
    ``KeyError: 'infinite'`` from ``2*(2 + tanh(...))**-2``, depending on SymPy's
    cache); then there are no formulas.
    """
    try:
        return _formulas(case)
    except Exception:  # noqa: BLE001 - a display aid must not fail the case
        return {}


def _formulas(case: Case) -> dict[str, str]:
    model = build(case)
    if len(model.targets) > FORMULA_MAX_ELEMENTS or (model.output.size > 1
                                                     and case.cotangent is None):
        return {}
    out = {}
    flat = [s for spec in case.wrt for s in model.symbols[spec.name].ravel()]
    target = model.output.item() if case.cotangent is None else sp.Add(
        *[exact(w) * o for w, o in zip(np.asarray(case.cotangent).ravel(),
                                       model.output.ravel(), strict=True)])
    grads = dict(zip(flat, gradient(target, flat), strict=True))
    for spec in case.wrt:
        # doit() only re-evaluates the unevaluated Add/Mul (cheap); no simplify(): its
        # factoring can run for minutes on a softmax
        elements = [grads[s].doit() if sp.count_ops(grads[s]) < 100 else grads[s]
                    for s in model.symbols[spec.name].ravel()[:3]]
        parts = [str(elements[0])] if spec.value.size == 1 else [
            f"[{i}]: {e}" for i, e in enumerate(elements)]
        text = "; ".join(parts) + ("; ..." if spec.value.size > 3 else "")
        out[spec.name] = text if len(text) <= FORMULA_CHARS else text[: FORMULA_CHARS - 3] + "..."
    return out
