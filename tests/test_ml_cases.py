"""The shipped ML section (cases/ml_layers_and_losses.yaml): the exact gradients equal
gradients derived by hand in plain numpy (no parser, no backend), and every method agrees
(sympy, fd, torch, jax, the claims, the custom backwards; the tanh-backward GELU fails as
expected)."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest

from gradcheck_lab import verify

FILE = Path(__file__).resolve().parent.parent / "cases" / "ml_layers_and_losses.yaml"


def _exact(report, name: str) -> list[dict[str, np.ndarray]]:  # type: ignore[no-untyped-def]
    case = next(c for c in report.cases if c.case.name == name)
    return [next(v for v in p.verdicts if v.method == "sympy").result.gradient
            for p in case.points]


@pytest.fixture(scope="module")
def exact():  # type: ignore[no-untyped-def]
    return verify(FILE, methods=["sympy"])


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_masked_cross_entropy_is_softmax_minus_one_hot_over_the_kept_tokens(exact) -> None:  # type: ignore[no-untyped-def]
    logits = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, -0.3], [1.5, 1.4, -2.0], [0.0, 3.0, 1.0]])
    labels = [0, 2, -100, 1]
    want = _softmax(logits)
    for i, c in enumerate(labels):
        if c == -100:
            want[i] = 0.0  # the padded token contributes nothing
        else:
            want[i, c] -= 1.0
    (grad,) = _exact(exact, "cross_entropy_ignore_mask")
    np.testing.assert_allclose(grad["logits"], want / 3, rtol=1e-13, atol=1e-16)


def test_label_smoothing_with_class_weights(exact) -> None:  # type: ignore[no-untyped-def]
    # torch: loss_i = w_c (1 - e) (-log p_ic) + e / C sum_j w_j (-log p_ij), mean over
    # sum of w_c of the kept rows; d/dz_i = (1 - e) w_c (p - onehot) + e / C (sum_j w_j p -
    # w), all over sum w_c
    logits = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, -0.3], [1.5, 1.4, -2.0], [0.0, 3.0, 1.0]])
    w, e, labels = np.array([1.0, 2.0, 0.5]), 0.1, [0, 2, -100, 1]
    p = _softmax(logits)
    want = np.zeros_like(logits)
    total = 0.0
    for i, c in enumerate(labels):
        if c == -100:
            continue
        onehot = np.eye(3)[c]
        want[i] = (1 - e) * w[c] * (p[i] - onehot) + e / 3 * (w.sum() * p[i] - w)
        total += w[c]
    (grad,) = _exact(exact, "cross_entropy_label_smoothing")
    np.testing.assert_allclose(grad["logits"], want / total, rtol=1e-13, atol=1e-16)


def test_focal_loss(exact) -> None:  # type: ignore[no-untyped-def]
    # L = -a_t (1 - p_t)^2 log p_t; dp_t/dz = s p (1 - p) with s = +1 (y = 1) or -1;
    # dL/dp_t = a_t (2 (1 - p_t) log p_t - (1 - p_t)^2 / p_t)
    y = np.array([1, 0, 1, 0, 0])
    for z, grad in zip([np.array([1.2, -0.4, 2.5, -3.0, 0.3]),
                        np.array([-2.0, 0.5, 0.0, 4.0, -1.0])],
                       _exact(exact, "focal_loss"), strict=True):
        p = 1 / (1 + np.exp(-z))
        pt, s = np.where(y == 1, p, 1 - p), np.where(y == 1, 1.0, -1.0)
        at = np.where(y == 1, 0.25, 0.75)
        dpt = at * (2 * (1 - pt) * np.log(pt) - (1 - pt) ** 2 / pt)
        np.testing.assert_allclose(grad["z"], dpt * s * p * (1 - p) / 5, rtol=1e-13)


def test_hard_swish(exact) -> None:  # type: ignore[no-untyped-def]
    x = np.array([-4.0, -2.5, -0.5, 0.0, 1.0, 2.9, 3.5])
    want = np.where(x < -3, 0.0, np.where(x > 3, 1.0, (2 * x + 3) / 6)) / 7
    (grad,) = _exact(exact, "hard_swish_clip")
    np.testing.assert_allclose(grad["x"], want, rtol=1e-14, atol=1e-17)


def _sparsemax(z: np.ndarray) -> np.ndarray:
    zs = np.sort(z)[::-1]
    k = np.arange(1, len(z) + 1)
    support = 1 + k * zs > np.cumsum(zs)
    tau = (zs[support].sum() - 1) / support.sum()
    return np.maximum(z - tau, 0)


def test_sparsemax_jacobian_is_the_projection_on_the_support(exact) -> None:  # type: ignore[no-untyped-def]
    # J = diag(s) - s s^T / |S| (s: the support's indicator): grad = s (w - mean_S(w))
    w = np.array([0.3, -1.0, 2.0, 0.5, 1.5])
    for z, grad in zip([np.array([1.0, 0.8, -0.5, 0.1, 1.4]),
                        np.array([0.2, 0.1, -0.3, 0.05, -1.0])],
                       _exact(exact, "sparsemax"), strict=True):
        s = (_sparsemax(z) > 0).astype(float)
        assert 1 < s.sum() < 5  # a real sparse support at both points
        np.testing.assert_allclose(grad["z"], s * (w - (s * w).sum() / s.sum()), rtol=1e-13,
                                   atol=1e-16)


def test_layer_norm_gradient(exact) -> None:  # type: ignore[no-untyped-def]
    # dL/dx = (1/s) (g - mean(g) - x_hat mean(g x_hat)) with g = W gamma; dbeta = sum W;
    # dgamma = sum W x_hat
    x0 = np.array([[0.3, -1.2, 0.8, 2.0], [1.5, 0.1, -0.4, -0.9]])
    x1 = np.array([[2.0, 1.0, -1.0, 0.5], [0.0, 0.2, 0.4, 3.0]])
    gamma = np.array([1.0, 0.5, -0.7, 1.3])
    w = np.array([[0.2, -0.5, 1.0, 0.3], [-1.1, 0.4, 0.6, -0.2]])
    for name in ("layer_norm_by_hand", "layer_norm_op"):
        for x, grad in zip([x0, x1], _exact(exact, name), strict=False):
            mu = x.mean(axis=-1, keepdims=True)
            s = np.sqrt(((x - mu) ** 2).mean(axis=-1, keepdims=True) + 1e-5)
            xh, g = (x - mu) / s, w * gamma
            dx = (g - g.mean(-1, keepdims=True) - xh * (g * xh).mean(-1, keepdims=True)) / s
            np.testing.assert_allclose(grad["x"], dx, rtol=1e-12)
            np.testing.assert_allclose(grad["beta"], w.sum(axis=0), rtol=1e-14)
            np.testing.assert_allclose(grad["gamma"], (w * xh).sum(axis=0), rtol=1e-13)


def test_gelu(exact) -> None:  # type: ignore[no-untyped-def]
    for x, grad in zip([[-2.5, -0.7, 0.0, 0.4, 1.9], [-4.0, -1.0, 0.3, 2.2, 5.0]],
                       _exact(exact, "gelu_custom_backward"), strict=True):
        want = [(0.5 * (1 + math.erf(v / math.sqrt(2)))
                 + v * math.exp(-v * v / 2) / math.sqrt(2 * math.pi)) / 5 for v in x]
        np.testing.assert_allclose(grad["x"], want, rtol=1e-14)


def test_conv_pool_exact_reference_takes_seconds_at_most() -> None:
    from gradcheck_lab.loader import load_paths
    from gradcheck_lab.methods import symbolic

    (case,) = [c for c in load_paths([str(FILE)]) if c.name == "conv_relu_pool"]
    start = time.perf_counter()
    result = symbolic.compute(case, case.points[0])
    assert result.error is None and result.skipped is None
    assert time.perf_counter() - start < 3.0
    assert result.gradient["x"].shape == (1, 2, 6, 6)
    assert result.gradient["w"].shape == (3, 2, 3, 3)


@pytest.mark.slow
def test_every_method_agrees_on_the_ml_section() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    report = verify(FILE)
    for case in report.cases:
        status = dict(case.method_status)
        for method in ("sympy", "fd", "torch", "jax"):
            assert status[method] == "pass", (case.case.name, status)
        for method, got in status.items():
            if method.startswith(("claim:", "impl:")):
                want = "xfail" if method == "impl:torch_tanh_backward" else "pass"
                assert got == want, (case.case.name, method, got)
    assert report.exit_code == 0
