"""The shipped seed suite (cases/seed*.yaml), checked against hand derivations.

Every value and gradient below is derived by hand and written in plain numpy,
independently of the package (no expression parser, no backend). Each method's
result from ``gradcheck_lab.run.verify`` must match it at every point, and the
numbers the seed tutorials print must come out of every method:

* seeds/000 (PyTorch Tutorial 04): x=1, y=2, w=1 -> loss 1, dloss/dw -2
* seeds/001 (PyTorch Beginner 05): X=[1,2,3,4], Y=2X, w=0 -> MSE 30, dJ/dw -30
* seeds/002 (PyTorch autograd tutorial): Q = 3a^3 - b^2 at a=[2,3], b=[6,4]
  with gradient=[1,1] -> a.grad [36, 81], b.grad [-12, -8]
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from gradcheck_lab.loader import load_paths

CASES_DIR = Path(__file__).resolve().parent.parent / "cases"
SEED_FILES = sorted(CASES_DIR.glob("seed*.yaml"))
CORE_METHODS = ("sympy", "fd", "torch", "jax")
FRAMEWORK = {"torch": "torch", "jax": "jax"}

# how close each method must come to the hand-derived numbers
TOL = {"sympy": (1e-13, 1e-14), "torch": (1e-12, 1e-13), "jax": (1e-12, 1e-13),
       "fd": (1e-8, 1e-9)}
SEED_ATOL = 1e-9  # the brief: seed numbers within 1e-9 from every method

Grads = dict[str, np.ndarray]


# ---------------------------------------------------------------- hand derivations
# Each takes the point's input values (float64 arrays) and returns
# (value, {input: what the case checks}): the gradient of a scalar output, the
# VJP with the case's cotangent (all seed cases with a cotangent use ones), or
# the full Jacobian of shape output shape + input shape.

def softmax(z: np.ndarray) -> np.ndarray:
    ez = np.exp(z - z.max())
    return ez / ez.sum()


def mul_local_gradients(x, y):
    return x * y, {"x": y, "y": x}  # dz/dx = y, dz/dy = x


def squared_error_backprop(x, y, w):
    s = w * x - y  # s = y_hat - y
    return s**2, {"w": 2 * s * x}  # dloss/ds * ds/dy_hat * dy_hat/dw


def mse_linear_regression(X, Y, w):
    r = w * X - Y
    return np.mean(r**2), {"w": np.mean(2 * X * r)}  # J = 1/N sum r^2, dJ/dw = 1/N sum 2x r


def affine_2x_plus_1(x):
    return 2 * x + 1, {"x": np.full_like(x, 2.0)}


def column_backward_ones(x):
    return x**2 + 2, {"x": 2 * x}  # diagonal Jacobian 2x, times ones


def autograd_tutorial_Q(a, b):
    return 3 * a**3 - b**2, {"a": 9 * a**2, "b": -2 * b}


def l1_norm_dim1(x):
    # d|x|/dx = sign(x) away from 0; at 0 anything in [-1, 1] (checked separately)
    return np.abs(x).sum(axis=1), {"x": np.sign(x)}


def linear_regression_ab(a, b, x, y):
    r = a + b * x - y
    return np.mean(r**2), {"a": 2 * np.mean(r), "b": 2 * np.mean(r * x)}


def least_squares(A, b, x):
    r = A @ x - b
    return np.sum(r**2), {"x": 2 * A.T @ r}


def residual_jacobian(A, b, x):
    return A @ x - b, {"x": A.copy()}


def quadratic_minimum(x):
    return (x - 2) ** 2 + 1, {"x": 2 * (x - 2)}


def cross_entropy(z, t):
    # -sum(t log softmax z) = sum(t) logsumexp(z) - t.z; gradient sum(t) softmax(z) - t
    lse = z.max() + np.log(np.sum(np.exp(z - z.max())))
    return t.sum() * lse - t @ z, {"z": t.sum() * softmax(z) - t}


def softmax_jacobian(z):
    s = softmax(z)
    return s, {"z": np.diag(s) - np.outer(s, s)}


def tanh_mlp(W1, b1, W2, b2, x, y):
    h = np.tanh(W1 @ x + b1)
    r = W2 @ h + b2 - y  # shape (1,)
    dout = 2 * r  # dL/d(output)
    dpre = (W2.T @ dout) * (1 - h**2)  # back through tanh
    return np.sum(r**2), {"W1": np.outer(dpre, x), "b1": dpre, "W2": np.outer(dout, h),
                          "b2": dout}


def random_scalar_input(x):
    return np.sum(3 * x**2 + np.exp(x) * np.sin(x)), {
        "x": 6 * x + np.exp(x) * (np.sin(x) + np.cos(x))}


HAND: dict[str, Callable[..., tuple[np.ndarray, Grads]]] = {
    "mul_local_gradients": mul_local_gradients,
    "squared_error_backprop": squared_error_backprop,
    "mse_linear_regression": mse_linear_regression,
    "mse_tutorial_manual_gradient": mse_linear_regression,
    "affine_2x_plus_1": affine_2x_plus_1,
    "column_backward_ones": column_backward_ones,
    "autograd_tutorial_Q": autograd_tutorial_Q,
    "l1_norm_dim1": l1_norm_dim1,
    "linear_regression_ab": linear_regression_ab,
    "least_squares": least_squares,
    "residual_jacobian": residual_jacobian,
    "quadratic_minimum": quadratic_minimum,
    "softmax_cross_entropy": cross_entropy,
    "logsumexp_cross_entropy": cross_entropy,
    "softmax_jacobian": softmax_jacobian,
    "tanh_mlp": tanh_mlp,
    "random_scalar_input": random_scalar_input,
}
# (case, point index) where an op sits exactly at its kink
KINK_POINTS = {("l1_norm_dim1", 2)}
# cases whose status is xfail by design: a claim documented as wrong (expect: fail)
XFAIL_CASES = {"mse_tutorial_manual_gradient"}
# the numbers the seeds print: (case, point index) -> (value, gradients)
SEED_NUMBERS = {
    ("squared_error_backprop", 0): (1.0, {"w": -2.0}),
    ("mse_linear_regression", 0): (30.0, {"w": -30.0}),
    ("mse_linear_regression", 2): (0.0, {"w": 0.0}),
    ("autograd_tutorial_Q", 0): ([-12.0, 65.0], {"a": [36.0, 81.0], "b": [-12.0, -8.0]}),
    ("mul_local_gradients", 0): (12.0, {"x": 4.0, "y": 3.0}),
    ("quadratic_minimum", 0): (1.0, {"x": 0.0}),
}


def installed_methods() -> tuple[str, ...]:
    return tuple(m for m in CORE_METHODS
                 if m not in FRAMEWORK or importlib.util.find_spec(FRAMEWORK[m]) is not None)


def hand(case, point) -> tuple[np.ndarray, Grads]:
    values = {k: np.array(v, dtype=np.float64) for k, v in point.values.items()}
    value, grads = HAND[case.name](**values)
    return np.asarray(value, dtype=np.float64), {k: np.asarray(g, dtype=np.float64)
                                                 for k, g in grads.items()}


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def cases():
    return {c.name: c for c in load_paths(SEED_FILES)}


@pytest.fixture(scope="module")
def report(cases):
    from gradcheck_lab.run import verify

    return verify(SEED_FILES)


@pytest.fixture(scope="module")
def by_name(report):
    return {c.case.name: c for c in report.cases}


# ---------------------------------------------------------------- the suite itself

def test_suite_ships_enough_cases(cases):
    assert len(load_paths([CASES_DIR])) >= 12
    assert len(SEED_FILES) >= 13
    assert set(cases) == set(HAND), "every seed case has a hand derivation here"


def test_every_case_cites_its_seed(cases):
    for case in cases.values():
        assert case.description.strip(), case.name
        assert "seeds/00" in case.source, case.name


def test_required_kinds_of_case_ship(cases):
    assert any(c.cotangent is None and not c.is_scalar for c in cases.values())  # Jacobian
    assert any(c.cotangent_kind == "ones" for c in cases.values())
    random_inputs = {"tanh_mlp", "random_scalar_input"}
    for name in random_inputs:  # random inputs are drawn reproducibly
        again = {c.name: c for c in load_paths(SEED_FILES)}[name]
        for spec, spec2 in zip(cases[name].inputs, again.inputs, strict=True):
            np.testing.assert_array_equal(spec.value, spec2.value)


def test_expect_blocks_match_hand_derivation(cases):
    """The numbers written into the YAML agree with the hand derivations."""
    for case in cases.values():
        for point in case.points:
            value, grads = hand(case, point)
            if point.expect is None:
                continue
            if point.expect.value is not None:
                np.testing.assert_allclose(point.expect.value, value, rtol=1e-15, atol=1e-15,
                                           err_msg=f"{case.name} point {point.index} value")
            for name, quoted in point.expect.grad.items():
                if (case.name, point.index) in KINK_POINTS:
                    continue
                np.testing.assert_allclose(quoted, grads[name], rtol=1e-15,
                                           atol=1e-15,
                                           err_msg=f"{case.name} point {point.index} {name}")


# ---------------------------------------------------------------- every method, via verify()

def verdicts(point_report) -> dict:
    return {v.method: v for v in point_report.verdicts}


def test_every_seed_case_is_in_the_report(by_name):
    assert set(HAND) <= set(by_name)


@pytest.mark.parametrize("name", sorted(HAND))
def test_case_status(by_name, name):
    report = by_name[name]
    if name in XFAIL_CASES:
        assert report.status == "xfail", report.message
    elif any(case == name for case, _ in KINK_POINTS):
        assert report.status == "kink", report.message
    else:
        assert report.status == "pass", report.message


@pytest.mark.parametrize("name", sorted(HAND))
def test_kinks_flagged_only_at_the_kink_point(by_name, name):
    for point in by_name[name].points:
        at_kink = (name, point.point.index) in KINK_POINTS
        assert bool(point.kinks) == at_kink, (name, point.point.index, point.kinks)


@pytest.mark.parametrize("name", sorted(HAND))
def test_every_method_matches_the_hand_derivation(by_name, name):
    methods = installed_methods()
    assert {"sympy", "fd"} <= set(methods)
    for point_report in by_name[name].points:
        point = point_report.point
        at_kink = (name, point.index) in KINK_POINTS
        value, grads = hand(by_name[name].case, point)
        where = f"{name} point {point.index}"
        assert point_report.reference == "sympy", where
        np.testing.assert_allclose(point_report.value, value, rtol=1e-14, atol=1e-14,
                                   err_msg=f"{where}: reference value")
        found = verdicts(point_report)
        for method in methods:
            assert method in found, f"{where}: no verdict for {method}"
            verdict = found[method]
            allowed = ("pass", "kink") if at_kink else ("pass",)
            assert verdict.status in allowed, (
                f"{where}: {method} is {verdict.status}: {verdict.message}")
            result = verdict.result
            rtol, atol = TOL[method]
            if result.value is not None:
                np.testing.assert_allclose(result.value, value, rtol=rtol, atol=atol,
                                           err_msg=f"{where}: {method} value")
            assert set(result.gradient) == set(grads), f"{where}: {method} inputs"
            for input_name, want in grads.items():
                got = np.asarray(result.gradient[input_name], dtype=np.float64)
                assert got.shape == want.shape, f"{where}: {method} d/d{input_name} shape"
                if at_kink:
                    # |.| at 0: a finite number between the one-sided derivatives -1 and +1
                    zero = np.asarray(point.values[input_name]) == 0
                    assert np.all(np.isfinite(got)), f"{where}: {method}"
                    assert np.all(np.abs(got[zero]) <= 1 + 1e-9), f"{where}: {method} {got}"
                    got, want = got[~zero], want[~zero]
                np.testing.assert_allclose(got, want, rtol=rtol, atol=atol,
                                           err_msg=f"{where}: {method} d/d{input_name}")


@pytest.mark.parametrize("key", sorted(SEED_NUMBERS))
def test_seed_numbers_come_out_of_every_method(by_name, key):
    name, index = key
    value, grads = SEED_NUMBERS[key]
    point_report = next(p for p in by_name[name].points if p.point.index == index)
    np.testing.assert_allclose(point_report.value, value, rtol=0, atol=SEED_ATOL)
    found = verdicts(point_report)
    for method in installed_methods():
        result = found[method].result
        if result.value is not None:
            np.testing.assert_allclose(result.value, value, rtol=0, atol=SEED_ATOL,
                                       err_msg=f"{name}: {method} value")
        for input_name, want in grads.items():
            np.testing.assert_allclose(result.gradient[input_name], want, rtol=0,
                                       atol=SEED_ATOL, err_msg=f"{name}: {method} {input_name}")


@pytest.mark.parametrize("name", sorted(HAND))
def test_quoted_numbers_pass(by_name, name):
    """The ``expect`` blocks (numbers quoted or derived from the seeds) agree with sympy."""
    for point_report in by_name[name].points:
        if point_report.point.expect is None:
            assert "expect" not in verdicts(point_report) or \
                verdicts(point_report)["expect"].status == "skipped"
            continue
        verdict = verdicts(point_report)["expect"]
        at_kink = (name, point_report.point.index) in KINK_POINTS
        allowed = ("pass", "kink") if at_kink else ("pass",)
        assert verdict.status in allowed, (name, point_report.point.index, verdict.message)


def test_tutorial_manual_gradient_is_the_sum_not_the_mean(by_name):
    """seeds/001's np.dot(2*x, y_pred - y).mean() is 4x (N x) the MSE gradient."""
    report = by_name["mse_tutorial_manual_gradient"]
    assert report.method_status["claim:tutorial_code"] == "xfail"
    assert report.method_status["claim:tutorial_comment"] == "pass"
    for point_report in report.points:
        w = float(point_report.point.values["w"])
        found = verdicts(point_report)
        true_grad = -15.0 * (2.0 - w)  # dJ/dw = 15 (w - 2)
        np.testing.assert_allclose(found["claim:tutorial_code"].result.gradient["w"],
                                   4 * true_grad, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(found["claim:tutorial_comment"].result.gradient["w"],
                                   true_grad, rtol=1e-12, atol=1e-12)
    assert report.points[0].point.values["w"] == 0.0
    np.testing.assert_allclose(
        verdicts(report.points[0])["claim:tutorial_code"].result.gradient["w"], -120.0)
