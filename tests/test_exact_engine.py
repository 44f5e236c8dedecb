"""The exact method's engine: piecewise ops resolved at the point (one model per branch
signature), structural zeros, the budget, and formulas built only when shown."""

from __future__ import annotations

import time

import numpy as np
import pytest

from gradcheck_lab.errors import BudgetExceeded
from gradcheck_lab.methods import symbolic
from gradcheck_lab.methods.symbolic_formulas import LazyFormulas, formula_texts
from gradcheck_lab.methods.symbolic_model import models
from gradcheck_lab.numeric.budget import Budget
from gradcheck_lab.report import render_text, to_json
from gradcheck_lab.results import RunReport
from gradcheck_lab.run import verify_case
from tests.helpers import case_from

VALUES = [0.31, -1.2, 0.05, 2.5, -0.7, 1.1, -2.4, 0.9, 1.7, -0.2] * 6  # 60 elements


def _spread(values: list[float]) -> list[float]:
    return [v + 0.001 * i for i, v in enumerate(values)]  # distinct: no ties


def test_max_over_sixty_elements_is_resolved_at_the_point_in_milliseconds() -> None:
    x = _spread(VALUES)
    case = case_from(f"name: m\ninputs: {{x: {x}}}\nexpr: max(x) + min(x) + norm(x, ord=inf)")
    start = time.perf_counter()
    result = symbolic.compute(case, case.points[0])
    assert time.perf_counter() - start < 2.0
    want = np.zeros(60)
    want[int(np.argmax(x))] += 1
    want[int(np.argmin(x))] += 1
    want[int(np.argmax(np.abs(x)))] += np.sign(x[int(np.argmax(np.abs(x)))])
    np.testing.assert_array_equal(result.gradient["x"], want)


def test_points_with_the_same_ordering_share_one_model() -> None:
    case = case_from("name: m\ninputs: {x: [1.0, -2.0, 3.0]}\nexpr: max(abs(x)) + relu(x[0])\n"
                     "points:\n  - {x: [1.5, -2.5, 3.5]}\n  - {x: [-1.0, 4.0, 3.0]}")
    for point in case.points:
        assert symbolic.compute(case, point).error is None
    assert len(models(case).models[b""]) == 2  # points 0 and 1 share, point 2 differs
    got = symbolic.compute(case, case.points[2]).gradient["x"]
    np.testing.assert_array_equal(got, [0.0, 1.0, 0.0])  # relu(-1): 0, |4| largest


def test_a_tie_is_the_mean_of_the_tied_branches_and_a_kink() -> None:
    case = case_from("name: t\ninputs: {x: [2.0, 2.0, 1.0]}\nexpr: max(x) + abs(x[2] - 1)")
    result = symbolic.compute(case, case.points[0])
    np.testing.assert_array_equal(result.gradient["x"], [0.5, 0.5, 0.0])  # |0|' = sign(0)
    report = verify_case(case, methods=["sympy", "fd"])
    assert report.points[0].kinks == ("max at column 1", "abs at column 10")


def test_structural_zero_keeps_the_derivative_zero_and_frameworks_nan_is_diagnosed() -> None:
    """Issue 10 item 10: std of one element is identically 0; its derivative is 0."""
    pytest.importorskip("torch")
    case = case_from("name: std_of_one\ninputs: {x: [0.7]}\n"
                     "expr: sqrt(mean((x - mean(x))**2)) + 3*x[0]")
    result = symbolic.compute(case, case.points[0])
    assert result.gradient["x"].tolist() == [3.0]
    report = verify_case(case, methods=["sympy", "fd", "torch"])
    assert report.method_status == {"sympy": "pass", "fd": "pass", "torch": "fail"}
    assert report.status == "fail"
    finding = next(f for f in report.findings if f.method == "torch")
    assert finding.kind == "nonfinite"
    assert finding.message.startswith("NaN where the derivative is 0: 0*inf in the chain rule "
                                      "(1 element(s), first x[0] at point 0)")


def test_structural_zero_in_the_hessian() -> None:
    case = case_from("name: h\ninputs: {x: [0.7]}\norder: 2\n"
                     "expr: sqrt(mean((x - mean(x))**2)) + x[0]**3")
    result = symbolic.compute(case, case.points[0])
    assert result.hessian is not None
    assert result.hessian["x"]["x"].tolist() == [[6 * 0.7]]


def test_a_case_over_its_time_budget_says_so_and_fd_is_the_reference() -> None:
    case = case_from("name: b\ninputs: {x: [0.5, 0.25]}\nexpr: sum(exp(x))")
    found = models(case)
    found.budget = Budget(seconds=0.0, nodes=10**6)
    result = symbolic.compute(case, case.points[0])
    assert result.skipped is not None
    assert result.skipped.startswith("the exact reference needs more than its budget of 0 s")
    assert result.skipped.endswith("--limit max_symbolic_seconds=N); fd is the reference")
    report = verify_case(case, methods=["sympy", "fd"])
    assert report.points[0].reference == "fd" and report.status == "pass"


def test_a_case_over_its_node_budget_says_so() -> None:
    case = case_from("name: n\ninputs: {x: [0.5, 0.25, 0.125]}\nexpr: sum(exp(x) * x)")
    models(case).budget = Budget(seconds=100.0, nodes=5)
    result = symbolic.compute(case, case.points[0])
    assert result.skipped is not None and "SymPy graph has more than 5 nodes" in result.skipped
    with pytest.raises(BudgetExceeded):  # spent: every later point is refused at once
        models(case).at(case.points[0])


def test_formulas_are_not_built_for_a_passing_case() -> None:
    case = case_from("name: p\ninputs: {A: [[2.0, 0.5, 0.1], [0.3, 1.5, 0.2], [0.1, 0.4, 1.8]]}"
                     "\nexpr: log(det(A)) + sum(inv(A))")
    start = time.perf_counter()
    report = verify_case(case, methods=["sympy", "fd"])
    assert report.status == "pass" and time.perf_counter() - start < 10
    assert isinstance(report.formulas, LazyFormulas) and not report.formulas.loaded
    to_json(RunReport((report,), 0.0))
    assert not report.formulas.loaded


def test_formulas_of_a_failing_case_are_built_for_the_report() -> None:
    case = case_from("name: f\ninputs: {w: 1.5}\nexpr: w**3\nclaims:\n  wrong: {w: 2*w**2}")
    report = verify_case(case, methods=["sympy", "claim:wrong"])
    assert report.status == "fail"
    assert "d/dw = 3*w**2" in render_text(RunReport((report,), 0.0))


def test_a_formula_over_the_size_budget_is_named_not_printed(monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    from gradcheck_lab.methods import symbolic_formulas

    monkeypatch.setattr(symbolic_formulas, "MAX_NODES", 3)
    case = case_from("name: big\ninputs: {x: 0.5}\nexpr: exp(sin(x) * x)")
    text = formula_texts(case)["x"]
    assert text.startswith("formula too large to show: ")
    assert text.endswith(" nodes; `gradcheck-lab show --full`")
