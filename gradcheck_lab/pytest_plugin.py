"""pytest plugin (entry point ``pytest11``, name ``gradcheck_lab``): opt-in case files.

A project's YAML is collected only when the project opts in, so another tool's
``config.yaml`` is never read:

* files named ``gradcheck_*.yaml`` or ``*.gradcheck.yaml`` (``.yml`` too; the
  ini option ``gradcheck_patterns`` replaces these patterns);
* every ``*.yaml``/``*.yml`` file under the ini option ``gradcheck_paths``;
* a YAML file named on the command line (``pytest path/to/case.yaml``).

Each case is one test, named by the case; a failing case's failure text is its
discrepancy report, whose first line (and the short summary's) is the one-liner of
the JUnit report. ``gradcheck_methods`` (ini) or ``--gradcheck-methods`` picks the
methods. Every option is checked once, in ``pytest_configure``; a bad one is a usage
error before anything is collected. ``-p no:gradcheck_lab`` turns the plugin off.
Thin by design: load, ``verify_case()``, report.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gradcheck_lab.errors import PytestCaseFailure

DEFAULT_PATTERNS = ("gradcheck_*.yaml", "gradcheck_*.yml", "*.gradcheck.yaml", "*.gradcheck.yml")
SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Settings:
    """The plugin's options, checked once (``pytest_configure``)."""

    patterns: tuple[str, ...]
    paths: tuple[Path, ...]
    named: frozenset[Path]  # YAML files named on the command line
    methods: tuple[str, ...] | None
    strict: bool

    def wants(self, file: Path) -> bool:
        if file.suffix not in SUFFIXES:
            return False
        resolved = file.resolve()
        return (resolved in self.named
                or any(fnmatch.fnmatchcase(file.name, p) for p in self.patterns)
                or any(resolved == p or resolved.is_relative_to(p) for p in self.paths))


SETTINGS = pytest.StashKey[Settings]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gradcheck-lab", "gradient verification of YAML case files")
    group.addoption("--gradcheck-methods", default=None, metavar="a,b",
                    help="methods to run on case files (default: gradcheck_methods, else "
                         "each case's own or all)")
    group.addoption("--gradcheck-strict", action="store_true", default=False,
                    help="non-differentiable points (kinks) fail, and built-in methods "
                         "failing beside code on trial")
    parser.addini("gradcheck_patterns", type="args", default=list(DEFAULT_PATTERNS),
                  help="file name patterns of gradcheck-lab case files (default: "
                       + " ".join(DEFAULT_PATTERNS) + ")")
    parser.addini("gradcheck_paths", type="paths", default=[],
                  help="case files or folders of case files: every *.yaml/*.yml there is one")
    parser.addini("gradcheck_methods", type="args", default=[],
                  help="methods to run on case files, e.g. sympy fd torch (or sympy,fd)")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[SETTINGS] = read_settings(config)


def read_settings(config: pytest.Config) -> Settings:
    """Every option of the plugin, checked; ``pytest.UsageError`` names the bad one."""
    from gradcheck_lab.methods.registry import method_problems

    patterns = tuple(str(p) for p in config.getini("gradcheck_patterns"))
    paths = tuple(Path(p) for p in config.getini("gradcheck_paths"))
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise pytest.UsageError(f"gradcheck_paths: no such file or folder: {', '.join(missing)}")
    option = config.getoption("--gradcheck-methods")
    source, raw = (("--gradcheck-methods", [option]) if option is not None
                   else ("gradcheck_methods", list(config.getini("gradcheck_methods"))))
    names = [m.strip() for item in raw for m in str(item).split(",") if m.strip()]
    if option is not None and not names:
        raise pytest.UsageError("--gradcheck-methods is empty")
    problems = method_problems(names)
    if problems:
        raise pytest.UsageError(f"{source}: " + "; ".join(problems))
    return Settings(patterns, tuple(p.resolve() for p in paths), _named_files(config),
                    tuple(dict.fromkeys(names)) or None,
                    bool(config.getoption("--gradcheck-strict")))


def _named_files(config: pytest.Config) -> frozenset[Path]:
    sources = getattr(pytest.Config, "ArgsSource", None)  # pytest >= 7.2
    if sources is not None and config.args_source != sources.ARGS:
        return frozenset()  # testpaths or the current folder: nothing named
    base = config.invocation_params.dir
    named = (str(arg).split("::", 1)[0] for arg in config.args)
    return frozenset((base / n).resolve() for n in named if n.endswith(SUFFIXES))


def pytest_report_header(config: pytest.Config) -> str | None:
    settings = config.stash.get(SETTINGS, None)
    if settings is None:
        return None
    where = [" ".join(settings.patterns)] + [str(p) for p in settings.paths]
    return "gradcheck-lab case files: " + "; ".join(w for w in where if w)


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.File | None:
    settings = parent.config.stash.get(SETTINGS, None)
    if settings is None or not settings.wants(file_path):
        return None
    return CaseFile.from_parent(parent, path=file_path)


class CaseFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from gradcheck_lab.errors import CaseFileErrors
        from gradcheck_lab.loader import load_file

        try:
            cases = load_file(self.path)
        except CaseFileErrors as exc:
            raise PytestCaseFailure(str(exc)) from None
        for case in cases:
            yield CaseItem.from_parent(self, name=case.name, case=case)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> Any:
        if isinstance(excinfo.value, PytestCaseFailure):
            text = str(excinfo.value)
            return failure_repr(str(self.path), 1, text.split("\n", 1)[0], text)
        return super().repr_failure(excinfo)


class CaseItem(pytest.Item):
    def __init__(self, *, case: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        from gradcheck_lab.report.common import headline
        from gradcheck_lab.report.terminal import case_text
        from gradcheck_lab.run import verify_case

        settings = self.config.stash[SETTINGS]
        report = verify_case(self.case, methods=settings.methods, strict=settings.strict)
        if report.status in ("fail", "error"):
            raise PytestCaseFailure(headline(report) + "\n" + case_text(report))
        if report.status == "xfail":
            pytest.xfail("documented as wrong (expect: fail): "
                         + ", ".join(m for m, s in report.method_status.items() if s == "xfail"))
        if report.status == "skipped":
            pytest.skip("every method was skipped")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> Any:
        if isinstance(excinfo.value, PytestCaseFailure):
            text = str(excinfo.value)
            return failure_repr(str(self.path), self.case.line or 1, text.split("\n", 1)[0],
                                text)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.case.line - 1 if self.case.line else None
        return self.path, line, f"case: {self.name}"


def failure_repr(path: str, line: int, headline: str, text: str) -> Any:
    """A failure whose short-summary line (and JUnit message) is ``headline`` and whose body
    is ``text`` as is. pytest takes the short summary from the crash location's message;
    a plain string would put the whole text there on CI. Falls back to the text when
    pytest's report classes move."""
    try:
        from _pytest._code.code import (
            ExceptionChainRepr,
            ReprEntryNative,
            ReprFileLocation,
            ReprTraceback,
        )
    except ImportError:  # pragma: no cover - pytest without these classes
        return text
    lines: Sequence[str] = [text if text.endswith("\n") else text + "\n"]
    traceback = ReprTraceback([ReprEntryNative(lines)], None, "native")
    return ExceptionChainRepr([(traceback, ReprFileLocation(path, line, headline), None)])
