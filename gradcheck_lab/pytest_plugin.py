"""pytest plugin (entry point ``pytest11``): case files are collected as tests.

``pytest cases/`` or ``pytest path/to/case.yaml`` gives one test per case,
named by the case; a failing case's failure text is its discrepancy report.
Thin by design: load, ``verify_case()``, report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gradcheck_lab.errors import PytestCaseFailure

_CASE_FILE = re.compile(r"^(expr|cases)\s*:", re.MULTILINE)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gradcheck-lab", "gradient verification of YAML case files")
    group.addoption("--gradcheck-methods", default=None, metavar="a,b",
                    help="methods to run on case files (default: each case's own or all)")
    group.addoption("--gradcheck-strict", action="store_true", default=False,
                    help="non-differentiable points (kinks) fail")


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.File | None:
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    try:
        head = file_path.read_text(encoding="utf-8", errors="replace")[:200_000]
    except OSError:
        return None
    if not _CASE_FILE.search(head):  # leave other YAML (CI configs, ...) alone
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
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class CaseItem(pytest.Item):
    def __init__(self, *, case: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        from gradcheck_lab.report.terminal import render_text
        from gradcheck_lab.results import RunReport
        from gradcheck_lab.run import verify_case

        option = self.config.getoption("--gradcheck-methods")
        methods = [m.strip() for m in option.split(",") if m.strip()] if option else None
        strict = bool(self.config.getoption("--gradcheck-strict"))
        report = verify_case(self.case, methods=methods, strict=strict)
        if report.status in ("fail", "error"):
            raise PytestCaseFailure(render_text(RunReport((report,), report.seconds)))
        if report.status == "xfail":
            pytest.xfail("documented as wrong (expect: fail): "
                         + ", ".join(m for m, s in report.method_status.items() if s == "xfail"))
        if report.status == "skipped":
            pytest.skip("every method was skipped")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> Any:
        if isinstance(excinfo.value, PytestCaseFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.case.line - 1 if self.case.line else None
        return self.path, line, f"case: {self.name}"
