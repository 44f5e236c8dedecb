"""The expression language: parsed once into a graph, evaluated by many backends."""

from gradcheck_lab.expr.graph import Const, Expression, Input, NamedConst, Node, Op
from gradcheck_lab.expr.parse import parse_expression

__all__ = ["Const", "Expression", "Input", "NamedConst", "Node", "Op", "parse_expression"]
