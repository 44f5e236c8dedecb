"""Diagnosis that fits the evidence (issue 10, item 7): float32 only for errors that look
like float32 round-off; a constant slightly off in one term of the derivative, a missing
term and a value that is not expr's each get their own finding. Specimens:
``tests/specimens/torch_rules.py`` and ``jax_rules.py``."""

from __future__ import annotations

import pytest

from gradcheck_lab import GradientMismatch, check
from gradcheck_lab.results import CaseReport

torch = pytest.importorskip("torch")

from tests.specimens import torch_rules  # noqa: E402

GELU = "sum(gelu(x, approximate='tanh'))"
X = [0.5, -1.2, 2.0, -0.3]


def _failing(fn: object, expr: str, framework: str = "torch", x: list[float] = X
             ) -> CaseReport:
    with pytest.raises(GradientMismatch) as info:
        check(fn, expr=expr, inputs={"x": x}, framework=framework,  # type: ignore[arg-type]
              name="specimen")
    return info.value.report


def test_a_mistyped_constant_in_one_term_is_a_coefficient_finding() -> None:
    report = _failing(torch_rules.gelu_typo, GELU)
    assert report.status == "fail"
    (finding,) = [f for f in report.findings if f.method == "impl:function"]
    assert finding.kind == "coefficient"
    # 0.79788536 for 0.79788456: relative 1.0e-6, in the two terms of the inner derivative
    assert finding.message.startswith("a constant about 1e-06 off (relative) in the terms ")
    assert ("in the terms sqrt(2)*x*(1 - tanh(sqrt(2)*x*(8943*x**2/200000 + 1)/sqrt(pi))**2)"
            "*(26829*x**2 + 200000)/(400000*sqrt(pi)) (got") in finding.message
    assert finding.message.endswith("(got = reference + 1e-06 x them): a mistyped "
                                    "coefficient there?")
    assert "float32" not in " ".join(f.message for f in report.findings)


def test_the_correct_gelu_backward_passes() -> None:
    report = check(torch_rules.gelu_good, expr=GELU, inputs={"x": X})
    assert report.status == "pass"


def test_a_product_rule_cut_short_is_a_missing_term() -> None:
    report = _failing(torch_rules.gated_cut, "sum(x * tanh(x))")
    (finding,) = [f for f in report.findings if f.method == "impl:function"]
    assert finding.kind == "term"
    assert finding.message.startswith("the term x*(1 - tanh(x)**2) of the derivative is "
                                      "missing: got = reference - (x*(1 - tanh(x)**2))")


def test_a_value_that_is_not_exprs_says_so() -> None:
    pytest.importorskip("jax")
    from tests.specimens import jax_rules

    report = _failing(jax_rules.arcsin_vector, "arcsin(x)", "jax", [0.1, -0.3, 0.5])
    (finding,) = [f for f in report.findings if f.method == "impl:function"]
    assert finding.kind == "function"
    assert "computes another function than expr" in finding.message
    assert finding.message.endswith("its gradient is expr's (a custom rule returning another "
                                    "primal output than the function?)")
