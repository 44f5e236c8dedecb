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

from typing import Any

import yaml

from gradcheck_lab.errors import CaseError, caret
from gradcheck_lab.limits import DEFAULT_LIMITS, Limits
from gradcheck_lab.loader.yaml_limits import BREAK, precheck

try:  # the C loader is much faster on large literal arrays
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

# the defaults, for callers that print them (the limits themselves come in as ``Limits``)
MAX_YAML_NODES = DEFAULT_LIMITS.max_yaml_nodes
MAX_YAML_DEPTH = DEFAULT_LIMITS.max_yaml_depth
_KINDS = {bool: "the boolean", int: "the integer", float: "the number"}


class Source:
    """The text of one file, split into lines only when a position is looked up."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = BREAK.split(self.text)
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
        precheck(text, file, limits)
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
            lines = BREAK.split(text)
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
