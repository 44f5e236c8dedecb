"""Parse expression text into a graph with ``ast``, against a whitelist.

The text is never evaluated by Python: ``ast.parse`` only builds a syntax
tree, and every node type not listed here is refused with its column, a caret
and the list of what the language allows.
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Iterable, Mapping

from gradcheck_lab.errors import ExpressionError, caret
from gradcheck_lab.expr import params
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
from gradcheck_lab.expr.parse_call import parse_call, read_static
from gradcheck_lab.expr.parse_support import (
    beyond_float64,
    constant_value,
    describe,
    short,
)
from gradcheck_lab.expr.parse_syntax import compare, subscript
from gradcheck_lab.limits import DEFAULT_LIMITS, Limits
from gradcheck_lab.suggest import composed_hint, did_you_mean

# the defaults, for callers that print them (the limits themselves come in as ``Limits``)
MAX_EXPRESSION_CHARS = DEFAULT_LIMITS.max_expression_chars
MAX_DEPTH = DEFAULT_LIMITS.max_expression_depth
MAX_ABS_CONSTANT_EXPONENT = DEFAULT_LIMITS.max_constant_exponent

ALLOWED = (
    "numbers; input names; pi, e; + - * / ** @ % //; unary -; < <= > >= == !=; & | ^ ~; "
    "x[i], x[a:b], x[idx], x[mask], x[:, None], x.T; [a, b, ...]; calls of "
    + ", ".join(USER_FUNCTIONS)
)

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div",
           ast.Pow: "pow", ast.MatMult: "matmul", ast.Mod: "mod", ast.FloorDiv: "floor_divide",
           ast.BitAnd: "logical_and", ast.BitOr: "logical_or", ast.BitXor: "logical_xor"}


def parse_expression(text: str, inputs: Iterable[str],
                     limits: Limits = DEFAULT_LIMITS,
                     lets: Mapping[str, Node] | None = None) -> Expression:
    """Parse ``text`` over the given input names; raise ExpressionError if outside the language.

    ``lets``: named subexpressions (a case's ``let:``, a claim's ``result``), already parsed:
    a name refers to that very node, so the graph holds it once however often it is used.
    Never raises anything else, whatever ``text`` holds.
    """
    names = tuple(inputs)
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("the expression is empty", accepted=ALLOWED)
    if len(text) > limits.max_expression_chars:
        raise ExpressionError(
            f"the expression has {len(text)} characters, more than the limit of "
            f"{limits.max_expression_chars}")
    stripped = text.strip()
    if "\x00" in stripped:
        raise ExpressionError("the expression contains a NUL character")
    try:
        with warnings.catch_warnings():  # "invalid decimal literal" and the like: refused below
            warnings.simplefilter("ignore")
            tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        column, line = exc.offset or 1, exc.lineno or 1
        raise ExpressionError(f"syntax error: {exc.msg}", line=None, column=column,
                              expr_line=line, detail=caret_at(stripped, line, column)) from None
    except (RecursionError, MemoryError) as exc:
        raise ExpressionError(f"the expression nests too deeply to be parsed "
                              f"({type(exc).__name__}); the limit is "
                              f"{limits.max_expression_depth} levels") from None
    except ValueError as exc:
        raise ExpressionError(f"the expression cannot be parsed: {exc}") from None
    parser = _Parser(stripped, names, limits, lets or {})
    root = parser.node(tree.body, depth=0)
    nodes = topological(root)
    for node in nodes:  # after the exponent checks, which explain a huge exponent better
        if isinstance(node, Const) and beyond_float64(node.value):
            raise parser.fail_at(node.pos, f"the literal {short(node.text)} is too large "
                                           "(beyond float64)")
    return Expression(text=stripped, root=root, nodes=nodes)


def caret_at(text: str, line: int, column: int) -> str:
    """The line ``line`` of ``text`` with a caret under ``column`` (both 1-based)."""
    lines = text.splitlines() or [text]
    return caret(lines[min(max(line, 1), len(lines)) - 1], column)


class _Parser:
    def __init__(self, text: str, inputs: tuple[str, ...], limits: Limits,
                 lets: Mapping[str, Node]) -> None:
        self.text = text
        self.lets = lets
        self.lines = text.splitlines() or [text]
        self.inputs = inputs
        self.limits = limits
        self.powers: dict[int, float] = {}  # id(node) -> largest exponent product inside it

    def fail(self, node: ast.AST, message: str, accepted: str = ALLOWED) -> ExpressionError:
        return self.fail_at(self.pos(node), message, accepted)

    def fail_at(self, pos: Pos, message: str, accepted: str = ALLOWED) -> ExpressionError:
        line, column = pos
        return ExpressionError(message, column=column, expr_line=line, accepted=accepted,
                               detail=caret_at(self.text, line, column))

    def pos(self, node: ast.AST) -> Pos:
        """1-based (line, column), the column in characters (ast counts UTF-8 bytes)."""
        line = getattr(node, "lineno", 1)
        offset = getattr(node, "col_offset", 0)
        if 1 <= line <= len(self.lines):
            offset = len(self.lines[line - 1].encode("utf-8")[:offset].decode("utf-8",
                                                                                "ignore"))
        return (line, offset + 1)

    def node(self, node: ast.AST, depth: int) -> Node:
        out = self._node(node, depth)
        if isinstance(out, Op) and id(out) not in self.powers:
            self.powers[id(out)] = max((self.powers.get(id(a), 1.0) for a in out.args),
                                       default=1.0)
        return out

    def _node(self, node: ast.AST, depth: int) -> Node:
        if depth > self.limits.max_expression_depth:
            raise self.fail(node, "the expression nests deeper than "
                                  f"{self.limits.max_expression_depth} levels")
        d = depth + 1
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            left, right = self.node(node.left, d), self.node(node.right, d)
            op = Op(_BINOPS[type(node.op)], (left, right), (), self.pos(node))
            self.powers[id(op)] = max(self.powers.get(id(left), 1.0),
                                      self.powers.get(id(right), 1.0))
            if isinstance(node.op, ast.Pow):
                self.check_exponent(node, left, right, op)
                value = constant_value(op)  # e.g. (10**1000)**1000: too big to compute exactly
                if value is not None and not math.isfinite(value):
                    raise self.fail(node, "the constant power "
                                          f"{short(ast.get_source_segment(self.text, node) or '')}"
                                          " is too large (beyond float64)")
            return op
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert):
            return Op("logical_not", (self.node(node.operand, d),), (), self.pos(node))
        if isinstance(node, ast.Compare):
            return compare(self, node, d)
        if isinstance(node, (ast.BoolOp, ast.UnaryOp)) and isinstance(
                getattr(node, "op", None), (ast.And, ast.Or, ast.Not)):
            raise self.fail(node, "and/or/not are not allowed: use & | ~ on comparisons, "
                                  "with parentheses: (x > 0) & (y < 1)")
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
            return subscript(self, node, d)
        if isinstance(node, ast.List):
            if not node.elts:
                raise self.fail(node, "an empty list has no value to differentiate")
            return Op("stack", tuple(self.node(e, d) for e in node.elts), (), self.pos(node))
        if isinstance(node, ast.Call):
            return self.call(node, d)
        raise self.fail(node, f"{describe(node)} is not allowed in the expression language")

    def number(self, node: ast.Constant) -> Const:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(node, f"the literal {value!r} is not a real number")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(node, f"the literal {value!r} is not finite")
        text = ast.get_source_segment(self.text, node) or repr(value)
        return Const(value, text, self.pos(node))

    def name(self, node: ast.Name) -> Node:
        if node.id in self.lets:
            return self.lets[node.id]
        if node.id in self.inputs:
            return Input(node.id, self.pos(node))
        if node.id in CONSTANTS:
            return NamedConst(node.id, self.pos(node))
        if node.id in OPS and OPS[node.id].callable_by_user:
            raise self.fail(node, f"'{node.id}' is a function: call it, e.g. {node.id}(x)")
        known = list(self.inputs) + list(CONSTANTS)
        suggestion = did_you_mean(node.id, known + list(USER_FUNCTIONS))
        raise self.fail(node, f"unknown name '{node.id}'{suggestion}",
                        accepted="inputs " + ", ".join(self.inputs) + "; constants pi, e")

    def check_exponent(self, node: ast.BinOp, base: Node, exponent: Node, op: Op) -> None:
        # a constant exponent may itself be an expression: 10**10**10 is 10**(10**10)
        limit = self.limits.max_constant_exponent
        value = constant_value(exponent)
        if value is not None and not abs(value) <= limit:  # NaN too
            text = ast.get_source_segment(self.text, node.right)
            raise self.fail(node, f"the exponent {text or value} exceeds the limit "
                                  f"of {limit} in absolute value")
        if value is None or isinstance(base, (Const, NamedConst)):
            return
        # powers of powers multiply: (x**40)**30 is x**1200, as costly to evaluate exactly
        product = self.powers.get(id(base), 1.0) * max(abs(value), 1.0)
        self.powers[id(op)] = max(self.powers[id(op)], product)
        if product > limit:
            raise self.fail(node, f"nested powers multiply their exponents to {product:.6g}, "
                                  f"more than the limit of {limit} in absolute value",
                            accepted=f"an overall exponent of at most {limit}")

    def call(self, node: ast.Call, depth: int) -> Op:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node, "only functions of the op list may be called, by name")
        fname = node.func.id
        spec = OPS.get(fname)
        if spec is None or not spec.callable_by_user:
            suggestion = did_you_mean(fname, USER_FUNCTIONS) or composed_hint(fname, USER_FUNCTIONS)
            raise self.fail(node.func, f"unknown function '{fname}'{suggestion}",
                            accepted=", ".join(USER_FUNCTIONS))
        return parse_call(self, spec, node, depth, read_static(self, spec))

    def fail_literal(self, node: ast.AST, message: str, accepted: str) -> ExpressionError:
        return self.fail(node, message, accepted or ALLOWED)

    def integer(self, node: ast.AST, what: str) -> int:
        return params.integer(node, what, self.fail_literal)
