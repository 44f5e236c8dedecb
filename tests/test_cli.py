"""Command line: exit codes, problems printed without tracebacks, output plumbing."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from gradcheck_lab.case import Case
from gradcheck_lab.cli import main, matches, select_shard
from gradcheck_lab.results import (
    CaseReport,
    MethodResult,
    PointReport,
    RunReport,
    Status,
    Verdict,
)

GOOD = "name: square\ninputs: {x: [1.0, 2.0]}\nexpr: sum(x ** 2)\n"
# line 3 has the bad expression, line 4 an unknown field
BAD = "name: broken\ninputs: {x: 1.0}\nexpr: frobnicate(x)\ncolour: red\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def run_cli(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def fake_verify(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """Replace gradcheck_lab.run with a fake whose verify fails every case named fail*."""
    calls: list[dict[str, object]] = []

    def verify(target: Sequence[Case], methods: Sequence[str] | None = None,
               strict: bool = False, keyword: str | None = None) -> RunReport:
        calls.append({"names": [c.name for c in target], "methods": methods, "strict": strict})
        reports = []
        for case in target:
            status: Status = "fail" if case.name.startswith("fail") else "pass"
            result = MethodResult("sympy", value=np.array(1.0), gradient={"x": np.array(2.0)})
            point = PointReport(case.points[0], "sympy", np.array(1.0), status,
                                (Verdict("sympy", status, result, None, 0.0, 0.0),))
            reports.append(CaseReport(case, status, (point,), ("sympy",), {"sympy": status}))
        return RunReport(tuple(reports), 0.5)

    module = types.ModuleType("gradcheck_lab.run")
    module.verify = verify  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "gradcheck_lab.run", module)
    return calls


def test_invalid_case_file_exits_2_naming_file_and_line(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    write(tmp_path, "good.yaml", GOOD)
    bad = write(tmp_path, "bad.yaml", BAD)
    code, out, err = run_cli(["run", str(tmp_path)], capsys)
    assert code == 2
    text = out + err
    assert f"{bad}:4" in text and "colour" in text  # unknown field, with its line
    assert "Traceback" not in text
    assert "nothing was run" in text


def test_invalid_expression_is_reported_with_its_line(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, "bad.yaml", "name: broken\ninputs: {x: 1.0}\nexpr: frobnicate(x)\n")
    code, out, err = run_cli(["validate", str(bad)], capsys)
    assert code == 2
    assert f"{bad}:3" in err and "frobnicate" in err and "Traceback" not in out + err


def test_unknown_method_exits_2_listing_accepted(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, "good.yaml", GOOD)
    code, out, err = run_cli(["run", str(good), "--methods", "sympy,tensorflow"], capsys)
    assert code == 2
    assert "tensorflow" in err and "sympy, fd" in err and "jax" in err
    assert "Traceback" not in out + err


def test_missing_path_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["run", str(tmp_path / "nowhere")], capsys)
    assert code == 2 and "nowhere" in err and "Traceback" not in out + err
    code, _, err = run_cli(["validate", str(tmp_path / "nowhere.yaml")], capsys)
    assert code == 2 and "nowhere.yaml" in err


def test_folder_without_cases_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["run", str(tmp_path)], capsys)
    assert code == 2 and "no case files" in err


def test_validate_good_file_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, "good.yaml", GOOD)
    code, out, err = run_cli(["validate", str(good)], capsys)
    assert code == 0 and "ok: 1 case in 1 file" in out and err == ""


@pytest.mark.parametrize("fmt", ["junit", "markdown", "html"])
def test_unimplemented_formats_exit_2(tmp_path: Path, fmt: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, "good.yaml", GOOD)
    code, _, err = run_cli(["run", str(good), "--format", fmt], capsys)
    assert code == 2 and "not implemented yet" in err


@pytest.mark.parametrize("argv", [["run", "--format", "xml"], ["run", "--shard", "3/2"],
                                  ["run", "--methods", ""], ["frobnicate"], []])
def test_bad_command_lines_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(argv, capsys)
    assert code == 2 and "Traceback" not in out + err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["run", "--help"], capsys)
    assert code == 0 and "--methods" in out


def test_run_exit_codes_and_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        fake_verify: list[dict[str, object]]) -> None:
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD.replace("square", "fail_square"))
    code, out, _ = run_cli(["run", str(tmp_path), "-k", "square", "--format", "json",
                            "--methods", "sympy, fd", "--strict"], capsys)
    assert code == 1
    data = json.loads(out)
    assert data["summary"]["cases"] == 2 and data["summary"]["fail"] == 1
    assert fake_verify[-1] == {"names": ["square", "fail_square"], "methods": ("sympy", "fd"),
                               "strict": True}

    report = tmp_path / "report.json"
    code, out, _ = run_cli(["run", str(tmp_path), "-k", "sq*", "--format", "json",
                            "--output", str(report)], capsys)
    assert code == 0 and fake_verify[-1]["names"] == ["square"]
    assert json.loads(report.read_text())["summary"]["pass"] == 1
    assert "report written to" in out


def test_table_output_and_no_match(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   fake_verify: list[dict[str, object]]) -> None:
    write(tmp_path, "b.yaml", GOOD.replace("square", "fail_square"))
    code, out, _ = run_cli(["run", str(tmp_path)], capsys)
    assert code == 1 and "fail_square" in out and "1 case: 0 pass, 1 fail" in out
    text_file = tmp_path / "report.txt"
    code, _, _ = run_cli(["run", str(tmp_path), "-o", str(text_file)], capsys)
    assert code == 1 and "fail_square" in text_file.read_text()
    code, _, err = run_cli(["run", str(tmp_path), "-k", "nothing"], capsys)
    assert code == 2 and "no case matches" in err


def test_keyword_and_shard_selection(tmp_path: Path) -> None:
    assert matches("mse_linear", "mse") and matches("mse_linear", "*_linear")
    assert not matches("mse_linear", "softmax*")
    from gradcheck_lab.loader import load_file

    text = "cases:\n" + "".join(f"  - {{name: c{i}, inputs: {{x: 1.0}}, expr: x}}\n"
                                for i in range(5))
    cases = load_file(write(tmp_path, "many.yaml", text))
    shards = [[c.name for c in select_shard(cases, k, 2)] for k in (1, 2)]
    assert shards == [["c0", "c2", "c4"], ["c1", "c3"]]


def test_real_run_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("gradcheck_lab.run")
    good = write(tmp_path, "good.yaml", GOOD)
    code, out, _ = run_cli(["run", str(good), "--methods", "sympy,fd", "--format", "json"],
                           capsys)
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
