"""SymPy op table: numpy object arrays whose elements are SymPy expressions, one module per
category of ``expr.ops`` (building blocks in ``common``).

Arrays of real Symbols (one per element) go in; decimal literals become exact Rationals
(``0.1`` is 1/10, not the nearest double). Nodes are built unevaluated (see ``common``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import sympy as sp

from gradcheck_lab.backends.base import Backend, merge_tables
from gradcheck_lab.backends.sympy_ops import (
    activations,
    conditionals,
    core,
    elementwise,
    indexing,
    linalg,
    matrix_functions,
    nn,
    reductions,
    scans,
    shape,
    special,
)
from gradcheck_lab.backends.sympy_ops.common import Decider, as_object_array, exact
from gradcheck_lab.backends.sympy_ops.mpmath_rules import MPMATH

__all__ = ["MPMATH", "TABLE", "Decider", "as_object_array", "exact", "make_backend"]

TABLE: dict[str, Callable[..., Any]] = merge_tables(
    core.TABLE, indexing.TABLE, conditionals.TABLE, elementwise.TABLE, special.TABLE,
    activations.TABLE, reductions.TABLE, scans.TABLE, shape.TABLE,
    nn.TABLE, linalg.TABLE, matrix_functions.TABLE)


def make_backend(decider: Decider) -> Backend:
    """The table with piecewise ops resolved by ``decider`` (the point's branches)."""
    ops = {name: functools.partial(f, decider=decider) if getattr(f, "needs_decider", False)
           else f for name, f in TABLE.items()}
    return Backend("sympy", ops, exact, lambda name: {"pi": sp.pi, "e": sp.E}[name])
