"""Worker processes: --jobs, per-case timeouts, and crashes that cost only their case."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gradcheck_lab import verify

MODULE = """\
    import os
    import time

    def hang(x):
        time.sleep(120)
        return 2 * x

    def crash(x):
        os._exit(7)  # like a segfault in a framework: the process is gone

    def good(x):
        return 2 * x
    """


def _case(name: str, attr: str) -> str:
    return textwrap.dedent(f"""\
        name: {name}
        inputs: {{x: 1.5}}
        expr: x**2
        methods: [sympy, impl:user]
        implementations:
          - {{name: user, framework: numpy, gradient: "usercode:{attr}"}}
        """)


@pytest.mark.slow
def test_timeout_and_crash_cost_only_their_case(tmp_path: Path) -> None:
    (tmp_path / "usercode.py").write_text(textwrap.dedent(MODULE))
    for name, attr in (("a_hangs", "hang"), ("b_crashes", "crash"), ("c_good", "good"),
                       ("d_good", "good")):
        (tmp_path / f"{name}.yaml").write_text(_case(name, attr))
    report = verify(tmp_path, jobs=2, timeout=8)
    by_name = {c.case.name: c for c in report.cases}
    assert [c.case.name for c in report.cases] == ["a_hangs", "b_crashes", "c_good", "d_good"]
    # the culprit method is error, saying what happened and where; sympy still ran
    for name, what in (("a_hangs", "timed out after 8 s (--timeout) while running at point 0"),
                       ("b_crashes", "worker process died (exit code 7")):
        report_of = by_name[name]
        assert report_of.status == "error"
        assert report_of.method_status == {"sympy": "pass", "impl:user": "error"}
        verdicts = {v.method: v for v in report_of.points[0].verdicts}
        assert what in (verdicts["impl:user"].result.error or "")
        assert verdicts["sympy"].result.gradient["x"] == 3.0  # d(x**2)/dx at 1.5
    assert by_name["c_good"].status == "pass" and by_name["d_good"].status == "pass"
    assert report.exit_code == 1


@pytest.mark.slow
def test_jobs_give_the_same_statuses_as_one_process() -> None:
    cases = Path(__file__).resolve().parent.parent / "cases"
    methods = ["sympy", "fd", "expect", "claim:*", "impl:*"]
    serial = verify(cases, methods=methods)
    parallel = verify(cases, methods=methods, jobs=2)
    assert [(c.case.name, c.status) for c in parallel.cases] == \
        [(c.case.name, c.status) for c in serial.cases]


@pytest.mark.parametrize(("cases", "cores", "jobs"), [
    (25, 2, 1),      # cases/ on this machine: workers would cost more than they save
    (79, 2, 1),
    (80, 2, 2),      # 40 cases per worker: every core gets one
    (1000, 16, 16),
    (200, 16, 5),
    (0, 8, 1),
    (500, 1, 1),
])
def test_default_jobs_use_every_core_only_for_large_suites(cases: int, cores: int,
                                                            jobs: int) -> None:
    from gradcheck_lab.parallel import auto_jobs

    assert auto_jobs(cases, cores) == jobs


@pytest.mark.slow
def test_workers_announce_each_case_and_exitfirst_stops_the_pool(tmp_path: Path) -> None:
    from gradcheck_lab.options import RunOptions
    from gradcheck_lab.run import load_cases, run_cases

    (tmp_path / "usercode.py").write_text("import time\n\ndef slow(x):\n    time.sleep(3)\n"
                                         "    return 2 * x\n\ndef wrong(x):\n    return x\n")
    for name, attr in (("a_wrong", "wrong"), ("b_slow", "slow"), ("c_slow", "slow"),
                       ("d_slow", "slow"), ("e_slow", "slow")):
        (tmp_path / f"{name}.yaml").write_text(_case(name, attr))
    cases = load_cases(tmp_path)
    started: list[str] = []
    reports = run_cases(cases, RunOptions(jobs=2, exitfirst=True),
                        starting=lambda case: started.append(case.name))
    assert started[:2] == ["a_wrong", "b_slow"]  # each case named as it goes to a worker
    assert reports[0].case.name == "a_wrong" and reports[0].status == "fail"
    # a_wrong fails within a second of its worker's start, b_slow takes 3 s: nothing after
    # b_slow is started, and b_slow itself is dropped or finished
    assert started == ["a_wrong", "b_slow"] and len(reports) <= 2
