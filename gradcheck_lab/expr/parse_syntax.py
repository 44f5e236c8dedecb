"""The syntax of conditionals and indexing: ``a < b``, ``a < b <= c``, ``x[i, 1:3]``,
``x[idx]``, ``x[mask]``, ``x[:, None]``, ``x[..., 0]``. Helpers of ``parse.py``.

A subscript of literals (integers, slices with positive steps, ``None``, ``...``) is the
op ``getitem`` with a static index; one with an expression in it (an ``int64`` input, a
comparison, ``argmax(...)``) is the op ``index``, whose arguments are the array and the
index arrays, and whose static ``index`` marks their places with ``"*"``.
"""

from __future__ import annotations

import ast
from typing import Any, Protocol

from gradcheck_lab.errors import ExpressionError
from gradcheck_lab.expr import params
from gradcheck_lab.expr.graph import Node, Op, Pos
from gradcheck_lab.expr.ops import OPS

COMPARISONS = {ast.Lt: "less", ast.LtE: "less_equal", ast.Gt: "greater",
               ast.GtE: "greater_equal", ast.Eq: "equal", ast.NotEq: "not_equal"}
ARRAY_PLACE = "*"


class SyntaxParser(Protocol):
    def fail(self, node: ast.AST, message: str, accepted: str = ...) -> ExpressionError: ...

    def fail_literal(self, node: ast.AST, message: str, accepted: str) -> ExpressionError: ...

    def pos(self, node: ast.AST) -> Pos: ...

    def node(self, node: ast.AST, depth: int) -> Node: ...


def compare(parser: SyntaxParser, node: ast.Compare, depth: int) -> Node:
    """``a < b`` (numpy's ``less``); a chain ``a < b <= c`` is ``(a < b) & (b <= c)``."""
    operands = [parser.node(node.left, depth)]
    out: Node | None = None
    for op, right in zip(node.ops, node.comparators, strict=True):
        name = COMPARISONS.get(type(op))
        if name is None:
            raise parser.fail(node, f"the comparison '{type(op).__name__}' is not allowed",
                              accepted="< <= > >= == !=")
        operands.append(parser.node(right, depth))
        step = Op(name, (operands[-2], operands[-1]), (), parser.pos(node))
        out = step if out is None else Op("logical_and", (out, step), (), parser.pos(node))
    assert out is not None
    return out


def subscript(parser: SyntaxParser, node: ast.Subscript, depth: int) -> Op:
    picked = _tuple_output(parser, node, depth)
    if picked is not None:
        return picked
    parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    literals = [_literal(parser, part) for part in parts]  # refused literals first
    value = parser.node(node.value, depth)
    index: list[Any] = []
    arrays: list[Node] = []
    for part, literal in zip(parts, literals, strict=True):
        if literal is not _EXPRESSION:
            index.append(literal)
        else:
            index.append(ARRAY_PLACE)
            arrays.append(parser.node(part, depth))
    if arrays:
        return Op("index", (value, *arrays), (("index", tuple(index)),), parser.pos(node))
    return Op("getitem", (value,), (("index", tuple(index)),), parser.pos(node))


def _tuple_output(parser: SyntaxParser, node: ast.Subscript, depth: int) -> Op | None:
    """``eigh(A)[1]``: one part of an op whose numpy form returns a tuple, as the op with
    ``output=1``; None when ``node`` is another subscript."""
    call = node.value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            and call.func.id in OPS and OPS[call.func.id].outputs):
        return None
    spec = OPS[call.func.id]
    op = parser.node(call, depth)
    assert isinstance(op, Op)
    if spec.single_output is not None and spec.single_output(dict(op.params)):
        return None
    k = node.slice
    if not (isinstance(k, ast.Constant) and type(k.value) is int
            and 0 <= k.value < len(spec.outputs)):
        raise parser.fail(node, f"{spec.name}() returns ({', '.join(spec.outputs)}): pick "
                                f"one with [0]..[{len(spec.outputs) - 1}]",
                          accepted=f"{spec.name}(...)[0]")
    params = tuple((key, k.value if key == "output" else value) for key, value in op.params)
    return Op(op.op, op.args, params, op.pos)


_EXPRESSION = object()


def _literal(parser: SyntaxParser, part: ast.AST) -> Any:
    """A static index item (int, slice, None, Ellipsis), or ``_EXPRESSION``."""
    if isinstance(part, ast.Slice):
        def bound(b: ast.AST | None, what: str) -> int | None:
            return None if b is None else params.integer(b, what, parser.fail_literal)
        step = bound(part.step, "a slice step")
        if step is not None and step <= 0:
            raise parser.fail(part, "a slice step must be positive")
        return slice(bound(part.lower, "a slice bound"), bound(part.upper, "a slice bound"),
                     step)
    if isinstance(part, ast.Constant) and part.value is None:
        return None
    if isinstance(part, ast.Constant) and part.value is Ellipsis:
        return Ellipsis
    is_int = (isinstance(part, ast.Constant) and type(part.value) is int) or (
        isinstance(part, ast.UnaryOp) and isinstance(part.op, ast.USub)
        and isinstance(part.operand, ast.Constant) and type(part.operand.value) is int)
    if is_int:
        return params.integer(part, "an index", parser.fail_literal)
    if isinstance(part, ast.Constant):
        raise parser.fail(part, f"an index must be an integer literal, a slice, None, ... or "
                                f"an integer or boolean array; got {part.value!r}")
    return _EXPRESSION
