"""Timing that means something (issue 14, item 7): framework imports and JAX compilation
are counted apart from the methods' times, per case and in the summary."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from gradcheck_lab import runner, timing
from gradcheck_lab.report.terminal import overhead_line
from gradcheck_lab.results import CaseReport, MethodResult, RunReport
from tests.helpers import case_from, cli_subprocess, write


@dataclass(frozen=True)
class Compiling:
    """A method whose call 'compiles' for 0.75 s of its 1 s."""

    name: str = "jax"
    framework: str = "jax"

    def compute(self, case: object, point: object) -> MethodResult:
        timing._compiling[0] += 0.75
        return MethodResult(self.name, value=np.array(1.0), seconds=1.0)


def test_compilation_is_taken_out_of_the_method_time() -> None:
    case = case_from("name: c\ninputs: {x: 1.0}\nexpr: x\n")
    overhead: dict[str, float] = {}
    clock = runner._Clock()
    accounts = runner.Accounts(runner._Notifier(None), clock, overhead)
    results = runner._results(case, case.points[0], [Compiling()],  # type: ignore[list-item]
                              ({}, {}), accounts)
    assert results["jax"].seconds == pytest.approx(0.25)
    assert overhead == {"jax compilation": pytest.approx(0.75)}
    # the step's clock ran for far less than the 0.75 s of compilation it reported
    assert clock.seconds == {"method:jax": 0.0}


def test_overhead_is_summed_over_cases_and_shown_apart() -> None:
    case = case_from("name: c\ninputs: {x: 1.0}\nexpr: x\n")
    reports = tuple(CaseReport(case, "pass", (), (), {}, seconds=0.1, overhead=o)
                    for o in ({"import torch": 1.25, "jax compilation": 0.5},
                              {"jax compilation": 0.25}))
    report = RunReport(reports, 2.5)
    assert report.overhead() == {"import torch": 1.25, "jax compilation": 0.75}
    assert overhead_line(report) == ("outside the case and method times: import torch "
                                     "1.25s, jax compilation 750.0ms")


@pytest.mark.slow
def test_a_fresh_run_reports_imports_and_compilation_apart(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    case = write(tmp_path, "c.yaml", "name: c\ninputs: {x: [1.0, 2.0]}\nexpr: sum(sin(x))\n"
                                     "methods: [sympy, torch, jax]\n")
    code, out, _ = cli_subprocess(["run", str(case), "--format", "json"], tmp_path,
                                  env={"GRADCHECK_LAB_CACHE": "off"}, timeout=180)
    data = json.loads(out)
    assert code == 0, out
    overhead = data["summary"]["overhead"]
    assert set(overhead) == {"import torch", "import jax", "jax compilation"}
    assert overhead["import torch"] > 0.1 and overhead["jax compilation"] > 0
    results = {r["method"]: r for r in data["cases"][0]["points"][0]["results"]}
    # torch's import (over 0.1 s) is not in the torch method's time, nor in the case's
    assert results["torch"]["seconds"] < overhead["import torch"]
    assert data["cases"][0]["overhead"] == overhead
    assert data["cases"][0]["seconds"] < data["summary"]["seconds"] - overhead["import torch"]
