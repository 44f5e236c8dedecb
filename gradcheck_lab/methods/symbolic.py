"""Method ``sympy``: the exact reference.

The case's model at the point (``symbolic_model``: a SymPy DAG with the piecewise ops
resolved by the point's branches) is evaluated in 50-digit arithmetic, and one reverse
sweep per checked scalar gives the derivatives, using SymPy's own local derivative rules
(``numeric.precise_eval``). Results are rounded to float64 only at the end. Hessians come
from a reverse sweep over each entry of the symbolic gradient DAG (``symbolic_grad``).
Subexpressions that are identically constant (``numeric.constancy``) pass no adjoint on,
so their exact 0 stays 0. The work is bounded by the case's budget: past it the method is
skipped with the reason and fd is the reference. Readable formulas are built only when a
report shows them (``symbolic_formulas``).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from gradcheck_lab.backends.sympy_ops import exact
from gradcheck_lab.case import Case, Point
from gradcheck_lab.errors import BudgetExceeded
from gradcheck_lab.methods.base import (
    hessian_directions,
    split_hessian,
    split_hvp,
    timed,
    wants_hessian,
)
from gradcheck_lab.methods.symbolic_model import Models, Symbolic, as_received, models
from gradcheck_lab.numeric import precise_eval as pe
from gradcheck_lab.numeric.symbolic_grad import gradient
from gradcheck_lab.results import MethodResult

NAME = "sympy"
FD_LEADS = "; fd is the reference"

__all__ = ["NAME", "as_received", "compute", "conditioning", "derivatives", "hessian",
           "unavailable"]


def unavailable() -> str | None:
    return None  # sympy is a core dependency


def _seeds(nodes: list[Any], weights: Any) -> dict[sp.Basic, Any]:
    """Reverse-sweep seeds: each node's weight, summed where a node appears twice."""
    seeds: dict[sp.Basic, Any] = {}
    for node, weight in zip(nodes, weights, strict=True):
        seeds[node] = seeds.get(node, 0) + as_received(weight)
    return seeds


def _floats(values: list[Any], shape: tuple[int, ...]) -> np.ndarray:
    return np.array([float(v) for v in values], dtype=np.float64).reshape(shape)


def _finite(arrays: Mapping[str, np.ndarray]) -> bool:
    return all(bool(np.all(np.isfinite(a))) for a in arrays.values())


STRUCTURAL_ZEROS = ("identically constant subexpressions found: their derivative is an "
                    "exact 0, kept through the chain rule (no 0*inf)")


