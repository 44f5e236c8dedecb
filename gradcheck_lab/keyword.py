"""``-k EXPRESSION``: which cases to run, by name, as pytest's ``-k`` selects tests.

``softmax and not jacobian``, ``mse or (hessian and not float32)``: words joined by
``and``, ``or``, ``not`` and parentheses. A word matches a case whose name contains it,
ignoring case (``-k MSE`` finds ``mse_linear``), or, when it holds ``*``, ``?`` or ``[``,
whose name matches it as a glob (``-k 'seed00?_*'``).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from typing import NoReturn

from gradcheck_lab.errors import UsageError

Matcher = Callable[[str], bool]
_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")
_OPERATORS = ("and", "or", "not")


def compile_keyword(text: str) -> Matcher:
    """A predicate on case names; UsageError (naming the position) for a malformed one."""
    tokens = _tokens(text)
    if not tokens:
        raise UsageError(f"-k {text!r}: empty expression")
    parser = _Parser(text, tokens)
    matcher = parser.either()
    if parser.position < len(tokens):
        parser.fail(f"unexpected {tokens[parser.position]!r}")
    return matcher


def _tokens(text: str) -> list[str]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:  # only trailing white space is left
            break
        tokens.append(match.group(1))
        position = match.end()
    return tokens


def word_matcher(word: str) -> Matcher:
    if any(c in word for c in "*?["):
        return lambda name: fnmatch.fnmatchcase(name.lower(), word.lower())
    lowered = word.lower()
    return lambda name: lowered in name.lower()


class _Parser:
    """expression := either; either := both ('or' both)*; both := negation ('and' negation)*;
    negation := 'not' negation | '(' either ')' | word."""

    def __init__(self, text: str, tokens: list[str]) -> None:
        self.text, self.tokens, self.position = text, tokens, 0

    def fail(self, message: str) -> NoReturn:
        raise UsageError(f"-k {self.text!r}: {message} (expected words joined by and, or, not "
                         "and parentheses, e.g. 'softmax and not jacobian')")

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            self.fail("the expression ends too early")
        self.position += 1
        return token

    def either(self) -> Matcher:
        parts = [self.both()]
        while self.peek() == "or":
            self.take()
            parts.append(self.both())
        return parts[0] if len(parts) == 1 else lambda name: any(p(name) for p in parts)

    def both(self) -> Matcher:
        parts = [self.negation()]
        while self.peek() == "and":
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else lambda name: all(p(name) for p in parts)

    def negation(self) -> Matcher:
        token = self.take()
        if token == "not":
            inner = self.negation()
            return lambda name: not inner(name)
        if token == "(":
            inner = self.either()
            if self.take() != ")":
                self.fail("a '(' is not closed")
            return inner
        if token == ")" or token in _OPERATORS:
            self.fail(f"unexpected {token!r}")
        return word_matcher(token)
