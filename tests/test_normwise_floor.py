"""Matrix factorisations are rounded normwise: where the expression has one
(``verdict.roundoff.NORMWISE_OPS``), every element's round-off floor is at least its
quantity's largest. Found by the throughput suite (``qr0_3x3``): Q of a square A does not
depend on A's last column (exactly 0 in Householder's formula), while torch's and JAX's
QR backward give 3e-16 there, and both failed against a floor of 0."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck_lab.run import verify_case
from gradcheck_lab.verdict.roundoff import term_magnitudes
from tests.helpers import case_from

A = [[2.1, 0.3, -0.4], [0.2, 1.8, 0.1], [-0.3, 0.4, 2.2]]


def _case(expr: str, methods: str = "[sympy, fd, torch, jax]"):  # noqa: ANN202
    return case_from(f"name: q\nexpr: {expr}\ninputs: {{A: {A}}}\nmethods: {methods}\n",
                     "t.yaml")


def test_q_by_the_last_column_is_exactly_zero_but_its_floor_is_normwise() -> None:
    case = _case("sum(sin(qr(A)[0]))")
    floor = term_magnitudes(case, case.points[0])["A"]
    assert floor.shape == (3, 3)
    assert np.all(floor == floor.max()) and floor.max() > 0.1  # every element: the largest


def test_elementwise_expressions_keep_elementwise_floors() -> None:
    case = _case("sum(sin(A) * A[0])")
    floor = term_magnitudes(case, case.points[0])["A"]
    assert floor[1, 1] < floor.max() / 2  # no factorisation: each element its own terms


@pytest.mark.parametrize("framework", ["torch", "jax"])
def test_torch_and_jax_qr_pass_where_the_exact_derivative_is_zero(framework: str) -> None:
    pytest.importorskip(framework)
    case = _case("sum(sin(qr(A)[0]))", f"[sympy, {framework}]")
    report = verify_case(case)
    assert report.status == "pass", [(v.method, v.status, v.mismatches)
                                     for p in report.points for v in p.verdicts]
    sympy = next(v for v in report.points[0].verdicts if v.method == "sympy")
    assert sympy.status == "pass"
