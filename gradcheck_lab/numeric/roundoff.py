"""How large the round-off of a float program computing a value or a derivative can be.

A float64 program that computes a sum of terms is accurate relative to the terms, not to
the sum: its error is a few ulps of ``sum |term|`` (Higham, *Accuracy and Stability of
Numerical Algorithms*, 2nd ed., ch. 3 and 4). Reverse-mode differentiation is such a sum
over the paths of the DAG: an adjoint is the sum, over the paths from the output, of the
products of local derivatives. The rounding error analysis of the reverse mode
(Griewank & Walther, *Evaluating Derivatives*, 2nd ed., ch. 3.4) bounds its error by a
multiple of eps times the same sweep taken over absolute values: ``absolute_reverse``.

Two things a program also rounds are added where they enter:

* an elementwise function ``v = phi(u)`` whose local derivative a framework computes from
  its output (torch and JAX: ``exp``'s from ``v``, ``tanh``'s as ``1 - v**2``,
  ``sigmoid``'s as ``v (1 - v)``) or from its rounded input carries an error of about
  ``eps (|v phi''(u) / phi'(u)| + |u phi''(u)|)``: ``injections`` add it at ``u``, with
  the adjoint of ``v`` (so ``sigmoid'(40) = 4e-18``, computed as ``1 - 1`` from the
  rounded output 1, is round-off, while ``softplus'(-40) = 4e-18`` from an output of
  4e-18 is not);
* a value is the root of a forward computation whose every node is rounded: its
  running error bound is ``|v| + sum |d v / d arg| E(arg)`` (``forward_error``, Wilkinson's
  running error analysis; Higham ch. 3.3).

Results are in units of eps (multiply by the tolerance's ``ROUNDOFF_ULPS * eps``).
Everything here is pure; the DAG and its 50-digit values come from ``precise_eval``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sympy as sp

from gradcheck_lab.numeric import precise_eval as pe

# v node -> (u node, r): where an elementwise function's own rounding enters, and how much
Injections = Mapping[sp.Basic, tuple[sp.Basic, Any]]


def _magnitude(value: Any) -> Any:
    """|value|, with a NaN (a local derivative at a domain edge) counted as 0."""
    return abs(value) if value == value else pe.mpf(0)


def absolute_reverse(order: Sequence[sp.Basic], values: Mapping[sp.Basic, Any],
                     seeds: Mapping[sp.Basic, Any], targets: frozenset[sp.Basic],
                     injections: Injections | None = None) -> dict[sp.Basic, Any]:
    """The reverse sweep over absolute values: per target, ``sum over paths |products|``.

    ``seeds``: output node -> weight (its absolute value is used). ``injections``: an
    elementwise function's output node -> (its argument node, ``r``); the sweep adds
    ``|adjoint of v| * r`` to the argument, the error its local derivative may carry.
    """
    depends = pe.dependents(order, targets)
    adjoint: dict[sp.Basic, Any] = {k: _magnitude(pe.mpf(0) + v) for k, v in seeds.items()}
    extra = injections or {}
    for node in reversed(order):
        if node in targets or node not in depends or node not in adjoint:
            continue
        bar = adjoint[node]
        if bar == 0:
            continue
        args = [values[a] for a in node.args]
        for index, arg in enumerate(node.args):
            if arg in depends:
                local = pe.local_derivative(node, index, args, values[node])
                adjoint[arg] = adjoint.get(arg, 0) + bar * _magnitude(local)
        if node in extra:
            arg, r = extra[node]
            if arg in depends:
                adjoint[arg] = adjoint.get(arg, 0) + bar * r
    return {t: adjoint.get(t, pe.mpf(0)) for t in targets}


def forward_error(order: Sequence[sp.Basic], values: Mapping[sp.Basic, Any],
                  leaves: frozenset[sp.Basic]) -> dict[sp.Basic, Any]:
    """Running error bound of every node, in units of eps: ``|v| + sum |dv/darg| E(arg)``.

    ``leaves`` (the inputs, exact as received) and numbers that are exact doubles carry no
    error; every other node (a decimal constant such as 0.1 too) adds one rounding of its
    value.
    """
    error: dict[sp.Basic, Any] = {}
    for node in order:
        if node in leaves:
            error[node] = pe.mpf(0)
            continue
        total = pe.mpf(0) if _representable(node) else _magnitude(values[node])
        if not node.is_Atom:
            args = [values[a] for a in node.args]
            for index, arg in enumerate(node.args):
                if error.get(arg, 0) != 0:
                    local = pe.local_derivative(node, index, args, values[node])
                    total += _magnitude(local) * error[arg]
        error[node] = total
    return error


def _representable(node: sp.Basic) -> bool:
    """A number that a double holds exactly (an integer below 2**53, a dyadic fraction)."""
    if not node.is_Rational:
        return False
    try:
        return bool(sp.Rational(float(node)) == node)
    except OverflowError:  # beyond the largest double
        return False
