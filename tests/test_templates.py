"""`gradcheck-lab new --template T` (issue 14, item 9): every template loads and passes as
written, and each mentions implementations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gradcheck_lab.loader.templates import TEMPLATES
from tests.conftest import CliRunner
from tests.helpers import ROOT

METHODS = "sympy,fd,claim:*,impl:*,expect"


@pytest.mark.parametrize("template", list(TEMPLATES))
def test_every_template_loads_and_passes(template: str, tmp_path: Path, cli: CliRunner,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(["new", f"my_{template}", "--template", template])
    assert code == 0, err
    text = (tmp_path / f"my_{template}.yaml").read_text()
    assert "implementations:" in text and f"name: my_{template}" in text
    code, out, err = cli(["run", f"my_{template}.yaml", "--methods", METHODS,
                          "--format", "json"])
    case = json.loads(out)["cases"][0]
    assert code == 0 and case["status"] == "pass", (case["method_status"], err)
    wanted = {"claim": {"claim:by_hand", "sympy", "fd"}, "expression": {"sympy", "fd"},
              "implementation": {"sympy", "fd", "impl:mine"},
              "order2": {"sympy", "fd", "expect"}}[template]
    assert set(case["method_status"]) == wanted
    if template == "implementation":
        pytest.importorskip("torch")
        assert case["method_status"]["impl:mine"] == "pass"
        assert (tmp_path / "my_implementation_code.py").is_file()
        assert "wrote other_code.py" in cli(["new", "other", "-t", "implementation"])[1]
        code, _, err = cli(["new", "other", "-t", "implementation", "-o", "elsewhere.yaml"])
        assert code == 2 and "other_code.py already exists" in err  # never overwrites
    if template == "order2":
        hessian = case["points"][1]["results"][0]["hessian"]["p"]["p"]
        assert hessian == [[802.0, -400.0], [-400.0, 200.0]]  # at the minimum (1, 1)


def test_commented_options_of_the_expression_template_pass(tmp_path: Path,
                                                           cli: CliRunner) -> None:
    target = tmp_path / "e.yaml"
    assert cli(["new", "e", "-t", "expression", "-o", str(target)])[0] == 0
    text = target.read_text()
    for old in ("# expect:", "# claims:", "#   softmax_is_the_gradient:"):
        assert old in text
        text = text.replace(old, old.replace("# ", "", 1))
    target.write_text(text)
    code, out, _ = cli(["run", str(target), "--methods", METHODS, "--format", "json"])
    assert code == 0
    assert json.loads(out)["cases"][0]["method_status"] == {
        "sympy": "pass", "fd": "pass", "claim:softmax_is_the_gradient": "pass", "expect": "pass"}


def test_unknown_template_is_a_usage_error(cli: CliRunner) -> None:
    code, _, err = cli(["new", "x", "--template", "hessian"])
    assert code == 2 and "claim" in err and "order2" in err


def test_readme_starts_users_in_their_own_project() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    headings = [line for line in readme.splitlines() if line.startswith("## ")]
    assert headings.index("## Use it in your project") < headings.index("## Writing a case")
    section = readme[readme.index("## Use it in your project"):readme.index("## Quick start")]
    for needle in ("pip install 'gradcheck-lab[all]'", "download.pytorch.org/whl/cpu",
                   "gradcheck-lab new", "[tool.gradcheck-lab]", "gradcheck_paths",
                   "examples/github-actions.yml"):
        assert needle in section, needle


def test_ci_example_installs_like_a_user_and_runs_once() -> None:
    import shlex

    import yaml

    from gradcheck_lab.cli import build_parser

    workflow = yaml.safe_load((ROOT / "examples" / "github-actions.yml").read_text())
    runs = [step["run"] for step in workflow["jobs"]["gradients"]["steps"] if "run" in step]
    installs = [r for r in runs if r.startswith("pip install")]
    assert installs == ["pip install torch --index-url https://download.pytorch.org/whl/cpu",
                        "pip install 'gradcheck-lab[all]'"]
    assert not any("-e ." in r for r in runs)  # not this repository: the published package
    (check,) = [r for r in runs if r.startswith("gradcheck-lab")]
    args = build_parser().parse_args(shlex.split(check)[1:])
    assert (args.junit_xml, args.markdown, args.html, args.json) == (
        "reports/gradcheck.xml", "reports/gradcheck.md", "reports/gradcheck.html",
        "reports/gradcheck.json")


def test_inputs_are_their_float64_value_and_constants_exact_decimals(tmp_path: Path,
                                                                     cli: CliRunner) -> None:
    """What the README says about 0.1: the input is the double nearest 1/10, a number in
    expr is exactly 1/10 (their difference, times 1e20, is 555.11...)."""
    case = tmp_path / "c.yaml"
    case.write_text("name: c\ninputs: {x: 0.1}\nexpr: (x - 0.1) * 1e20\nmethods: [sympy]\n")
    code, out, _ = cli(["run", str(case), "--format", "json"])
    value = json.loads(out)["cases"][0]["points"][0]["value"]
    assert code == 0 and value == pytest.approx(555.1115123125783, rel=1e-15)
