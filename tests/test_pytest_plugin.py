"""The pytest plugin: opt-in case files collected as tests, failures shown as discrepancy
reports whose first line is the JUnit one-liner (issue 14, items 1 and 6)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

GOOD = """\
    name: square
    inputs: {x: [1.0, 2.0]}
    expr: sum(x**2)
    methods: [sympy, fd]
    """
BAD = """\
    cases:
      - name: tutorial_claim
        inputs:
          w: 0.0
          X: {value: [1.0, 2.0, 3.0, 4.0], wrt: false}
          Y: {value: [2.0, 4.0, 6.0, 8.0], wrt: false}
        expr: mean((w*X - Y)**2)
        claims:
          tutorial: {w: "dot(2*X, w*X - Y)"}
        methods: [sympy, claim:tutorial]
      - name: documented_wrong
        inputs: {x: 1.0}
        expr: x**2
        claims:
          c: {x: "x", expect: fail}
        methods: [sympy, claim:c]
    """
# the JUnit one-liner of tutorial_claim: reference d/dw mean((w*X - Y)**2) at w=0 is -30
HEADLINE = "claim:tutorial fail at point 0: w reference -30, got -120"
# another tool's YAML that happens to have a top-level `cases:` (it used to stop a run)
UNRELATED = "cases:\n  - {name: eval_run, dataset: squad}\nexpr: not ours\n"


def _write(pytester: pytest.Pytester, name: str, text: str) -> Path:
    path = pytester.path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_collects_files_matching_the_patterns_only(pytester: pytest.Pytester) -> None:
    _write(pytester, "gradcheck_good.yaml", GOOD)
    _write(pytester, "sub/bad.gradcheck.yaml", BAD)
    _write(pytester, "config.yaml", UNRELATED)  # not opted in: never read
    _write(pytester, "good.yaml", GOOD)  # a case file, but not named as one: left alone
    result = pytester.runpytest_subprocess("-v")
    result.assert_outcomes(passed=1, failed=1, xfailed=1)
    result.stdout.fnmatch_lines(["*gradcheck-lab case files: gradcheck_*.yaml*",
                                 "*gradcheck_good.yaml::square PASSED*",
                                 "*bad.gradcheck.yaml::tutorial_claim FAILED*",
                                 "*bad.gradcheck.yaml::documented_wrong XFAIL*"])
    text = result.stdout.str()
    assert "4 x the reference everywhere (4 = size of X: sum instead of mean?)" in text
    assert "Traceback" not in text and "config.yaml" not in text
    assert "good.yaml::square" not in text.replace("gradcheck_good.yaml::square", "")


def test_unrelated_yaml_project_collects_nothing_of_ours(pytester: pytest.Pytester) -> None:
    """Acceptance: an unrelated config.yaml holding `cases:` in a project with the plugin
    installed; nothing of ours is collected until the project configures it."""
    _write(pytester, "config.yaml", UNRELATED)
    _write(pytester, "config/eval.yaml", GOOD)  # even a valid case file: not opted in
    _write(pytester, "test_app.py", "def test_app():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest_subprocess("-v")
    result.assert_outcomes(passed=1)
    assert result.ret == 0 and "eval.yaml" not in result.stdout.str()
    # configured: gradcheck_paths opts the folder in, gradcheck_methods picks the methods
    _write(pytester, "pyproject.toml", """\
        [tool.pytest.ini_options]
        gradcheck_paths = ["config"]
        gradcheck_methods = ["sympy", "fd"]
        """)
    result = pytester.runpytest_subprocess("-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*config/eval.yaml::square PASSED*"])
    assert "config.yaml" not in result.stdout.str()


def test_named_on_the_command_line_and_turned_off(pytester: pytest.Pytester) -> None:
    path = _write(pytester, "my_case.yaml", GOOD)
    result = pytester.runpytest_subprocess(str(path), "-v")
    result.assert_outcomes(passed=1)
    _write(pytester, "gradcheck_good.yaml", GOOD)
    result = pytester.runpytest_subprocess("-p", "no:gradcheck_lab")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_bad_options_are_usage_errors_before_collection(pytester: pytest.Pytester) -> None:
    _write(pytester, "gradcheck_good.yaml", GOOD)
    result = pytester.runpytest_subprocess("--gradcheck-methods", "sympy,torhc")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--gradcheck-methods: unknown method 'torhc'; did you mean "
                                 "'torch'?*"])
    _write(pytester, "pytest.ini", "[pytest]\ngradcheck_paths = nowhere\n")
    result = pytester.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*gradcheck_paths: no such file or folder: *nowhere*"])


def test_invalid_case_file_is_a_collection_error(pytester: pytest.Pytester) -> None:
    _write(pytester, "gradcheck_broken.yaml", "name: b\ninputs: {x: 1.0}\nexpr: sinn(x)\n")
    result = pytester.runpytest_subprocess("-rE")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*gradcheck_broken.yaml:3*unknown function 'sinn'*did you "
                                 "mean 'sin'*",
                                 "ERROR gradcheck_broken.yaml - *"])


@pytest.mark.slow  # 7 s
def test_short_summary_is_the_junit_one_liner(pytester: pytest.Pytester) -> None:
    _write(pytester, "gradcheck_bad.yaml", BAD)
    for env in ({"COLUMNS": "200"}, {"CI": "true"}):  # on CI pytest prints all of the
        for key, value in env.items():               # message: still one line
            pytester._monkeypatch.setenv(key, value)
        result = pytester.runpytest_subprocess("-rf", "--junit-xml=out.xml")
        result.assert_outcomes(failed=1, xfailed=1)
        summary = [line for line in result.stdout.lines if line.startswith("FAILED")]
        assert summary == [f"FAILED gradcheck_bad.yaml::tutorial_claim - {HEADLINE}"], summary
        junit = (pytester.path / "out.xml").read_text()
        assert f'message="{HEADLINE}"' in junit
    text = result.stdout.str()
    assert text.index(HEADLINE) < text.index("FAIL tutorial_claim")  # the body starts with it
    assert "case ┃ method" not in "\n".join(summary)


def test_check_hides_its_frames_and_names_the_callers_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user_code="""
        import numpy as np
        import gradcheck_lab

        def wrong_gradient(x):
            return x  # d/dx sum(x**2) is 2x

        def test_square():
            gradcheck_lab.check(wrong_gradient, expr="sum(x**2)", inputs={"x": [1.0, 2.0]},
                                framework="numpy", name="square")
        """)
    pytester._monkeypatch.setenv("COLUMNS", "200")
    result = pytester.runpytest_subprocess("-rf")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    headline = "impl:function fail at point 0: x[1] reference 4, got 2"
    assert f"E       gradcheck_lab.errors.GradientMismatch: {headline}\n" in text
    assert f"{pytester.path / 'test_user_code.py'}:8)" in text  # the line calling check()
    assert (f"FAILED test_user_code.py::test_square - gradcheck_lab.errors.GradientMismatch: "
            f"{headline}\n") in text
    assert "gradcheck_lab/api.py" not in text and "def _judge" not in text
    assert "def check(" not in text


@pytest.mark.slow
def test_shipped_cases_match_the_cli(tmp_path: Path) -> None:
    # no pytester fixture here: it restores sys.modules after the test, and a torch imported
    # by verify() in between cannot be imported a second time (the process segfaults)
    cases = Path(__file__).resolve().parent.parent / "cases"
    methods = ["sympy", "fd", "expect", "claim:*", "impl:*"]
    run = subprocess.run([sys.executable, "-m", "pytest", str(cases), "-q", "-p",
                          "no:cacheprovider", "--gradcheck-methods", ",".join(methods)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=600)
    from gradcheck_lab import verify

    counts = verify(cases, methods=methods).counts()
    summary = run.stdout.strip().splitlines()[-1]
    wanted = {"passed": counts["pass"] + counts["kink"], "xfailed": counts["xfail"],
              "failed": counts["fail"] + counts["error"]}
    found = {word: int(n) for n, word in re.findall(r"(\d+) (passed|xfailed|failed)", summary)}
    assert {k: found.get(k, 0) for k in wanted} == wanted, run.stdout[-2000:]


@pytest.mark.slow
def test_runs_under_pytest_xdist(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    _write(pytester, "gradcheck_good.yaml", GOOD)
    _write(pytester, "gradcheck_bad.yaml", BAD)
    pytester._monkeypatch.setenv("COLUMNS", "200")
    result = pytester.runpytest_subprocess("-n", "2", "-p", "xdist", "-rA")
    result.assert_outcomes(passed=1, failed=1, xfailed=1)
    text = result.stdout.str()
    assert "2 workers" in text or "created: 2/2 workers" in text
    assert "4 x the reference everywhere (4 = size of X: sum instead of mean?)" in text
    assert f"FAILED gradcheck_bad.yaml::tutorial_claim - {HEADLINE}" in text
