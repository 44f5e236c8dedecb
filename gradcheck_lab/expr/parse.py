"""Parse expression text into a graph with ``ast``, against a whitelist.

The text is never evaluated by Python: ``ast.parse`` only builds a syntax
tree, and every node type not listed here is refused with its column, a caret
and the list of what the language allows.
"""

from __future__ import annotations

import ast
import difflib
import math
from collections.abc import Iterable
from typing import Any

from gradcheck_lab.errors import ExpressionError
from gradcheck_lab.expr.graph import (
    Const,
    Expression,
    Input,
    NamedConst,
    Node,
    Op,
    Pos,
    topological,
)
from gradcheck_lab.expr.ops import CONSTANTS, OPS, USER_FUNCTIONS

MAX_EXPRESSION_CHARS = 20_000
MAX_DEPTH = 200
MAX_ABS_CONSTANT_EXPONENT = 1_000

ALLOWED = (
    "numbers; input names; pi, e; + - * / ** @; unary -; x[i], x[a:b], x.T; "
    "[a, b, ...]; calls of " + ", ".join(USER_FUNCTIONS)
)

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div",
           ast.Pow: "pow", ast.MatMult: "matmul"}


def parse_expression(text: str, inputs: Iterable[str]) -> Expression:
    """Parse ``text`` over the given input names; raise ExpressionError if outside the language."""
    names = tuple(inputs)
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("the expression is empty", accepted=ALLOWED)
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(
            f"the expression has {len(text)} characters, more than the limit of "
            f"{MAX_EXPRESSION_CHARS}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        column = exc.offset or 1
        raise ExpressionError(f"syntax error: {exc.msg}", line=None, column=column,
                              detail=_caret(text.strip(), exc.lineno or 1, column)) from None
    except (RecursionError, MemoryError) as exc:
        raise ExpressionError(f"the expression nests too deeply to be parsed "
                              f"({type(exc).__name__}); the limit is {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise ExpressionError(f"the expression cannot be parsed: {exc}") from None
    parser = _Parser(text.strip(), names)
    root = parser.node(tree.body, depth=0)
    return Expression(text=text.strip(), root=root, nodes=topological(root))


def _caret(text: str, line: int, column: int) -> str:
    lines = text.splitlines() or [text]
    source = lines[min(max(line, 1), len(lines)) - 1]
    return f"    {source}\n    {' ' * max(column - 1, 0)}^"


class _Parser:
    def __init__(self, text: str, inputs: tuple[str, ...]) -> None:
        self.text = text
        self.inputs = inputs

    def fail(self, node: ast.AST, message: str, accepted: str = ALLOWED) -> ExpressionError:
        line = getattr(node, "lineno", 1)
        column = getattr(node, "col_offset", 0) + 1
        return ExpressionError(message, column=column, accepted=accepted,
                               detail=_caret(self.text, line, column))

    @staticmethod
    def pos(node: ast.AST) -> Pos:
        return (getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1)

    def node(self, node: ast.AST, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail(node, f"the expression nests deeper than {MAX_DEPTH} levels")
        d = depth + 1
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            left, right = self.node(node.left, d), self.node(node.right, d)
            op = Op(_BINOPS[type(node.op)], (left, right), (), self.pos(node))
            if isinstance(node.op, ast.Pow):
                self.check_exponent(node, right)
                value = _constant_value(op)  # e.g. (10**1000)**1000: too big to compute exactly
                if value is not None and not math.isfinite(value):
                    raise self.fail(node, "the constant power "
                                          f"{ast.get_source_segment(self.text, node)} is "
                                          "too large (beyond float64)")
            return op
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.node(node.operand, d)
            if isinstance(node.op, ast.UAdd):
                return operand
            if isinstance(operand, Const):  # fold -3 into a literal: exact and cheaper
                return Const(-operand.value, "-" + operand.text, self.pos(node))
            return Op("neg", (operand,), (), self.pos(node))
        if isinstance(node, ast.Attribute):
            if node.attr != "T":
                raise self.fail(node, f"attribute '.{node.attr}' is not allowed; only '.T' is")
            return Op("T", (self.node(node.value, d),), (), self.pos(node))
        if isinstance(node, ast.Subscript):
            index = self.index(node.slice)
            return Op("getitem", (self.node(node.value, d),), (("index", index),), self.pos(node))
        if isinstance(node, ast.List):
            if not node.elts:
                raise self.fail(node, "an empty list has no value to differentiate")
            return Op("stack", tuple(self.node(e, d) for e in node.elts), (), self.pos(node))
        if isinstance(node, ast.Call):
            return self.call(node, d)
        raise self.fail(node, f"{_describe(node)} is not allowed in the expression language")

    def number(self, node: ast.Constant) -> Const:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(node, f"the literal {value!r} is not a real number")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(node, f"the literal {value!r} is not finite")
        text = ast.get_source_segment(self.text, node) or repr(value)
        return Const(value, text, self.pos(node))

    def name(self, node: ast.Name) -> Node:
        if node.id in self.inputs:
            return Input(node.id, self.pos(node))
        if node.id in CONSTANTS:
            return NamedConst(node.id, self.pos(node))
        if node.id in OPS and OPS[node.id].callable_by_user:
            raise self.fail(node, f"'{node.id}' is a function: call it, e.g. {node.id}(x)")
        known = list(self.inputs) + list(CONSTANTS)
        hint = difflib.get_close_matches(node.id, known + list(USER_FUNCTIONS), n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        raise self.fail(node, f"unknown name '{node.id}'{suggestion}",
                        accepted="inputs " + ", ".join(self.inputs) + "; constants pi, e")

    def check_exponent(self, node: ast.AST, exponent: Node) -> None:
        # a constant exponent may itself be an expression: 10**10**10 is 10**(10**10)
        value = _constant_value(exponent)
        if value is not None and not abs(value) <= MAX_ABS_CONSTANT_EXPONENT:  # NaN too
            text = ast.get_source_segment(self.text, node.right) if isinstance(
                node, ast.BinOp) else None
            raise self.fail(node, f"the exponent {text or value} exceeds the limit of "
                                  f"{MAX_ABS_CONSTANT_EXPONENT} in absolute value")

    def call(self, node: ast.Call, depth: int) -> Op:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node, "only functions of the op list may be called, by name")
        fname = node.func.id
        spec = OPS.get(fname)
        if spec is None or not spec.callable_by_user:
            hint = difflib.get_close_matches(fname, USER_FUNCTIONS, n=1)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
            raise self.fail(node.func, f"unknown function '{fname}'{suggestion}",
                            accepted=", ".join(USER_FUNCTIONS))
        positional = list(node.args)
        static: dict[str, Any] = dict(spec.keywords)
        for key in spec.static_positional:  # e.g. reshape(x, (2, 3))
            if len(positional) > spec.max_args:
                static[key] = self.static(key, positional.pop(spec.max_args), fname)
        if any(isinstance(a, ast.Starred) for a in positional):
            raise self.fail(node, "*args is not allowed")
        if not spec.min_args <= len(positional) <= spec.max_args:
            wanted = (str(spec.min_args) if spec.min_args == spec.max_args
                      else f"{spec.min_args} to {spec.max_args}")
            raise self.fail(node, f"{fname}() takes {wanted} array argument(s), got "
                                  f"{len(positional)}", accepted=_signature(fname))
        for kw in node.keywords:
            if kw.arg is None:
                raise self.fail(kw, "**kwargs is not allowed", accepted=_signature(fname))
            if kw.arg not in spec.keywords:
                raise self.fail(kw, f"{fname}() has no keyword '{kw.arg}'",
                                accepted=_signature(fname))
            static[kw.arg] = self.static(kw.arg, kw.value, fname)
        for key in spec.static_positional:
            if static[key] is None:
                raise self.fail(node, f"{fname}() needs '{key}'", accepted=_signature(fname))
        args = tuple(self.node(a, depth) for a in positional)
        return Op(fname, args, tuple(static.items()), self.pos(node))

    def static(self, key: str, node: ast.AST, fname: str) -> Any:
        if key == "keepdims":
            if isinstance(node, ast.Constant) and isinstance(node.value, bool):
                return node.value
            raise self.fail(node, "keepdims must be True or False")
        if key == "ord":
            if isinstance(node, ast.Name) and node.id == "inf":
                return math.inf
            if (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
                    and not isinstance(node.value, bool) and node.value in (1, 2)):
                return int(node.value)
            raise self.fail(node, "ord must be 1, 2 or inf", accepted="ord=1, ord=2, ord=inf")
        if key == "axis":
            if isinstance(node, ast.Constant) and node.value is None:
                return None
            if isinstance(node, ast.Tuple):
                return tuple(self.integer(e, "axis") for e in node.elts)
            return self.integer(node, "axis")
        if key in ("shape", "axes"):
            if isinstance(node, ast.Constant) and node.value is None and key == "axes":
                return None
            if isinstance(node, (ast.Tuple, ast.List)):
                return tuple(self.integer(e, key) for e in node.elts)
            return (self.integer(node, key),)
        raise self.fail(node, f"{fname}() has no keyword '{key}'")  # pragma: no cover

    def integer(self, node: ast.AST, what: str) -> int:
        sign = 1
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            sign, node = -1, node.operand
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return sign * node.value
        raise self.fail(node, f"{what} must be an integer literal")

    def index(self, node: ast.AST) -> tuple[Any, ...]:
        parts = node.elts if isinstance(node, ast.Tuple) else [node]
        index: list[Any] = []
        for part in parts:
            if isinstance(part, ast.Slice):
                lower = None if part.lower is None else self.integer(part.lower, "a slice bound")
                upper = None if part.upper is None else self.integer(part.upper, "a slice bound")
                step = None if part.step is None else self.integer(part.step, "a slice step")
                if step is not None and step <= 0:
                    raise self.fail(part, "a slice step must be positive")
                index.append(slice(lower, upper, step))
            else:
                index.append(self.integer(part, "an index"))
        return tuple(index)


def _constant_value(node: Node) -> float | None:
    """The float value of ``node`` when it is built of constants only, else None.

    Overflow gives infinity: nothing here can take long or grow big.
    """
    if isinstance(node, NamedConst):
        return math.pi if node.name == "pi" else math.e
    if isinstance(node, Const):
        try:
            return float(node.value)
        except OverflowError:
            return math.inf
    if not isinstance(node, Op) or node.op not in ("neg", "add", "sub", "mul", "div", "pow"):
        return None
    parts = [_constant_value(a) for a in node.args]
    if any(p is None for p in parts):
        return None
    a = parts[0]
    assert a is not None
    if node.op == "neg":
        return -a
    b = parts[1]
    assert b is not None
    try:
        if node.op == "add":
            return a + b
        if node.op == "sub":
            return a - b
        if node.op == "mul":
            return a * b
        if node.op == "div":
            return a / b
        return abs(a) ** b  # the magnitude is what matters (and stays real)
    except (OverflowError, ZeroDivisionError):
        return math.inf


def _signature(fname: str) -> str:
    spec = OPS[fname]
    args = ["x", "y"][: spec.max_args] if spec.max_args <= 2 else ["x", "..."]
    args += [f"{k}={v!r}" for k, v in spec.keywords.items()]
    return f"{fname}({', '.join(args)})"


def _describe(node: ast.AST) -> str:
    names = {ast.Lambda: "a lambda", ast.ListComp: "a comprehension",
             ast.GeneratorExp: "a generator", ast.Compare: "a comparison",
             ast.BoolOp: "and/or", ast.IfExp: "an if-expression", ast.Dict: "a dict",
             ast.Tuple: "a bare tuple", ast.NamedExpr: "':='", ast.JoinedStr: "an f-string",
             ast.Set: "a set", ast.Starred: "'*'", ast.Await: "await"}
    for kind, text in names.items():
        if isinstance(node, kind):
            return text
    if isinstance(node, ast.BinOp):
        return f"the operator {type(node.op).__name__}"
    if isinstance(node, ast.UnaryOp):
        return f"the unary operator {type(node.op).__name__}"
    return type(node).__name__
