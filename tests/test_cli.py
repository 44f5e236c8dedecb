"""Command line: exit codes, problems printed without tracebacks, output plumbing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gradcheck_lab.cli import select_shard
from gradcheck_lab.run import select
from tests.conftest import CliRunner, FakeRuns
from tests.helpers import case_from, write

ROOT = Path(__file__).resolve().parents[1]
GOOD = "name: square\ninputs: {x: [1.0, 2.0]}\nexpr: sum(x ** 2)\n"
# line 3 has the bad expression, line 4 an unknown field
BAD = "name: broken\ninputs: {x: 1.0}\nexpr: frobnicate(x)\ncolour: red\n"


def test_invalid_case_file_exits_2_naming_file_and_line(tmp_path: Path,
                                                        cli: CliRunner
                                                        ) -> None:
    write(tmp_path, "good.yaml", GOOD)
    bad = write(tmp_path, "bad.yaml", BAD)
    code, out, err = cli(["run", str(tmp_path)])
    assert code == 2
    text = out + err
    assert f"{bad}:4" in text and "colour" in text  # unknown field, with its line
    assert "Traceback" not in text
    assert "nothing was run" in text


def test_invalid_expression_is_reported_with_its_line(tmp_path: Path,
                                                      cli: CliRunner) -> None:
    bad = write(tmp_path, "bad.yaml", "name: broken\ninputs: {x: 1.0}\nexpr: frobnicate(x)\n")
    code, out, err = cli(["validate", str(bad)])
    assert code == 2
    assert f"{bad}:3" in err and "frobnicate" in err and "Traceback" not in out + err


def test_unknown_method_exits_2_listing_accepted(tmp_path: Path,
                                                 cli: CliRunner) -> None:
    good = write(tmp_path, "good.yaml", GOOD)
    code, out, err = cli(["run", str(good), "--methods", "sympy,tensorflow"])
    assert code == 2
    assert "tensorflow" in err and "sympy, fd" in err and "jax" in err
    assert "Traceback" not in out + err


def test_missing_path_exits_2(tmp_path: Path, cli: CliRunner) -> None:
    code, out, err = cli(["run", str(tmp_path / "nowhere")])
    assert code == 2 and "nowhere" in err and "Traceback" not in out + err
    code, _, err = cli(["validate", str(tmp_path / "nowhere.yaml")])
    assert code == 2 and "nowhere.yaml" in err


def test_folder_without_cases_exits_2(tmp_path: Path, cli: CliRunner) -> None:
    code, _, err = cli(["run", str(tmp_path)])
    assert code == 2 and "no case files" in err


def test_validate_good_file_exits_0(tmp_path: Path, cli: CliRunner) -> None:
    good = write(tmp_path, "good.yaml", GOOD)
    code, out, err = cli(["validate", str(good)])
    assert code == 0 and "ok: 1 case in 1 file" in out and err == ""


@pytest.mark.parametrize("argv", [["run", "--format", "xml"], ["run", "--shard", "3/2"],
                                  ["run", "--methods", ""], ["frobnicate"], []])
def test_bad_command_lines_exit_2(argv: list[str], cli: CliRunner) -> None:
    code, out, err = cli(argv)
    assert code == 2 and "Traceback" not in out + err


def test_help_exits_0(cli: CliRunner) -> None:
    code, out, _ = cli(["run", "--help"])
    assert code == 0 and "--methods" in out


def test_run_exit_codes_and_json_output(tmp_path: Path, cli: CliRunner,
                                        fake_runner: FakeRuns) -> None:
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD.replace("square", "fail_square"))
    code, out, _ = cli(["run", str(tmp_path), "-k", "square", "--format", "json",
                            "--methods", "sympy, fd", "--strict"])
    assert code == 1
    data = json.loads(out)
    assert data["summary"]["cases"] == 2 and data["summary"]["fail"] == 1
    assert fake_runner.last["names"] == ["square", "fail_square"]
    assert fake_runner.last["options"].methods == ("sympy", "fd")
    assert fake_runner.last["options"].strict is True

    report = tmp_path / "report.json"
    code, out, _ = cli(["run", str(tmp_path), "-k", "sq*", "--format", "json",
                            "--output", str(report)])
    assert code == 0 and fake_runner.last["names"] == ["square"]
    assert json.loads(report.read_text())["summary"]["pass"] == 1
    assert "report written to" in out


def test_table_output_and_no_match(tmp_path: Path, cli: CliRunner,
                                   fake_runner: FakeRuns) -> None:
    write(tmp_path, "b.yaml", GOOD.replace("square", "fail_square"))
    code, out, _ = cli(["run", str(tmp_path)])
    assert code == 1 and "fail_square" in out and "1 case: 0 pass, 1 fail" in out
    text_file = tmp_path / "report.txt"
    code, _, _ = cli(["run", str(tmp_path), "-o", str(text_file)])
    assert code == 1 and "fail_square" in text_file.read_text()
    code, _, err = cli(["run", str(tmp_path), "-k", "nothing"])
    assert code == 2 and "no case matches" in err


def select_names(name: str, keyword: str) -> bool:
    return bool(select([case_from(f"name: {name}\ninputs: {{x: 1.0}}\nexpr: x")], keyword))


def test_keyword_and_shard_selection(tmp_path: Path) -> None:
    names = ["mse_linear", "softmax_ce"]
    assert [c for c in names if select_names(c, "mse")] == ["mse_linear"]
    assert [c for c in names if select_names(c, "*_linear")] == ["mse_linear"]
    assert not select_names("mse_linear", "softmax*")
    from gradcheck_lab.loader import load_file

    text = "cases:\n" + "".join(f"  - {{name: c{i}, inputs: {{x: 1.0}}, expr: x}}\n"
                                for i in range(5))
    cases = load_file(write(tmp_path, "many.yaml", text))
    shards = [[c.name for c in select_shard(cases, k, 2)] for k in (1, 2)]
    assert shards == [["c0", "c2", "c4"], ["c1", "c3"]]


def test_real_run_in_process(tmp_path: Path, cli: CliRunner) -> None:
    pytest.importorskip("gradcheck_lab.run")
    good = write(tmp_path, "good.yaml", GOOD)
    code, out, _ = cli(["run", str(good), "--methods", "sympy,fd", "--format", "json"])
    assert code == 0, out
    assert json.loads(out)["cases"][0]["status"] == "pass"


def test_console_script_smoke(tmp_path: Path) -> None:
    """One subprocess: ``python -m gradcheck_lab.cli validate`` on a bad file."""
    bad = write(tmp_path, "bad.yaml", BAD)
    proc = subprocess.run([sys.executable, "-m", "gradcheck_lab.cli", "validate", str(bad)],
                          capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 2
    assert f"{bad}:4" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout


# ----------------------------------------------------------------------------- issue 4

def test_run_junit_markdown_html_outputs_and_exit_codes(
        tmp_path: Path, cli: CliRunner,
        fake_runner: FakeRuns) -> None:
    import xml.etree.ElementTree as ET

    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD.replace("square", "fail_square"))
    junit = tmp_path / "f.xml"
    code, out, _ = cli(["run", str(tmp_path), "--format", "junit", "--output", str(junit)])
    assert code == 1 and "report written to" in out
    root = ET.fromstring(junit.read_text())
    assert len(list(root.iter("testcase"))) == 2 and len(list(root.iter("failure"))) == 1
    code, out, _ = cli(["run", str(tmp_path), "-k", "fail*", "--format", "markdown"])
    assert code == 1 and out.startswith("## ❌ gradcheck-lab") and "`fail_square`" in out
    code, out, _ = cli(["run", str(tmp_path), "-k", "square", "--shard", "2/2",
                            "--format", "junit"])
    assert code == 0 and out.startswith("<?xml") and 'tests="1"' in out
    write(tmp_path, "c.yaml", BAD)
    code, out, err = cli(["run", str(tmp_path), "--format", "junit", "-o", str(junit)])
    assert code == 2 and "colour" in err and "nothing was run" in err


def test_run_html_real(tmp_path: Path, cli: CliRunner) -> None:
    good = write(tmp_path, "good.yaml", GOOD)
    report = tmp_path / "r.html"
    code, out, _ = cli(["run", str(good), "--methods", "sympy,fd", "--format", "html",
                            "-o", str(report)])
    assert code == 0 and "report written to" in out
    html = report.read_text()
    assert html.startswith("<!DOCTYPE html>") and "square" in html


def test_validate_lists_every_problem(tmp_path: Path, cli: CliRunner) -> None:
    bad1 = write(tmp_path, "bad1.yaml", BAD)
    bad2 = write(tmp_path, "bad2.yaml", "name: b2\ninputs: {x: 1.0}\nexpr: x\norder: 3\n")
    code, out, err = cli(["validate", str(bad1), str(tmp_path / "gone.yaml"), str(bad2),
                              str(tmp_path / "gone_too")])
    assert code == 2 and "Traceback" not in out + err
    for needle in (f"{bad1}:3", f"{bad1}:4", f"{bad2}:4", "gone.yaml", "gone_too", "5 problems"):
        assert needle in err, needle


def test_schema_matches_the_shipped_file(tmp_path: Path,
                                         cli: CliRunner) -> None:
    code, out, _ = cli(["schema"])
    shipped = ROOT / "schema" / "case.schema.json"
    assert code == 0 and out == shipped.read_text(encoding="utf-8")
    data = json.loads(out)
    assert data["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    from gradcheck_lab.loader import CASE_FIELDS

    assert list(data["$defs"]["case"]["properties"]) == list(CASE_FIELDS)
    target = tmp_path / "s.json"
    assert cli(["schema", "-o", str(target)])[0] == 0
    assert target.read_text(encoding="utf-8") == out


def test_shipped_cases_reference_and_satisfy_the_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    from gradcheck_lab.loader.schema import case_schema

    jsonschema.Draft202012Validator.check_schema(case_schema())
    validator = jsonschema.Draft202012Validator(case_schema())
    files = sorted((ROOT / "cases").rglob("*.y*ml"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# yaml-language-server: $schema="), path
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(text))]
        assert not errors, (path, errors[:3])


SCHEMA_SAMPLES = {  # YAML -> whether the loader (and so the schema) accepts it
    GOOD: True,
    "cases:\n  - {name: a, inputs: {x: 1.0}, expr: x}\n": True,
    "name: a\ninputs: {x: {random: {shape: [2], seed: 1}, wrt: false}, y: 2}\nexpr: x*y\n"
    "tolerance: {rtol: 1e-6, fd: {atol: 1.0e-9}}\nmethods: [sympy, fd]\n": True,
    "name: a b\ninputs: {x: 1.0}\nexpr: x\n": False,
    BAD.replace("frobnicate(x)", "x"): False,  # unknown field colour
    "name: a\ninputs: {sum: 1.0}\nexpr: sum\n": False,
    "name: a\ninputs: {x: 1.0}\nexpr: x\ntolerance: {rtol: -1}\n": False,
    "name: a\ninputs: {x: 1.0}\nexpr: x\nmethods: [tensorflow]\n": False,
    "name: a\ninputs: {x: 1.0}\nexpr: x\nimplementations:\n"
    "  - {name: n, framework: numpy, function: 'm:f'}\n": False,
    "name: a\ninputs: {x: {value: 1.0, random: {shape: [1]}}}\nexpr: x\n": False,
    "name: a\ninputs: {x: 1.0}\n": False,
}


@pytest.mark.parametrize("text", list(SCHEMA_SAMPLES), ids=range(len(SCHEMA_SAMPLES)))
def test_schema_agrees_with_the_loader(text: str, tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    from gradcheck_lab.errors import CaseFileErrors
    from gradcheck_lab.loader import load_file
    from gradcheck_lab.loader.schema import case_schema

    valid = SCHEMA_SAMPLES[text]
    by_schema = not list(jsonschema.Draft202012Validator(case_schema()).iter_errors(
        yaml.safe_load(text)))
    try:
        load_file(write(tmp_path, "s.yaml", text))
        by_loader = True
    except CaseFileErrors:
        by_loader = False
    assert by_schema == by_loader == valid


def test_new_writes_a_starter_that_passes(tmp_path: Path, cli: CliRunner,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(["new", "my_first_case"])
    path = tmp_path / "my_first_case.yaml"
    assert code == 0 and path.is_file() and "wrote my_first_case.yaml" in out, err
    text = path.read_text()
    assert "name: my_first_case" in text and text.count("\n#") >= 5  # commented
    code, _, err = cli(["new", "my_first_case"])
    assert code == 2 and "already exists" in err and path.read_text() == text
    assert cli(["new", "bad name"])[0] == 2
    other = tmp_path / "sub" / "x.yaml"
    other.parent.mkdir()
    assert cli(["new", "other", "--output", str(other)])[0] == 0

    pytest.importorskip("gradcheck_lab.run")
    code, out, _ = cli(["run", str(path), "--methods", "sympy,fd,claim:*,expect",
                            "--format", "json"])
    data = json.loads(out)
    assert code == 0 and data["cases"][0]["status"] == "pass"
    assert data["cases"][0]["method_status"] == {"sympy": "pass", "fd": "pass",
                                                 "claim:by_hand": "pass"}
    # every commented option, switched on, still loads and passes (forgot_the_mean: xfail)
    for old, new in [("# expect:", "expect:"), ("# methods:", "methods:"),
                     ("# tolerance:", "tolerance:"), ("  # forgot_the_mean:", "  forgot_the_mean:"),
                     ("  #   w:", "    w:"), ("  #   expect:", "    expect:"),
                     ("  # noise:", "  noise:"), ("# kinks:", "kinks:")]:
        assert old in text, old
        text = text.replace(old, new)
    text = text.replace("claim:by_hand, expect]", "claim:by_hand, claim:forgot_the_mean, expect]")
    full = write(tmp_path, "full.yaml", text)
    code, out, _ = cli(["run", str(full), "--format", "json"])
    status = json.loads(out)["cases"][0]["method_status"]
    assert code == 0 and status == {"sympy": "pass", "fd": "pass", "claim:by_hand": "pass",
                                    "claim:forgot_the_mean": "xfail", "expect": "pass"}


def test_show_by_name_and_by_file(tmp_path: Path, cli: CliRunner) -> None:
    pytest.importorskip("gradcheck_lab.run")
    good = write(tmp_path, "good.yaml", GOOD)
    code, out, err = cli(["show", "square", "--path", str(tmp_path), "--methods",
                              "sympy,fd"])
    assert code == 0, err
    assert "∂f/∂x[0]" in out and "2⋅x[0]" in out  # SymPy's pretty form of 2*x[0]
    assert "point 0" in out and "sympy (reference)" in out and "fd" in out
    code, out, _ = cli(["show", str(good), "--methods", "sympy"])
    assert code == 0 and "square" in out and "∂f/∂x[1]" in out
    code, _, err = cli(["show", "squar", "--path", str(tmp_path)])
    assert code == 2 and "no case named 'squar'" in err and "did you mean 'square'?" in err
    code, _, err = cli(["show", str(tmp_path / "missing.yaml")])
    assert code == 2 and "missing.yaml" in err


THREE_POINTS = ("name: sq\ninputs: {x: [1.0, 2.0, 3.0]}\nexpr: sum(x ** 2)\n"
                "points: [{x: [1, 1, 1]}, {x: [2, 2, 2]}]\n")


def test_limit_option_tightens_and_loosens_a_limit(tmp_path: Path,
                                                   cli: CliRunner) -> None:
    case = write(tmp_path, "three.yaml", THREE_POINTS)
    code, _, err = cli(["validate", str(case), "--limit", "max_points=1"])
    assert code == 2
    assert f"{case}:4: field 'points': 2 points, more than the limit of 1" in err
    code, out, _ = cli(["validate", str(case), "--limit", "max_points=2"])
    assert code == 0 and "ok: 1 case in 1 file" in out


def test_unknown_or_bad_limit_exits_2_listing_names(tmp_path: Path,
                                                    cli: CliRunner) -> None:
    case = write(tmp_path, "three.yaml", THREE_POINTS)
    code, out, err = cli(["run", str(case), "--limit", "max_pointz=1"])
    assert code == 2 and "max_points" in err and "max_symbolic_elements" in err
    code, out, err = cli(["run", str(case), "--limit", "max_points=-3"])
    assert code == 2 and "positive integer" in err and "Traceback" not in out + err


def test_symbolic_limit_skips_sympy_and_fd_becomes_the_reference(
        tmp_path: Path, cli: CliRunner) -> None:
    case = write(tmp_path, "three.yaml", THREE_POINTS)
    code, out, _ = cli(["run", str(case), "--methods", "sympy,fd", "--format", "json",
                            "--limit", "max_symbolic_elements=2"])
    assert code == 0
    results = json.loads(out)["cases"][0]["points"][0]["results"]
    by_method = {r["method"]: r for r in results}
    assert by_method["sympy"]["status"] == "skipped"
    assert "above the symbolic limit of 2" in by_method["sympy"]["message"]
    assert by_method["fd"]["status"] == "pass"
    assert by_method["fd"]["gradient"]["x"] == pytest.approx([2.0, 4.0, 6.0], rel=1e-12)
