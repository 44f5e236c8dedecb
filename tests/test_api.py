"""gradcheck_lab.check(): a callable on trial inside a normal pytest test."""

from __future__ import annotations

import numpy as np
import pytest

import gradcheck_lab
from gradcheck_lab import GradientMismatch, UsageError, check


def test_correct_torch_softplus_passes() -> None:
    torch = pytest.importorskip("torch")

    def my_softplus(x):  # type: ignore[no-untyped-def]
        return torch.log1p(torch.exp(x)).sum()

    report = check(my_softplus, expr="sum(log(1 + exp(x)))", inputs={"x": [-3.0, 0.0, 2.0]})
    assert report.status == "pass"
    verdict = next(v for v in report.points[0].verdicts if v.method == "impl:function")
    x = np.array([-3.0, 0.0, 2.0])
    np.testing.assert_allclose(verdict.result.gradient["x"], 1 / (1 + np.exp(-x)), rtol=1e-15)


def test_custom_backward_bug_raises_readable_report() -> None:
    torch = pytest.importorskip("torch")

    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # type: ignore[no-untyped-def, override]
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):  # type: ignore[no-untyped-def, override]
            (x,) = ctx.saved_tensors
            return g * x  # BUG: missing the factor 2

    def f(x):  # type: ignore[no-untyped-def]
        return Square.apply(x).sum()

    with pytest.raises(GradientMismatch) as info:
        check(f, expr="sum(x**2)", inputs={"x": [1.0, -2.0]}, name="square")
    text = str(info.value)
    assert "square" in text and "impl:function" in text
    assert "0.5 x the reference" in text
    assert info.value.report.status == "fail"
    assert isinstance(info.value, AssertionError)  # pytest shows it as a normal failure


def test_numpy_gradient_and_points() -> None:
    report = check(lambda w, X: 2 * np.mean(X * X) * w, framework="numpy",
                   expr="mean((w*X)**2)", inputs={"w": 1.5, "X": {"value": [1.0, 2.0],
                                                                     "wrt": False}},
                   points=[{"w": -1.0}], name="mse")
    assert [p.status for p in report.points] == ["pass", "pass"]


def test_jax_custom_vjp() -> None:
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    @jax.custom_vjp
    def f(x):  # type: ignore[no-untyped-def]
        return jnp.sum(jnp.sin(x))

    f.defvjp(lambda x: (f(x), x), lambda x, g: (-g * jnp.cos(x),))  # BUG: sign
    with pytest.raises(GradientMismatch, match="sign is flipped"):
        check(lambda x: f(x), expr="sum(sin(x))", inputs={"x": [0.1, 0.2]}, framework="jax")


def test_bad_expression_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown function 'sinn'"):
        check(lambda x: x, expr="sinn(x)", inputs={"x": 1.0}, framework="numpy")


def test_exported() -> None:
    assert gradcheck_lab.check is check
