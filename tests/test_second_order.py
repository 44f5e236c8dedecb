"""Issue 6: Hessians (order: 2), forward mode against reverse mode, float32."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from gradcheck_lab import GradientMismatch, check, load_cases
from gradcheck_lab.precision import FORMATS
from gradcheck_lab.run import verify_case

CASES = Path(__file__).resolve().parent.parent / "cases"
FRAMEWORKS = ["torch", "torch_forward", "jax", "jax_forward"]


@pytest.fixture(scope="module")
def hessian_cases() -> dict:  # type: ignore[type-arg]
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    return {c.name: verify_case(c) for c in load_cases(CASES / "hessians.yaml")}


def _hessians(report, point: int) -> dict:  # type: ignore[no-untyped-def]
    return {v.method: v.result.hessian for v in report.points[point].verdicts}


def test_rosenbrock_hessian_from_every_method(hessian_cases: dict) -> None:  # type: ignore[type-arg]
    report = hessian_cases["rosenbrock_hessian"]
    assert report.status == "pass"
    by_hand = np.array([[422.0, -200.0], [-200.0, 200.0]])  # at (0.5, -0.3)
    at_min = np.array([[802.0, -400.0], [-400.0, 200.0]])   # at (1, 1)
    for point, expected in ((0, by_hand), (1, at_min)):
        hessians = _hessians(report, point)
        assert set(hessians) - {"expect"} == {"sympy", "fd", *FRAMEWORKS}
        for method, h in hessians.items():
            if method == "expect":
                continue
            rtol = 1e-10 if method == "fd" else 1e-14
            np.testing.assert_allclose(h["p"]["p"], expected, rtol=rtol, err_msg=method)


def test_logistic_regression_hessian(hessian_cases: dict) -> None:  # type: ignore[type-arg]
    report = hessian_cases["logistic_regression_hessian"]
    assert report.status == "pass"
    values = report.case.points[0].values
    X, w = values["X"], values["w"]
    s = 1 / (1 + np.exp(-(X @ w)))
    expected = X.T @ np.diag(s * (1 - s)) @ X / len(s)
    for method, h in _hessians(report, 0).items():
        np.testing.assert_allclose(h["w"]["w"], expected, rtol=1e-9, atol=1e-14, err_msg=method)


def _detached_cube_sum():  # type: ignore[no-untyped-def]
    """sum(x**3) through a torch Function whose backward is right but detached."""
    torch = pytest.importorskip("torch")

    class Cube(torch.autograd.Function):
        """Correct first derivative, but its backward is not differentiable the right way."""

        @staticmethod
        def forward(ctx, x):  # type: ignore[no-untyped-def, override]
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):  # type: ignore[no-untyped-def, override]
            (x,) = ctx.saved_tensors
            return g * 3 * x.detach() ** 2  # detached: the second derivative is lost

    def f(x):  # type: ignore[no-untyped-def]
        return Cube.apply(x).sum()

    return f


def test_wrong_hessian_is_caught() -> None:
    f = _detached_cube_sum()

    # the first derivative is right...
    assert check(f, expr="sum(x**3)", inputs={"x": [1.0, 2.0]}).status == "pass"
    # ...the second is not: 6x expected, 0 from the detached backward
    with pytest.raises(GradientMismatch, match=r"hessian\[x,x\]") as info:
        check(f, expr="sum(x**3)", inputs={"x": [1.0, 2.0]}, order=2)
    verdict = next(v for v in info.value.report.points[0].verdicts
                   if v.method == "impl:function")
    np.testing.assert_array_equal(verdict.result.hessian["x"]["x"], np.zeros((2, 2)))


@pytest.mark.slow  # 29 s: every shipped case in four forward and reverse modes
def test_forward_mode_agrees_with_reverse_on_every_case() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    for case in load_cases(CASES):
        report = verify_case(case, methods=["sympy", *FRAMEWORKS])
        for point in report.points:
            grads = {v.method: v.result.gradient for v in point.verdicts
                     if v.method in FRAMEWORKS and v.status in ("pass", "kink")}
            assert set(grads) == set(FRAMEWORKS), (case.name, point.point.index)
            if point.kinks:  # frameworks may pick different subgradients at a kink
                continue
            # forward and reverse round differently: agree to the dtype's precision
            rtol, atol = {"float64": (1e-11, 1e-14), "float32": (1e-5, 1e-7)}.get(
                case.dtype, (8 * FORMATS[case.dtype].unit_roundoff,) * 2)  # half: 8 u
            for name in grads["torch"]:
                np.testing.assert_allclose(grads["torch_forward"][name], grads["torch"][name],
                                           rtol=rtol, atol=atol)
                np.testing.assert_allclose(grads["jax_forward"][name], grads["jax"][name],
                                           rtol=rtol, atol=atol)


def test_float32_no_false_alarm_on_any_shipped_case() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    for case in load_cases(CASES):
        c32 = dataclasses.replace(case, dtype="float32", claims=(), implementations=())
        report = verify_case(c32, methods=["sympy", "fd", "torch", "jax"])
        # unresolved: fd cannot reach softplus'(-40) / 5 = 8.5e-19 beside O(1) terms
        assert report.status in ("pass", "kink", "unresolved"), (case.name,
                                                                 dict(report.method_status))


def test_float32_catches_a_1e_3_relative_bug() -> None:
    torch = pytest.importorskip("torch")

    def good(W, x):  # type: ignore[no-untyped-def]
        return torch.nn.functional.softplus(torch.tanh(W @ x)).sum()

    def bad(W, x):  # type: ignore[no-untyped-def]
        return _scaled_grad(good(W, x), 1 + 1e-3)

    inputs = {"W": {"random": {"shape": [4, 3], "seed": 1}}, "x": {"value": [0.3, -1.2, 2.0],
                                                                   "wrt": False}}
    expr = "sum(softplus(tanh(W @ x)))"
    assert check(good, expr=expr, inputs=inputs, dtype="float32").status == "pass"
    with pytest.raises(GradientMismatch):
        check(bad, expr=expr, inputs=inputs, dtype="float32")


def _scaled_grad(y, factor: float):  # type: ignore[no-untyped-def]
    """Identity forward, gradient scaled by ``factor`` (a subtle backward bug)."""
    import torch

    class Scale(torch.autograd.Function):
        @staticmethod
        def forward(ctx, v):  # type: ignore[no-untyped-def, override]
            return v.clone()

        @staticmethod
        def backward(ctx, g):  # type: ignore[no-untyped-def, override]
            return g * factor

    return Scale.apply(y)


ROSENBROCK_300 = """\
name: rosenbrock_300
inputs:
  x: {random: {shape: [300], seed: 3, low: -1.0, high: 1.0}}
