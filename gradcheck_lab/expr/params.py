"""Static parameters of ops (``axis=``, ``keepdims=``, ``approximate=``...): declared per
OpSpec row as a :class:`Param`, read from the expression's syntax tree by their kind.

A new keyword of an existing kind needs only its row; the kinds are the literal forms the
language accepts (never an expression: a static parameter is not differentiated).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from gradcheck_lab.errors import ExpressionError

Kind = Literal["axis", "bool", "int", "number", "ints", "axes", "ord", "choice", "nested",
               "subscripts"]
MAX_SUBSCRIPTS = 200  # characters of an einsum string: a hostile one is refused, not parsed
MAX_NESTED = 256  # integers in a nested literal (pad widths, tensordot axes)
Fail = Callable[[ast.AST, str, str], ExpressionError]  # (node, message, accepted)
MAX_INT = 2 ** 62


@dataclass(frozen=True)
class Param:
    """A keyword of an op: its default and the literal form it takes.

    Kinds: ``axis`` (None, an int or a tuple of ints), ``bool``, ``int``, ``number`` (a
    finite int or float), ``ints`` (a tuple or list of ints, or one int), ``axes`` (None or
    ints), ``ord`` (1, 2 or inf), ``choice`` (one of ``choices``, a string), ``nested`` (an
    int or nested tuples of ints: pad widths, tensordot's axes), ``subscripts`` (an einsum
    string of letters, ``,``, ``->`` and ``...``).
    """

    default: Any
    kind: Kind
    choices: tuple[str, ...] = ()

    def describe(self, key: str) -> str:
        if self.kind == "choice":
            return f"{key}=" + "|".join(repr(c) for c in self.choices)
        return f"{key}={self.default!r}"


AXIS = Param(None, "axis")
KEEPDIMS = Param(False, "bool")


def integer(node: ast.AST, what: str, fail: Fail) -> int:
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        sign, node = -1, node.operand
    if isinstance(node, ast.Constant) and type(node.value) is int:
        if node.value > MAX_INT:
            raise fail(node, f"{what} {str(node.value)[:40]} is too large", "")
        return sign * node.value
    raise fail(node, f"{what} must be an integer literal", "")


def _number(node: ast.AST, key: str, fail: Fail) -> float | int:
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        sign, node = -1, node.operand
    if (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool)):
        value = sign * node.value
        if math.isfinite(value) and abs(value) <= MAX_INT:
            return value
    raise fail(node, f"{key} must be a finite number literal", "")


def read(param: Param, key: str, node: ast.AST, fail: Fail) -> Any:
    """The value of keyword ``key`` written as ``node``, checked against ``param``'s kind."""
    none = isinstance(node, ast.Constant) and node.value is None
    if param.kind == "bool":
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return node.value
        raise fail(node, f"{key} must be True or False", "")
    if param.kind == "ord":
        if isinstance(node, ast.Name) and node.id == "inf":
            return math.inf
        if (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
                and not isinstance(node.value, bool) and node.value in (1, 2)):
            return int(node.value)
        raise fail(node, "ord must be 1, 2 or inf", "ord=1, ord=2, ord=inf")
    if param.kind == "choice":
        if isinstance(node, ast.Constant) and node.value in param.choices:
            return node.value
        raise fail(node, f"{key} must be one of {', '.join(map(repr, param.choices))}",
                   param.describe(key))
    if param.kind == "int":
        return integer(node, key, fail)
    if param.kind == "nested":
        count = [0]
        return _nested(node, key, fail, count)
    if param.kind == "subscripts":
        return _subscripts(node, key, fail)
    if param.kind == "number":
        return _number(node, key, fail)
    if none and param.kind in ("axis", "axes"):
        return None
    if isinstance(node, (ast.Tuple, ast.List)) and param.kind != "axis" or (
            isinstance(node, ast.Tuple) and param.kind == "axis"):
        return tuple(integer(e, key, fail) for e in node.elts)
    value = integer(node, key, fail)
    return value if param.kind == "axis" else (value,)


def _nested(node: ast.AST, key: str, fail: Fail, count: list[int]) -> Any:
    """An int or nested tuples/lists of ints, as tuples (at most ``MAX_NESTED`` ints)."""
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(_nested(e, key, fail, count) for e in node.elts)
    count[0] += 1
    if count[0] > MAX_NESTED:
        raise fail(node, f"{key} has more than {MAX_NESTED} integers", "")
    return integer(node, key, fail)


_EINSUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,->. ")


def _subscripts(node: ast.AST, key: str, fail: Fail) -> str:
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        raise fail(node, f"{key} must be a string literal", "a string such as 'ij,j->i'")
    text = node.value
    if len(text) > MAX_SUBSCRIPTS:
        raise fail(node, f"the einsum string has {len(text)} characters, more than the limit "
                         f"of {MAX_SUBSCRIPTS}", "a string such as 'ij,j->i'")
    bad = sorted(set(text) - _EINSUM)
    if bad:
        raise fail(node, f"the einsum string may hold letters, ',', '->' and '...', not "
                         f"{bad[0]!r}", "a string such as 'ij,j->i'")
    return text.replace(" ", "")
