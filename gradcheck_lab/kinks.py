"""Which non-smooth ops sit exactly at their kink at a point (rules in ``expr.ops``), and
whether each is a kink (the derivative jumps) or a jump (the value does).

A comparison that flips at the point feeds, typically, a ``where``: the where is then a
kink when its two branches agree at the flipping elements (``where(x > 0, x, 0.1*x)`` at
0) and a jump when they differ (``where(x > 0, 1, 0)``); the comparisons inside its
condition are described through it. Any other op at its kink is a jump when its row says
``jump`` (floor, sign, a comparison used as a number), else a kink.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from gradcheck_lab.backends.numpy_ops import make_backend
from gradcheck_lab.expr.evaluate import evaluate_all
from gradcheck_lab.expr.graph import Expression, Node, Op
from gradcheck_lab.expr.ops import OPS

_BACKEND = make_backend()


def kinks_at(expr: Expression | None, values: Mapping[str, np.ndarray]) -> tuple[str, ...]:
    """Descriptions such as ``"abs at column 5"``, ``"floor at column 1 (jump)"`` or
    ``"where at column 1 (kink: ...)"`` of every op at its kink, in text order (none
    without an expression: a numeric reference of code knows no kinks)."""
    if expr is None:
        return ()
    with np.errstate(all="ignore"):
        nodes = evaluate_all(expr, _BACKEND, dict(values))
    masks: dict[int, np.ndarray] = {}
    for node in expr.ops():
        rule = OPS[node.op].kink
        if rule is not None:
            hit = np.asarray(rule([np.asarray(nodes[id(a)]) for a in node.args],
                                  dict(node.params)))
            if np.any(hit):
                masks[id(node)] = hit
    explained: set[int] = set()
    hits = []
    for node in expr.ops():
        index = OPS[node.op].condition
        if index is None:
            continue
        inside = _flipping(node.args[index], masks)
        if not inside:
            continue
        explained |= inside
        hits.append((node.pos, _where_text(node, nodes, [masks[i] for i in inside])))
    for node in expr.ops():
        if id(node) in masks and id(node) not in explained:
            suffix = " (jump)" if OPS[node.op].jump else ""
            hits.append((node.pos, f"{node.op} at column {node.pos[1]}{suffix}"))
    return tuple(text for _, text in sorted(hits))


def _flipping(node: Node, masks: Mapping[int, np.ndarray]) -> set[int]:
    """The comparisons at a tie inside a condition (through logical ops)."""
    if not isinstance(node, Op) or not OPS[node.op].boolean:
        return set()
    found = {id(node)} if id(node) in masks else set()
    for arg in node.args:
        found |= _flipping(arg, masks)
    return found


def _where_text(node: Op, nodes: Mapping[int, object], masks: list[np.ndarray]) -> str:
    branches = [np.asarray(nodes[id(a)]) for i, a in enumerate(node.args)
                if i != OPS[node.op].condition]
    shape = np.shape(np.asarray(nodes[id(node)]))
    try:
        flips = np.zeros(shape, dtype=bool)
        for mask in masks:
            flips = flips | np.broadcast_to(mask, shape)
        a, b = (np.broadcast_to(x, shape) for x in branches)
        agree = bool(np.all(a[flips] == b[flips]))
    except ValueError:  # a condition of another shape: compare everything
        agree = all(np.array_equal(branches[0], x) for x in branches[1:])
    kind = ("kink: the condition flips here, its branches agree" if agree
            else "jump: the condition flips here, its branches differ")
    return f"{node.op} at column {node.pos[1]} ({kind})"
