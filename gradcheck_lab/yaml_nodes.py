"""Safe YAML to plain values that remember their line numbers.

Only the safe loader is used: python/* tags fail in the SafeConstructor. Mappings
become :class:`YMap` (a dict with ``line`` and per-key ``lines``) and sequences
:class:`YList`, so the loader can name the line of any field it rejects. Aliases
are expanded with a node budget, so a "billion laughs" file is refused quickly.
"""

from __future__ import annotations

from typing import Any

import yaml

from gradcheck_lab.errors import CaseError

try:  # the C loader is much faster on large literal arrays
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

MAX_YAML_NODES = 2_000_000


class YMap(dict):  # type: ignore[type-arg]
    line: int
    lines: dict[Any, int]


class YList(list):  # type: ignore[type-arg]
    line: int
    lines: list[int]


def line_of(value: Any, default: int | None = None) -> int | None:
    return getattr(value, "line", default)


def load_yaml(text: str, file: str) -> Any:
    """Parse one YAML document into YMap/YList/scalars; CaseError on any YAML problem."""
    loader = _Loader(text)
    try:
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
        result: list[Any] = []
        stack: list[tuple[yaml.Node, Any, Any]] = [(root, result, None)]
        while stack:
            node, parent, key = stack.pop()
            self.spend(node)
            value = self.make(node, stack)
            if isinstance(parent, YMap):
                if key in parent:
                    raise CaseError(f"duplicate key '{key}'", file=self.file,
                                    line=node.start_mark.line + 1)
                parent[key] = value
                parent.lines[key] = node.start_mark.line + 1
            elif isinstance(parent, YList):
                parent[key] = value
                parent.lines[key] = node.start_mark.line + 1
            else:
                parent.append(value)
        return result[0]

    def make(self, node: yaml.Node, stack: list[tuple[yaml.Node, Any, Any]]) -> Any:
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
                stack.append((value_node, out, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise CaseError(f"unsupported tag {node.tag}", file=self.file, line=line)
            seq = YList([None] * len(node.value))
            seq.line, seq.lines = line, [line] * len(node.value)
            for i in reversed(range(len(node.value))):
                stack.append((node.value[i], seq, i))
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
