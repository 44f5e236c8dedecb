"""Configuration where Python projects keep it, and the run options of pytest (issue 14,
item 4): [tool.gradcheck-lab], flags winning, --version, python -m gradcheck_lab, -k
expressions, -x, --lf, -q/-v; and the progress bar naming the case being checked
(item 10)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gradcheck_lab import __version__
from gradcheck_lab.case import ALL_METHODS_KEY, ToleranceOverride
from gradcheck_lab.config import find_config
from gradcheck_lab.errors import UsageError
from gradcheck_lab.keyword import compile_keyword
from gradcheck_lab.options import RunOptions
from tests.conftest import CliRunner, FakeRuns
from tests.helpers import ROOT, write

NAMES = ["softmax_ce", "softmax_jacobian", "log_softmax", "mse_linear", "mse_hessian"]


def _case(name: str, expr: str = "x ** 2") -> str:
    return f"  - {{name: {name}, inputs: {{x: 1.0}}, expr: '{expr}'}}\n"


def _project(folder: Path, config: str, names: list[str] = NAMES) -> Path:
    write(folder, "pyproject.toml", "[project]\nname = 'demo'\n\n[tool.gradcheck-lab]\n"
          + config)
    write(folder / "gradients", "all.yaml", "cases:\n" + "".join(_case(n) for n in names))
    return folder


@pytest.mark.parametrize(("expression", "chosen"), [
    ("softmax and not jacobian", ["softmax_ce", "log_softmax"]),
    ("SOFTMAX and not (jacobian or log)", ["softmax_ce"]),
    ("mse or ce", ["softmax_ce", "mse_linear", "mse_hessian"]),
    ("not mse and not softmax", []),
    ("mse_*", ["mse_linear", "mse_hessian"]),  # a glob
    ("hessian", ["mse_hessian"]),
])
def test_keyword_expressions(expression: str, chosen: list[str]) -> None:
    matches = compile_keyword(expression)
    assert [n for n in NAMES if matches(n)] == chosen


@pytest.mark.parametrize("expression", ["", "softmax and", "(mse", "mse)", "not", "and mse"])
def test_malformed_keyword_expressions(expression: str) -> None:
    with pytest.raises(UsageError, match="expected words joined by and, or, not|empty"):
        compile_keyword(expression)


def test_config_gives_paths_methods_limits_tolerance_and_outputs(
        tmp_path: Path, cli: CliRunner, fake_runner: FakeRuns,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path, 'paths = ["gradients"]\nmethods = ["sympy", "fd"]\nstrict = true\n'
             'limits = {max_points = 7}\ntolerance = {rtol = 1e-6, fd = {atol = 1e-10}}\n'
             'junit-xml = "out/report.xml"\njson = "out/report.json"\n')
    monkeypatch.chdir(tmp_path / "gradients")  # found from a subfolder, as pytest and ruff do
    code, out, err = cli(["run", "-k", "softmax and not jacobian"])
    assert code == 0, err
    options: RunOptions = fake_runner.last["options"]
    assert fake_runner.last["names"] == ["softmax_ce", "log_softmax"]
    assert options.methods == ("sympy", "fd") and options.strict is True
    assert options.limits.max_points == 7
    assert options.tolerance == {ALL_METHODS_KEY: ToleranceOverride(rtol=1e-6),
                                 "fd": ToleranceOverride(atol=1e-10)}
    assert (tmp_path / "out" / "report.xml").is_file()  # relative to pyproject.toml
    assert json.loads((tmp_path / "out" / "report.json").read_text())["summary"]["cases"] == 2
    # flags win: methods, limits, paths
    code, _, _ = cli(["run", str(tmp_path / "gradients"), "--methods", "sympy",
                      "--limit", "max_points=9", "-k", "mse_linear"])
    assert fake_runner.last["options"].methods == ("sympy",)
    assert fake_runner.last["options"].limits.max_points == 9
    assert fake_runner.last["names"] == ["mse_linear"]


def test_config_jobs_and_timeout_reach_the_worker_pool(tmp_path: Path, cli: CliRunner,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import gradcheck_lab.parallel as parallel

    seen: list[RunOptions] = []

    def fake_pool(cases: Any, options: RunOptions, *_: Any) -> list[Any]:
        seen.append(options)
        return []

    monkeypatch.setattr(parallel, "run_parallel", fake_pool)
    _project(tmp_path, 'paths = ["gradients"]\njobs = 3\ntimeout = 45\n')
    monkeypatch.chdir(tmp_path)
    cli(["run", "-q"])
    assert (seen[-1].jobs, seen[-1].timeout) == (3, 45.0)
    cli(["run", "-q", "--jobs", "2", "--timeout", "5"])
    assert (seen[-1].jobs, seen[-1].timeout) == (2, 5.0)


@pytest.mark.parametrize(("config", "message"), [
    ('methods = ["torhc"]', "methods: unknown method 'torhc'; did you mean 'torch'?"),
    ('method = ["sympy"]', "unknown key 'method'; did you mean 'methods'?"),
    ("tolerance = {rtol = -1}", "tolerance.rtol: expected a non-negative number"),
    ("tolerance = {tensorflow = {rtol = 1}}", "tolerance: unknown key 'tensorflow'"),
    ("limits = {max_pointz = 3}", "limits: 'max_pointz=3': expected NAME=VALUE"),
    ('plots = "some"', "plots: 'some' is not accepted (accepted: failing, all, none)"),
    ("jobs = -1", "jobs: expected a whole number >= 0"),
])
def test_bad_config_is_a_usage_error(tmp_path: Path, cli: CliRunner, fake_runner: FakeRuns,
                                     monkeypatch: pytest.MonkeyPatch, config: str,
                                     message: str) -> None:
    _project(tmp_path, config + "\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(["run", "gradients"])
    assert code == 2 and message in err and not fake_runner.runs
    assert f"{tmp_path / 'pyproject.toml'}: [tool.gradcheck-lab]" in err


def test_project_tolerance_sits_under_the_cases_own(tmp_path: Path, cli: CliRunner,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A claim 0.1% off: fails at the default rtol 1e-9, passes under the project's
    rtol 1e-2, and fails again where the case itself says rtol 1e-6."""
    case = ("name: {name}\ninputs: {{x: 2.0}}\nexpr: x ** 2\nclaims: {{c: {{x: 2.002 * x}}}}\n"
            "methods: [sympy, 'claim:c']\n")
    write(tmp_path / "g", "a.yaml", case.format(name="a"))
    write(tmp_path / "g", "b.yaml", case.format(name="b") + "tolerance: {rtol: 1.0e-6}\n")
    monkeypatch.chdir(tmp_path)
    statuses = lambda: {c["name"]: c["status"] for c in json.loads(  # noqa: E731
        cli(["run", "g", "--format", "json"])[1])["cases"]}
    assert statuses() == {"a": "fail", "b": "fail"}
    write(tmp_path, "pyproject.toml", "[tool.gradcheck-lab]\ntolerance = {rtol = 1e-2}\n")
    assert statuses() == {"a": "pass", "b": "fail"}


