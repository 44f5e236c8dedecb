"""Project configuration: ``[tool.gradcheck-lab]`` in ``pyproject.toml``.

Read once, at the edge (the command line), into a frozen :class:`ProjectConfig`; the
command line's flags win over it, and it wins over the built-in defaults. The file is
the nearest ``pyproject.toml`` at or above the current folder that has the table (as
ruff and pytest find theirs); paths in it are relative to its folder. Every key is
checked: an unknown one, a wrong type or a bad value is a usage error naming the file,
the key and what is accepted.

    [tool.gradcheck-lab]
    paths = ["gradients"]            # what `gradcheck-lab run` checks without PATH
    methods = ["sympy", "fd", "torch"]
    strict = false
    jobs = 2
    timeout = 120                    # seconds per case
    device = "cuda"                  # torch, JAX and implementations run there
    limits = {max_points = 5000}
    tolerance = {rtol = 1e-8, torch = {rtol = 1e-7}}
    junit-xml = "reports/gradcheck.xml"
    markdown = "reports/gradcheck.md"
    html = "reports/gradcheck.html"
    json = "reports/gradcheck.json"
    plots = "failing"                # "all", "none"
    step-summary = true              # append Markdown to $GITHUB_STEP_SUMMARY when set
"""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gradcheck_lab.case import ALL_METHODS_KEY, ToleranceOverride
from gradcheck_lab.errors import UsageError
from gradcheck_lab.limits import DEFAULT_LIMITS, Limits, parse_limit_options
from gradcheck_lab.suggest import did_you_mean

TABLE = "gradcheck-lab"
OUTPUT_KEYS = ("junit-xml", "markdown", "html", "json")
PLOTS = ("failing", "all", "none")
KEYS = ("paths", "methods", "strict", "jobs", "timeout", "device", "limits", "tolerance",
        *OUTPUT_KEYS, "plots", "step-summary")


@dataclass(frozen=True)
class ProjectConfig:
    """What ``[tool.gradcheck-lab]`` sets; None (or empty) where it says nothing."""

    file: Path | None = None
    paths: tuple[str, ...] = ()
    methods: tuple[str, ...] | None = None
    strict: bool | None = None
    jobs: int | None = None
    timeout: float | None = None
    device: str | None = None
    limits: Limits = DEFAULT_LIMITS
    tolerance: Mapping[str, ToleranceOverride] = field(default_factory=dict)
    outputs: Mapping[str, str] = field(default_factory=dict)  # junit-xml, markdown, ...
    plots: str | None = None
    step_summary: bool | None = None

    @property
    def root(self) -> Path:
        """The project's folder: the file's, or the current one."""
        return self.file.parent if self.file is not None else Path.cwd()


