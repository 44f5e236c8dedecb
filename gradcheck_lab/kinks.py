"""Which non-smooth ops sit exactly at their kink at a point (rules in ``expr.ops``)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from gradcheck_lab.backends.numpy_ops import make_backend
from gradcheck_lab.expr.evaluate import evaluate_all
from gradcheck_lab.expr.graph import Expression
from gradcheck_lab.expr.ops import OPS

_BACKEND = make_backend()


def kinks_at(expr: Expression | None, values: Mapping[str, np.ndarray]) -> tuple[str, ...]:
    """Descriptions such as ``"abs at column 5"`` of every op at its kink, in text order
    (none without an expression: a numeric reference of code knows no kinks)."""
    if expr is None:
        return ()
    with np.errstate(all="ignore"):
        nodes = evaluate_all(expr, _BACKEND, dict(values))
    hits = []
    for node in expr.ops():
        rule = OPS[node.op].kink
        if rule is not None and rule([np.asarray(nodes[id(a)]) for a in node.args],
                                     dict(node.params)):
            hits.append((node.pos, f"{node.op} at column {node.pos[1]}"))
    return tuple(text for _, text in sorted(hits))
