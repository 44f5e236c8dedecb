"""Node types of the expression graph.

Nodes are immutable and compared by identity (``eq=False``), so evaluators can
memoise per node even when two subtrees print the same. ``pos`` is the
1-based (line, column) of the node in the expression text, kept for errors.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
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

    def structure(self) -> tuple[Hashable, ...]:
        """A key equal for two expressions that compute the same thing: the same ops with
        the same static params over the same inputs and constants, wherever their text
        differs (positions, spacing, ``let`` names). Compiled programs are shared by it."""
        index = {id(n): i for i, n in enumerate(self.nodes)}
        rows: list[Hashable] = []
        for n in self.nodes:
            if isinstance(n, Op):
                rows.append(("op", n.op, _exactly(n.params),
                             tuple(index[id(a)] for a in n.args)))
            elif isinstance(n, Const):
                rows.append(("const", _exactly(n.value)))
            else:
                rows.append((type(n).__name__, n.name))
        return (*rows, index[id(self.root)])


def _exactly(value: Any) -> Hashable:
    """A hashable of ``value`` that two values share only when equal, type included: an
    array by its dtype, shape and bytes (numpy's repr elides long arrays)."""
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, *(_exactly(v) for v in value))
    if hasattr(value, "dtype") and hasattr(value, "tobytes"):  # numpy arrays and scalars
        return ("array", str(value.dtype), getattr(value, "shape", ()), value.tobytes())
    return (type(value).__name__, repr(value))


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
