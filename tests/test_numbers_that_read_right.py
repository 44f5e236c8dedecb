"""Numbers that read right (issue 10, item 9): fd that cannot resolve a derivative is
``unresolved`` (in every report format, counted in the summary, exit code 0), relative
errors are reported only above each element's floor, and input values are printed with
the shortest digits that read back as the same double."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gradcheck_lab import GradientMismatch, check
from gradcheck_lab.report import dumps, render_text, to_html, to_junit, to_markdown
from gradcheck_lab.results import RunReport
from gradcheck_lab.run import verify_case
from tests.helpers import case_from, write

UNRESOLVED = ("fd's own error estimate is as large as the derivative at 1 element(s) "
              "(x[0]: exact 2e-300, fd 0 +- ")
TINY = """
    name: tiny_square
    inputs: {x: [1.0e-300, 2.0]}
    expr: sum(x * x)
    methods: [sympy, fd, torch]
    """


def test_fd_at_1e_300_is_unresolved_not_pass() -> None:
    pytest.importorskip("torch")
    report = verify_case(case_from(TINY))
    assert report.method_status == {"sympy": "pass", "fd": "unresolved", "torch": "pass"}
    assert report.status == "unresolved"
    (fd,) = [v for v in report.points[0].verdicts if v.method == "fd"]
    assert fd.message.startswith(UNRESOLVED)
    assert fd.max_abs_error == pytest.approx(2e-300, rel=1e-12)  # fd gives 0
    assert fd.max_rel_error == 0.0  # 2e-300 is below fd's own allowance: no "rel err 1"
    run = RunReport((report,), report.seconds)
    assert run.exit_code == 0 and run.counts()["unresolved"] == 1
    assert json.loads(dumps(run))["summary"]["unresolved"] == 1
    assert "unresolved: passes; a method could not resolve the derivative" in to_junit(run)
    assert "<failure" not in to_junit(run)
    assert "❔ unresolved" in to_markdown(run)
    assert ">unresolved<" in to_html(run)
    text = render_text(run)
    assert "1 case: 0 pass, 0 fail, 1 unresolved" in text
    assert "unresolved fd at point 0: " + UNRESOLVED in " ".join(text.split())


def test_unresolved_passes_the_command_line(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("torch")
    path = write(tmp_path, "tiny.yaml", TINY)
    code, out, _ = cli(["run", str(path), "--format", "json"])
    assert code == 0
    assert json.loads(out)["cases"][0]["method_status"]["fd"] == "unresolved"


def test_input_values_are_printed_with_shortest_round_trip_digits() -> None:
    pytest.importorskip("torch")
    import torch

    with pytest.raises(GradientMismatch) as info:
        check(lambda x: (2 * torch.arcsin(x)).sum(), expr="sum(arcsin(x))", name="doubled",
              inputs={"x": [0.99999999, -0.5]}, points=[{"x": [0.25, -0.2999999]}])
    text = str(info.value)
    assert "x = [0.99999999, -0.5]" in text
    assert "x = [0.25, -0.2999999]" in text
    assert "1.," not in text and "-0.3]" not in text
