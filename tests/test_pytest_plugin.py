"""The pytest plugin: case files collected as tests, failures shown as discrepancy reports."""

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


def _write(pytester: pytest.Pytester, name: str, text: str) -> Path:
    path = pytester.path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_collects_one_test_per_case(pytester: pytest.Pytester) -> None:
    _write(pytester, "good.yaml", GOOD)
    _write(pytester, "bad.yaml", BAD)
    _write(pytester, "other.yaml", "jobs: {build: 1}\n")  # not a case file: ignored
    result = pytester.runpytest_subprocess("-v")
    result.assert_outcomes(passed=1, failed=1, xfailed=1)
    result.stdout.fnmatch_lines(["*bad.yaml::tutorial_claim FAILED*",
                                 "*bad.yaml::documented_wrong XFAIL*",
                                 "*good.yaml::square PASSED*"])
    text = result.stdout.str()
    assert "4 x the reference everywhere (4 = size of X: sum instead of mean?)" in text
    assert "Traceback" not in text


def test_invalid_case_file_is_a_collection_error(pytester: pytest.Pytester) -> None:
    _write(pytester, "broken.yaml", "name: b\ninputs: {x: 1.0}\nexpr: sinn(x)\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*broken.yaml:3*unknown function 'sinn'*did you mean 'sin'*"])


def test_method_option_and_strict(pytester: pytest.Pytester) -> None:
    _write(pytester, "kink.yaml", "name: k\ninputs: {x: 0.0}\nexpr: abs(x)\n"
                                  "methods: [sympy, fd]\n")
    result = pytester.runpytest_subprocess("--gradcheck-strict")
    result.assert_outcomes(failed=1)
    result = pytester.runpytest_subprocess(
                                "--gradcheck-methods", "sympy,fd")
    result.assert_outcomes(passed=1)


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
    _write(pytester, "good.yaml", GOOD)
    _write(pytester, "bad.yaml", BAD)
    result = pytester.runpytest_subprocess("-n", "2", "-p", "xdist", "-rA")
    result.assert_outcomes(passed=1, failed=1, xfailed=1)
    text = result.stdout.str()
    assert "2 workers" in text or "created: 2/2 workers" in text
    assert "4 x the reference everywhere (4 = size of X: sum instead of mean?)" in text
