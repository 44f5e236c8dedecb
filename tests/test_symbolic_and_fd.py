"""The two references: exact reverse accumulation and Ridders finite differences."""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest
import sympy as sp

from gradcheck_lab.methods import fd, symbolic
from gradcheck_lab.numeric.finite_diff import derivative, ridders
from gradcheck_lab.numeric.symbolic_grad import gradient
from gradcheck_lab.tolerances import FD_ESTIMATE_FACTOR
from tests.helpers import case_from


def test_reverse_accumulation_matches_diff() -> None:
    x, y = sp.symbols("x y", real=True)
    f = sp.exp(x * y) + sp.sin(x) ** 2 + sp.Abs(x - y) + sp.Max(0, x) + sp.log(1 + sp.exp(x))
    gx, gy = gradient(f, [x, y])
    assert sp.simplify(gx - sp.diff(f, x)) == 0
    assert sp.simplify(gy - sp.diff(f, y)) == 0


def test_reverse_accumulation_sign_has_zero_derivative() -> None:
    x = sp.Symbol("x", real=True)
    assert gradient(x * sp.sign(x), [x]) == [sp.sign(x)]


def test_symbolic_is_exact_for_decimals() -> None:
    # d/dx (x**2) at x = 0.1 is exactly 1/5; 0.1 is read as 1/10, not the nearest double
    case = case_from("name: a\ninputs: {x: 0.1}\nexpr: x**3 - x")
    result = symbolic.compute(case, case.points[0])
    assert result.gradient["x"] == 3 * 0.01 - 1  # exact: 3/100 - 1 = -0.97
    assert float(result.value) == pytest.approx(0.001 - 0.1, rel=1e-16)


def test_symbolic_full_jacobian_and_cotangent() -> None:
    jac = case_from("name: a\ninputs: {x: [1.0, 2.0]}\nexpr: x**2")
    result = symbolic.compute(jac, jac.points[0])
    np.testing.assert_array_equal(result.gradient["x"], [[2.0, 0.0], [0.0, 4.0]])
    vjp = case_from("name: a\ninputs: {x: [1.0, 2.0]}\nexpr: x**2\ncotangent: [3.0, -1.0]")
    result = symbolic.compute(vjp, vjp.points[0])
    np.testing.assert_array_equal(result.gradient["x"], [6.0, -4.0])


def test_symbolic_linear_in_size() -> None:
    # 2,000 elements would take minutes with one sympy.diff per symbol
    case = case_from("name: a\ninputs: {x: {random: {shape: [2000], seed: 1}}}\n"
                     "expr: mean(log(1 + exp(2*x - 1)))")
    result = symbolic.compute(case, case.points[0])
    assert result.error is None
    x = case.points[0].values["x"]
    expected = 2 / (1 + np.exp(-(2 * x - 1))) / x.size
    np.testing.assert_allclose(result.gradient["x"], expected, rtol=1e-14)


def _poly(x: np.ndarray) -> np.ndarray:
    return np.array([x[0] ** 3 + 2 * x[0]])


def test_ridders_on_a_cubic() -> None:
    x = np.array([1.5])

    def quotient(h: float) -> tuple[np.ndarray, np.ndarray, float]:
        return (_poly(x + h) - _poly(x - h)) / (2 * h), np.zeros(1), h

    value, err = ridders(quotient, 0.1, power=2)
    assert value[0] == pytest.approx(3 * 1.5**2 + 2, rel=1e-14)
    assert err[0] < 1e-12


@pytest.mark.parametrize(("expr", "x", "exact"), [
    ("log(x)", 1e-8, 1e8),                       # domain edge: steps never cross 0
    ("sqrt(x)", 1e-10, 0.5 / math.sqrt(1e-10)),
    ("sin(x)", 1e8, math.cos(1e8)),              # large offset
    ("sin(x)", 1e12, math.cos(1e12)),            # ulp 1.2e-4: steps must stay symmetric
    ("sin(x)", -1e12, math.cos(-1e12)),
    ("1/x + 1.0e6", 3.0, -1 / 9),                # large constant: round-off
    ("arcsin(x)", 0.999999, 1 / math.sqrt(1 - 0.999999**2)),
    ("log(x)", 1e-300, 1e300),
])
def test_fd_accuracy_at_hard_points(expr: str, x: float, exact: float) -> None:
    case = case_from(f"name: a\ninputs: {{x: {x!r}}}\nexpr: \"{expr}\"")
    result = fd.compute(case, case.points[0])
    got, est = float(result.gradient["x"]), float(result.error_estimate["x"])
    assert abs(got - exact) <= 1e-9 * abs(exact)
    # the estimate is honest within the factor the verdict applies to it
    assert abs(got - exact) <= FD_ESTIMATE_FACTOR * est


