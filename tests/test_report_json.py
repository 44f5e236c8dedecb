"""JSON report (contract section 6) and terminal report, on hand-built reports."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from gradcheck_lab.case import Case, Tolerance
from gradcheck_lab.loader import load_file
from gradcheck_lab.report import SCHEMA, dumps, render_text, to_json
from gradcheck_lab.results import (
    CaseReport,
    Finding,
    MethodResult,
    Mismatch,
    PointReport,
    RunReport,
    Verdict,
)

CASE_YAML = """\
name: mse
description: mean squared error of a linear model
source: a tutorial
inputs:
  w: 0.0
  x: {value: [1.0, 2.0, 3.0, 4.0], wrt: false}
expr: mean((2 * x - w * x) ** 2)
points:
  - {w: 1.0}
"""

SUMMARY_KEYS = ["cases", "pass", "fail", "kink", "xfail", "error", "skipped", "unresolved",
                "framework_findings", "seconds", "overhead"]
CASE_KEYS = ["name", "file", "status", "points", "findings"]
POINT_KEYS = ["at", "value", "status", "results"]
RESULT_KEYS = ["method", "status", "gradient", "max_abs_error", "max_rel_error", "message"]
FINDING_KEYS = ["kind", "method", "message"]


@pytest.fixture
def case(tmp_path: Path) -> Case:
    path = tmp_path / "mse.yaml"
    path.write_text(CASE_YAML)
    (loaded,) = load_file(path)
    return loaded


def verdict(method: str, status: str, grad: float | None, *, abs_err: float | None = 0.0,
            rel_err: float | None = 0.0, message: str = "", **result_kwargs: object) -> Verdict:
    gradient = {} if grad is None else {"w": np.array(grad)}
    result = MethodResult(method, value=np.array(30.0), gradient=gradient, seconds=0.01,
                          **result_kwargs)  # type: ignore[arg-type]
    return Verdict(method, status, result, Tolerance(1e-10, 1e-12),  # type: ignore[arg-type]
                   abs_err, rel_err, message=message)


def make_report(case: Case) -> RunReport:
    mismatch = Mismatch("w", (), reference=-30.0, got=-120.0, abs_error=90.0, rel_error=3.0,
                        bound=3e-9)
    claim = Verdict("claim:tutorial", "fail", MethodResult("claim:tutorial",
                    gradient={"w": np.array(-120.0)}, seconds=0.001),
                    Tolerance(1e-10, 1e-12), 90.0, 3.0, (mismatch,), 1)
    base = PointReport(case.points[0], "sympy", np.array(30.0), "fail", (
        verdict("sympy", "pass", -30.0),
        verdict("fd", "pass", -30.000000001, abs_err=1e-9, rel_err=3.3e-11,
                error_estimate={"w": np.array(1e-10)}),
        verdict("torch", "pass", -30.0),
        verdict("jax", "skipped", None, abs_err=None, rel_err=None,
                skipped="jax is not installed (pip install 'gradcheck-lab[jax]')"),
        claim,
    ))
    second = PointReport(case.points[1], "sympy", np.array(7.5), "error", (
        verdict("sympy", "pass", -15.0),
        verdict("fd", "pass", math.nan, abs_err=math.inf, rel_err=math.nan),
        verdict("torch", "error", None, abs_err=None, rel_err=None,
                error="RuntimeError: boom"),
    ))
    methods = ("sympy", "fd", "torch", "jax", "claim:tutorial")
    report = CaseReport(
        case=case, status="error", points=(base, second), methods=methods,
        method_status={"sympy": "pass", "fd": "pass", "torch": "error", "jax": "skipped",
                       "claim:tutorial": "fail"},
        findings=(Finding("scale", "claim:tutorial", "4.0 x the reference everywhere"),),
        formulas={"w": "-2*mean(x*(2*x - w*x))"}, seconds=0.2)
    return RunReport(cases=(report,), seconds=0.25)


def test_top_level_and_summary(case: Case) -> None:
    data = to_json(make_report(case))
    assert data["schema"] == SCHEMA == "gradcheck-lab/report/v1"
    assert list(data)[:3] == ["schema", "summary", "cases"]
    summary = data["summary"]
    assert list(summary) == SUMMARY_KEYS
    assert summary == {"cases": 1, "pass": 0, "fail": 0, "kink": 0, "xfail": 0, "error": 1,
                       "skipped": 0, "unresolved": 0, "framework_findings": 0,
                       "seconds": 0.25, "overhead": {}}


def test_case_point_result_keys(case: Case) -> None:
    (c,) = to_json(make_report(case))["cases"]
    for key in CASE_KEYS:
        assert key in c
    assert c["name"] == "mse" and c["file"] == case.file and c["status"] == "error"
    assert c["description"] == "mean squared error of a linear model"
    assert c["formulas"] == {"w": "-2*mean(x*(2*x - w*x))"}
    assert [list(f) for f in c["findings"]] == [FINDING_KEYS]
    assert c["findings"][0]["kind"] == "scale"
    assert len(c["points"]) == 2
    for point in c["points"]:
        for key in POINT_KEYS:
            assert key in point
        for result in point["results"]:
            assert list(result)[:len(RESULT_KEYS)] == RESULT_KEYS
            assert isinstance(result["message"], str)
    base = c["points"][0]
    assert base["at"] == {"w": 0.0, "x": [1.0, 2.0, 3.0, 4.0]}
    assert base["value"] == 30.0 and isinstance(base["value"], float)  # 0-d -> a number
    assert base["status"] == "fail"
    torch = base["results"][2]
    assert torch == {**torch, "method": "torch", "status": "pass", "gradient": {"w": -30.0},
                     "max_abs_error": 0.0, "max_rel_error": 0.0, "message": ""}
    assert "hessian" not in torch
    claim = base["results"][4]
    assert claim["mismatch_count"] == 1
    assert claim["mismatches"][0]["got"] == -120.0
    assert base["results"][1]["error_estimate"] == {"w": 1e-10}


def test_skipped_and_error_results_have_empty_gradient(case: Case) -> None:
    (c,) = to_json(make_report(case))["cases"]
    jax = c["points"][0]["results"][3]
    assert jax["status"] == "skipped" and jax["gradient"] == {}
    assert jax["max_abs_error"] is None and "not installed" in jax["message"]
    torch = c["points"][1]["results"][2]
    assert torch["status"] == "error" and torch["gradient"] == {}
    assert torch["message"] == "RuntimeError: boom"


def test_non_finite_floats_become_null_and_output_is_strict_json(case: Case) -> None:
    text = dumps(make_report(case))
    assert "NaN" not in text and "Infinity" not in text
    data = json.loads(text)
    fd = data["cases"][0]["points"][1]["results"][1]
    assert fd["gradient"] == {"w": None}
    assert fd["max_abs_error"] is None and fd["max_rel_error"] is None


def test_arrays_become_nested_lists_and_hessian_is_added(case: Case) -> None:
    result = MethodResult("sympy", gradient={"w": np.arange(6.0).reshape(2, 3)},
                          hessian={"w": {"w": np.array([[2.0, np.inf]])}})
    point = PointReport(case.points[0], "sympy", np.array([1.0, 2.0]), "pass",
                        (Verdict("sympy", "pass", result, None, 0.0, 0.0),))
    report = RunReport((CaseReport(case, "pass", (point,), ("sympy",), {"sympy": "pass"}),), 0.0)
    (res,) = to_json(report)["cases"][0]["points"][0]["results"]
    assert res["gradient"] == {"w": [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]}
    assert res["hessian"] == {"w": {"w": [[2.0, None]]}}
    assert to_json(report)["cases"][0]["points"][0]["value"] == [1.0, 2.0]
    json.loads(dumps(report))


def test_empty_report() -> None:
    data = to_json(RunReport((), 0.0))
    assert data["cases"] == [] and data["summary"]["cases"] == 0


def test_terminal_report_expands_failures(case: Case) -> None:
    text = render_text(make_report(case))
    assert "mse" in text and "claim:tutorial" in text
    assert "reference -30, got -120" in text
    assert "d/dw = -2*mean(x*(2*x - w*x))" in text
    assert "RuntimeError: boom" in text
    assert "scale (claim:tutorial): 4.0 x the reference everywhere" in text
    assert "x = [1.0, 2.0, 3.0, 4.0]" in text  # inputs: shortest round-trip digits
    assert "jax: jax is not installed" in text
    assert "1 case: 0 pass, 0 fail, 1 error in 0.25s" in text
    assert "\x1b[" not in text


def test_real_run_json(tmp_path: Path) -> None:
    run = pytest.importorskip("gradcheck_lab.run")
    path = tmp_path / "tiny.yaml"
    path.write_text("name: tiny\ninputs: {x: [1.0, 2.0]}\nexpr: sum(x ** 2)\n")
    report = run.verify(str(path), methods=["sympy", "fd"])
    data = json.loads(dumps(report))
    assert list(data["summary"]) == SUMMARY_KEYS
    (c,) = data["cases"]
    assert c["name"] == "tiny" and c["status"] == "pass"
    (point,) = c["points"]
    assert point["at"] == {"x": [1.0, 2.0]} and point["value"] == pytest.approx(5.0)
    methods = {r["method"]: r for r in point["results"]}
    assert set(methods) == {"sympy", "fd"}
    for result in methods.values():
        assert list(result)[:len(RESULT_KEYS)] == RESULT_KEYS
        assert result["gradient"]["x"] == pytest.approx([2.0, 4.0])
