"""Safe YAML to plain values that remember their line numbers.

Only the safe loader is used: python/* tags fail in the SafeConstructor. Mappings
become :class:`YMap` (a dict with ``line``, per-key ``lines`` and, for text values,
per-key ``spans``) and sequences :class:`YList`, so the loader can name the line
(and for expressions the column) of any field it rejects. Aliases are expanded
with a node budget, so a "billion laughs" file is refused quickly. Before
composing, a pass over the parser's events refuses nesting deeper than
``limits.max_yaml_depth`` (libyaml's composer recurses in C: a file nested
100,000 deep crashed the interpreter) and alias expansions beyond
``limits.max_yaml_nodes``.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from gradcheck_lab.errors import CaseError, caret
from gradcheck_lab.limits import DEFAULT_LIMITS, Limits

try:  # the C loader is much faster on large literal arrays
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

# the defaults, for callers that print them (the limits themselves come in as ``Limits``)
MAX_YAML_NODES = DEFAULT_LIMITS.max_yaml_nodes
MAX_YAML_DEPTH = DEFAULT_LIMITS.max_yaml_depth
# every collection start needs one of these indicators (or an alias, which needs an '&' anchor)
_STRUCTURE = re.compile(r"[\[{:?]|-(?=\s|$)")
# YAML's line breaks (str.splitlines also splits on \v, \f, \x1c.. which YAML does not)
_BREAK = re.compile("\r\n|\r|\n|\x85|\u2028|\u2029")
# compact nested block collections on one line: "- - - x", "? - a"
_COMPACT = re.compile(r"(?:[-?](?:[ \t]+|$))*")
_BEFORE_QUOTE = " \t[{,:-?"  # a quote after these starts a quoted scalar
_KINDS = {bool: "the boolean", int: "the integer", float: "the number"}


class Source:
    """The text of one file, split into lines only when a position is looked up."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = _BREAK.split(self.text)
        return self._lines


class Span:
    """Where a text scalar sits in its file (0-based marks, as PyYAML gives them)."""

    __slots__ = ("source", "line", "column", "end_line", "end_column", "style")

    def __init__(self, source: Source, node: yaml.ScalarNode) -> None:
        self.source = source
        self.line, self.column = node.start_mark.line, node.start_mark.column
        self.end_line, self.end_column = node.end_mark.line, node.end_mark.column
        self.style = node.style

    def locate(self, value: str, index: int) -> tuple[int, int] | None:
        """1-based (line, column) in the file of ``value[index]``, or None when the file's
        text is not ``value`` verbatim there (escapes, folded lines)."""
        lines = self.source.lines
        if not 0 <= index <= len(value) or self.line >= len(lines):
            return None
        if self.style in (None, "", "'", '"') and self.line == self.end_line:
            quote = 1 if self.style in ("'", '"') else 0
            segment = lines[self.line][self.column + quote:self.end_column - quote]
            if segment == value:
                return self.line + 1, self.column + quote + index + 1
            return None
        if self.style == "|":  # literal block: value line k is file line (header + 1 + k)
            before = value[:index]
            k = before.count("\n")
            value_line = value.split("\n")[k]
            row = self.line + 1 + k
            if row >= len(lines):
                return None
            text = lines[row]
            indent = len(text) - len(value_line)
            if indent < 0 or text[indent:] != value_line or text[:indent].strip(" "):
                return None
            return row + 1, indent + (index - (before.rfind("\n") + 1)) + 1
        return None


class YMap(dict[Any, Any]):
    line: int
    lines: dict[Any, int]
    spans: dict[Any, Span]


class YList(list[Any]):
    line: int
    lines: list[int]


def line_of(value: Any, default: int | None = None) -> int | None:
    return getattr(value, "line", default)


def span_of(data: Any, key: Any) -> Span | None:
    """The span of the text value at ``key`` of a YMap, if recorded."""
    spans = getattr(data, "spans", None)
    return spans.get(key) if isinstance(spans, dict) else None