expr: sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
order: 2
"""


def _rosenbrock_hessian(x: np.ndarray) -> np.ndarray:
    """By hand: H_ii = 1200 x_i^2 - 400 x_(i+1) + 2 (i < n-1) + 200 (i > 0), H_i,i+1 = -400 x_i."""
    n = x.size
    h = np.zeros((n, n))
    i = np.arange(n - 1)
    h[i, i] += 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    h[i + 1, i + 1] += 200
    h[i, i + 1] = h[i + 1, i] = -400 * x[:-1]
    return h


def test_large_hessians_are_checked_by_hessian_vector_products(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    from gradcheck_lab.methods.base import HVP_KEY, hessian_directions

    (tmp_path / "big.yaml").write_text(ROSENBROCK_300)
    (case,) = load_cases(tmp_path / "big.yaml")
    report = verify_case(case, methods=["sympy", "fd", *FRAMEWORKS])
    assert report.status == "pass"
    assert "Hessian-vector products H v for 3 seeded random directions" in report.message
    point = report.case.points[0]
    directions = hessian_directions(case, point)
    assert directions is not None and directions.shape == (3, 300)
    expected = directions @ _rosenbrock_hessian(np.asarray(point.values["x"]))
    hessians = _hessians(report, 0)
    assert hessians["fd"] is None  # no fd Hessian above 60 elements
    for method in ("sympy", *FRAMEWORKS):
        for j in range(3):
            np.testing.assert_allclose(hessians[method]["x"][HVP_KEY.format(j)], expected[j],
                                       rtol=1e-11, atol=1e-9, err_msg=method)


def test_a_wrong_large_hessian_is_caught_by_its_products() -> None:
    f = _detached_cube_sum()

    values = np.linspace(-1.0, 2.0, 250).tolist()
    with pytest.raises(GradientMismatch, match=r"hessian\[x,·v0\]") as info:
        check(f, expr="sum(x**3)", inputs={"x": values}, order=2)
    verdict = next(v for v in info.value.report.points[0].verdicts
                   if v.method == "impl:function")
    assert verdict.status == "fail"
    np.testing.assert_array_equal(verdict.result.hessian["x"]["·v1"], np.zeros(250))
