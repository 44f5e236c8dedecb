"""A traced graph as text in the expression language, with shared subexpressions named.

``formula(root, taken)`` writes the graph the way a person would: operators with the
fewest parentheses Python's precedence allows, keywords only where they differ from the
op's default, constants as the shortest decimal that reads back as the same float64
(``repr``), and every subexpression used more than once (and longer than a name) given a
name ``v1``, ``v2``... once, in evaluation order. ``placed`` rebuilds the graph with each
node's position in that text, so messages such as "abs at column 5" point into it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gradcheck_lab.expr.graph import Const, Expression, Input, NamedConst, Node, Op, topological
from gradcheck_lab.expr.ops import OPS, RESERVED_NAMES

INFIX = {"add": (" + ", 10), "sub": (" - ", 10), "mul": (" * ", 11), "div": (" / ", 11),
         "matmul": (" @ ", 11)}
ATOM, POWER, UNARY = 14, 13, 12
MIN_NAMED_CHARS = 8  # a shared subexpression shorter than this is repeated, not named


@dataclass(frozen=True)
class Formula:
    """``bindings``: (name, text) in evaluation order; ``body``: the output's text."""

    bindings: tuple[tuple[str, str], ...]
    body: str

    @property
    def text(self) -> str:
        return "\n".join([f"{n} = {t}" for n, t in self.bindings] + [self.body])


def number(value: int | float) -> str:
    """The shortest decimal that reads back as ``value`` (ints as ints)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return repr(float(value))
    return repr(value)


def formula(root: Node, taken: Iterable[str] = (), min_named: int = MIN_NAMED_CHARS
            ) -> Formula:
    """The graph at ``root`` as text; ``taken``: names that bindings may not use;
    ``min_named``: how long a shared subexpression must be to be named."""
    order = topological(root)
    uses: Counter[int] = Counter(id(a) for n in order if isinstance(n, Op) for a in n.args)
    printer = _Printer(set(taken) | RESERVED_NAMES, min_named)
    for node in order:
        printer.visit(node, shared=uses[id(node)] > 1)
    text, _ = printer.texts[id(root)]
    return Formula(tuple(printer.bindings), text)


class _Printer:
    def __init__(self, taken: set[str], min_named: int) -> None:
        self.taken = taken
        self.min_named = min_named
        self.texts: dict[int, tuple[str, int]] = {}
        self.bindings: list[tuple[str, str]] = []
        self.count = 0

    def visit(self, node: Node, shared: bool) -> None:
        text, prec = self.write(node)
        if shared and isinstance(node, Op) and len(text) >= self.min_named and not (
                node.op in ("getitem", "T") and isinstance(node.args[0], (Input, Const))):
            name = self.fresh()
            self.bindings.append((name, text))
            text, prec = name, ATOM
        self.texts[id(node)] = (text, prec)

    def fresh(self) -> str:
        while True:
            self.count += 1
            name = f"v{self.count}"
            if name not in self.taken:
                return name

    def arg(self, node: Node, at_least: int) -> str:
        text, prec = self.texts[id(node)]
        return text if prec >= at_least else f"({text})"

    def write(self, node: Node) -> tuple[str, int]:
        if isinstance(node, Const):
            text = number(node.value)
            return text, UNARY if text.startswith("-") else ATOM
        if isinstance(node, (Input, NamedConst)):
            return node.name, ATOM
        assert isinstance(node, Op)
        args = node.args
        if node.op in INFIX:
            symbol, prec = INFIX[node.op]
            return self.arg(args[0], prec) + symbol + self.arg(args[1], prec + 1), prec
        if node.op == "pow":
            return f"{self.arg(args[0], ATOM)} ** {self.arg(args[1], UNARY)}", POWER
        if node.op == "neg":
            return "-" + self.arg(args[0], POWER), UNARY
        if node.op == "getitem":
            return f"{self.arg(args[0], ATOM)}[{index(node.param('index'))}]", ATOM
        if node.op == "T":
            return f"{self.arg(args[0], ATOM)}.T", ATOM
        if node.op == "stack":
            return "[" + ", ".join(self.arg(a, 0) for a in args) + "]", ATOM
        spec = OPS[node.op]
        parts = [self.arg(a, 0) for a in args]
        if spec.sequence:  # the arrays as a list first: concatenate([a, b], axis=0)
            parts = ["[" + ", ".join(parts) + "]"]
        given = dict(node.params)
        for key in spec.static_positional:
            parts.append(static(given.pop(key)))
        for key, param in spec.keywords.items():
            if key in given and given[key] != param.default:
                parts.append(f"{key}={static(given[key])}")
        return f"{node.op}({', '.join(parts)})", ATOM


def static(value: Any) -> str:
    """A static keyword's value as the parser reads it back."""
    if isinstance(value, tuple):
        inner = ", ".join(static(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number(value)
    return repr(value)


def index(items: tuple[Any, ...]) -> str:
    def one(item: Any) -> str:
        if not isinstance(item, slice):
            return str(item)
        start = "" if item.start in (None, 0) else str(item.start)
        stop = "" if item.stop is None else str(item.stop)
        step = "" if item.step in (None, 1) else f":{item.step}"
        return f"{start}:{stop}{step}"
    return ", ".join(one(i) for i in items)


def placed(root: Node, shown: Formula) -> Expression:
    """The graph rebuilt with each node at its position in ``shown.text`` (line, column):
    the first occurrence of the node's own text there, else (1, 1)."""
    lines = shown.text.split("\n")
    rebuilt: dict[int, Node] = {}
    for node in topological(root):
        pos = _find(lines, node)
        if isinstance(node, Op):
            args = tuple(rebuilt[id(a)] for a in node.args)
            rebuilt[id(node)] = Op(node.op, args, node.params, pos)
        elif isinstance(node, Const):
            rebuilt[id(node)] = Const(node.value, node.text, pos)
        elif isinstance(node, Input):
            rebuilt[id(node)] = Input(node.name, pos)
        else:
            rebuilt[id(node)] = node
    new_root = rebuilt[id(root)]
    return Expression(shown.text, new_root, topological(new_root))


def _find(lines: list[str], node: Node) -> tuple[int, int]:
    needle = (f"{node.op}(" if isinstance(node, Op) and node.op in OPS
              and OPS[node.op].callable_by_user else None)
    if needle is None:
        return (1, 1)
    for number_, line in enumerate(lines, start=1):
        col = line.find(needle)
        if col >= 0:
            return (number_, col + 1)
    return (1, 1)
