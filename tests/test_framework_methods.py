"""The framework methods (torch, torch_forward, jax, jax_forward) and complex_step,
against derivatives worked out by hand."""

from __future__ import annotations

import dataclasses
import importlib.util
from typing import Any

import numpy as np
import pytest

from gradcheck_lab.case import Case, Point
from gradcheck_lab.methods import load_method
from gradcheck_lab.results import MethodResult
from tests.helpers import case_from

FRAMEWORK = {"torch": "torch", "torch_forward": "torch", "jax": "jax", "jax_forward": "jax",
             "complex_step": None}
METHODS = list(FRAMEWORK)


def case_of(text: str) -> Case:
    return case_from(text, "t.yaml")


def run(method: str, case: Case, point: Point | None = None) -> MethodResult:
    framework = FRAMEWORK[method]
    if framework is not None:
        pytest.importorskip(framework)
    module = load_method(method)
    assert module.unavailable() is None
    result = module.compute(case, case.points[0] if point is None else point)
    assert result.error is None, result.error
    assert result.skipped is None, result.skipped
    return result


def assert_grads(result: MethodResult, expected: dict[str, Any], rtol: float = 1e-14) -> None:
    assert set(result.gradient) == set(expected)
    for name, want in expected.items():
        got = result.gradient[name]
        assert isinstance(got, np.ndarray) and got.dtype == np.float64, (name, type(got))
        assert got.shape == np.shape(want), (name, got.shape)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=0, err_msg=name)


@pytest.mark.parametrize("method", METHODS)
def test_product_of_scalars(method: str) -> None:
    result = run(method, case_of("name: t\ninputs: {x: 2.0, y: 3.0}\nexpr: x*y\n"))
    np.testing.assert_allclose(result.value, 6.0, rtol=1e-15)
    assert_grads(result, {"x": 3.0, "y": 2.0})


@pytest.mark.parametrize("method", METHODS)
def test_sum_of_cubes_minus_squares(method: str) -> None:
    result = run(method, case_of(
        "name: t\ninputs: {a: [2, 3], b: [6, 4]}\nexpr: sum(3*a**3 - b**2)\n"))
    np.testing.assert_allclose(result.value, 24 + 81 - 36 - 16, rtol=1e-15)  # 53
    assert_grads(result, {"a": [36.0, 81.0], "b": [-12.0, -8.0]})


@pytest.mark.parametrize("method", METHODS)
def test_vector_output_with_cotangent_ones(method: str) -> None:
    result = run(method, case_of(
        "name: t\ninputs: {a: [2, 3], b: [6, 4]}\nexpr: 3*a**3 - b**2\ncotangent: ones\n"))
    np.testing.assert_allclose(result.value, [-12.0, 65.0], rtol=1e-15)
    assert_grads(result, {"a": [36.0, 81.0], "b": [-12.0, -8.0]})


@pytest.mark.parametrize("method", METHODS)
def test_vector_output_with_explicit_cotangent(method: str) -> None:
    result = run(method, case_of(
        "name: t\ninputs: {a: [2, 3]}\nexpr: a**2\ncotangent: [10, -1]\n"))
    assert_grads(result, {"a": [40.0, -6.0]})


@pytest.mark.parametrize("method", METHODS)
def test_full_jacobian(method: str) -> None:
    result = run(method, case_of("name: t\ninputs: {x: [1, 2]}\nexpr: x**2\n"))
    assert_grads(result, {"x": [[2.0, 0.0], [0.0, 4.0]]})


@pytest.mark.parametrize("method", METHODS)
def test_full_jacobian_of_matrix_output(method: str) -> None:
    # d(x_i * y_j)/dx_k = delta_ik y_j: shape output (2, 3) + input (2,)
    result = run(method, case_of(
        "name: t\ninputs: {x: [1, 2], y: {value: [3, 4, 5], wrt: false}}\nexpr: outer(x, y)\n"))
    want = np.zeros((2, 3, 2))
    want[0, :, 0] = want[1, :, 1] = [3.0, 4.0, 5.0]
    assert_grads(result, {"x": want})


@pytest.mark.parametrize("method", METHODS)
def test_constant_input_gets_no_gradient(method: str) -> None:
    result = run(method, case_of(
        "name: t\ninputs: {x: 2.0, c: {value: 5.0, wrt: false}}\nexpr: c * x**2\n"))
    assert_grads(result, {"x": 20.0})