def derivatives(case: Case, point: Point, perturb: Mapping[str, np.ndarray] | None = None
                ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Value of the expression and the checked derivatives at ``point``, in float64.

    ``perturb``: per float input, relative perturbations ``d`` (the input's shape); the
    inputs are then ``x * (1 + d)``, exactly, in 50-digit arithmetic, with the point's
    branches.
    """
    value, grads, _ = _derivatives(case, point, perturb)
    return value, grads


def _derivatives(case: Case, point: Point, perturb: Mapping[str, np.ndarray] | None = None
                 ) -> tuple[np.ndarray, dict[str, np.ndarray], bool]:
    """``derivatives``, and whether structural zeros were needed (``numeric.constancy``)."""
    found = models(case)
    model, known = found.at(point)
    values = found.evaluate(model, known if perturb is None else found.subs(point, perturb))
    outputs = list(model.output.ravel())
    value = _floats([values[o] for o in outputs], model.output.shape)
    grads = _sweeps(case, found, model, values, ())
    if not _finite(grads):  # a 0 * inf of an identically constant subexpression?
        constants = found.constants_of(model, values)
        if constants:
            return value, _sweeps(case, found, model, values, constants), True
    return value, grads, False


def _sweeps(case: Case, found: Models, model: Symbolic, values: dict[sp.Basic, Any],
            constants: frozenset[sp.Basic] | tuple[()]) -> dict[str, np.ndarray]:
    wrt = [spec.name for spec in case.wrt]
    outputs = list(model.output.ravel())

    def sweep(seeds: dict[sp.Basic, Any]) -> dict[str, np.ndarray]:
        with found.budget.running("sweeping the gradient"):
            adj = pe.reverse(model.order, values, seeds, model.targets, constants=constants,
                             budget=found.budget)
        return {n: _floats([adj[s] for s in model.symbols[n].ravel()], model.symbols[n].shape)
                for n in wrt}

    if case.is_scalar or case.cotangent is not None:
        weights = [1] if case.cotangent is None else np.asarray(case.cotangent).ravel()
        return sweep(_seeds(outputs, weights))
    rows = [sweep({node: pe.mpf(1)}) for node in outputs]
    return {n: np.stack([r[n] for r in rows]).reshape(case.gradient_shape(n)) for n in wrt}


def conditioning(case: Case, point: Point, ulps: float, samples: int
                 ) -> dict[str, np.ndarray]:
    """How far the exact value and gradients move when the inputs move by ``ulps`` ulps.

    A float64 program computes, at best, the exact result at inputs perturbed by a
    few rounding errors (backward stability; Higham, *Accuracy and Stability of
    Numerical Algorithms*, 2nd ed., ch. 1.5). At an ill-conditioned point (sin of
    1e24, a sum that cancels, arcsin next to 1) that alone moves the result by more
    than any float64 tolerance. Returns, per quantity (``value`` and each input),
    the largest change over ``samples`` seeded random sign patterns of relative size
    ``ulps * eps``, with the point's branches (the same model).
    """
    value, grads = derivatives(case, point)
    spread = {"value": np.zeros_like(value), **{n: np.zeros_like(g) for n, g in grads.items()}}
    rng = np.random.default_rng([zlib.crc32(case.name.encode()), point.index])
    size = ulps * float(np.finfo(np.float64).eps)
    for _ in range(samples):
        perturb = {spec.name: size * rng.choice([-1.0, 1.0], size=spec.shape)
                   for spec in case.inputs if not spec.is_integer}
        moved_value, moved = derivatives(case, point, perturb)
        spread["value"] = np.maximum(spread["value"], np.abs(moved_value - value))
        for n, g in moved.items():
            spread[n] = np.maximum(spread[n], np.abs(g - grads[n]))
    return spread


def _gradient_dag(case: Case, model: Symbolic, constants: frozenset[sp.Basic]
                  ) -> tuple[list[sp.Expr], list[sp.Basic]]:
    """Symbolic gradient of the checked scalar (for Hessians) and its DAG order, once per
    model (and set of structural zeros)."""
    key = f"gradient:{hash(constants)}"
    if key not in model.cache:
        flat = [s for spec in case.wrt for s in model.symbols[spec.name].ravel()]
        outputs = list(model.output.ravel())
        weights = [1] if case.cotangent is None else np.asarray(case.cotangent).ravel()
        target = sp.Add(*[sp.Mul(exact(w), o, evaluate=False)
                          for w, o in zip(weights, outputs, strict=True)], evaluate=False)
        grads = [sp.sympify(g) for g in gradient(target, flat, constants, evaluate=False)]
        model.cache[key] = (grads, pe.post_order(grads))
    result: tuple[list[sp.Expr], list[sp.Basic]] = model.cache[key]
    return result


def hessian(case: Case, point: Point) -> dict[str, dict[str, np.ndarray]]:
    """Exact Hessian: a reverse sweep over each entry of the symbolic gradient."""
    found = models(case)
    model, known = found.at(point)
    out = _hessian(case, point, found, model, known, constants=frozenset())
    if not all(_finite(row) for row in out.values()):
        values = found.evaluate(model, known)
        constants = found.constants_of(model, values)
        if constants:
            out = _hessian(case, point, found, model, known, constants=constants)
    return out


def _hessian(case: Case, point: Point, found: Models, model: Symbolic,
             known: dict[sp.Basic, Any], *, constants: frozenset[sp.Basic]
             ) -> dict[str, dict[str, np.ndarray]]:
    with found.budget.running("building the symbolic gradient for the Hessian"):
        grads, order = _gradient_dag(case, model, constants)
        found.budget.check_nodes(len(order))
        values = pe.evaluate(order, known, found.budget)
    flat = [s for spec in case.wrt for s in model.symbols[spec.name].ravel()]

    def sweep(seeds: dict[sp.Basic, Any]) -> list[float]:
        with found.budget.running("sweeping the Hessian"):
            adj = pe.reverse(order, values, seeds, model.targets, constants=constants,
                             budget=found.budget)
        return [float(adj[s]) for s in flat]

    directions = hessian_directions(case, point)
    if directions is not None:
        # H v = grad(grad f . v): one reverse sweep over the gradient's DAG per direction
        return split_hvp(case, np.array([sweep(_seeds(grads, v)) for v in directions],
                                        dtype=np.float64))
    rows = [sweep({g: pe.mpf(1)}) for g in grads]
    return split_hessian(case, np.array(rows, dtype=np.float64).reshape(len(flat), len(flat)))


def compute(case: Case, point: Point) -> MethodResult:
    size = sum(spec.value.size for spec in case.inputs)
    if size > case.symbolic_limit:
        return MethodResult(NAME, skipped=f"{size} input elements, above the symbolic limit of "
                                          f"{case.symbolic_limit} (--limit "
                                          "max_symbolic_elements=N)" + FD_LEADS)

    def run() -> MethodResult:
        value, grads, zeros = _derivatives(case, point)
        return MethodResult(NAME, value=value, gradient=grads,
                            note=STRUCTURAL_ZEROS if zeros else "",
                            hessian=hessian(case, point) if wants_hessian(case) else None)

    return timed(NAME, _budgeted(run))


def _budgeted(run: Callable[[], MethodResult]) -> Callable[[], MethodResult]:
    """Over its budget, the method is skipped with the reason (fd is then the reference)."""
    def guarded() -> MethodResult:
        try:
            return run()
        except BudgetExceeded as exc:
            return MethodResult(NAME, skipped=str(exc) + FD_LEADS)
    return guarded


def formulas(case: Case) -> Mapping[str, str]:
    """Readable symbolic derivatives per differentiated input, built on first use."""
    from gradcheck_lab.methods.symbolic_formulas import LazyFormulas

    return LazyFormulas(case)
