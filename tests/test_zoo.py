"""The zoo: deliberately wrong gradients must fail, correct ones at hard places must not.

Cases in tests/zoo/*.yaml, user code in tests/zoo/zoo_functions.py, the table of
truths in tests/zoo/catalog.py. Known problems of gradcheck-lab itself are
``xfail(strict=True)`` with the numbers, so they stay visible and a fix shows
up as XPASS. benchmarks/zoo_detection.py compares with torch.autograd.gradcheck.
"""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("jax")

from gradcheck_lab import verify  # noqa: E402
from gradcheck_lab.methods import CLAIM_PREFIX, IMPL_PREFIX  # noqa: E402
from gradcheck_lab.results import CaseReport, RunReport, Verdict  # noqa: E402
from tests.zoo.catalog import (  # noqa: E402
    BUILTIN,
    CASE_FILES,
    CORRECT,
    IMPL,
    WRONG,
    ZOO,
    Entry,
    entries,
)


@pytest.fixture(scope="module")
def report() -> RunReport:
    return verify(list(CASE_FILES))


def _case(report: RunReport, entry: Entry) -> CaseReport:
    return next(c for c in report.cases if c.case.name == entry.name)


def _param(entry: Entry, issue: str | None) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=issue)] if issue else []
    return pytest.param(entry, id=entry.name, marks=marks)


def test_zoo_size_and_catalog_matches_case_files(report: RunReport) -> None:
    assert len(WRONG) >= 15 and len(CORRECT) >= 10
    assert all(e.truth == "bug" for e in WRONG) and all(e.truth == "correct" for e in CORRECT)
    assert sorted(c.case.name for c in report.cases) == sorted(e.name for e in ZOO)
    for loaded in entries():
        impl = next(i for i in loaded.case.implementations if IMPL_PREFIX + i.name == IMPL)
        assert impl.target == f"zoo_functions:{loaded.entry.fn.__name__}", loaded.entry.name
        assert loaded.points and all(t.dtype.is_floating_point for p in loaded.points
                                     for t in p.values())


@pytest.mark.parametrize("entry", [_param(e, e.known_issue) for e in ZOO])
def test_user_code_verdict(report: RunReport, entry: Entry) -> None:
    """impl:torch_fn, and every claim or other implementation of the entry, gets its status."""
    case = _case(report, entry)
    trial = [m for m in case.methods if m.startswith((CLAIM_PREFIX, IMPL_PREFIX))]
    assert IMPL in trial
    got = {m: case.method_status[m] for m in trial}
    assert got == {m: entry.status for m in trial}


@pytest.mark.parametrize("entry", [_param(e, e.builtin_issue) for e in ZOO])
def test_builtin_methods_agree(report: RunReport, entry: Entry) -> None:
    """sympy, fd, torch and jax on the (correct) expression: never flagged."""
    case = _case(report, entry)
    expected = "kink" if entry.status == "kink" else "pass"
    assert {m: case.method_status[m] for m in BUILTIN} == {
        m: "unresolved" if m in entry.unresolved else expected for m in BUILTIN}


@pytest.mark.parametrize("entry", [pytest.param(e, id=e.name) for e in ZOO if e.finding])
def test_finding(report: RunReport, entry: Entry) -> None:
    assert entry.finding is not None
    kind, text = entry.finding
    found = [f for f in _case(report, entry).findings if f.method == IMPL]
    assert any(f.kind == kind and text in f.message for f in found), found


def test_specific_numbers(report: RunReport) -> None:
    by_name = {c.case.name: c for c in report.cases}

    def impl_verdicts(name: str) -> list[Verdict]:
        return [v for p in by_name[name].points for v in p.verdicts if v.method == IMPL]

    # NaN only at x = 1000 (point 1), where the reference is sigmoid(1000) = 1
    base, large = impl_verdicts("zoo_nan_large_inputs")
    assert base.status == "pass" and large.status == "fail"
    (bad,) = [m for m in large.mismatches if m.input == "x"]
    assert bad.index == (2,) and bad.reference == 1.0 and bad.got != bad.got  # NaN
    # wrong only at the point with negative x
    assert [v.status for v in impl_verdicts("zoo_wrong_at_some_points")] == ["pass", "fail"]
    # the smallest bug: pi = 3.1415927 in the backward, relative error 1.48e-8
    (rel8,) = impl_verdicts("zoo_rel_error_1e-8")
    assert rel8.max_rel_error is not None and 1.4e-8 < rel8.max_rel_error < 1.6e-8
    # 1e-7 sized gradient, half missing: caught although the absolute error is ~1e-7
    (small,) = impl_verdicts("zoo_small_gradient")
    assert small.max_abs_error is not None and small.max_abs_error < 5e-7
    assert small.mismatch_count == 4
    # the float32 backward of a float64 function: ~1e-8 .. 1e-7 relative
    (f32,) = impl_verdicts("zoo_float32_backward")
    assert f32.max_rel_error is not None and 1e-9 < f32.max_rel_error < 1e-6
    # the sign flip is found for the implementation and the claim alike
    assert {(f.kind, f.method) for f in by_name["zoo_sign_flip"].findings} == {
        ("sign", IMPL), ("sign", "claim:plus_sin")}
