"""Node types of the expression graph.

Nodes are immutable and compared by identity (``eq=False``), so evaluators can
memoise per node even when two subtrees print the same. ``pos`` is the
1-based (line, column) of the node in the expression text, kept for errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

Pos = tuple[int, int]


@dataclass(frozen=True, eq=False)
class Const:
    """A number literal. ``value`` keeps Python's int or float so SymPy can be exact."""

    value: int | float
    text: str
    pos: Pos


@dataclass(frozen=True, eq=False)
class NamedConst:
    """``pi`` or ``e``."""

    name: str
    pos: Pos


@dataclass(frozen=True, eq=False)
class Input:
    """A reference to an input of the case."""

    name: str
    pos: Pos


@dataclass(frozen=True, eq=False)
class Op:
    """An operation from ``ops.OPS``; ``params`` holds its static (non-differentiable) arguments."""

    op: str
    args: tuple[Node, ...]
    params: tuple[tuple[str, Any], ...]
    pos: Pos

    def param(self, name: str) -> Any:
        for key, value in self.params:
            if key == name:
                return value
        raise KeyError(name)


Node = Const | NamedConst | Input | Op


@dataclass(frozen=True, eq=False)
class Expression:
    """A parsed expression: its text, its root, and every node in evaluation order."""

    text: str
    root: Node
    nodes: tuple[Node, ...] = field(repr=False)

    @property
    def input_names(self) -> frozenset[str]:
        return frozenset(n.name for n in self.nodes if isinstance(n, Input))

    def ops(self) -> Iterator[Op]:
        return (n for n in self.nodes if isinstance(n, Op))


def topological(root: Node) -> tuple[Node, ...]:
    """Children before parents, each node once (iterative: deep graphs must not recurse)."""
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in seen:
            continue
        if expanded or not isinstance(node, Op):
            seen.add(id(node))
            order.append(node)
            continue
        stack.append((node, True))
        for child in reversed(node.args):
            if id(child) not in seen:
                stack.append((child, False))
    return tuple(order)
