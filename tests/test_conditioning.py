"""Ill-conditioned points: rounding of the inputs forgiven, bugs still caught (found by fuzzing)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradcheck_lab.methods import fd, symbolic
from gradcheck_lab.run import verify_case
from gradcheck_lab.tolerances import CONDITION_SAMPLES, CONDITION_ULPS, FD_ESTIMATE_FACTOR
from tests.helpers import case_from

WITHIN = "passes only within the point's conditioning"
ROUNDED = "passes within the round-off of the terms each element is computed from"


def _verdicts(report):  # type: ignore[no-untyped-def]
    return {v.method: v for v in report.points[0].verdicts}


def test_conditioning_is_the_spread_of_the_exact_gradient() -> None:
    # f = sin(x * y): df/dx = y cos(xy); at x*y = 1e16 one ulp of x moves xy by ~2
    case = case_from("name: c\ninputs: {x: 1.0e8, y: 1.0e8}\nexpr: sin(x * y)")
    spread = symbolic.conditioning(case, case.points[0], CONDITION_ULPS, CONDITION_SAMPLES)
    assert spread["x"] > 1e6  # of the order of |y|: the gradient is not determined
    calm = case_from("name: c\ninputs: {x: 0.5, y: 2.0}\nexpr: sin(x * y)")
    spread = symbolic.conditioning(calm, calm.points[0], CONDITION_ULPS, CONDITION_SAMPLES)
    # moving x and y by 8 ulps moves y cos(xy) by a few 1e-15 at most
    assert spread["x"] < 1e-14 and spread["y"] < 1e-14


def test_float_methods_at_a_hopeless_point_pass_and_say_why() -> None:
    pytest.importorskip("torch")
    # sin of |x|^2 = 1e24: float64 cannot even evaluate it (found by fuzzing)
    case = case_from("name: c\ninputs: {x: [-1.0e12, 605.9, 1.0]}\nexpr: sin(sum(x * x))")
    report = verify_case(case, methods=["sympy", "torch"])
    torch_verdict = _verdicts(report)["torch"]
    assert torch_verdict.status == "pass"
    # sin's own derivative at a rounded 1e24 is round-off: the terms of every element are
    # of the order of 1e24 * 1e12 (the round-off floor, before the conditioning is needed)
    assert ROUNDED in torch_verdict.message
    # the value and all three gradient elements were off
    assert "without that: 4 element(s) outside tolerance)" in torch_verdict.message


def test_a_relative_bug_of_1e_8_is_still_caught_at_a_calm_point() -> None:
    case = case_from(
        "name: c\ninputs: {x: [0.3, -1.2, 2.0]}\nexpr: sum(sin(x))\n"
        "claims:\n  scaled: {x: 'cos(x) * (1 + 2e-8)'}\n")
    report = verify_case(case, methods=["sympy", "claim:scaled"])
    verdict = _verdicts(report)["claim:scaled"]
    assert verdict.status == "fail"
    assert WITHIN not in verdict.message


def test_cancellation_in_a_sum_is_forgiven_for_every_float_method() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    # found by fuzzing: the sum cancels to -9.7e-6 from terms of 4.6e9, so float64
    # evaluation moves it by ~1e-6 and arccos' by rel. 6e-8 in fd, torch and jax alike
    case = case_from("name: c\ninputs: {x: [-4568022610.369974, -9.72994289556135e-06, "
                     "4568022610.369974]}\nexpr: arccos(tanh(sum(x)) / 2)")
    report = verify_case(case, methods=["sympy", "fd", "torch", "jax"])
    assert report.status == "pass"
    verdicts = _verdicts(report)
    assert any(WITHIN in verdicts[m].message for m in ("fd", "torch", "jax"))


def test_fd_resolves_a_function_that_varies_much_faster_than_its_input() -> None:
    # found by fuzzing: log(1 + (x s)^2) with s = 4.9e5 varies on 2e-6 in x; fd's
    # sweeps from 0.1 gave 0.055 +- 0.039 for 25942
    x, s = -7.704075253554817e-05, 490913.32540140825
    exact = -2 * x * s**2 / (1 + (x * s) ** 2)
    case = case_from(f"name: c\ninputs: {{x: {x!r}, s: {s!r}}}\nexpr: -log(1 + x * s * x * s)")
    result = fd.compute(case, case.points[0])
    got, est = float(result.gradient["x"]), float(result.error_estimate["x"])
    assert math.isclose(got, exact, rel_tol=1e-9)
    assert abs(got - exact) <= FD_ESTIMATE_FACTOR * est
    assert np.isclose(exact, 25942.149820648123, rtol=1e-12)


def test_a_sympy_failure_while_writing_formulas_does_not_fail_the_case(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by fuzzing: SymPy's assumption system raised from inside formulas()."""
    import sympy as sp

    def broken(*args: object, **kwargs: object) -> object:
        raise sp.core.facts.InconsistentAssumptions({}, "even", True)

    from gradcheck_lab.methods import symbolic_formulas

    monkeypatch.setattr(symbolic_formulas, "_texts", broken)
    case = case_from("name: c\ninputs: {x: [1.0, 2.0]}\nexpr: sum(x ** 2)")
    report = verify_case(case, methods=["sympy", "fd"])
    assert report.status == "pass" and report.formulas == {}


def test_fd_does_not_trust_steps_below_the_functions_resolution() -> None:
    # found by fuzzing: sin(sin(x + s)) with s = -1e11 moves only in steps of 1.5e-5 of
    # x + s; a refining sweep from tiny steps saw a flat tableau and returned 0 with an
    # estimate of 3e-9 (the exact gradient is -0.0755, 0.2405, 0.2600 with this cotangent)
    case = case_from("name: c\ninputs: {x: [-1.0, -1.0, -1.0], s: -1.0e11}\n"
                     "expr: sin(sin(x + s))\ncotangent: [0.2, -0.6, -0.65]")
    exact = np.array([0.2, -0.6, -0.65]) * math.cos(math.sin(-1e11 - 1)) * math.cos(-1e11 - 1)
    result = fd.compute(case, case.points[0])
    got, est = result.gradient["x"], result.error_estimate["x"]
    assert np.all(np.abs(got - exact) <= FD_ESTIMATE_FACTOR * est)
    np.testing.assert_allclose(got, exact, rtol=1e-5)


def test_fd_refines_when_the_coarse_result_is_unreliable() -> None:
    # found by fuzzing: sin(x . x) at x_3 = -100 varies on 0.005 in x_3; the coarse
    # sweeps gave 0.068 +- 0.023 for -134.8
    case = case_from("name: c\ninputs: {x: [-1.0, -1.0, -100.0]}\nexpr: sin(dot(x, x))")
    result = fd.compute(case, case.points[0])
    exact = np.array([-2.0, -2.0, -200.0]) * math.cos(10002.0)
    np.testing.assert_allclose(result.gradient["x"], exact, rtol=1e-9)
