"""The round-off floor of a point: how large the terms are that each checked number is
computed from (``numeric.roundoff``), on the case's exact SymPy model.

An element is judged relatively (``rtol``) unless round-off of its own terms dominates:
its bound gets ``ROUNDOFF_ULPS * eps(dtype) * magnitude`` (``tolerances``). The
magnitudes are exact-arithmetic sweeps over the point's model (``symbolic_model``),
computed only when a float method fails without them (``policy``), so a passing point
costs nothing more.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from gradcheck_lab.backends.sympy_ops import TABLE as SYMPY_TABLE
from gradcheck_lab.backends.sympy_ops import make_backend
from gradcheck_lab.case import Case, Point
from gradcheck_lab.expr.evaluate import evaluate_all
from gradcheck_lab.expr.graph import Op
from gradcheck_lab.expr.ops import OPS
from gradcheck_lab.methods.base import expression
from gradcheck_lab.methods.symbolic_model import as_received, models
from gradcheck_lab.numeric import precise_eval as pe
from gradcheck_lab.numeric.branches import Resolver
from gradcheck_lab.numeric.roundoff import absolute_reverse, forward_error
from gradcheck_lab.numeric.symbolic_grad import tree_larger_than

Site = tuple[str, tuple[tuple[str, Any], ...], sp.Basic, sp.Basic]  # op, params, v, u
# Ops that frameworks evaluate and differentiate by matrix algorithms (LAPACK's
# factorisations; backward formulas such as QR's through Q^T dQ and triangular solves, or
# eigh's V (F o V^T dA V) V^T), where every element of a result mixes all of them: their
# rounding is normwise (Higham, *Accuracy and Stability of Numerical Algorithms*, 2002,
# ch. 18-19), also where our formula's terms vanish. Measured: torch and JAX give
# 3e-16 for the derivative of Q (square A) by A's last column, exactly 0 in Householder.
STRUCTURAL_LOOKUP_NODES = 2000  # tree nodes up to which a site is looked up by structure
NORMWISE_OPS = frozenset({"qr", "eigh", "eigvalsh", "svd", "svdvals", "cholesky", "pinv",
                          "solve", "inv", "det", "slogdet", "expm", "matrix_power"})


def term_magnitudes(case: Case, point: Point) -> dict[str, np.ndarray]:
    """Per checked quantity (``value`` and each differentiated input, in the shape the case
    checks), the size of the terms it is computed from, in units of eps; normwise (every
    element at least the quantity's largest) where the expression has a ``NORMWISE_OPS``
    op."""
    measured = _elementwise_magnitudes(case, point)
    if not any(op.op in NORMWISE_OPS for op in expression(case).ops()):
        return measured
    return {name: np.maximum(m, np.max(np.where(np.isfinite(m), m, 0.0), initial=0.0))
            for name, m in measured.items()}


def _elementwise_magnitudes(case: Case, point: Point) -> dict[str, np.ndarray]:
    found = models(case)
    model, known = found.at(point)
    values = found.evaluate(model, known)
    leaves = frozenset(found.subs(point))
    outputs = list(model.output.ravel())
    running = forward_error(model.order, values, leaves)
    out = {"value": _floats([running[o] for o in outputs], model.output.shape)}
    injections = {}
    model_nodes = {id(node) for node in values}
    for op, params, v, u in _unary_sites(case, point):
        if _known(u, values, model_nodes) and _known(v, values, model_nodes):
            r = _own_rounding(op, params, values[u], values[v])
            if r > 0:
                injections[v] = (u, r)
    wrt = [spec.name for spec in case.wrt]

    def sweep(seeds: dict[sp.Basic, Any]) -> dict[str, np.ndarray]:
        adj = absolute_reverse(model.order, values, seeds, model.targets, injections)
        return {n: _floats([adj[s] for s in model.symbols[n].ravel()], model.symbols[n].shape)
                for n in wrt}

    if case.is_scalar or case.cotangent is not None:
        weights = [1] if case.cotangent is None else np.asarray(case.cotangent).ravel()
        seeds: dict[sp.Basic, Any] = {}
        for node, weight in zip(outputs, weights, strict=True):
            seeds[node] = seeds.get(node, 0) + abs(as_received(weight))
        return {**out, **sweep(seeds)}
    rows = [sweep({node: pe.mpf(1)}) for node in outputs]
    return {**out, **{n: np.stack([r[n] for r in rows]).reshape(case.gradient_shape(n))
                      for n in wrt}}


def _known(node: sp.Basic, values: dict[sp.Basic, Any], model_nodes: set[int]) -> bool:
    """Whether the site's ``node`` is a node of the model: the same object as a rule (the
    graph is built with the same branches and SymPy's cache), else looked up by
    structure, only for a small tree: two separately built copies of a large DAG compare
    as trees (expm's Taylor and squaring DAG: no answer in 300 s)."""
    if id(node) in model_nodes:
        return True
    return not tree_larger_than(node, STRUCTURAL_LOOKUP_NODES) and node in values


def _floats(values: list[Any], shape: tuple[int, ...]) -> np.ndarray:
    return np.array([float(v) for v in values], dtype=np.float64).reshape(shape)


def _unary_sites(case: Case, point: Point) -> list[Site]:
    """Every element of every smooth elementwise one-argument op: (op, params, output,
    argument) as nodes of the point's SymPy model (the same objects: SymPy nodes compare
    by structure, and the graph is built with the same branches)."""
    found = models(case)
    resolver = Resolver(dict(found.subs(point)), found.budget)
    nodes = evaluate_all(expression(case), make_backend(resolver),
                         {**found.symbols, **found.integers(point)})
    sites: list[Site] = []
    for node in expression(case).nodes:
        spec = OPS.get(node.op) if isinstance(node, Op) else None
        if spec is None or spec.category != "elementwise" or spec.max_args != 1 \
                or spec.piecewise:  # piecewise: linear pieces (or sqrt's, relative anyway)
            continue
        assert isinstance(node, Op)
        out = np.asarray(nodes[id(node)], dtype=object)
        arg = np.broadcast_to(np.asarray(nodes[id(node.args[0])], dtype=object), out.shape)
        params = tuple(sorted(dict(node.params).items()))
        sites += [(node.op, params, sp.sympify(out[i]), sp.sympify(arg[i]))
                  for i in np.ndindex(out.shape)]
    return sites


@lru_cache(maxsize=128)
def _derivatives(op: str, params: tuple[tuple[str, Any], ...]
                 ) -> tuple[sp.Dummy, sp.Expr, sp.Expr, list[sp.Basic]]:
    """phi' and phi'' of an elementwise op, from its SymPy row, on a Dummy argument."""
    u = sp.Dummy("u", real=True)
    phi = np.asarray(SYMPY_TABLE[op](np.array([u], dtype=object), **dict(params)),
                     dtype=object).ravel()[0]
    first = sp.diff(phi, u)
    second = sp.diff(first, u)
    return u, first, second, pe.post_order([first, second])


def _own_rounding(op: str, params: tuple[tuple[str, Any], ...], u: Any, v: Any) -> Any:
    """``|v phi''(u) / phi'(u)| + |u phi''(u)|``: the error, in eps, of phi'(u) computed
    from the rounded output or input; 0 where SymPy's rule has no 50-digit value (the
    Dirac delta of abs, relu and sign: piecewise linear, nothing to round)."""
    try:
        dummy, first, second, order = _derivatives(op, params)
        at = pe.evaluate(order, {dummy: u})
        d1, d2 = at[first], at[second]
        r = abs(u * d2) + (abs(v * d2 / d1) if d1 != 0 else 0)
    except Exception:  # noqa: BLE001 - no rule: the op adds nothing of its own
        return pe.mpf(0)
    return r if r == r and r != pe.mpf("inf") else pe.mpf(0)
