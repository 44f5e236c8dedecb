"""High-precision evaluation and reverse accumulation over a SymPy expression DAG.

The DAG is built once (unevaluated, so construction is linear) and never
re-simplified. At a point, every node is evaluated once in ``DIGITS``-digit
mpmath arithmetic, then one reverse sweep carries adjoints from the seeded
outputs to the symbols: ``adjoint(arg) += adjoint(node) * d node / d arg``.

Local derivatives are SymPy's own: ``Add`` (1), ``Mul`` (the product of the
other factors) and ``Pow`` (power rule) directly, every function class through
its ``fdiff`` applied once to Dummy arguments and cached as a template, then
evaluated at the node's argument values. So the derivative rules are SymPy's,
and the cost is linear in the DAG (Griewank & Walther, *Evaluating
Derivatives*, 2nd ed., ch. 3). Piecewise-constant ``sign``/``Heaviside`` have
derivative 0 away from their jump; at the jump the verdict's kink rule applies.

Nodes listed in ``constants`` (subexpressions identically constant in the targets, see
``numeric.constancy``) pass no adjoint on: their derivative is an exact 0, so a 0 never
meets an infinite local derivative (``sqrt`` at 0 of ``x - mean(x)`` over one element).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from functools import lru_cache
from typing import Any

import mpmath
import sympy as sp
from sympy.core.function import Application

from gradcheck_lab.backends.sympy_ops.mpmath_rules import MPMATH
from gradcheck_lab.numeric.budget import Budget

DIGITS = 50
_CTX = mpmath.MPContext()
_CTX.dps = DIGITS
NAN = _CTX.mpf("nan")


def _bind(spec: str | Callable[..., Any]) -> Callable[..., Any]:
    if isinstance(spec, str):
        return getattr(_CTX, spec)
    return lambda *args: spec(_CTX, *args)


# SymPy function class -> its mpmath evaluation, as the SymPy backend declares it
_FUNCTIONS: dict[type, Callable[..., Any]] = {cls: _bind(spec) for cls, spec in MPMATH.items()}


def _real(value: Any) -> Any:
    """mpmath returns mpc for real functions outside their domain: that is NaN here."""
    if isinstance(value, _CTX.mpc):
        return value.real if value.imag == 0 else NAN
    return value


def _number(node: sp.Basic) -> Any:
    if node.is_Rational:
        return _CTX.mpf(int(node.p)) / int(node.q)
    if node is sp.pi:
        return +_CTX.pi
    if node is sp.E:
        return +_CTX.e
    if node in (sp.oo, sp.zoo, sp.nan, -sp.oo):
        return NAN if node in (sp.zoo, sp.nan) else _CTX.mpf("inf") * (1 if node is sp.oo else -1)
    return _CTX.mpf(str(sp.N(node, DIGITS)))


CHECK_EVERY = 4096  # nodes between budget checks


def dependents(order: Sequence[sp.Basic], targets: Collection[sp.Basic],
               constants: Collection[sp.Basic] = ()) -> set[sp.Basic]:
    """The nodes of ``order`` (children first) that are or depend on a target, not through
    a node of ``constants``."""
    depends: set[sp.Basic] = set()
    for node in order:
        if node in constants:
            continue
        if node in targets or any(a in depends for a in node.args):
            depends.add(node)
    return depends


def post_order(roots: Sequence[sp.Basic]) -> list[sp.Basic]:
    """Every node of the DAG once, children before parents (iterative)."""
    order: list[sp.Basic] = []
    visited: set[sp.Basic] = set()
    stack: list[tuple[sp.Basic, bool]] = [(r, False) for r in reversed(roots)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        if not node.is_Atom:
            stack.extend((a, False) for a in reversed(node.args) if a not in visited)
    return order


def _apply(node: sp.Basic, args: list[Any]) -> Any:
    if isinstance(node, sp.Add):
        return _CTX.fsum(args)
    if isinstance(node, sp.Mul):
        return _CTX.fprod(args)
    if isinstance(node, sp.Pow):
        base, exponent = args
        if base == 0 and exponent < 0:
            return NAN
        return _real(_CTX.power(base, exponent))
    fn = _FUNCTIONS.get(type(node))
    if fn is None:
        own = getattr(type(node), "evaluate_mp", None)  # classes made per shape (eigen)
        if own is None:
            raise TypeError(f"no high-precision rule for {type(node).__name__}")
        return _real(own(_CTX, *args))
    return _real(fn(*args))


def _value(node: sp.Basic, values: Mapping[sp.Basic, Any]) -> Any:
    if node.is_Number or node.is_NumberSymbol or node in (sp.zoo, sp.nan):
        return _number(node)
    if node.is_Symbol:
        raise KeyError(f"no value for the symbol {node}")
    try:
        return _apply(node, [values[a] for a in node.args])
    except (ZeroDivisionError, ValueError, OverflowError):
        return NAN


def evaluate(order: Sequence[sp.Basic], subs: Mapping[sp.Basic, Any],
             budget: Budget | None = None) -> dict[sp.Basic, Any]:
    """Value of every node in ``order`` (from ``post_order``) with symbols bound by ``subs``
    (and any other node already known in ``subs``: it is not evaluated again)."""
    values: dict[sp.Basic, Any] = dict(subs)
    for count, node in enumerate(order):
        if node not in values:
            values[node] = _value(node, values)
        if budget is not None and count % CHECK_EVERY == 0:
            budget.check()
    return values


def evaluate_missing(roots: Sequence[sp.Basic], values: dict[sp.Basic, Any],
                     budget: Budget | None = None) -> None:
    """Evaluate ``roots`` into ``values``, visiting only nodes not in ``values`` yet.

    Deciding branches while the graph is built asks for the values of many overlapping
    subexpressions; each node is evaluated once overall (linear in the DAG)."""
    stack: list[tuple[sp.Basic, bool]] = [(r, False) for r in roots if r not in values]
    count = 0
    while stack:
        node, expanded = stack.pop()
        if node in values:
            continue
        if expanded or node.is_Atom:
            values[node] = _value(node, values)
            count += 1
            if budget is not None and count % CHECK_EVERY == 0:
                budget.check()
            continue
        stack.append((node, True))
        stack.extend((a, False) for a in reversed(node.args) if a not in values)


@lru_cache(maxsize=256)
def _template(cls: type, nargs: int, index: int) -> tuple[tuple[sp.Dummy, ...], sp.Expr,
                                                          list[sp.Basic]]:
    """SymPy's derivative of ``cls`` in argument ``index``, on Dummy arguments."""
    dummies = tuple(sp.Dummy(f"a{i}", real=True) for i in range(nargs))
    derivative = cls(*dummies).fdiff(index + 1)
    return dummies, derivative, post_order([derivative])


