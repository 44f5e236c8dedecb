"""Every structural problem of a case at once: its YAML walked against the JSON Schema.

The case builder stops at a case's first problem (what comes later may depend on it).
Structure does not: an unknown field, a wrong type, a value outside a list of choices,
a name that does not match its pattern are each independent of the others, so
``problems`` reports them all, in the loader's own words ("unknown field 'colour'; did
you mean ...", "'float16' is not accepted (accepted: float64, float32)"), with the line
of each. The schema is ``loader/schema.py``'s, generated from the loader's lists; this
module implements the few keywords it uses.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from gradcheck_lab.errors import CaseError
from gradcheck_lab.loader import values as v
from gradcheck_lab.loader.scope import line_of_key
from gradcheck_lab.suggest import did_you_mean

Schema = Mapping[str, Any]
Path = tuple[str | int, ...]
_NUMBER_TEXT = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"  # schema.FLOAT_TEXT
# the JSON Schema keywords walked here; tests/test_validate_all.py checks that the schema
# uses no other (``contains`` only narrows which implementations can stand for ``expr``:
# the builder checks that)
KEYWORDS = frozenset({"$ref", "anyOf", "oneOf", "if", "then", "else", "not", "type", "enum",
                      "const", "pattern", "minLength", "minimum", "properties", "required",
                      "additionalProperties", "propertyNames", "minProperties", "items",
                      "minItems", "maxItems", "default", "description", "contains"})
_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "text", "number": "a number",
               "integer": "an integer", "boolean": "true or false"}


@functools.lru_cache(maxsize=1)
def _definitions() -> dict[str, Any]:
    from gradcheck_lab.loader.schema import case_schema

    return case_schema()["$defs"]


def _pattern_messages() -> dict[str, tuple[str, str]]:
    """Pattern -> (message with {value}, accepted): the loader's wording for each pattern."""
    from gradcheck_lab.loader import schema as s
    from gradcheck_lab.names import NAME_PATTERN, TARGET_PATTERN

    number = ("expected a number, got {value}", "a finite number such as 1, 0.5, 1.0e-6")
    return {NAME_PATTERN: ("invalid name {value}", "[A-Za-z0-9_.-]+"),
            TARGET_PATTERN: ("{value} is not 'module:attr'", "package.module:attr"),
            s.IDENTIFIER: ("{value} is not an identifier",
                           "letters, digits and _, not starting with a digit"),
            s.FLOAT_TEXT: number, s.NONNEGATIVE_TEXT: ("expected a number >= 0, got {value}",
                                                        number[1]),
            s.METHOD_PATTERN: ("{value} is not a method", "claim:NAME, impl:NAME")}


def problems(raw: Any, file: str, prefix: str = "", skip: Sequence[Path] = ()
             ) -> list[tuple[Path, CaseError]]:
    """Every structural problem of one case mapping, with the path of keys to it (field
    names start with ``prefix``), except inside the parts in ``skip``."""
    walker = _Walker(file, prefix)
    walker.skip = list(skip)
    walker.check(raw, _definitions()["case"], (), getattr(raw, "line", None))
    return walker.found


def optional_part(raw: Any, path: Path) -> Path | None:
    """The deepest part of the case ``raw`` on ``path`` that can go without making the rest
    wrong: an optional field, an unknown one, a claim, a whole list (never one item: the
    others' indices would move), or ``name`` (to be replaced). None for a path inside an
    input's value or ``expr``."""
    schema: Schema = _definitions()["case"]
    data, best = raw, None
    for depth, key in enumerate(path):
        schema = _branch(data, schema)
        if isinstance(key, int) or not isinstance(data, dict) or key not in data:
            break
        properties = schema.get("properties", {})
        needed = {*schema.get("required", ()),  # and what one of several must have
                  *(k for key in ("oneOf", "anyOf") for one in schema.get(key, ())
                    for k in one.get("required", ()))}
        if key in properties:
            if key not in needed:
                best = path[:depth + 1]
            elif path[:1] == ("name",):
                best = ("name",)
            schema = properties[key]
        elif schema.get("additionalProperties", True) is False:
            return path[:depth + 1]  # an unknown field
        else:
            if path[:1] == ("claims",) and depth == 1:
                best = path[:2]
            schema = schema.get("additionalProperties") or {}
            if not isinstance(schema, Mapping):
                break
        data = data[key]
    return best


def _branch(value: Any, schema: Schema) -> Schema:
    """The schema itself, or the branch of its ``anyOf`` meant for this kind of value."""
    schema = _resolve(schema)
    for branch in schema.get("anyOf", ()):
        if any(_is(value, k) for k in _types(branch)):
            return _branch(value, branch)
    return schema


