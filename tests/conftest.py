"""Shared fixtures: the command line in this process, and a fake case runner for CLI tests.

Plain helpers (``case_from``, ``write``, ``cli_subprocess``) are in ``tests/helpers.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

from gradcheck_lab.case import Case
from gradcheck_lab.options import DEFAULT_OPTIONS, RunOptions
from gradcheck_lab.results import CaseReport, MethodResult, PointReport, Status, Verdict

CliRunner = Callable[[Sequence[str]], tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> CliRunner:
    """``cli(["run", path])`` -> (exit code, stdout, stderr) of the command line, in-process."""
    from gradcheck_lab.cli import main

    def run(argv: Sequence[str]) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


class FakeRuns:
    """What the fake case runner saw: per run of the CLI, the cases and the options."""

    def __init__(self) -> None:
        self.runs: list[dict[str, Any]] = []

    def record(self, case: Case, options: RunOptions) -> None:
        if not self.runs or self.runs[-1]["options"] is not options:
            self.runs.append({"names": [], "options": options})
        self.runs[-1]["names"].append(case.name)

    @property
    def last(self) -> dict[str, Any]:
        return self.runs[-1]


@pytest.fixture
def fake_runner(monkeypatch: pytest.MonkeyPatch) -> FakeRuns:
    """Replace the case runner: every case named ``fail*`` fails, the others pass, and
    nothing is computed. Records each case and the RunOptions it came with."""
    import gradcheck_lab.run as run_module

    seen = FakeRuns()

    def fake_run_case(case: Case, options: RunOptions = DEFAULT_OPTIONS, **_: Any) -> CaseReport:
        seen.record(case, options)
        status: Status = "fail" if case.name.startswith("fail") else "pass"
        result = MethodResult("sympy", value=np.array(1.0), gradient={"x": np.array(2.0)})
        point = PointReport(case.points[0], "sympy", np.array(1.0), status,
                            (Verdict("sympy", status, result, None, 0.0, 0.0),))
        return CaseReport(case, status, (point,), ("sympy",), {"sympy": status})

    monkeypatch.setattr(run_module, "run_case", fake_run_case)
    return seen