def _local(node: sp.Basic, index: int, args: list[Any], value: Any) -> Any:
    if isinstance(node, sp.Add):
        return _CTX.mpf(1)
    if isinstance(node, sp.Mul):
        return _CTX.fprod(args[:index] + args[index + 1:])
    if isinstance(node, sp.Pow):
        base, exponent = args
        if index == 0:
            return NAN if base == 0 and exponent < 1 else exponent * _real(
                _CTX.power(base, exponent - 1))
        return NAN if base <= 0 else value * _CTX.log(base)
    if isinstance(node, (sp.sign, sp.Heaviside)):
        return _CTX.mpf(0)
    if not isinstance(node, Application):
        raise TypeError(f"no derivative rule for {type(node).__name__}")
    dummies, derivative, order = _template(type(node), len(args), index)  # type: ignore[arg-type]
    return evaluate(order, dict(zip(dummies, args, strict=True)))[derivative]


local_derivative = _local  # d node / d args[index] at the node's values (numeric.roundoff too)


def reverse(order: Sequence[sp.Basic], values: Mapping[sp.Basic, Any],
            seeds: Mapping[sp.Basic, Any], targets: frozenset[sp.Basic], *,
            constants: Collection[sp.Basic] = (), budget: Budget | None = None
            ) -> dict[sp.Basic, Any]:
    """Adjoints of ``targets`` given output ``seeds`` (one reverse sweep); ``constants``
    pass nothing on."""
    depends = dependents(order, targets, constants)
    adjoint: dict[sp.Basic, Any] = dict(seeds)
    for count, node in enumerate(reversed(order)):
        if budget is not None and count % CHECK_EVERY == 0:
            budget.check()
        if node in targets or node not in depends or node not in adjoint:
            continue
        bar = adjoint[node]
        if bar == 0:
            continue
        args = [values[a] for a in node.args]
        for index, arg in enumerate(node.args):
            if arg in depends:
                adjoint[arg] = adjoint.get(arg, 0) + bar * _local(node, index, args,
                                                                  values[node])
    return {t: adjoint.get(t, _CTX.mpf(0)) for t in targets}


def mpf(value: Any) -> Any:
    """An exact binary64 (or sympy number) as a high-precision number."""
    if isinstance(value, sp.Basic):
        return _number(value)
    return _CTX.mpf(value)


def to_float(value: Any) -> float:
    return float(value)


def is_finite(value: Any) -> bool:
    return bool(_CTX.isfinite(value))