def find_config(start: Path | None = None) -> ProjectConfig:
    """The configuration of the nearest ``pyproject.toml`` with ``[tool.gradcheck-lab]``."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / "pyproject.toml"
        if path.is_file():
            table = _read_table(path)
            if table is not None:
                return parse_config(table, path)
    return ProjectConfig()


def _read_table(path: Path) -> dict[str, Any] | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot read it: {exc}") from None
    table = data.get("tool", {}).get(TABLE)
    if table is not None and not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.{TABLE}] must be a table")
    return table


def parse_config(table: Mapping[str, Any], file: Path) -> ProjectConfig:
    """``[tool.gradcheck-lab]``'s contents, checked; paths made relative to ``file``'s folder."""
    where = f"{file}: [tool.{TABLE}]"
    for key in table:
        if key not in KEYS:
            raise UsageError(f"{where}: unknown key '{key}'{did_you_mean(key, KEYS)} "
                             f"(accepted: {', '.join(KEYS)})")
    root = file.parent
    values: dict[str, Any] = {"file": file}
    if "paths" in table:
        values["paths"] = tuple(str(root / p) for p in _strings(table["paths"], where, "paths"))
    if "methods" in table:
        from gradcheck_lab.methods.registry import method_problems

        methods = _strings(table["methods"], where, "methods")
        problems = method_problems(methods)
        if problems:
            raise UsageError(f"{where} methods: {'; '.join(problems)}")
        values["methods"] = tuple(dict.fromkeys(methods))
    for key in ("strict", "step-summary"):
        if key in table:
            if not isinstance(table[key], bool):
                raise UsageError(f"{where} {key}: expected true or false, got {table[key]!r}")
            values[key.replace("-", "_")] = table[key]
    if "jobs" in table:
        jobs = table["jobs"]
        if type(jobs) is not int or jobs < 0:
            raise UsageError(f"{where} jobs: expected a whole number >= 0 (0: one per core), "
                             f"got {jobs!r}")
        values["jobs"] = jobs
    if "timeout" in table:
        values["timeout"] = _positive(table["timeout"], f"{where} timeout", "seconds")
    if "device" in table:
        from gradcheck_lab.names import DEVICE_RE, DEVICES_ACCEPTED

        if not isinstance(table["device"], str) or not DEVICE_RE.match(table["device"]):
            raise UsageError(f"{where} device: {table['device']!r} is not accepted (accepted: "
                             f"{DEVICES_ACCEPTED})")
        values["device"] = table["device"]
    if "limits" in table:
        limits = _mapping(table["limits"], where, "limits")
        try:
            values["limits"] = parse_limit_options(f"{k}={v}" for k, v in limits.items())
        except UsageError as exc:
            raise UsageError(f"{where} limits: {exc}".replace("--limit ", "")) from None
    if "tolerance" in table:
        values["tolerance"] = _tolerance(_mapping(table["tolerance"], where, "tolerance"), where)
    values["outputs"] = {k: str(root / _string(table[k], where, k))
                         for k in OUTPUT_KEYS if k in table}
    if "plots" in table:
        if table["plots"] not in PLOTS:
            raise UsageError(f"{where} plots: {table['plots']!r} is not accepted "
                             f"(accepted: {', '.join(PLOTS)})")
        values["plots"] = table["plots"]
    return ProjectConfig(**values)


def _tolerance(data: Mapping[str, Any], where: str) -> dict[str, ToleranceOverride]:
    """``{rtol, atol}`` for every method and/or ``{method: {rtol, atol}}``, as a case's."""
    from gradcheck_lab.methods.registry import BUILTIN_METHODS
    from gradcheck_lab.names import EXPECT_METHOD

    methods = [*BUILTIN_METHODS, EXPECT_METHOD]
    parts = [f.name for f in dataclasses.fields(ToleranceOverride)]  # rtol, atol, ntol
    out: dict[str, ToleranceOverride] = {}
    top = {k: v for k, v in data.items() if k in parts}
    if top:
        out[ALL_METHODS_KEY] = _parts(top, f"{where} tolerance")
    for key, value in data.items():
        if key in parts:
            continue
        if key not in methods:
            raise UsageError(f"{where} tolerance: unknown key '{key}'"
                             f"{did_you_mean(key, [*parts, *methods])} (accepted: "
                             f"{', '.join(parts + methods)})")
        pair = _mapping(value, where, f"tolerance.{key}")
        unknown = [k for k in pair if k not in parts]
        if unknown:
            raise UsageError(f"{where} tolerance.{key}: unknown key '{unknown[0]}' "
                             f"(accepted: {', '.join(parts)})")
        out[key] = _parts(pair, f"{where} tolerance.{key}")
    return out


def _parts(data: Mapping[str, Any], where: str) -> ToleranceOverride:
    return ToleranceOverride(**{k: _positive(v, f"{where}.{k}", "a number >= 0", zero=True)
                                for k, v in data.items()})


def _positive(value: Any, where: str, what: str, zero: bool = False) -> float:
    ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
          and math.isfinite(value) and (value >= 0 if zero else value > 0))
    if not ok:
        raise UsageError(f"{where}: expected a {'non-negative' if zero else 'positive'} number "
                         f"({what}), got {value!r}")
    return float(value)


def _strings(value: Any, where: str, key: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{where} {key}: expected a list of strings, got {value!r}")
    return value


def _string(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise UsageError(f"{where} {key}: expected a file name, got {value!r}")
    return value


def _mapping(value: Any, where: str, key: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise UsageError(f"{where} {key}: expected a table, e.g. {{rtol = 1e-8}}, got {value!r}")
    return value