def test_version_and_module_entry_points(cli: CliRunner, tmp_path: Path) -> None:
    code, out, _ = cli(["--version"])
    assert (code, out) == (0, f"gradcheck-lab {__version__}\n")
    for module in ("gradcheck_lab", "gradcheck_lab.cli"):
        run = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True,
                             text=True, timeout=120, cwd=tmp_path,
                             env={"PYTHONPATH": str(ROOT), "PATH": ""})
        assert (run.returncode, run.stdout) == (0, f"gradcheck-lab {__version__}\n"), run.stderr


def test_exitfirst_stops_after_the_first_failing_case(tmp_path: Path, cli: CliRunner,
                                                       fake_runner: FakeRuns) -> None:
    names = ["a_ok", "fail_b", "c_ok", "fail_d"]
    _project(tmp_path, "", names)
    code, out, err = cli(["run", str(tmp_path / "gradients"), "-x"])
    assert code == 1 and fake_runner.last["names"] == ["a_ok", "fail_b"]
    assert "2 cases: 1 pass, 1 fail" in out
    assert "-x: stopped after the first failing case; 2 of 4 cases checked" in err


def test_last_failed_reruns_what_failed(tmp_path: Path, cli: CliRunner, fake_runner: FakeRuns,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path, "", ["a_ok", "fail_b", "c_ok", "fail_d"])
    monkeypatch.chdir(tmp_path)
    assert cli(["run", "gradients", "--lf"])[1].startswith("--lf: no case failed last time")
    assert fake_runner.last["names"] == ["a_ok", "fail_b", "c_ok", "fail_d"]
    cache = json.loads((tmp_path / ".gradcheck_cache" / "lastfailed.json").read_text())
    assert sorted(cache) == ["gradients/all.yaml::fail_b", "gradients/all.yaml::fail_d"]
    code, out, _ = cli(["run", "gradients", "--lf"])
    assert code == 1 and fake_runner.last["names"] == ["fail_b", "fail_d"]
    assert "--lf: running the 2 cases that failed last time, of 4" in out
    assert (tmp_path / ".gradcheck_cache" / ".gitignore").read_text().endswith("*\n")


