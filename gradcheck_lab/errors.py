"""The one exception tree of gradcheck-lab.

Every error a user can cause derives from :class:`GradcheckError`. Errors about
case files carry the file, line, field and what would have been accepted, so
the CLI can print them without a traceback. A gradient mismatch is never an
exception: it is a result (see ``verdict.py``).
"""

from __future__ import annotations


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
        return type(self)(
            self.message,
            file=self.file if self.file is not None else file,
            line=self.line if self.line is not None else line,
            column=self.column,
            field=self.field if self.field is not None else field,
            accepted=self.accepted,
            detail=self.detail,
        )

    def __str__(self) -> str:
        where = self.file or "<case>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: "
        if self.field:
            text += f"field '{self.field}': "
        text += self.message
        if self.accepted:
            text += f" (accepted: {self.accepted})"
        if self.detail:
            text += "\n" + self.detail
        return text


class ExpressionError(CaseError):
    """An expression is outside the language; ``column`` is 1-based within the expression."""


class CaseFileErrors(GradcheckError):
    """Several invalid case files or cases, reported together (nothing is run)."""

    def __init__(self, errors: list[CaseError]) -> None:
        super().__init__(f"{len(errors)} problem(s) in case files")
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class UsageError(GradcheckError):
    """The command line or an API call is wrong (unknown method, bad path...)."""
