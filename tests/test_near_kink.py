"""Kink intervals apply only to elements whose own derivative is one-sided (issue 10,
item 4). One element exactly on a kink, another 1e-7 from one: the neighbour's fd steps
are one-sided too and 3.6e-8 off the exact derivative, which once made sympy, torch, jax
and correct code on trial all fail with abs err 0 between them."""

from __future__ import annotations

import pytest

from gradcheck_lab.report.terminal import render_text
from gradcheck_lab.results import RunReport
from gradcheck_lab.run import verify_case
from tests.helpers import case_from

pytest.importorskip("torch")
pytest.importorskip("jax")


def _case(function: str, expect: str = "") -> object:
    return case_from(f"""
        name: l1_barrier
        inputs: {{x: [0.0, 1.0e-7, 0.5]}}
        expr: sum(abs(x) + exp(x))
        implementations:
          - {{name: mine, framework: torch,
              function: "tests.specimens.torch_rules:{function}"{expect}}}
        """)


def test_correct_code_beside_a_kink_is_a_kink_not_a_failure() -> None:
    report = verify_case(_case("l1_exp"))
    assert report.status == "kink"
    assert report.method_status == dict.fromkeys(
        ["sympy", "fd", "torch", "jax", "impl:mine"], "kink")
    for point in report.points:
        for verdict in point.verdicts:
            assert verdict.mismatch_count == 0, verdict.method
    text = render_text(RunReport((report,), report.seconds))
    assert "non-differentiable point: within the one-sided derivatives" in text
    assert "abs at column" in text and "0 fail, 1 kink" in text


def test_the_neighbour_is_judged_against_the_exact_derivative() -> None:
    report = verify_case(_case("l1_exp_off"))
    assert report.status == "fail" and report.method_status["impl:mine"] == "fail"
    (verdict,) = [v for v in report.points[0].verdicts if v.method == "impl:mine"]
    bad = {m.index: m for m in verdict.mismatches}
    assert set(bad) == {(1,), (2,)}  # x[0] sits on the kink: inside [-1 + 1, 1 + 1]
    near = bad[(1,)]
    assert near.lower is None and near.upper is None  # no kink interval for the neighbour
    assert near.reference == pytest.approx(2.0000001000000050, rel=1e-15)
    assert near.rel_error == pytest.approx(0.5e-6, rel=1e-3)
    assert any(f.kind == "elements" and "2 of 3 elements: x[1], x[2]" in f.message
               for f in report.findings)
