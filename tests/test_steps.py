"""A case's steps: their timings as data, and a crash or hang blamed on the step that hung
(a method from the point it hung on, judging, or a display-only step), with every
result computed before it kept."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gradcheck_lab import verify
from gradcheck_lab.options import RunOptions
from gradcheck_lab.parallel import _blame
from gradcheck_lab.results import MethodResult
from gradcheck_lab.runner import Resume, run_case
from tests.helpers import case_from

CASE = """\
    name: steps
    inputs: {x: [1.5, -0.5]}
    expr: sum(x**3)
    points:
      - {x: [3.0, 1.0]}
    methods: [sympy, fd, claim:wrong]
    claims:
      wrong: {x: 2*x**2}
    """


class Recorder:
    def __init__(self) -> None:
        self.steps: list[tuple[str, int]] = []
        self.results: list[tuple[str, int]] = []
        self.judged_count = 0

    def step(self, name: str, point: int) -> None:
        self.steps.append((name, point))

    def result(self, point: int, result: MethodResult) -> None:
        self.results.append((result.method, point))

    def judged(self, report: Any) -> None:
        self.judged_count += 1


def test_steps_results_and_timings_are_reported() -> None:
    case = case_from(CASE)
    recorder = Recorder()
    report = run_case(case, RunOptions(), observer=recorder)
    per_point = [("sympy", 0), ("fd", 0), ("claim:wrong", 0), ("judging", 0),
                 ("sympy", 1), ("fd", 1), ("claim:wrong", 1), ("judging", 1)]
    assert recorder.steps == [*per_point, ("formulas", -1), ("diagnosis", -1)]
    assert recorder.results == [s for s in per_point if s[0] != "judging"]
    assert recorder.judged_count == 2  # once judged, once more with the formulas
    assert set(report.timings) == {"method:sympy", "method:fd", "method:claim:wrong", "judging",
                                   "formulas", "diagnosis"}
    assert all(t >= 0 for t in report.timings.values())
    assert sum(report.timings.values()) <= report.seconds


def test_resume_reuses_known_results_and_blames_only_the_failed_point() -> None:
    case = case_from(CASE)
    first = run_case(case, RunOptions())
    known = {(v.method, p.point.index): v.result for p in first.points for v in p.verdicts
             if p.point.index == 0}
    recorder = Recorder()
    again = run_case(case, RunOptions(), observer=recorder, resume=Resume(
        {"fd": "timed out after 3 s (--timeout) while running at point 1"}, known))
    assert ("sympy", 0) not in recorder.steps and ("fd", 1) not in recorder.steps
    assert ("sympy", 1) in recorder.steps  # not known: computed
    fd = {p.point.index: next(v for v in p.verdicts if v.method == "fd") for p in again.points}
    assert fd[0].status == "pass" and fd[0].result is known[("fd", 0)]
    assert fd[1].status == "error" and "at point 1" in (fd[1].result.error or "")
    assert again.method_status == {"sympy": "pass", "fd": "error", "claim:wrong": "fail"}


def test_judging_again_without_conditioning_and_display_steps_left_out() -> None:
    case = case_from(CASE)
    report = run_case(case, RunOptions(), resume=Resume(
        {"judging": "judging point 0 timed out", "formulas": "formulas timed out",
         "diagnosis": "diagnosis timed out"}))
    assert report.formulas == {} and report.findings == ()
    assert report.message == "judging point 0 timed out; formulas timed out; diagnosis timed out"
    # the claim is wrong by 2 x^2 - 3 x^2 = -x^2: it still fails, judged without conditioning
    assert report.method_status == {"sympy": "pass", "fd": "pass", "claim:wrong": "fail"}


class FakeSlot:
    def __init__(self, running: tuple[str, int] | None, judged: Any = None,
                 failed: dict[str, str] | None = None) -> None:
        self.running, self.judged = running, judged
        self.resume = Resume(failed or {})
        self.known = {("sympy", 0): MethodResult("sympy", value=np.array(1.0))}


def test_blame_names_the_step_that_hung() -> None:
    case = case_from(CASE)
    judged = run_case(case, RunOptions())
    failure = "timed out after 5 s (--timeout)"
    # a display-only step: the judged report stands, nothing runs again
    final, again = _blame(FakeSlot(("formulas", -1), judged), failure, case, 5.0)  # type: ignore[arg-type]
    assert again is None and final is not None
    assert final.method_status == judged.method_status
    assert final.message == ("formulas timed out after 5 s (--timeout) (display only): the "
                             "verdicts stand, without formulas")
    # judging: run again from the known results, without the conditioning
    final, again = _blame(FakeSlot(("judging", 1)), failure, case, 5.0)  # type: ignore[arg-type]
    assert final is None and again is not None
    assert set(again.failed) == {"judging"} and set(again.known) == {("sympy", 0)}
    # a method: that method is error from point 1 on
    final, again = _blame(FakeSlot(("fd", 1)), failure, case, 5.0)  # type: ignore[arg-type]
    assert again is not None and again.failed["fd"].startswith(
        "timed out after 5 s (--timeout) while running at point 1")
    # the same step twice, or no step at all: the case is error
    for slot in (FakeSlot(("fd", 1), failed={"fd": "x"}), FakeSlot(None)):
        final, again = _blame(slot, failure, case, 5.0)  # type: ignore[arg-type]
        assert again is None and final is not None and final.status == "error"


USER_CODE = """\
    import time
    from pathlib import Path

    def grad(x):
        with open(Path(__file__).with_name("calls.txt"), "a") as calls:
            calls.write(f"{x}\\n")
        if x > 2:
            time.sleep(120)
        return 2 * x
    """


@pytest.mark.slow
def test_a_hang_at_one_point_keeps_the_results_before_it(tmp_path: Path) -> None:
    (tmp_path / "usercode.py").write_text(textwrap.dedent(USER_CODE))
    (tmp_path / "case.yaml").write_text(textwrap.dedent("""\
        name: hangs_at_point_1
        inputs: {x: 1.5}
        expr: x**2
        points: [{x: 3.0}, {x: 0.5}]
        methods: [sympy, impl:user]
        implementations:
          - {name: user, framework: numpy, gradient: "usercode:grad"}
        """))
    report = verify(tmp_path, timeout=10)
    (case,) = report.cases
    user = [next(v for v in p.verdicts if v.method == "impl:user") for p in case.points]
    assert [v.status for v in user] == ["pass", "error", "error"]
    assert "timed out after 10 s (--timeout) while running at point 1" in (
        user[1].result.error or "")
    assert case.method_status == {"sympy": "pass", "impl:user": "error"}
    # point 0 was computed once, point 1 hung once; nothing after the hang ran it again
    assert (tmp_path / "calls.txt").read_text().split() == ["1.5", "3.0"]