def test_quiet_and_verbose(tmp_path: Path, cli: CliRunner, fake_runner: FakeRuns) -> None:
    folder = _project(tmp_path, "", ["a_ok", "fail_b"]) / "gradients"
    _, normal, _ = cli(["run", str(folder)])
    _, quiet, _ = cli(["run", str(folder), "-q"])
    _, quieter, _ = cli(["run", str(folder), "-qq"])
    _, verbose, _ = cli(["run", str(folder), "-v"])
    assert "┃" in normal and "┃" not in quiet and "FAIL fail_b" in quiet
    assert quieter.strip().startswith("2 cases: 1 pass, 1 fail") and len(quieter.splitlines()) == 1
    assert verbose.splitlines()[:2] == [
        f"PASS    a_ok  ({folder / 'all.yaml'}:2)  0.0ms",
        f"FAIL    fail_b  ({folder / 'all.yaml'}:3)  0.0ms"]


def test_progress_names_the_case_being_checked(tmp_path: Path, fake_runner: FakeRuns,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.progress import Progress

    import gradcheck_lab.run as run_module
    from gradcheck_lab.cli.progress import run_with_progress
    from gradcheck_lab.loader import load_file

    descriptions: list[str] = []
    update = Progress.update

    def recording(self: Progress, task: Any, **changes: Any) -> None:
        if "description" in changes:
            descriptions.append(changes["description"])
        update(self, task, **changes)

    shown_while_running: list[tuple[str, str]] = []
    inner = run_module.run_case

    def running(case: Any, options: Any, **kwargs: Any) -> Any:
        shown_while_running.append((case.name, descriptions[-1]))
        return inner(case, options, **kwargs)

    monkeypatch.setattr(Progress, "update", recording)
    monkeypatch.setattr(run_module, "run_case", running)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    cases = load_file(_project(tmp_path, "", ["c0", "c1", "c2"]) / "gradients" / "all.yaml")
    report = run_with_progress(cases, RunOptions())
    assert [c.case.name for c in report.cases] == ["c0", "c1", "c2"]
    assert shown_while_running == [("c0", "checking c0"), ("c1", "checking c1"),
                                   ("c2", "checking c2")]


def test_no_config_is_the_defaults(tmp_path: Path) -> None:
    config = find_config(tmp_path)
    assert config.file is None or not config.file.is_relative_to(tmp_path)
