"""Where a loader error happened: the file, the line, the field, the column in an expression.

A :class:`Scope` is one case being built. ``scope.at(key)`` wraps the reading of a field so
that any CaseError raised inside gets that field's name and line; ``scope.expression``
parses an expression and places a column within it at the right column of the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from gradcheck_lab.errors import CaseError, ExpressionError
from gradcheck_lab.expr.graph import Expression, Node, Pos
from gradcheck_lab.expr.parse import caret_at, parse_expression
from gradcheck_lab.limits import Limits
from gradcheck_lab.loader import values as v
from gradcheck_lab.loader.yaml_nodes import span_of


class Scope:
    """One case of one file: its raw mapping, file, folder, limits and field prefix."""

    def __init__(self, raw: Any, file: str, base_dir: str, limits: Limits, prefix: str):
        self.raw, self.file, self.base_dir, self.limits, self.prefix = (
            raw, file, base_dir, limits, prefix)

    @contextmanager
    def at(self, key: str | int, data: Any = None, path: str | None = None) -> Iterator[None]:
        """Fill in the line and field of errors raised inside, for ``key`` of ``data``."""
        data = self.raw if data is None else data
        where = self.prefix + (path or str(key))
        try:
            yield
        except CaseError as exc:
            if exc.field and not exc.field.startswith(self.prefix):  # cases[i]. in a list
                inner = exc.field
                exc = exc.located()
                exc.field = self.prefix + inner
            line = None
            if exc.line is None and exc.field and exc.field.startswith(where):
                # the error names a field below this one: take that field's own line
                line = line_below(data, key, exc.field[len(where):])
            line = line or line_of_key(data, key) or getattr(data, "line", None)
            raise exc.located(file=self.file, line=line, field=where) from None

    def expression(self, data: Any, key: str, names: Sequence[str],
                   lets: Mapping[str, Node] | None = None) -> Expression:
        """Parse the expression at ``data[key]``; its errors point into the file. ``lets``:
        named subexpressions it may use (``let:``, a claim's ``result``)."""
        text = v.text(data[key], str(key))
        try:
            return parse_expression(text, names, self.limits, lets)
        except ExpressionError as exc:
            raise place(exc, data, key, text) from None

    def evaluation_error(self, message: str, expr: Expression, pos: Pos, *, field: str,
                         line: int | None, data: Any, key: Any,
                         point: int = 0) -> ExpressionError:
        """An error of evaluating ``expr`` (the text at ``data[key]``) at ``pos``: at the
        base point it points into the expression in the file; at another point, to that
        point's line, with the column within the expression."""
        error = ExpressionError(message, field=self.prefix + field, column=pos[1],
                                expr_line=pos[0], detail=caret_at(expr.text, *pos))
        raw = data.get(key) if isinstance(data, dict) else None
        if point == 0 and isinstance(raw, str):
            error = place(error, data, key, raw)
        error.line = error.line or line
        return error


def place(error: ExpressionError, data: Any, key: Any, raw: str) -> ExpressionError:
    """Put the file's line and column into ``error`` when the expression text sits verbatim in
    the file (a plain or quoted one-line value, or a ``|`` block)."""
    span = span_of(data, key)
    if span is None or error.column is None:
        return error
    stripped = raw.strip()
    lines = stripped.split("\n")
    if not 1 <= error.expr_line <= len(lines):
        return error
    index = len(raw) - len(raw.lstrip()) + sum(len(s) + 1 for s in lines[:error.expr_line - 1])
    index += error.column - 1
    found = span.locate(raw, index)
    if found is not None:
        error.line, error.in_file = found
    return error


def line_of_key(data: Any, key: Any) -> int | None:
    """Line of ``key`` in a YMap, or of item ``key`` in a YList."""
    lines = getattr(data, "lines", None)  # a dict for a YMap, a list for a YList
    if isinstance(lines, dict):
        return lines.get(key)
    if isinstance(lines, list) and isinstance(key, int) and 0 <= key < len(lines):
        return lines[key]
    return None


_FIELD_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def line_below(data: Any, key: Any, rest: str) -> int | None:
    """Line of the field ``key`` + ``rest`` (e.g. ``.random.seed``) inside ``data``, as deep
    as the raw data goes (None when ``rest`` is not a path into it)."""
    line = line_of_key(data, key)
    try:
        value = data[key]
    except (KeyError, IndexError, TypeError):
        return line
    pos = 0
    while pos < len(rest):
        step = _FIELD_STEP.match(rest, pos)
        if step is None:
            return None
        pos = step.end()
        part: Any = step.group(1) if step.group(1) is not None else int(step.group(2))
        found = line_of_key(value, part)
        if found is None:
            break
        line, value = found, value[part]
    return line
