"""The one evaluator: walk the graph once, each backend supplying its op table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gradcheck_lab.backends.base import Backend
from gradcheck_lab.errors import EvaluationError
from gradcheck_lab.expr.graph import Const, Expression, Input, NamedConst, Op

__all__ = ["EvaluationError", "evaluate", "evaluate_all"]


def evaluate(expr: Expression, backend: Backend, inputs: Mapping[str, Any]) -> Any:
    """Value of ``expr`` with ``inputs`` (backend arrays), computed by ``backend``'s ops."""
    return evaluate_all(expr, backend, inputs)[id(expr.root)]


def evaluate_all(expr: Expression, backend: Backend, inputs: Mapping[str, Any],
                 held: Mapping[int, Any] | None = None) -> dict[int, Any]:
    """Value of every node, keyed by ``id(node)``: kink and domain rules read the arguments.

    ``held``: values given in advance for some nodes (by ``id``), used instead of computing
    them (finite differences hold gradient cuts at their value at the point)."""
    values: dict[int, Any] = {}
    for node in expr.nodes:
        if held is not None and id(node) in held:
            values[id(node)] = held[id(node)]
        elif isinstance(node, Input):
            values[id(node)] = inputs[node.name]
        elif isinstance(node, Const):
            values[id(node)] = backend.constant(node.value)
        elif isinstance(node, NamedConst):
            values[id(node)] = backend.named_constant(node.name)
        elif isinstance(node, Op):
            args = [values[id(a)] for a in node.args]
            try:
                values[id(node)] = backend.ops[node.op](*args, **dict(node.params))
            except EvaluationError:
                raise
            except Exception as exc:  # noqa: BLE001 - any backend failure becomes a located error
                raise EvaluationError(_explain(node, exc), node) from exc
    return values


def _explain(node: Op, exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"{node.op} at column {node.pos[1]}: {text}"
