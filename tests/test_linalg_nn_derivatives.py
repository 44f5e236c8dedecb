"""The linear-algebra and neural-network ops against hand-derived derivatives: at a smooth
point the exact method's gradient equals the closed form written here (rel. 1e-12), and at
a kink or a domain edge the point is reported as one, with the exact method's derivative
there. Each expression embeds one scalar ``x`` in a small matrix or tensor whose
decomposition or convolution is worked out by hand in the comment beside it."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import numpy as np
import pytest

from gradcheck_lab.errors import CaseFileErrors
from gradcheck_lab.kinks import kinks_at
from gradcheck_lab.methods import symbolic
from tests.helpers import case_from

Derivative = Callable[[float], float]
LABELS = {"k": {"value": [2, 0], "dtype": "int64"}}


def _softmax0(x: float, others: tuple[float, ...]) -> float:
    return math.exp(x) / (math.exp(x) + sum(math.exp(o) for o in others))


def _eig_top(x: float) -> float:
    """Largest eigenvalue of [[x, 1], [1, 0]]: (x + sqrt(x^2 + 4)) / 2."""
    return (x + math.sqrt(x * x + 4)) / 2


def _eig_top_dx(x: float) -> float:
    return (1 + x / math.sqrt(x * x + 4)) / 2


def _layer_norm_d00(values: list[float], eps: float) -> float:
    """d y_0 / d x_0 of (x - m) / sqrt(v + eps): (1 - 1/n) / s - (x_0 - m)^2 / (n s^3)."""
    n = len(values)
    m = sum(values) / n
    s = math.sqrt(sum((v - m) ** 2 for v in values) / n + eps)
    return (1 - 1 / n) / s - (values[0] - m) ** 2 / (n * s ** 3)


# (expression in x, the point, d/dx written by hand)
SMOOTH: list[tuple[str, float, Derivative]] = [
    # [[x, 1], [0, 2]] u = [3, 2]: u1 = 1, u0 = 2 / x
    ("solve([[x, 1.0], [0.0, 2.0]], [3.0, 2.0])[0]", 0.5, lambda x: -2 / x ** 2),
    ("solve([[x, 1.0], [0.0, 2.0]], [[3.0], [2.0]])[0, 0]", 0.5, lambda x: -2 / x ** 2),
    # L of [[x, 1], [1, 2]]: L11 = sqrt(2 - 1/x)
    ("cholesky([[x, 1.0], [1.0, 2.0]])[1, 1]", 1.0,
     lambda x: 1 / (x * x * 2 * math.sqrt(2 - 1 / x))),
    # the symmetric part: [[2, x/2], [x/2, 2]], L10 = (x / 2) / sqrt(2)
    ("cholesky([[2.0, x], [0.0, 2.0]])[1, 0]", 0.3, lambda x: 1 / (2 * math.sqrt(2))),
    ("slogdet([[x, 1.0], [2.0, 1.0]])[1]", 0.5, lambda x: 1 / (x - 2)),  # log|x - 2|
    ("slogdet([[x, 1.0], [2.0, 1.0]])[0] * x", 0.5, lambda x: -1.0),  # sign(x - 2) = -1
    ("eigh([[x, 1.0], [1.0, 0.0]])[0][1]", 0.5, _eig_top_dx),
    ("eigvalsh([[x, 2.0], [0.0, 0.0]])[0]", 0.5, lambda x: 1 - _eig_top_dx(x)),  # trace - top
    # the top eigenvector (l, 1) / sqrt(l^2 + 1): d v0 = dl / (l^2 + 1)^(3/2)
    ("eigh([[x, 1.0], [1.0, 0.0]])[1][0, 1]", 0.5,
     lambda x: _eig_top_dx(x) / (_eig_top(x) ** 2 + 1) ** 1.5),
    ("eigh([[x, 1.0], [1.0, 0.0]])[1][1, 1]", 0.5,
     lambda x: -_eig_top(x) * _eig_top_dx(x) / (_eig_top(x) ** 2 + 1) ** 1.5),
    ("svdvals([[x, 1.0]])[0]", 0.5, lambda x: x / math.sqrt(x * x + 1)),
    ("svd([[x, 0.0], [0.0, 1.0]])[1][0]", 2.0, lambda x: 1.0),  # max(|x|, 1)
    ("svd([[x, 0.0], [0.0, 1.0]], compute_uv=False)[1]", -0.5, lambda x: -1.0),  # |x|
    # LAPACK's R00 = -sign(a00) ||a[:, 0]||
    ("qr([[x, 1.0], [1.0, 2.0]])[1][0, 0]", 0.5, lambda x: -x / math.sqrt(x * x + 1)),
    ("qr([[x, 1.0], [1.0, 2.0]])[1][0, 0]", -0.5, lambda x: x / math.sqrt(x * x + 1)),
    ("qr([[x, 1.0], [1.0, 2.0]])[0][1, 0]", 0.5,  # Q[:, 0] = -a[:, 0] / ||a[:, 0]||
     lambda x: x / (x * x + 1) ** 1.5),
    # pinv([[x], [1]]) = [x, 1] / (x^2 + 1)
    ("pinv([[x], [1.0]])[0, 0]", 0.5, lambda x: (1 - x * x) / (x * x + 1) ** 2),
    ("pinv([[x, 1.0]])[1, 0]", 0.5, lambda x: -2 * x / (x * x + 1) ** 2),
    # [[a, b], [0, d]]^3 has b (a^2 + a d + d^2) above the diagonal
    ("matrix_power([[x, 1.0], [0.0, 2.0]], 3)[0, 1]", 0.5, lambda x: 2 * x + 2),
    ("matrix_power([[x, 0.0], [0.0, 1.0]], -2)[0, 0]", 0.5, lambda x: -2 / x ** 3),
    ("matrix_power([[x, 0.0], [0.0, 1.0]], 0)[0, 0] * x", 0.5, lambda x: 1.0),
    ("expm([[x, 1.0], [0.0, x]])[0, 1]", 0.7, math.exp),  # e^x [[1, 1], [0, 1]]
    ("expm([[0.0, x], [-x, 0.0]])[0, 0]", 0.7, lambda x: -math.sin(x)),  # a rotation
    ("expm([[3.0 * x, 0.0], [0.0, 1.0]])[0, 0]", 1.5, lambda x: 3 * math.exp(3 * x)),
    # sum over all outputs of a full correlation = sum(input) * sum(weight)
    ("sum(conv1d(reshape([x, 1.0, 2.0], (1, 1, 3)), reshape([1.0, x], (1, 1, 2))))", 0.4,
     lambda x: 4.0),  # outputs 2x and 1 + 2x
    ("sum(conv2d(reshape([x, 1.0, 2.0, 3.0], (1, 1, 2, 2)), "
     "reshape([1.0, 2.0, 3.0, 4.0], (1, 1, 2, 2)), padding=1))", 0.4, lambda x: 10.0),
    ("sum(conv2d(reshape([x, 1.0, 2.0, 3.0], (1, 1, 2, 2)), "
     "reshape([1.0, 2.0, 3.0, 4.0], (1, 1, 2, 2)), padding=2, dilation=2))", 0.4,
     lambda x: 10.0),
    ("conv2d(reshape([x, 1.0, 2.0, 3.0], (1, 1, 2, 2)), "
     "reshape([1.0, 2.0, 3.0, 4.0], (1, 1, 2, 2)), padding=1, stride=2)[0, 0, 0, 0]", 0.4,
     lambda x: 4.0),  # the first window: x (padded to (1, 1)) meets the kernel's last 4
    ("conv2d(reshape([x, 1.0, 2.0, 3.0], (1, 1, 2, 2)), "
     "reshape([1.0, 2.0, 3.0, 4.0], (1, 1, 2, 2)), padding=1, stride=2)[0, 0, 1, 1]", 0.4,
     lambda x: 0.0),  # the last window holds only the input's 3 (and padding)
    # two groups: channel 1 of the input meets only filter 1 (weight 5)
    ("conv2d(reshape([1.0, 2.0, 3.0, x], (1, 2, 1, 2)), reshape([4.0, 5.0], (2, 1, 1, 1)), "
     "[0.5, 0.25], groups=2)[0, 1, 0, 1]", 0.4, lambda x: 5.0),
    ("sum(avg_pool2d(reshape([x, 1.0, 2.0, 3.0], (1, 1, 2, 2)), 2, padding=1))", 0.4,
     lambda x: 0.25),  # each window holds one element and three zeros
    ("max_pool2d(reshape([x, 1.0, 2.0, 3.0], (1, 1, 2, 2)), 2)[0, 0, 0, 0]", 4.0,
     lambda x: 1.0),
    ("max_pool2d(reshape([x, 1.0, 2.0, 3.0], (1, 1, 2, 2)), 2)[0, 0, 0, 0]", 2.0,
     lambda x: 0.0),
    ("layer_norm([x, 0.0, 1.0], (3,))[0]", 0.3, lambda x: _layer_norm_d00([x, 0, 1], 1e-5)),
    ("layer_norm([x, 0.0, 1.0], (3,), [2.0, 1.0, 1.0], eps=0.1)[0]", 0.3,
     lambda x: 2 * _layer_norm_d00([x, 0, 1], 0.1)),
    # -log softmax(row 0)[2] + -log softmax(row 1)[0], mean over 2 rows
    ("cross_entropy([[x, 0.0, 1.0], [0.5, 0.0, 0.0]], k)", 0.2,
     lambda x: _softmax0(x, (0.0, 1.0)) / 2),
    ("cross_entropy([[x, 0.0, 1.0], [0.5, 0.0, 0.0]], k, ignore_index=0)", 0.2,
     lambda x: _softmax0(x, (0.0, 1.0))),  # row 1 is ignored: the mean is over row 0
    ("cross_entropy([[x, 0.0, 1.0], [0.5, 0.0, 0.0]], k, ignore_index=0, "
     "label_smoothing=0.3)", 0.2, lambda x: _softmax0(x, (0.0, 1.0)) - 0.3 / 3),
    ("cross_entropy([[0.5, 0.0, 0.0], [x, 0.0, 1.0]], k, weight=[2.0, 1.0, 3.0], "
     "reduction='sum')", 0.2, lambda x: 2 * (_softmax0(x, (0.0, 1.0)) - 1)),
    ("nll_loss([[0.0, 0.5, x], [x, 0.5, 1.0]], k, weight=[2.0, 1.0, 3.0])", 0.2,
     lambda x: -1.0),  # (-3x - 2x) / (3 + 2)
]


def _case(text: str, x: float) -> object:
    inputs: dict[str, object] = {"x": x}
    if "k)" in text or "k," in text:
        inputs.update(LABELS)
    return case_from(json.dumps({"name": "d", "inputs": inputs, "expr": text}))


def _grad(text: str, x: float) -> float:
    case = _case(text, x)
    result = symbolic.compute(case, case.points[0])  # type: ignore[attr-defined]
    assert result.error is None and result.skipped is None, (text, result.error)
    return float(result.gradient["x"])


@pytest.mark.parametrize(("text", "x", "want"), SMOOTH, ids=[f"{t} at {x}" for t, x, _ in SMOOTH])
def test_exact_derivative_equals_the_hand_derived_one(text: str, x: float,
                                                      want: Derivative) -> None:
    assert _grad(text, x) == pytest.approx(want(x), rel=1e-12, abs=1e-15)


# (expression, the point, what kinks_at says, the exact method's derivative there)
EDGES: list[tuple[str, float, str, float]] = [
    # a tie inside a window: the mean of the tied elements' derivatives
    ("max_pool2d(reshape([x, 1.0, 2.0, 3.0], (1, 1, 2, 2)), 2)[0, 0, 0, 0]", 3.0,
     "max_pool2d at column 1", 0.5),
    # diag(x, 1) at x = 1: a repeated eigenvalue; max(x, 1) has one-sided slopes 0 and 1
    # the slope averaged over the tied pair: 0.5, the mean of 0 and 1
    ("eigvalsh([[x, 0.0], [0.0, 1.0]])[1]", 1.0, "eigvalsh at column 1", 0.5),
    ("eigvalsh([[x, 0.0], [0.0, 1.0]])[0]", 1.0, "eigvalsh at column 1", 0.5),
    # [[1, x], [x, 1]]: eigenvalues 1 -+ |x|, slopes -+1 on either side: mean 0
    ("eigh([[1.0, x], [x, 1.0]])[0][1]", 0.0, "eigh at column 1", 0.0),
    ("sum(eigvalsh([[x, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))", 1.0,
     "eigvalsh at column 5", 1.0),  # the trace: smooth through the triple tie
    ("svdvals([[x, 0.0], [0.0, 1.0]])[0]", 1.0, "svdvals at column 1", 0.5),  # max(|x|, 1)
    # a zero singular value: |x|, the symmetric derivative 0
    ("svdvals([[x, 0.0], [0.0, 1.0]])[1]", 0.0, "svdvals at column 1", 0.0),
    ("svd([[x, 1.0], [2.0 * x, 2.0]])[1][1]", 0.0, "svd at column 1", 0.0),
    # R00 = -sign(x) sqrt(x^2 + 1) jumps at x = 0 (LAPACK counts 0 as +): the + branch's
    ("qr([[x, 1.0], [1.0, 2.0]])[1][0, 0]", 0.0, "qr at column 1 (jump)", 0.0),
]


@pytest.mark.parametrize(("text", "x", "kink", "exact"), EDGES,
                         ids=[f"{t} at {x}" for t, x, _, _ in EDGES])
def test_kinks_are_found_and_named(text: str, x: float, kink: str, exact: float) -> None:
    case = _case(text, x)
    assert kinks_at(case.expr, case.points[0].values) == (kink,)  # type: ignore[attr-defined]
    got = _grad(text, x)
    assert got == pytest.approx(exact, rel=1e-14, abs=1e-15)


# domain edges: a point outside the op's domain is refused when the case is loaded
OUTSIDE: list[tuple[str, float, str]] = [
    ("slogdet([[x, 1.0], [2.0, 2.0]])[1]", 1.0, "not finite at point 0 (value -inf)"),
    ("sum(inv([[x, 1.0], [2.0, 2.0]]))", 1.0, "inv(): Singular matrix"),
    ("sum(solve([[x, 1.0], [2.0, 2.0]], [1.0, 1.0]))", 1.0, "solve(): Singular matrix"),
    ("sum(matrix_power([[x, 1.0], [2.0, 2.0]], -1))", 1.0, "matrix_power(): Singular matrix"),
    ("sum(cholesky([[x, 1.0], [1.0, 2.0]]))", 0.2,
     "cholesky(): Matrix is not positive definite"),
]


@pytest.mark.parametrize(("text", "x", "message"), OUTSIDE, ids=[t for t, _, _ in OUTSIDE])
def test_points_outside_the_domain_are_refused(text: str, x: float, message: str) -> None:
    with pytest.raises(CaseFileErrors) as caught:
        _case(text, x)
    assert message in str(caught.value)


def test_the_side_of_a_domain_edge_is_guarded() -> None:
    """fd never steps across det = 0 (inv, solve, slogdet) or out of positive definiteness:
    the guards of those rows change sign there."""
    from gradcheck_lab.expr.ops import OPS

    near = [np.array([[1e-9, 0.0], [0.0, 1.0]])]
    across = [np.array([[-1e-9, 0.0], [0.0, 1.0]])]
    for op in ("inv", "solve", "slogdet", "cholesky"):
        guard = OPS[op].guard
        assert guard is not None
        assert not np.array_equal(guard(near, {}), guard(across, {})), op
