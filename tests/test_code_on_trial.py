"""A case with code on trial is about that code (issue 10, item 8): torch's and JAX's
autodiff of x / (1 + sqrt(x)) give NaN at x = 0, the user's hand-written backward is right
there; the case passes (status, exit code, pytest), the built-in failures are framework
findings counted apart, and --strict makes them fail the run. Specimen:
``tests/specimens/torch_rules.py:sqrt_ratio``."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from gradcheck_lab.report import dumps, render_text, to_junit
from gradcheck_lab.results import RunReport
from gradcheck_lab.run import verify_case
from tests.helpers import ROOT, case_from, write

pytest.importorskip("torch")
pytest.importorskip("jax")
pytest_plugins = ["pytester"]

CASE = """
    name: sqrt_ratio
    inputs: {x: [0.0, 0.25, 4.0]}
    expr: sum(x / (1 + sqrt(x)))
    implementations:
      - {name: mine, framework: torch, function: "tests.specimens.torch_rules:sqrt_ratio"}
    """
TORCH = ("torch's autodiff of expr fails at point(s) 0 (x[0]: reference 1, got nan): not "
         "the code on trial; ")


def test_the_verdict_is_the_codes_and_framework_failures_are_findings() -> None:
    report = verify_case(case_from(CASE))
    assert report.method_status == {"sympy": "pass", "fd": "pass", "torch": "fail",
                                    "jax": "fail", "impl:mine": "pass"}
    assert report.status == "pass"
    framework = {f.method: f.message for f in report.findings if f.kind == "framework"}
    assert framework["torch"] == TORCH + ("the code is judged apart, and this fails the run "
                                          "only with --strict")
    assert framework["jax"].startswith("JAX's autodiff of expr fails at point(s) 0")
    run = RunReport((report,), report.seconds)
    assert run.exit_code == 0 and run.framework_findings == 2
    assert json.loads(dumps(run))["summary"]["framework_findings"] == 2
    text = render_text(run)
    assert "1 case: 1 pass, 0 fail, 2 framework findings" in text
    assert "fail torch at point 0" in text  # the failure itself is shown in full
    junit = to_junit(run)
    assert "<failure" not in junit and "framework (torch): " + TORCH in junit


def test_strict_makes_framework_findings_fail_the_run() -> None:
    report = verify_case(case_from(CASE), strict=True)
    assert report.status == "fail"
    assert RunReport((report,), report.seconds).exit_code == 1
    (torch_finding,) = [f for f in report.findings if f.kind == "framework"
                        and f.method == "torch"]
    assert torch_finding.message == TORCH + "it fails the run (--strict)"


def test_a_case_without_code_is_about_the_expression() -> None:
    text = textwrap.dedent(CASE).split("implementations:")[0]
    report = verify_case(case_from(text))
    assert report.status == "fail"
    assert not [f for f in report.findings if f.kind == "framework"]


@pytest.mark.slow  # two pytest sessions importing torch (about 25 s)
def test_command_line_and_pytest_follow_the_code(tmp_path: Path, cli,  # type: ignore[no-untyped-def]
                                                 pytester: pytest.Pytester,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "gradcheck_sqrt_ratio.yaml",
                 CASE.replace("sum(x / (1 + sqrt(x)))",
                              "sum(x / (1 + sqrt(x)))\n    methods: [sympy, torch, impl:mine]"))
    assert cli(["run", str(path)])[0] == 0
    assert cli(["run", str(path), "--strict"])[0] == 1
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    (pytester.path / path.name).write_text(path.read_text())
    pytester.runpytest_subprocess().assert_outcomes(passed=1)
    pytester.runpytest_subprocess("--gradcheck-strict").assert_outcomes(failed=1)
