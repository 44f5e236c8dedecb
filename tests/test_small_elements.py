"""Small gradients are judged too (issue 10, item 6): the absolute floor follows the size
of the terms each element is computed from, so a tiny element is held to rtol unless
round-off of its own terms dominates. Specimens: ``tests/specimens/torch_rules.py``."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck_lab import GradientMismatch, check
from gradcheck_lab.results import CaseReport, Verdict
from gradcheck_lab.tolerances import ROUNDOFF_ULPS
from gradcheck_lab.verdict.roundoff import term_magnitudes
from tests.helpers import case_from

torch = pytest.importorskip("torch")

from tests.specimens import torch_rules  # noqa: E402

ROUNDED = "passes within the round-off of the terms each element is computed from"


def _impl(report: CaseReport) -> list[Verdict]:
    return [v for p in report.points for v in p.verdicts if v.method == "impl:function"]


def test_a_1e_8_error_on_a_1e_10_element_beside_o1_elements_fails() -> None:
    with pytest.raises(GradientMismatch) as info:
        check(torch_rules.weighted_squares, expr="sum(lam * x**2)", name="weighted_squares",
              inputs={"x": [0.5, -1.2, 2.0],
                      "lam": {"value": list(torch_rules.LAMBDA), "wrt": False}})
    report = info.value.report
    assert report.status == "fail"
    (verdict,) = _impl(report)
    (bad,) = verdict.mismatches
    assert bad.index == (0,) and bad.reference == pytest.approx(1e-10, rel=1e-15)
    assert bad.rel_error == pytest.approx(1e-8, rel=1e-3)  # abs err 1e-18: below any atol
    assert bad.bound < 1.1e-19  # rtol 1e-9 of 1e-10, plus ulps of terms of 1e-10
    assert any(f.kind == "elements" and "wrong only in 1 of 3 elements: x[0]" in f.message
               for f in report.findings)


def test_a_softplus_rule_that_gives_0_at_minus_40_fails() -> None:
    with pytest.raises(GradientMismatch) as info:
        check(torch_rules.softplus_naive, expr="sum(softplus(x))", name="softplus_naive",
              inputs={"x": [-40.0, 0.5, 3.0]})
    (verdict,) = _impl(info.value.report)
    assert verdict.status == "fail"
    (bad,) = verdict.mismatches
    assert bad.index == (0,) and bad.got == 0.0
    assert bad.reference == pytest.approx(4.248354255291589e-18, rel=1e-15)
    assert "x[0]" in str(info.value) and "reference 4.24835425529e-18, got 0" in str(info.value)


def test_the_same_rule_written_well_passes_and_so_does_torchs_own_sigmoid() -> None:
    report = check(torch_rules.softplus_good, expr="sum(softplus(x))",
                   inputs={"x": [-40.0, 0.5, 3.0]}, methods=["sympy", "torch", "impl:function"])
    assert set(report.method_status.values()) == {"pass"}
    # torch's sigmoid' is v (1 - v): at x = 40, v rounds to 1 and 4.2e-18 becomes 0,
    # round-off of terms of size 1 (the zoo's correct sigmoid_far_tail)
    report = check(lambda x: torch.sigmoid(x).sum(), expr="sum(sigmoid(x))", name="sig",
                   inputs={"x": [-202.0, 40.0, 1.0]}, methods=["sympy", "impl:function"])
    (verdict,) = _impl(report)
    assert verdict.status == "pass" and ROUNDED in verdict.message
    assert verdict.max_abs_error == pytest.approx(4.248354255291589e-18, rel=1e-12)
    # and the reported relative error is over elements above their floor: not 1 for x[1]
    assert verdict.max_rel_error is not None and verdict.max_rel_error < 1e-15


def test_the_floor_is_ulps_of_the_terms() -> None:
    case = case_from("""
        name: floors
        inputs: {x: [-40.0, 40.0, 0.5], a: {value: [1.0e-10, 1.0, 3.0], wrt: false}}
        expr: sum(a * x) + sum(sigmoid(x))
        """)
    sizes = term_magnitudes(case, case.points[0])
    # x[0]: terms 1e-10 and sigmoid'(-40) = 4.2e-18 (with the rounding of sigmoid's own
    # derivative: 41 x 4.2e-18); x[1]: a = 1, and sigmoid(40) rounds to 1, so its
    # derivative's error is of size 1; the value: its terms, |a x| + sigmoid
    np.testing.assert_allclose(sizes["x"][0], 1e-10 + 4.25e-18 * 43, rtol=1e-2)
    np.testing.assert_allclose(sizes["x"][1], 2.0, rtol=1e-12)
    assert sizes["value"] > 4.0
    assert ROUNDOFF_ULPS == 1000.0
