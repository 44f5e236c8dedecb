"""Limits enforced on a YAML text before anything is composed: nesting depth and alias
expansion (the "billion laughs").

libyaml's composer recurses in C (a file nested 100,000 deep crashed the interpreter), and
an alias bomb expands exponentially, so both are refused here first, in gradcheck-lab's
own words whatever the parser's version says.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from gradcheck_lab.errors import CaseError
from gradcheck_lab.limits import Limits

try:  # the C parser is much faster
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

# YAML's line breaks (str.splitlines also splits on \v, \f, \x1c.. which YAML does not)
BREAK = re.compile("\r\n|\r|\n|\x85|\u2028|\u2029")
# every collection start needs one of these indicators (or an alias, which needs an '&' anchor)
_STRUCTURE = re.compile(r"[\[{:?]|-(?=\s|$)")
# compact nested block collections on one line: "- - - x", "? - a"
_COMPACT = re.compile(r"(?:[-?](?:[ \t]+|$))*")
_BEFORE_QUOTE = " \t[{,:-?"  # a quote after these starts a quoted scalar


def precheck(text: str, file: str, limits: Limits) -> None:
    """Refuse deep nesting and alias bombs before anything is composed.

    Two passes, neither relying on the parser's own limits or wording: ``nesting_bound``
    reads the text itself (so a parser that refuses deep nesting first, as libyaml 0.2.5
    in PyYAML 6.0.4 does near 1,000 levels, never decides the message), then the parser's
    event stream gives the exact depth and alias expansion. Skipped (it costs about a
    second per million scalars) when the text has no anchor and too few structural
    characters to nest deeper than the limit.
    """
    max_depth = limits.max_yaml_depth
    if "&" not in text and sum(1 for _ in _STRUCTURE.finditer(text)) <= max_depth:
        return
    bound, deep_line = nesting_bound(text, max_depth)
    try:
        _event_check(text, file, limits)
    except yaml.YAMLError:
        if bound > max_depth:  # the parser gave up inside nesting beyond our own limit
            raise _too_deep(file, max_depth, deep_line) from None
        raise


def _too_deep(file: str, max_depth: int, line: int | None) -> CaseError:
    return CaseError(f"the YAML nests deeper than {max_depth} levels", file=file, line=line)


def nesting_bound(text: str, limit: int) -> tuple[int, int | None]:
    """An upper bound of the YAML's nesting depth read from the text, and the first line
    where it exceeds ``limit`` (None when it never does).

    Flow collections count their open brackets (outside quoted scalars and comments);
    block collections count indentation levels plus compact ``- `` / ``? `` indicators at
    the start of a line. A block scalar's lines may count as levels too, so this can only
    over-estimate: it decides nothing alone (see ``_precheck``).
    """
    deepest, first = 0, None
    indents: list[int] = []
    flow = 0
    quote = ""  # the open quoted scalar's quote character, across lines
    for number, line in enumerate(BREAK.split(text), start=1):
        body = line.lstrip(" ")
        if not quote and flow == 0 and body and not body.startswith("#"):
            indent = len(line) - len(body)
            while indents and indents[-1] >= indent:
                indents.pop()
            indents.append(indent)
        indicators = _COMPACT.match(body)  # always matches (possibly empty)
        compact = len(indicators.group().split()) if indicators and not (quote or flow) else 0
        block = len(indents) + compact
        previous = " "
        escaped = False
        for char in line:
            if quote:
                if escaped:
                    escaped = False
                elif quote == '"' and char == "\\":
                    escaped = True
                elif char == quote:
                    quote = ""
            elif char == "#" and previous in " \t":
                break
            elif char in "'\"" and previous in _BEFORE_QUOTE:
                quote = char
            elif char in "[{":
                flow += 1
            elif char in "]}":
                flow = max(0, flow - 1)
            previous = char
            if block + flow > deepest:
                deepest = block + flow
                if first is None and deepest > limit:
                    first = number
        if block > deepest:
            deepest = block
            if first is None and deepest > limit:
                first = number
    return deepest, first


def _event_check(text: str, file: str, limits: Limits) -> None:
    """Exact depth and alias expansion, from the parser's events."""
    max_depth, max_nodes = limits.max_yaml_depth, limits.max_yaml_nodes
    sizes: dict[str, float] = {}  # anchor -> number of nodes it expands to
    stack: list[list[Any]] = [[None, 0.0]]  # open collections: [anchor, nodes so far]

    def line(event: yaml.Event) -> int | None:
        return event.start_mark.line + 1 if event.start_mark is not None else None

    def add(size: float, event: yaml.Event) -> None:
        stack[-1][1] += size
        if stack[-1][1] > max_nodes:
            raise CaseError(f"the YAML expands to more than {max_nodes} nodes (alias bomb?)",
                            file=file, line=line(event))

    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(stack) > max_depth:
                raise _too_deep(file, max_depth, line(event))
            stack.append([event.anchor, 1.0])
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            anchor, size = stack.pop()
            if anchor is not None:
                sizes[anchor] = size
            add(size, event)
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor is not None:
                sizes[event.anchor] = 1.0
            add(1.0, event)
        elif isinstance(event, yaml.AliasEvent):
            if any(anchor == event.anchor for anchor, _ in stack):
                raise CaseError(f"the alias *{event.anchor} refers to a collection that contains "
                                "it (a recursive structure)", file=file, line=line(event))
            add(sizes.get(str(event.anchor), 1.0), event)  # undefined: the composer says so