@pytest.mark.parametrize("method", METHODS)
def test_other_points(method: str) -> None:
    case = case_of("name: t\ninputs: {x: 2.0}\nexpr: x**3\npoints: [{x: -1.0}]\n")
    assert_grads(run(method, case, case.points[1]), {"x": 3.0})


@pytest.mark.parametrize("method", ["torch", "torch_forward", "jax", "jax_forward"])
def test_float32(method: str) -> None:
    case = case_of("name: t\ndtype: float32\ninputs: {x: [0.3, 0.7]}\nexpr: sum(exp(sin(x)))\n")
    result = run(method, case)
    x = np.array([0.3, 0.7])
    want = np.cos(x) * np.exp(np.sin(x))
    np.testing.assert_allclose(result.gradient["x"], want, rtol=1e-6)
    # float32 really ran: not float64-accurate
    assert np.max(np.abs(result.gradient["x"] - want) / want) > 1e-12
    assert result.gradient["x"].dtype == np.float64


def test_complex_step_is_exact_to_rounding() -> None:
    case = case_of("name: t\ninputs: {x: [0.3, -1.7, 2.5]}\nexpr: exp(sin(x))\n"
                   "cotangent: ones\n")
    result = run("complex_step", case)
    x = np.array([0.3, -1.7, 2.5])
    np.testing.assert_allclose(result.value, np.exp(np.sin(x)), rtol=1e-15)
    np.testing.assert_allclose(result.gradient["x"], np.cos(x) * np.exp(np.sin(x)), rtol=1e-15)


def test_complex_step_kernel_needs_no_small_difference() -> None:
    from gradcheck_lab.methods.complex_step import complex_step_jacobian

    value, jac = complex_step_jacobian(lambda v: v["x"] ** 2 * v["y"],
                                       {"x": np.array([1e8, 3.0]), "y": np.array(2.0)}, ["x"])
    np.testing.assert_array_equal(value, [2e16, 18.0])
    np.testing.assert_array_equal(jac["x"], [[4e8, 0.0], [0.0, 12.0]])


def test_complex_step_skips_erf() -> None:
    case = case_of("name: t\ninputs: {x: 0.5}\nexpr: erf(x) + x\n")
    result = load_method("complex_step").compute(case, case.points[0])
    assert result.skipped == "complex_step needs ops analytic at the point; erf is not"
    assert result.error is None and not result.gradient


@pytest.mark.parametrize("method", METHODS)
def test_all_agree_on_logsumexp_of_matvec(method: str) -> None:
    case = case_of("""
name: t
inputs:
  A: {value: [[1.0, 0.5, -0.3], [0.2, 2.0, 0.4], [-0.6, 0.1, 1.5]], wrt: false}
  x: [0.3, -0.7, 1.2]
expr: logsumexp(A @ x)
""")
    A = np.array([[1.0, 0.5, -0.3], [0.2, 2.0, 0.4], [-0.6, 0.1, 1.5]])
    z = A @ np.array([0.3, -0.7, 1.2])
    softmax = np.exp(z - z.max()) / np.sum(np.exp(z - z.max()))
    result = run(method, case)
    np.testing.assert_allclose(result.value, np.log(np.sum(np.exp(z))), rtol=1e-14)
    assert_grads(result, {"x": A.T @ softmax}, rtol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_crash_is_an_error_result(method: str) -> None:
    case = case_of("name: t\ninputs: {A: [[1, 2], [3, 4]], x: [1, 2]}\nexpr: sum(A @ x)\n")
    wrong = Point(0, {"A": np.eye(2), "x": np.ones(3)})  # a shape the expression cannot take
    framework = FRAMEWORK[method]
    if framework is not None:
        pytest.importorskip(framework)
    result = load_method(method).compute(dataclasses.replace(case, points=(wrong,)), wrong)
    assert result.error and "matmul" in result.error
    assert not result.gradient and result.skipped is None


def test_import_does_not_load_frameworks() -> None:
    import subprocess
    import sys

    code = ("import sys, gradcheck_lab.methods.jax_reverse, gradcheck_lab.methods.jax_forward, "
            "gradcheck_lab.methods.torch_forward, gradcheck_lab.methods.complex_step; "
            "print(sorted(m for m in ('torch', 'jax') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("method", ["torch_forward", "jax", "jax_forward"])
def test_unavailable_names_the_missing_framework(method: str, monkeypatch: Any) -> None:
    module = load_method(method)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    reason = module.unavailable()
    assert reason is not None and FRAMEWORK[method] in reason
