"""The one exception tree of gradcheck-lab: every exception the package raises is here.

::

    GradcheckError                  base of everything raised on purpose
    ├── CaseError                   a case file (or check() call) is invalid: file, line, field,
    │   └── ExpressionError         what is accepted; an expression outside the language
    ├── CaseFileErrors              several CaseErrors, reported together (nothing runs)
    ├── UsageError                  the command line or an API argument is wrong
    ├── EvaluationError             an op failed on its arguments; names the node
    ├── ShapeProblem (ValueError)   arguments an op cannot take (raised inside evaluation)
    ├── ImplementationError         user code returned something unusable (a method's error)
    ├── BudgetExceeded              the exact reference would take more time or nodes than
    │                               its budget (the sympy method is then skipped, fd leads)
    ├── GradientMismatch            check() only: the callable's gradient is wrong
    │   (AssertionError)            (carries the CaseReport; pytest shows its text)
    └── PytestCaseFailure           the pytest plugin's failure of one case file or case

Errors about case files carry the file, line, field and what would have been accepted,
so the CLI prints them without a traceback. A gradient mismatch found by ``verify()`` is
never an exception: it is a result (``results.Verdict`` with status ``fail``). Only
``check()``, made for use inside a test, turns a failed case into ``GradientMismatch``,
and only the pytest plugin raises ``PytestCaseFailure``.
"""

from __future__ import annotations

import copy
import re
from typing import Any

MAX_MESSAGE_CHARS = 1_000  # a hostile file can put a megabyte in a name: never print it all


class GradcheckError(Exception):
    """Base of every error gradcheck-lab raises on purpose."""


class CaseError(GradcheckError):
    """A case file is invalid: names the file, line, field and what is accepted."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
        accepted: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.accepted = accepted
        self.detail = detail

    def located(self, *, file: str | None = None, line: int | None = None,
                field: str | None = None) -> CaseError:
        """Return a copy with missing location parts filled in."""
        out = copy.copy(self)
        out.file = self.file if self.file is not None else file
        out.line = self.line if self.line is not None else line
        out.field = self.field if self.field is not None else field
        return out

    def file_column(self) -> int | None:
        """The 1-based column in the file, when known."""
        return self.column

    def where(self) -> str:
        """``file:line[:column]``, the part editors and CI annotations read."""
        where = self.file or "<case>"
        if self.line is not None:
            where += f":{self.line}"
            column = self.file_column()
            if column is not None:
                where += f":{column}"
        return where

    def __str__(self) -> str:
        text = f"{printable(self.where())}: "
        if self.field:
            text += f"field '{printable(_shorten(self.field, 200))}': "
        text += printable(_shorten(self.message))
        if self.accepted:
            text += f" (accepted: {printable(_shorten(self.accepted))})"
        if self.detail:
            text += "".join("\n" + printable(_shorten(line, 200))
                            for line in self.detail.split("\n"))
        return text


class ExpressionError(CaseError):
    """An expression is outside the language.

    ``column`` (and ``expr_line``) are 1-based within the expression text. When the loader
    can place that position in the case file, ``line`` is the file's line and ``in_file``
    the file's column, printed as ``file:line:column``; otherwise the message says
    "expression column N" so that no column is mistaken for one of the file.
    """

    def __init__(self, message: str, *, expr_line: int = 1, in_file: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.expr_line = expr_line
        self.in_file = in_file

    def file_column(self) -> int | None:
        return self.in_file

    def __str__(self) -> str:
        if self.column is None or self.in_file is not None:
            return super().__str__()
        where = (f"expression line {self.expr_line}, column {self.column}"
                 if self.expr_line > 1 else f"expression column {self.column}")
        shown = copy.copy(self)
        shown.message = f"{where}: {self.message}"
        shown.column = None
        return CaseError.__str__(shown)


class CaseFileErrors(GradcheckError):
    """Several invalid case files or cases, reported together (nothing is run)."""

    def __init__(self, errors: list[CaseError]) -> None:
        super().__init__(f"{len(errors)} problem(s) in case files")
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class UsageError(GradcheckError):
    """The command line or an API call is wrong (unknown method, bad path...)."""


class EvaluationError(GradcheckError):
    """An op failed on its arguments (shape mismatch, bad axis...); ``node`` says which."""

    def __init__(self, message: str, node: Any) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


class ShapeProblem(GradcheckError, ValueError):
    """Arguments an op cannot take; the message is meant for the case's author."""


class BudgetExceeded(GradcheckError):
    """The exact (SymPy) reference went over its time or size budget; the message says
    which, how far it got, and the limit to raise."""


class ImplementationError(GradcheckError):
    """User code returned something unusable (wrong type or shape): that method's error."""


class GradientMismatch(GradcheckError, AssertionError):
    """``check()``: the callable's gradient (or value) disagrees with the reference.

    ``report`` is the :class:`~gradcheck_lab.results.CaseReport`; the message is the same
    discrepancy report the CLI prints.
    """

    def __init__(self, text: str, report: Any) -> None:
        super().__init__(text)
        self.report = report


class PytestCaseFailure(GradcheckError):
    """The pytest plugin's failure: an invalid case file, or a case that failed (the text
    is the file's problems or the case's discrepancy report)."""


# control characters (terminal escapes, a newline that would start a forged log line such
# as a CI "::command::"), bidirectional overrides and invisible characters
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2028\u2029"
                     "\u2066-\u2069\ufeff]")


def printable(text: str) -> str:
    """``text`` with every control or invisible character written as an escape (``\\x1b``):
    case files are strangers' text, and errors go to terminals and CI logs."""
    return _UNSAFE.sub(lambda m: ascii(m.group())[1:-1], text)


def _shorten(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut in the middle when longer than ``limit`` characters."""
    if len(text) <= limit:
        return text
    keep = limit // 2 - 10
    return f"{text[:keep]} ...[{len(text) - 2 * keep} characters]... {text[-keep:]}"


def caret(source_line: str, column: int, width: int = 120) -> str:
    """Two indented lines: ``source_line`` and a ``^`` under its 1-based ``column``.

    A long line is shown as a window of about ``width`` characters around the column, with
    ``...`` where it was cut, so a megabyte-long line never floods the output.
    """
    index = max(column - 1, 0)
    text = source_line.replace("\t", " ")  # the caret must line up under a tab too
    if len(text) > width:
        start = max(0, min(index - width // 2, len(text) - width))
        prefix = "..." if start > 0 else ""
        suffix = "..." if start + width < len(text) else ""
        text = prefix + text[start:start + width] + suffix
        index = index - start + len(prefix)
    return f"    {text}\n    {' ' * index}^"
