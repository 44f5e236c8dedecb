"""Evaluate expressions at load time, safely: each op's shape rule checked before it runs.

The loader evaluates ``expr`` (and claim formulas) with NumPy at every point, so shape
errors surface before anything runs. Each op's arguments go through the op's shape rule
(``OpSpec.shape``, in ``expr.shapes``) first, which gives readable errors ("axis 3 is out
of range for shape (3,)") instead of NumPy's, and refuses an op that would build an array
larger than ``limits.max_expression_elements`` before it allocates it (``outer(x, x)`` of a
million-element ``x`` would need 8 TB).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradcheck_lab.backends.base import Backend
from gradcheck_lab.errors import EvaluationError, ShapeProblem
from gradcheck_lab.expr.evaluate import evaluate
from gradcheck_lab.expr.graph import Expression, Op
from gradcheck_lab.expr.ops import OPS


def describe(op: str) -> str:
    """How an op is written: ``sum()``, ``'+'``, ``indexing``."""
    spec = OPS.get(op)
    return spec.describe() if spec is not None else f"{op}()"


def evaluate_checked(expr: Expression, values: Mapping[str, np.ndarray],
                     max_elements: int) -> np.ndarray:
    """Value of ``expr`` in float64; EvaluationError (with a readable message) otherwise."""
    with np.errstate(all="ignore"):
        try:
            return np.asarray(evaluate(expr, _backend(max_elements), dict(values)))
        except EvaluationError as exc:
            cause = exc.__cause__
            text = str(cause).strip().splitlines()[0] if cause is not None and str(
                cause).strip() else type(cause).__name__
            node = exc.node
            op = node.op if isinstance(node, Op) else "?"
            raise EvaluationError(f"{describe(op)}: {text[:300]}", node) from None


_CACHE: dict[int, Backend] = {}


def _backend(max_elements: int) -> Backend:
    if max_elements not in _CACHE:
        from gradcheck_lab.backends.numpy_ops import make_backend

        base = make_backend()
        table = {name: _guarded(name, fn, max_elements) for name, fn in base.ops.items()}
        _CACHE[max_elements] = Backend(base.name + "-checked", table, base.constant,
                                       base.named_constant)
    return _CACHE[max_elements]


def _guarded(name: str, fn: Callable[..., Any], max_elements: int) -> Callable[..., Any]:
    rule, by_values = OPS[name].shape, OPS[name].value_shape

    def run(*args: Any, **params: Any) -> Any:
        if by_values is not None:  # boolean masks: the shape depends on the values
            shape = by_values([np.asarray(a) for a in args], params)
        else:
            shape = rule([tuple(np.shape(a)) for a in args], params)
        size = max([math.prod(shape)] + [int(np.size(a)) for a in args])
        if size > max_elements:
            raise ShapeProblem(f"the result would have {size} elements, more than the limit of "
                               f"{max_elements} (max_expression_elements)")
        return fn(*args, **params)
    return run