def load_yaml(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Parse one YAML document into YMap/YList/scalars; CaseError on any YAML problem."""
    loader = _Loader(text)
    try:
        _precheck(text, file, limits)
        node = loader.get_single_node()
        if node is None:
            return None
        return _Converter(loader, file, Source(text), limits).convert(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        detail, source = None, ""
        if mark is not None:
            lines = _BREAK.split(text)
            if 0 <= mark.line < len(lines):
                source = lines[mark.line]
                detail = caret(source, mark.column + 1)
        problem = exc.problem or str(exc)
        if "could not determine a constructor" in problem:
            problem += " (only plain YAML is read: no python/* or custom tags)"
        elif "tab" in problem or "\t" in source[:mark.column + 1 if mark else 0]:
            problem += " (a tab: indent YAML with spaces, never tabs)"
        elif "could not find expected ':'" in problem and mark is not None and mark.column > 1000:
            problem += " (a key may be at most 1024 characters long)"
        raise CaseError(f"invalid YAML: {problem}", file=file, line=line, column=column,
                        detail=detail) from None
    except yaml.YAMLError as exc:
        raise CaseError(f"invalid YAML: {exc}", file=file) from None
    finally:
        loader.dispose()


def _precheck(text: str, file: str, limits: Limits) -> None:
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
    for number, line in enumerate(_BREAK.split(text), start=1):
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


class _Converter:
    def __init__(self, loader: Any, file: str, source: Source, limits: Limits) -> None:
        self.loader = loader
        self.file = file
        self.source = source
        self.limit = limits.max_yaml_nodes
        self.budget = self.limit

    def spend(self, node: yaml.Node) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise CaseError(
                f"the YAML expands to more than {self.limit} nodes (alias bomb?)",
                file=self.file, line=node.start_mark.line + 1)

    def convert(self, root: yaml.Node) -> Any:
        # iterative, so deeply nested YAML cannot exhaust the Python stack
        # (node, parent, key, line): ``line`` is that of the key in a mapping, the item in a list
        result: list[Any] = []
        stack: list[tuple[yaml.Node, Any, Any, int]] = [(root, result, None, 0)]
        while stack:
            node, parent, key, line = stack.pop()
            self.spend(node)
            value = self.make(node, stack)
            if isinstance(parent, YMap):
                if key in parent:
                    raise CaseError(f"duplicate key '{key}'", file=self.file, line=line)
                parent[key] = value
                parent.lines[key] = line
                if isinstance(value, str) and isinstance(node, yaml.ScalarNode):
                    parent.spans[key] = Span(self.source, node)
            elif isinstance(parent, YList):
                parent[key] = value
                parent.lines[key] = line
            else:
                parent.append(value)
        return result[0]

    def make(self, node: yaml.Node, stack: list[tuple[yaml.Node, Any, Any, int]]) -> Any:
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            if node.tag not in ("tag:yaml.org,2002:map",):
                raise CaseError(f"unsupported tag {node.tag}", file=self.file, line=line)
            self.loader.flatten_mapping(node)  # resolves "<<" merge keys
            out = YMap()
            out.line, out.lines, out.spans = line, {}, {}
            for key_node, value_node in reversed(node.value):
                key = self.key(key_node)
                stack.append((value_node, out, key, key_node.start_mark.line + 1))
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise CaseError(f"unsupported tag {node.tag}", file=self.file, line=line)
            seq = YList([None] * len(node.value))
            seq.line, seq.lines = line, [line] * len(node.value)
            for i in reversed(range(len(node.value))):
                stack.append((node.value[i], seq, i, node.value[i].start_mark.line + 1))
            return seq
        return self.scalar(node)

    def key(self, node: yaml.Node) -> str:
        line = node.start_mark.line + 1
        if not isinstance(node, yaml.ScalarNode):
            raise CaseError("mapping keys must be plain text, not a list or mapping",
                            file=self.file, line=line)
        key = self.scalar(node)
        if isinstance(key, str):
            return key
        if key is None:
            raise CaseError("a mapping key is empty (null)", file=self.file, line=line,
                            accepted="a name")
        kind = _KINDS.get(type(key), type(key).__name__)
        text = node.value if len(node.value) <= 40 else node.value[:37] + "..."
        raise CaseError(f"the key {text!r} is read as {kind} {key!r}, not as a name",
                        file=self.file, line=line, accepted=f"a quoted key: '{text}'")

    def scalar(self, node: yaml.Node) -> Any:
        line = node.start_mark.line + 1
        if not isinstance(node, yaml.ScalarNode):
            raise CaseError("expected a plain value here", file=self.file, line=line)
        try:
            value = self.loader.construct_object(node, deep=True)
        except yaml.YAMLError:
            raise
        except Exception as exc:  # noqa: BLE001 - 5000-digit ints, 2020-99-99, "!!int ''"
            text = node.value if len(node.value) <= 40 else node.value[:37] + "..."
            kind = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise CaseError(f"cannot read the value {text!r} as {kind} "
                            f"({str(exc)[:200] or type(exc).__name__})",
                            file=self.file, line=line) from None
        if isinstance(value, (bytes, bytearray)) or type(value).__module__ == "datetime":
            text = node.value if len(node.value) <= 40 else node.value[:37] + "..."
            raise CaseError(f"unsupported value {text!r} ({type(value).__name__})",
                            file=self.file, line=line, accepted="numbers, text, lists, mappings")
        return value
