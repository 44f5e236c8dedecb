"""Every independent problem of a case, in one pass, in line order.

The case builder stops at a case's first problem, because what comes after may depend
on it. For a case that fails, this module finds the others:

1. each problem the builder reports is cut away (the deepest optional field, claim or
   whole list holding it; a bad ``name`` is replaced) and the builder runs again on what
   is left, until it builds the case or reaches a problem nothing after it can be
   checked without (an input's value, ``expr``);
2. the structural pass (``loader.structure``) then adds what the builder could not
   reach: every problem the JSON Schema can see (unknown fields, wrong types, values
   outside their choices, names that do not match), each in the loader's wording.

Problems that only follow from a part cut away (``methods: [claim:c]`` once claim ``c``
is cut) are not reported, and the loader's messages are kept throughout.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from gradcheck_lab.case import Case
from gradcheck_lab.errors import CaseError, CaseFileErrors
from gradcheck_lab.loader import structure
from gradcheck_lab.loader.yaml_nodes import YList, YMap

Path = tuple[str | int, ...]
MAX_ROUNDS = 25  # builder reruns per case: each finds one more problem
PLACEHOLDER_NAME = "case"
_STEP = re.compile(r"\[(\d+)\]\.?")
_MEANT = re.compile(r"did you mean '([^']+)'")


def build_all_problems(build: Callable[[Any], Case], raw: Any, file: str,
                       prefix: str = "") -> Case:
    """``build(raw)``, or CaseFileErrors with every independent problem of ``raw``."""
    try:
        return build(raw)
    except CaseError as first:
        if not isinstance(raw, dict):
            raise CaseFileErrors([first]) from None
        error = first
    report: list[CaseError] = []
    covered: list[Path] = []  # parts where the builder found a problem (or one followed)
    typos: list[tuple[Path, str]] = []  # (mapping, field) an unknown field was taken for
    cut: set[str] = set()  # method names cut away with their claim, implementation, expect
    current = raw
    for _ in range(MAX_ROUNDS):
        found = _path_of(current, error.field or "", prefix)
        path = found or (_top(error.field, prefix),)
        typo = any(found == where and f"'{name}'" in error.message for where, name in typos)
        follows = _follows_from_cut(error, path, cut)
        if not (typo or follows):
            report.append(error)  # else it follows from a typo or a part cut away
        spot = structure.optional_part(current, path)
        if not follows:  # a list cut for a reference to a part cut: its other items count
            covered.append(_coverage(current, path, spot))
        if spot is None:
            break  # nothing after this problem can be checked without it
        meant = _MEANT.search(error.message)
        if error.message.startswith("unknown field") and meant:
            typos.append((path[:-1], meant.group(1)))
        current = _cut(current, spot, cut)
        try:
            build(current)
            break
        except CaseError as again:
            error = again
    # what the builder could not reach (past a problem in expr or an input's value)
    report += [error for path, error in structure.problems(raw, file, prefix, covered)
               if not any(path[:len(c)] == c for c in covered)]
    report.sort(key=lambda e: (e.line is None, e.line or 0))
    raise CaseFileErrors(report)


def _coverage(data: Any, path: Path, spot: Path | None) -> Path:
    """The part a reported problem stands for: what was cut away for it, or one item of a
    list cut whole, or (when nothing could be cut) the problem's own place."""
    if spot is None:  # stuck: the problem's own place, or the list item holding it
        item = next((i for i, key in enumerate(path) if isinstance(key, int)), None)
        return path if item is None else path[:item + 1]
    if len(path) > len(spot) and isinstance(path[len(spot)], int):
        return path[:len(spot) + 1]
    return spot


def _top(field: str | None, prefix: str) -> str:
    rest = (field or "").removeprefix(prefix)
    return re.split(r"[.\[]", rest, maxsplit=1)[0]


def _follows_from_cut(error: CaseError, path: Path, cut: set[str]) -> bool:
    return bool(path) and path[0] in ("methods", "tolerance") and any(
        f"'{name}'" in error.message for name in cut)


def _path_of(raw: Any, field: str, prefix: str) -> Path:
    """The error's field (``claims.my.claim.x``, ``points[1].x``) as keys into ``raw``;
    names may hold dots, so each step takes the longest key of the data that fits."""
    rest, data = field.removeprefix(prefix), raw
    path: list[str | int] = []
    while rest:
        step = _STEP.match(rest)
        if step and isinstance(data, list) and int(step.group(1)) < len(data):
            index = int(step.group(1))
            path.append(index)
            data, rest = data[index], rest[step.end():]
            continue
        keys = [k for k in data if isinstance(k, str) and (
            rest == k or rest.startswith(k + ".") or rest.startswith(k + "["))] \
            if isinstance(data, dict) else []
        if not keys:
            break
        key = max(keys, key=len)
        path.append(key)
        data, rest = data[key], rest[len(key):].removeprefix(".")
    return tuple(path)


def _cut(raw: Any, spot: Path, cut: set[str]) -> Any:
    """``raw`` without the part at ``spot`` (a bad ``name`` is replaced by a placeholder)."""
    if spot == ("name",):
        return _replaced(raw, spot, PLACEHOLDER_NAME)
    if spot[0] == "claims" and len(spot) == 2:
        cut.add(f"claim:{spot[1]}")
    elif spot == ("implementations",):
        cut.update(f"impl:{i.get('name')}" for i in raw.get("implementations") or []
                   if isinstance(i, dict))
    elif spot == ("expect",):
        cut.add("expect")
    return _replaced(raw, spot, None)


def _replaced(data: Any, path: Path, value: Any) -> Any:
    """A copy of ``data`` with ``path`` set to ``value`` (removed when None); the lines the
    YAML reader recorded are kept."""
    key, rest = path[0], path[1:]
    if isinstance(data, dict):
        out = YMap(data)
        out.__dict__.update(getattr(data, "__dict__", {}))
        if rest:
            out[key] = _replaced(data[key], rest, value)
        elif value is None:
            del out[key]
        else:
            out[key] = value
        return out
    if isinstance(data, list) and isinstance(key, int) and rest:
        items = YList(data)
        items.__dict__.update(getattr(data, "__dict__", {}))
        items[key] = _replaced(data[key], rest, value)
        return items
    return data
