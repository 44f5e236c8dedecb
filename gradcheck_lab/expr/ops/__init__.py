"""The op list of the expression language: one :class:`OpSpec` row per op.

The rows live in one module per category (``core``: the syntax's operators, indexing and
structure; ``elementwise``; ``reductions``; ``linalg``; ...), each a list ``ROWS``.
Adding an op: one row in its category's module, one entry in each backend table (the
same category's module of ``backends/numpy_ops/``, ``sympy_ops/``, ``torch_ops/``,
``jax_ops/``) and one row in ``tests/test_backends.py``; ``make docs`` regenerates the
README's op table from these rows. See ``docs/extending.md``.
"""

from __future__ import annotations

from collections.abc import Mapping

from gradcheck_lab.expr.ops import (
    activations,
    conditionals,
    core,
    elementwise,
    indexing,
    linalg,
    nn,
    reductions,
    scans,
    shape,
    special,
)
from gradcheck_lab.expr.opspec import OpSpec

__all__ = ["CONSTANTS", "OPS", "RESERVED_NAMES", "USER_FUNCTIONS", "OpSpec"]

_ROWS: list[OpSpec] = [*core.ROWS, *indexing.ROWS, *conditionals.ROWS, *elementwise.ROWS,
                       *special.ROWS, *activations.ROWS, *reductions.ROWS, *scans.ROWS,
                       *shape.ROWS, *nn.ROWS, *linalg.ROWS]

OPS: Mapping[str, OpSpec] = {row.name: row for row in _ROWS}
if len(OPS) != len(_ROWS):  # a name in two modules: refuse to import
    raise ImportError("an op name is defined twice in gradcheck_lab.expr.ops")
USER_FUNCTIONS: tuple[str, ...] = tuple(r.name for r in _ROWS if r.callable_by_user)
CONSTANTS: tuple[str, ...] = ("pi", "e")
# names an input may not take: functions, constants, and the reserved point key
RESERVED_NAMES: frozenset[str] = frozenset(USER_FUNCTIONS) | {"pi", "e", "inf", "expect"}
