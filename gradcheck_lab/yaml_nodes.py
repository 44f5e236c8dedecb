"""Safe YAML to plain values that remember their line numbers.

Only the safe loader is used: python/* tags fail in the SafeConstructor. Mappings
become :class:`YMap` (a dict with ``line`` and per-key ``lines``) and sequences
:class:`YList`, so the loader can name the line of any field it rejects. Aliases
are expanded with a node budget, so a "billion laughs" file is refused quickly.
Before composing, a pass over the parser's events refuses nesting deeper than
``MAX_YAML_DEPTH`` (libyaml's composer recurses in C: a file nested 100,000 deep
crashed the interpreter) and alias expansions beyond ``MAX_YAML_NODES``.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from gradcheck_lab.errors import CaseError

try:  # the C loader is much faster on large literal arrays
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

MAX_YAML_NODES = 2_000_000
MAX_YAML_DEPTH = 200
# every collection start needs one of these indicators (or an alias, which needs an '&' anchor)
_STRUCTURE = re.compile(r"[\[{:?]|-(?=\s|$)")


class YMap(dict[Any, Any]):
    line: int
    lines: dict[Any, int]


class YList(list[Any]):
    line: int
    lines: list[int]


def line_of(value: Any, default: int | None = None) -> int | None:
    return getattr(value, "line", default)


def load_yaml(text: str, file: str) -> Any:
    """Parse one YAML document into YMap/YList/scalars; CaseError on any YAML problem."""
    loader = _Loader(text)
    try:
        _precheck(text, file)
        node = loader.get_single_node()
        if node is None:
            return None
        return _Converter(loader, file).convert(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        detail = None
        if mark is not None:
            lines = text.splitlines()
            if 0 <= mark.line < len(lines):
                detail = f"    {lines[mark.line]}\n    {' ' * mark.column}^"
        problem = exc.problem or str(exc)
        if "could not determine a constructor" in problem:
            problem += " (only plain YAML is read: no python/* or custom tags)"
        raise CaseError(f"invalid YAML: {problem}", file=file, line=line, column=column,
                        detail=detail) from None
    except yaml.YAMLError as exc:
        raise CaseError(f"invalid YAML: {exc}", file=file) from None
    finally:
        loader.dispose()


def _precheck(text: str, file: str) -> None:
    """Refuse deep nesting and alias bombs from the event stream, before anything is composed.

    Skipped (it costs about a second per million scalars) when the text has no anchor and too
    few structural characters to nest deeper than the limit.
    """
    if "&" not in text and sum(1 for _ in _STRUCTURE.finditer(text)) <= MAX_YAML_DEPTH:
        return
    sizes: dict[str, float] = {}  # anchor -> number of nodes it expands to
    stack: list[list[Any]] = [[None, 0.0]]  # open collections: [anchor, nodes so far]

    def line(event: yaml.Event) -> int | None:
        return event.start_mark.line + 1 if event.start_mark is not None else None

    def add(size: float, event: yaml.Event) -> None:
        stack[-1][1] += size
        if stack[-1][1] > MAX_YAML_NODES:
            raise CaseError(f"the YAML expands to more than {MAX_YAML_NODES} nodes (alias bomb?)",
                            file=file, line=line(event))

    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(stack) > MAX_YAML_DEPTH:
                raise CaseError(f"the YAML nests deeper than {MAX_YAML_DEPTH} levels", file=file,
                                line=line(event))
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
    def __init__(self, loader: Any, file: str) -> None:
        self.loader = loader
        self.file = file
        self.budget = MAX_YAML_NODES

    def spend(self, node: yaml.Node) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise CaseError(
                f"the YAML expands to more than {MAX_YAML_NODES} nodes (alias bomb?)",
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
            out.line, out.lines = line, {}
            for key_node, value_node in reversed(node.value):
                key = self.scalar(key_node)
                if isinstance(key, (list, dict)) or key is None:
                    raise CaseError("mapping keys must be plain scalars", file=self.file,
                                    line=key_node.start_mark.line + 1)
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

    def scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise CaseError("expected a plain value here", file=self.file,
                            line=node.start_mark.line + 1)
        value = self.loader.construct_object(node, deep=True)
        if isinstance(value, (bytes, bytearray)) or type(value).__module__ == "datetime":
            raise CaseError(f"unsupported value {node.value!r} ({type(value).__name__})",
                            file=self.file, line=node.start_mark.line + 1)
        return value
