"""The value is checked from the autodiff call that gave the gradient (issue 10, item 5).

A ``jax.custom_jvp`` whose rule returns another primal than the function (arcsin's rule
returning arccos(x), a copy-paste seen in public code) changes what every ``jax.vjp``,
``jax.jvp`` and ``jax.grad`` of the user's program computes; a plain call of the function
does not show it. Specimens: ``tests/specimens/jax_rules.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck_lab import GradientMismatch, check
from gradcheck_lab.results import CaseReport

jax = pytest.importorskip("jax")

from tests.specimens import jax_rules  # noqa: E402

X = [0.1, -0.3, 0.5]


def _impl_verdicts(report: CaseReport) -> list:  # type: ignore[type-arg]
    return [v for p in report.points for v in p.verdicts if v.method == "impl:function"]


@pytest.mark.parametrize("cotangent", [None, "ones", [1.0, -2.0, 0.5]],
                         ids=["jacobian", "ones", "vector"])
def test_a_rule_returning_another_primal_fails_for_a_vector_output(cotangent: object) -> None:
    with pytest.raises(GradientMismatch) as info:
        check(jax_rules.arcsin_vector, expr="arcsin(x)", inputs={"x": X}, framework="jax",
              cotangent=cotangent, name="safe_arcsin")
    report = info.value.report
    assert report.status == "fail"
    assert report.method_status == {"sympy": "pass", "impl:function": "fail"}
    (verdict,) = _impl_verdicts(report)
    assert {m.input for m in verdict.mismatches} == {"value"}  # the gradient is right
    assert verdict.mismatch_count == 3
    worst = next(m for m in verdict.mismatches if m.index == (0,))
    assert worst.reference == pytest.approx(np.arcsin(0.1), rel=1e-15)
    assert worst.got == pytest.approx(np.arccos(0.1), rel=1e-15)


def test_the_same_rule_with_an_input_held_constant() -> None:
    with pytest.raises(GradientMismatch) as info:
        check(jax_rules.arcsin_scaled, expr="w * arcsin(x)", framework="jax",
              inputs={"x": X, "w": {"value": [2.0, 1.0, -1.0], "wrt": False}})
    (verdict,) = _impl_verdicts(info.value.report)
    assert verdict.status == "fail" and {m.input for m in verdict.mismatches} == {"value"}


def test_the_correct_rule_passes() -> None:
    report = check(jax_rules.good_arcsin_vector, expr="arcsin(x)", inputs={"x": X},
                   framework="jax", methods=["sympy", "jax", "jax_forward", "impl:function"])
    assert set(report.method_status.values()) == {"pass"}


def test_forward_mode_takes_the_value_from_its_linearised_call() -> None:
    import jax.numpy as jnp

    from gradcheck_lab.backends.jax_ops import x64
    from gradcheck_lab.methods.jax_autodiff import forward_mode

    with x64():
        out, (jacobian,) = forward_mode(jax_rules.arcsin_vector, [jnp.asarray(X)])
    np.testing.assert_allclose(np.asarray(out), np.arccos(X), rtol=1e-15)  # the rule's
    np.testing.assert_allclose(np.asarray(jacobian), np.diag(1 / np.sqrt(1 - np.square(X))),
                               rtol=1e-15)