def _resolve(schema: Schema) -> Schema:
    while "$ref" in schema:
        schema = _definitions()[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _is(value: Any, kind: str) -> bool:
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    return isinstance(value, int) if kind == "integer" else isinstance(value, (int, float))


def _types(schema: Schema) -> set[str]:
    """The JSON types a (sub)schema can accept; empty when it says nothing about types."""
    schema = _resolve(schema)
    if "anyOf" in schema:
        return set().union(*(_types(branch) for branch in schema["anyOf"]))
    kind = schema.get("type")
    if kind is not None:
        return {kind} if isinstance(kind, str) else set(kind)
    choices = schema["enum"] if "enum" in schema else [schema["const"]] if "const" in schema else []
    return {_json_type(c) for c in choices}


def _choices(schema: Schema) -> tuple[list[str], list[str]]:
    """The fixed values and the patterns a text may take (through nested ``anyOf``)."""
    schema = _resolve(schema)
    names = [str(c) for c in schema.get("enum", [])]
    patterns = [schema["pattern"]] if "pattern" in schema else []
    for branch in schema.get("anyOf", ()):
        more_names, more_patterns = _choices(branch)
        names, patterns = names + more_names, patterns + more_patterns
    return names, patterns


def _json_type(value: Any) -> str:
    return next(k for k in ("boolean", "integer", "number", "string", "array", "object")
                if _is(value, k))


class _Walker:
    def __init__(self, file: str, prefix: str = "") -> None:
        self.file, self.prefix = file, prefix
        self.found: list[tuple[Path, CaseError]] = []
        self.seen: set[int] = set()  # lists of numbers already walked (YAML aliases)
        self.skip: list[Path] = []  # parts already reported on

    def add(self, message: str, field: Path, line: int | None, accepted: str | None = None
            ) -> None:
        name = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in field)
        self.found.append((field, CaseError(message, file=self.file, line=line,
                                            field=(self.prefix + name[1:]) or None,
                                            accepted=accepted)))

    def check(self, value: Any, schema: Schema, field: Path, line: int | None) -> None:
        if any(field[:len(part)] == part for part in self.skip):
            return
        schema = _resolve(schema)
        if schema is _definitions()["array"]:
            self.numbers(value, field, line)
            return
        if "anyOf" in schema and "properties" in schema:  # a case: expr, or code to trace
            self.check(value, {k: s for k, s in schema.items() if k != "anyOf"}, field, line)
            if isinstance(value, dict) and not any(self.matches(value, b)
                                                   for b in schema["anyOf"]):
                first = [b["required"][0] for b in schema["anyOf"]]
                self.add(f"missing required field '{first[0]}'", (*field, first[0]), line,
                         " or ".join(first))
            return
        if "anyOf" in schema:
            self.any_of(value, schema, field, line)
            return
        kinds = _types(schema)
        if kinds and not any(_is(value, k) for k in kinds):
            wanted = " or ".join(dict.fromkeys(_TYPE_WORDS[k] for k in sorted(kinds)))
            self.add(f"expected {wanted}, got {v._kind(value)}", field, line,
                     schema.get("accepted"))
            return
        choices = schema.get("enum", [schema["const"]] if "const" in schema else None)
        if choices is not None:
            if not any(type(value) is type(c) and value == c for c in choices):
                names = [str(c) for c in choices]
                hint = did_you_mean(value, names, 1) if isinstance(value, str) else ""
                self.add(f"{v.short(value)} is not accepted{hint}", field, line,
                         ", ".join(names))
            return
        if isinstance(value, str):
            self.text(value, schema, field, line)
        elif isinstance(value, (int, float)) and "minimum" in schema and value < schema["minimum"]:
            self.add(f"must be >= {schema['minimum']}, got {v.short(value)}", field, line)
        elif isinstance(value, dict):
            self.mapping(value, schema, field, line)
        elif isinstance(value, list):
            self.sequence(value, schema, field, line)

    def numbers(self, value: Any, field: Path, line: int | None) -> None:
        """The ``array`` definition (a number or nested lists of numbers), walked in one
        loop: arrays are large, and YAML aliases can repeat one list a million times, so
        each list is looked at once. Its first problem only; the builder says the rest."""
        stack = [(value, field, line)]
        while stack:
            item, where, at = stack.pop()
            if isinstance(item, list):
                if id(item) not in self.seen:
                    self.seen.add(id(item))
                    stack += [(x, (*where, i), line_of_key(item, i) or at)
                              for i, x in reversed(list(enumerate(item)))]
                    if not item:
                        self.add("an empty list has no values", where, at)
                        return
            elif not (isinstance(item, (int, float)) and not isinstance(item, bool)
                      or isinstance(item, str) and re.match(_NUMBER_TEXT, item)):
                self.add(f"expected a number, got {v._kind(item)}", where, at,
                         "a finite number such as 1, 0.5, 1.0e-6")
                return

    def matches(self, value: Any, schema: Schema) -> bool:
        probe = _Walker(self.file)
        probe.check(value, schema, (), None)
        return not probe.found

    def any_of(self, value: Any, schema: Schema, field: Path, line: int | None) -> None:
        branches = schema["anyOf"]
        typed = [b for b in branches if any(_is(value, k) for k in _types(b))]
        if len(typed) == 1:  # the branch meant for this kind of value (walked once: arrays
            self.check(value, typed[0], field, line)  # nest anyOf in every dimension)
            return
        if any(self.matches(value, branch) for branch in typed):
            return
        if isinstance(value, str) and typed:  # names: a list of choices and patterns
            names, patterns = _choices(schema)
            accepted = ", ".join(names + [_pattern_messages()[p][1] for p in patterns
                                          if p in _pattern_messages()])
            self.add(f"{v.short(value)} is not accepted{did_you_mean(value, names, 1)}", field,
                     line, accepted)
            return
        if typed:  # the first branch for this kind of value says what is wrong inside it
            self.check(value, typed[0], field, line)
            return
        self.check(value, {"type": sorted(_types(schema)),
                           "accepted": schema.get("description")}, field, line)

    def text(self, value: str, schema: Schema, field: Path, line: int | None) -> None:
        pattern = schema.get("pattern")
        if pattern is not None and not re.search(pattern, value):
            message, accepted = _pattern_messages().get(
                pattern, ("{value} does not match " + pattern, None))
            self.add(message.format(value=v.short(value)), field, line, accepted)
        elif len(value) < schema.get("minLength", 0):
            self.add("must not be empty", field, line)

    def mapping(self, value: dict[Any, Any], schema: Schema, field: Path, line: int | None
                ) -> None:
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for required in schema.get("required", []):
            if required not in value:
                self.add(f"missing required field '{required}'", (*field, required), line,
                         ", ".join(properties))
        one_of = schema.get("oneOf", [])  # input specs: {value} or {random}, not both
        if one_of and sum(all(k in value for k in b["required"]) for b in one_of) != 1:
            either = " and ".join(f"'{k}'" for b in one_of for k in b["required"])
            self.add(f"give exactly one of {either}", field, line)
        key_schema = schema.get("propertyNames")
        for key, item in value.items():
            where, key_line = (*field, key), line_of_key(value, key) or line
            if key_schema is not None and not self.matches(key, key_schema):
                self.check(key, key_schema, where, key_line)
            elif key in properties:
                self.check(item, properties[key], where, key_line)
            elif extra is False:
                name = str(key) if len(str(key)) <= 100 else str(key)[:97] + "..."
                self.add(f"unknown field '{name}'{did_you_mean(str(key), properties)}",
                         where, key_line, ", ".join(properties))
            elif isinstance(extra, Mapping):
                self.check(item, extra, where, key_line)
        if len(value) < schema.get("minProperties", 0):
            self.add("must not be empty", field, line)
        if "if" in schema:  # implementations: numpy takes gradient, torch/jax function
            chosen = self.matches(value, schema["if"])
            branch = schema["then"] if chosen else schema["else"]
            self.check(value, {k: b for k, b in branch.items() if k != "not"}, field, line)
            condition = ", ".join(f"{k} {'is' if chosen else 'is not'} {c['const']}"
                                  for k, c in schema["if"].get("properties", {}).items())
            for forbidden in branch.get("not", {}).get("required", []):
                if forbidden in value:
                    self.add(f"'{forbidden}' is not used when {condition}",
                             (*field, forbidden), line_of_key(value, forbidden) or line)

    def sequence(self, value: list[Any], schema: Schema, field: Path, line: int | None) -> None:
        if len(value) < schema.get("minItems", 0):
            self.add("must not be empty", field, line)
        if len(value) > schema.get("maxItems", len(value)):
            self.add(f"{len(value)} items, more than the limit of {schema['maxItems']}", field,
                     line)
        items = schema.get("items")
        if items is not None:
            for index, item in enumerate(value):
                self.check(item, items, (*field, index), line_of_key(value, index) or line)