def test_fd_far_from_the_origin_is_honest_about_its_error() -> None:
    """Found by fuzzing: at x = 2.6e10 asymmetric realised steps gave rel. error 0.067."""
    x = 2.6e10
    exact = (-math.sin(math.tanh(math.sin(x))) * (1 - math.tanh(math.sin(x)) ** 2)
             * math.cos(x))
    case = case_from(f"name: a\ninputs: {{x: {x!r}}}\nexpr: cos(tanh(sin(x)))")
    result = fd.compute(case, case.points[0])
    got, est = float(result.gradient["x"]), float(result.error_estimate["x"])
    assert abs(got - exact) <= 1e-7 * abs(exact)  # 2.3e-8 now
    assert abs(got - exact) <= FD_ESTIMATE_FACTOR * est  # so the verdict does not false-alarm


def test_fd_one_sided_bounds_at_abs_kink() -> None:
    case = case_from("name: a\ninputs: {x: [0.0, 2.0]}\nexpr: sum(abs(x))")
    result = fd.compute(case, case.points[0])
    lo, hi = result.bounds["x"]
    np.testing.assert_allclose(lo, [-1.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(hi, [1.0, 1.0], atol=1e-12)
    assert "one-sided" in result.note


def test_fd_kink_at_norm_zero_not_fooled_by_underflow() -> None:
    case = case_from("name: a\ninputs: {x: [0.0, 0.0]}\nexpr: norm(x)")
    result = fd.compute(case, case.points[0])
    lo, hi = result.bounds["x"]
    np.testing.assert_allclose(lo, [-1.0, -1.0], atol=1e-12)
    np.testing.assert_allclose(hi, [1.0, 1.0], atol=1e-12)


def test_derivative_kernel_is_pure() -> None:
    x = np.array([0.5, -0.25])

    def f(v: np.ndarray) -> np.ndarray:
        return np.array([np.exp(v[0]) * v[1]])

    def no_guard(v: np.ndarray) -> tuple[np.ndarray, ...]:
        return ()

    d = derivative(f, no_guard, x, 1)
    assert d.value[0] == pytest.approx(math.exp(0.5), rel=1e-12)
    assert d.stencil == "central"
    np.testing.assert_array_equal(x, [0.5, -0.25])


def test_stop_gradient_has_derivative_zero_in_every_method() -> None:
    # d/dx [x * stop_gradient(x**2)] = stop_gradient(x**2) = 9 at x = 3 (not 3 x**2 = 27)
    case = case_from("name: a\ninputs: {x: 3.0}\nexpr: x * stop_gradient(x**2)")
    exact = symbolic.compute(case, case.points[0])
    assert float(exact.value) == 27.0 and float(exact.gradient["x"]) == 9.0
    numeric = fd.compute(case, case.points[0])
    assert float(numeric.gradient["x"]) == pytest.approx(9.0, rel=1e-10)
    assert symbolic.formulas(case) == {"x": "StopGradient(x**2)"}


def test_fd_estimate_grows_when_a_finer_sweep_contradicts_the_coarse_one() -> None:
    """Found on a traced conv2d + tanh: along one weight, the sweep from the first step
    0.1 aliased to a consistent value 1e-4 off with an estimate of 5e-6, and the refining
    sweep (1.0818284, agreeing with every small central difference) disagreed beyond both
    estimates. Which one aliased cannot be told (steps below a function's resolution look
    the same), so the kept value's estimate grows to the disagreement."""
    rng = np.random.default_rng(17)
    x = np.pad(rng.standard_normal((2, 2, 5, 5)), ((0, 0), (0, 0), (1, 1), (1, 1)))
    w = np.random.default_rng(18).standard_normal((3, 2, 3, 3)) * 0.4
    b = np.random.default_rng(19).standard_normal(3) * 0.3
    cot = np.random.default_rng(zlib.crc32(b"conv2d_tanh")).normal(size=(2, 3, 5, 5))
    windows = np.lib.stride_tricks.sliding_window_view(x, (3, 3), axis=(2, 3))

    def f(t: np.ndarray) -> np.ndarray:
        moved = w + np.zeros(1, dtype=t.dtype)
        moved[1, 1, 0, 0] += t[0]
        out = np.einsum("ncyxij,ocij->noyx", windows, moved) + b[None, :, None, None]
        return np.array([np.sum(cot * np.tanh(out))])

    exact = f(np.array([1e-30j]))[0].imag / 1e-30  # the complex step: exact to rounding
    d = derivative(f, lambda t: (), np.zeros(1), 0)
    assert abs(d.value[0] - exact) > 1e-5  # the coarse sweep's aliased value is kept...
    assert abs(d.value[0] - exact) <= FD_ESTIMATE_FACTOR * d.error[0]  # ...and said so
