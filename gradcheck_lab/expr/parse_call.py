"""Calls of the op list: array arguments by position or by name, static keywords, defaults.

Helper of ``parse.py``. An op's row says which parameters are arrays (``arrays``: any
expression) and which are static keywords (``keywords``: literals of a kind), and in which
positional order they come (``order``; by default the arrays, then ``static_positional``).
An optional array that is left out but followed by a given one gets its row's default
constant (``defaults``: ``layer_norm(x, (4,), bias=b)`` has weight 1); trailing ones are
left out, and the backends use their own default. ``None`` for an optional array means
left out (``clip(x, None, 1)``).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any, Protocol

from gradcheck_lab.errors import ExpressionError
from gradcheck_lab.expr import params
from gradcheck_lab.expr.graph import Const, Node, Op, Pos
from gradcheck_lab.expr.opspec import OpSpec


class CallParser(Protocol):
    def fail(self, node: ast.AST, message: str, accepted: str = ...) -> ExpressionError: ...

    def fail_literal(self, node: ast.AST, message: str, accepted: str) -> ExpressionError: ...

    def pos(self, node: ast.AST) -> Pos: ...

    def node(self, node: ast.AST, depth: int) -> Node: ...


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def positional_order(spec: OpSpec) -> tuple[str, ...]:
    """Names of the positional parameters in order; ``*name``: all further ones are arrays
    (einsum's operands); for a ``sequence`` op the first is the list of arrays."""
    if spec.order:
        return spec.order
    names = spec.array_names()
    if spec.max_args > len(names):  # variadic (the list display): positions are arrays
        return ()
    return names + spec.static_positional


def parse_call(parser: CallParser, spec: OpSpec, node: ast.Call, depth: int,
               read_static: Callable[[str, ast.AST], Any]) -> Op:
    """The Op of ``node``, a call of ``spec``; ExpressionError with the signature otherwise."""
    fname, accepted = spec.name, spec.signature()
    if any(isinstance(a, ast.Starred) for a in node.args):
        raise parser.fail(node, "*args is not allowed")
    static: dict[str, Any] = {k: p.default for k, p in spec.keywords.items()}
    given: dict[str, ast.AST] = {}
    order = positional_order(spec)
    variadic: list[ast.AST] = []
    many = not order or spec.sequence or any(n.startswith("*") for n in order)
    for i, arg in enumerate(node.args):
        if not order:
            variadic.append(arg)
            continue
        if i < len(order) and order[i].startswith("*"):  # einsum's operands
            variadic.extend(node.args[i:])
            break
        if spec.sequence and i == 0:  # concatenate([a, b], axis=0)
            if not isinstance(arg, (ast.List, ast.Tuple)) or not arg.elts:
                raise parser.fail(arg, f"{fname}() takes a list of arrays first, e.g. "
                                       f"{fname}([a, b])", accepted=accepted)
            variadic.extend(arg.elts)
            continue
        if i >= len(order):
            if all(n not in spec.keywords for n in order):
                raise parser.fail(node, f"{fname}() takes {_count(spec)} array argument(s), "
                                        f"got {len(node.args)}", accepted=accepted)
            raise parser.fail(arg, f"{fname}() takes at most {len(order)} positional "
                                   f"argument(s), got {len(node.args)}", accepted=accepted)
        given[order[i]] = arg
    for kw in node.keywords:
        if kw.arg is None:
            raise parser.fail(kw, "**kwargs is not allowed", accepted=accepted)
        if kw.arg not in spec.keywords and kw.arg not in spec.arrays:
            raise parser.fail(kw, f"{fname}() has no keyword '{kw.arg}'", accepted=accepted)
        if kw.arg in given:
            raise parser.fail(kw, f"{fname}() got '{kw.arg}' twice", accepted=accepted)
        given[kw.arg] = kw.value
    for key, value in given.items():
        if key in spec.keywords:
            static[key] = read_static(key, value)
    for key in spec.static_positional:
        if static[key] is None:
            raise parser.fail(node, f"{fname}() needs '{key}'", accepted=accepted)
    if many:
        if not spec.min_args <= len(variadic) <= spec.max_args:
            raise parser.fail(node, f"{fname}() takes {_count(spec)} array argument(s), got "
                                    f"{len(variadic)}", accepted=accepted)
        args = tuple(parser.node(a, depth) for a in variadic)
        return Op(fname, args, tuple(static.items()), parser.pos(node))
    names = spec.array_names()
    present = [n for n in names if n in given and not _is_none(given[n])]
    last = max((names.index(n) for n in present), default=-1)
    args_list: list[Node] = []
    if len(present) < spec.min_args and all(n in present for n in names[:len(present)]):
        raise parser.fail(node, f"{fname}() takes {_count(spec)} array argument(s), got "
                                f"{len(present)}", accepted=accepted)
    for i, name in enumerate(names[: last + 1]):
        if name in present:
            args_list.append(parser.node(given[name], depth))
        elif i < spec.min_args:
            raise parser.fail(node, f"{fname}() needs '{name}'", accepted=accepted)
        elif name in spec.defaults:
            default = spec.defaults[name]
            args_list.append(Const(default, repr(default), parser.pos(node)))
        else:
            raise parser.fail(node, f"{fname}() needs '{name}' when a later argument is "
                                    "given", accepted=accepted)
    return Op(fname, tuple(args_list), tuple(static.items()), parser.pos(node))


def _count(spec: OpSpec) -> str:
    return (str(spec.min_args) if spec.min_args == spec.max_args
            else f"{spec.min_args} to {spec.max_args}")


def read_static(parser: CallParser, spec: OpSpec) -> Callable[[str, ast.AST], Any]:
    def read(key: str, node: ast.AST) -> Any:
        return params.read(spec.keywords[key], key, node, parser.fail_literal)
    return read
