"""One file's content -> Cases: decoding, YAML, splitting ``cases: [...]`` into cases.

``load_mapping`` takes plain Python values (the ``check()`` API builds its case that way)
and gives them the same validation as a file's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from gradcheck_lab.case import Case
from gradcheck_lab.errors import CaseError, CaseFileErrors
from gradcheck_lab.limits import DEFAULT_LIMITS, Limits
from gradcheck_lab.loader.case_builder import CaseBuilder
from gradcheck_lab.loader.problems import build_all_problems
from gradcheck_lab.loader.scope import line_of_key
from gradcheck_lab.loader.yaml_nodes import YList, YMap, load_yaml

_UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


def load_bytes(raw_bytes: bytes, file: str, base_dir: str = ".",
               limits: Limits = DEFAULT_LIMITS) -> list[Case]:
    """The cases of a file's content; CaseFileErrors listing its problems."""
    if raw_bytes.startswith(_UTF16_32_BOMS):
        raise CaseFileErrors([CaseError("the file is UTF-16 or UTF-32: save it as UTF-8",
                                        file=file)])
    try:
        text = raw_bytes.decode("utf-8")
        if "\x00" in text:
            raise UnicodeDecodeError("utf-8", raw_bytes, 0, 1, "NUL byte")
    except UnicodeDecodeError:
        raise CaseFileErrors([CaseError("not a text file (expected UTF-8 YAML)",
                                        file=file)]) from None
    text = text.removeprefix("\ufeff")  # a byte order mark: harmless, and it shifts columns
    try:
        data = load_yaml(text, file, limits)
    except CaseError as exc:
        raise CaseFileErrors([exc]) from None
    return load_document(data, file, base_dir, limits)


def load_document(data: Any, file: str, base_dir: str = ".",
                  limits: Limits = DEFAULT_LIMITS) -> list[Case]:
    """Cases of one parsed document: one case (a mapping with ``name``) or ``cases: [...]``."""
    if isinstance(data, dict) and "cases" in data:
        extra = [k for k in data if k != "cases"]
        if extra:
            raise CaseFileErrors([CaseError(
                f"a file with 'cases:' holds nothing else, found '{extra[0]}'", file=file,
                line=line_of_key(data, extra[0]), field=str(extra[0]), accepted="cases")])
        raws = data["cases"]
        if not isinstance(raws, list) or not raws:
            raise CaseFileErrors([CaseError("'cases' must be a non-empty list of cases",
                                            file=file, line=line_of_key(data, "cases"),
                                            field="cases")])
        if len(raws) > limits.max_cases_per_file:
            raise CaseFileErrors([CaseError(
                f"{len(raws)} cases, more than the limit of {limits.max_cases_per_file}",
                file=file, line=line_of_key(data, "cases"), field="cases")])
    elif isinstance(data, dict):
        raws = [data]
    else:
        raise CaseFileErrors([CaseError("a case file holds one case (a mapping with 'name') or "
                                        "'cases: [...]'", file=file,
                                        line=getattr(data, "line", 1))])
    cases, errors = [], []
    for index, raw in enumerate(raws):
        prefix = f"cases[{index}]." if len(raws) > 1 or "cases" in data else ""
        line = getattr(raw, "line", None) or line_of_key(raws, index)

        def build(data: Any, prefix: str = prefix, line: int | None = line) -> Case:
            try:
                return CaseBuilder(data, file, base_dir, limits, prefix).build()
            except CaseError as exc:
                raise exc.located(file=file, line=line) from None

        try:
            cases.append(build_all_problems(build, raw, file, prefix))
        except CaseFileErrors as exc:
            errors.extend(exc.errors)
    if errors:  # every independent problem of the file, in line order
        raise CaseFileErrors(sorted(errors, key=lambda e: (e.line is None, e.line or 0)))
    return cases


def load_mapping(mapping: Mapping[str, Any], file: str, base_dir: str = ".",
                 limits: Limits = DEFAULT_LIMITS) -> list[Case]:
    """Cases from plain Python values (numbers, lists, arrays, tensors, dicts), validated
    exactly like a case file's YAML; errors name ``file`` without a line."""
    return load_document(as_nodes(mapping), file, base_dir, limits)


def as_nodes(value: Any) -> Any:
    """Plain values as the loader's YAML values: mappings and sequences without lines,
    arrays and tensors as nested lists."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, (np.ndarray, np.generic)):
        return as_nodes(value.tolist())
    if isinstance(value, Mapping):
        out = YMap({k: as_nodes(v) for k, v in value.items()})
        out.lines, out.spans = {}, {}
        return out
    if isinstance(value, (list, tuple)):
        seq = YList(as_nodes(v) for v in value)
        seq.lines = []
        return seq
    return value
