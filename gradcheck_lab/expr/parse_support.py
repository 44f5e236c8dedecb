"""Helpers of ``parse.py``: constant folding for the size checks, and how refused syntax is
named in messages."""

from __future__ import annotations

import ast
import math

from gradcheck_lab.expr.graph import Const, NamedConst, Node, Op
from gradcheck_lab.expr.ops import OPS


def beyond_float64(value: int | float) -> bool:
    try:
        float(value)
    except OverflowError:
        return True
    return False


def short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else f"{text[:limit - 3]}..."


def constant_value(node: Node) -> float | None:
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
    parts = [constant_value(a) for a in node.args]
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


def signature(fname: str) -> str:
    return OPS[fname].signature()


def describe(node: ast.AST) -> str:
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
