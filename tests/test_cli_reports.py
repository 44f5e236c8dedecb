"""One run, several reports (issue 14, item 3): --junit-xml, --markdown, --html, --json
alongside the terminal report, $GITHUB_STEP_SUMMARY, --output's format, --format once,
--no-plots."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import CliRunner, FakeRuns
from tests.helpers import write

GOOD = "name: square\ninputs: {x: [1.0, 2.0]}\nexpr: sum(x ** 2)\n"


def _suite(folder: Path) -> Path:
    write(folder / "cases", "a.yaml", GOOD)
    write(folder / "cases", "b.yaml", GOOD.replace("square", "fail_square"))
    return folder / "cases"


def test_one_run_writes_every_report(tmp_path: Path, cli: CliRunner, fake_runner: FakeRuns,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Acceptance: JUnit, Markdown, HTML and JSON from one run, beside the table, and the
    Markdown appended to the GitHub job summary."""
    summary = write(tmp_path, "summary.md", "earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    out_dir = tmp_path / "reports"  # created when missing
    code, out, err = cli(["run", str(_suite(tmp_path)), "--junit-xml", f"{out_dir}/r.xml",
                          "--markdown", f"{out_dir}/r.md", "--html", f"{out_dir}/r.html",
                          "--json", f"{out_dir}/r.json", "--no-plots"])
    assert code == 1 and err == ""
    assert len(fake_runner.runs) == 1  # one run, four files
    assert "fail_square" in out and "2 cases: 1 pass, 1 fail" in out  # the terminal report
    for name in ("JUnit XML report written to", "Markdown report written to",
                 "HTML report written to", "JSON report written to"):
        assert name in out
    root = ET.fromstring((out_dir / "r.xml").read_text())
    assert [t.get("name") for t in root.iter("testcase")] == ["square", "fail_square"]
    assert len(list(root.iter("failure"))) == 1
    markdown = (out_dir / "r.md").read_text()
    assert markdown.startswith("## ❌ gradcheck-lab")
    assert json.loads((out_dir / "r.json").read_text())["summary"]["fail"] == 1
    html = (out_dir / "r.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "<svg" not in html  # --no-plots
    assert summary.read_text() == "earlier step\n" + markdown + "\n"


def test_step_summary_can_be_turned_off(tmp_path: Path, cli: CliRunner, fake_runner: FakeRuns,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert cli(["run", str(_suite(tmp_path)), "--no-step-summary"])[0] == 1
    assert not summary.exists()


def test_machine_format_on_stdout_stays_alone(tmp_path: Path, cli: CliRunner,
                                              fake_runner: FakeRuns) -> None:
    code, out, err = cli(["run", str(_suite(tmp_path)), "--format", "json",
                          "--junit-xml", str(tmp_path / "r.xml")])
    assert code == 1 and json.loads(out)["summary"]["cases"] == 2  # nothing else on stdout
    assert "JUnit XML report written to" in err and (tmp_path / "r.xml").is_file()


@pytest.mark.parametrize(("name", "check"), [
    ("r.json", lambda text: json.loads(text)["summary"]["cases"] == 2),
    ("r.xml", lambda text: text.startswith("<?xml")),
    ("r.md", lambda text: text.startswith("## ❌")),
    ("r.txt", lambda text: "fail_square" in text and "┃" in text),
])
def test_output_without_format_takes_the_suffix(tmp_path: Path, cli: CliRunner,
                                                fake_runner: FakeRuns, name: str,
                                                check: object) -> None:
    target = tmp_path / name
    code, out, _ = cli(["run", str(_suite(tmp_path)), "--output", str(target)])
    assert code == 1 and f"report written to {target}" in out
    assert check(target.read_text())  # type: ignore[operator]


def test_output_with_an_unknown_suffix_is_refused(tmp_path: Path, cli: CliRunner,
                                                  fake_runner: FakeRuns) -> None:
    target = tmp_path / "report.out"
    code, out, err = cli(["run", str(_suite(tmp_path)), "--output", str(target)])
    assert code == 2 and not target.exists() and not fake_runner.runs
    assert "--output" in err and "which format? Give --format" in err and ".json" in err


@pytest.mark.parametrize("argv", [["--format", "json", "--format", "html"],
                                  ["--junit-xml", "a.xml", "--junit-xml", "b.xml"]])
def test_an_output_option_given_twice_is_an_error(tmp_path: Path, cli: CliRunner,
                                                  fake_runner: FakeRuns,
                                                  argv: list[str]) -> None:
    code, _, err = cli(["run", str(_suite(tmp_path)), *argv])
    assert code == 2 and "given twice" in err and not fake_runner.runs
    if argv[0] == "--format":
        assert "--junit-xml, --markdown, --html and --json" in err


def test_plots_switches(tmp_path: Path, cli: CliRunner) -> None:
    pytest.importorskip("matplotlib")
    case = write(tmp_path, "c.yaml", GOOD)
    html = {}
    for flag in ("--no-plots", "--plots=failing", "--plots=all"):
        target = tmp_path / f"r{len(html)}.html"
        assert cli(["run", str(case), "--methods", "sympy,fd", "--html", str(target),
                    flag])[0] == 0
        html[flag] = target.read_text()
    # a passing case: its step-size plot only with --plots all
    assert "<svg" not in html["--no-plots"] and "<svg" not in html["--plots=failing"]
    assert "Error of plain central differences" in html["--plots=all"]
