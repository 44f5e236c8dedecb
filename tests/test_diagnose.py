"""Findings name the pattern of a failure, with the numbers that show it."""

from __future__ import annotations

from gradcheck_lab.results import Finding
from gradcheck_lab.run import verify_case
from tests.helpers import case_from


def _findings(case_text: str) -> dict[str, Finding]:
    report = verify_case(case_from(case_text))
    return {f.kind: f for f in report.findings}


def _claim(formula: str, expr: str = "sum(x**2 * s)", x: str = "[1.0, 2.0, 3.0]",
           points: str = "") -> str:
    return (f"name: z\ninputs: {{x: {x}, s: {{value: 2.0, wrt: false}}}}\nexpr: {expr}\n"
            f"claims:\n  c: {{x: \"{formula}\"}}\nmethods: [sympy, claim:c]\n{points}")


def test_scale_by_a_size() -> None:
    found = _findings(_claim("2*x*s*3"))
    assert found["scale"].message.startswith("3 x the reference everywhere (3 = size of x")


def test_factor_two() -> None:
    found = _findings(_claim("x*s"))
    assert "0.5 x the reference" in found["scale"].message
    assert "factor of 2" in found["scale"].message


def test_sign_flip() -> None:
    assert "sign" in _findings(_claim("-2*x*s"))


def test_zero_gradient() -> None:
    found = _findings(_claim("0*x"))
    assert "detached" in found["zero"].message


def test_one_element_wrong() -> None:
    found = _findings(_claim("2*x*s + [0.0, 1.0, 0.0]"))
    assert found["elements"].message == "wrong only in 1 of 3 elements: x[1]"


def test_wrong_only_at_some_points() -> None:
    # right at x = [1, 2, 3], wrong where x[0] is not 1
    text = _claim("2*x*s * (1 + 0.5*(x[0] - 1))", points="points:\n  - {x: [2.0, 2.0, 3.0]}\n"
                  "  - {x: [1.0, 5.0, 3.0]}\n")
    found = _findings(text)
    assert found["points"].message == "wrong only at point(s) 1 of 3; right at 0, 2"


def test_transposed_jacobian() -> None:
    text = ("name: t\ninputs:\n  x: [1.0, 2.0]\n  A: {value: [[1.0, 2.0], [3.0, 4.0]], "
            "wrt: false}\nexpr: A @ x\nclaims:\n  c: {x: \"A.T\"}\nmethods: [sympy, claim:c]\n")
    found = _findings(text)
    assert "transposed" in found["transpose"].message


def test_nonfinite_names_the_element_and_point() -> None:
    found = _findings(_claim("2*x*s*exp(x)/exp(x)", x="[1.0, 800.0, 3.0]"))
    msg = found["nonfinite"].message
    assert msg.startswith("nan at x[1] (point 0, where x = 800); the reference is 3200")


def test_precision_that_varies_like_round_off() -> None:
    found = _findings(_claim("2*x*s*(1 + 3.0e-8*cos(5*x))"))
    assert found["precision"].message.startswith("relative errors of at most 2.5e-08")
    assert "float32 round-off is about 6e-8 and varies in sign and size" in \
        found["precision"].message


def test_a_systematic_relative_error_is_a_coefficient_not_float32() -> None:
    # issue 10, item 7: the same relative error everywhere is a constant, not round-off
    found = _findings(_claim("2*x*s*(1 + 3.0e-8)"))
    assert "precision" not in found
    assert found["coefficient"].message.startswith(
        "systematic relative error +3e-08 in every element (got = 1.00000003 x reference): a "
        "constant about 3e-08 off")
    assert "float32" not in found["coefficient"].message


def test_one_inputs_derivative_scaled_while_the_others_are_right() -> None:
    """A custom backward returning 3 * grad_w (seen in an RMSNorm rule written for this
    test: gw doubled): the scale is said for w, with x right."""
    text = ("name: two\ninputs: {x: [1.0, 2.0, -1.5], w: [0.5, -2.0, 3.0]}\n"
            "expr: sum(x * w**2)\nclaims:\n  c: {x: \"w**2\", w: \"6*x*w\"}\n"
            "methods: [sympy, claim:c]\n")
    found = _findings(text)
    assert found["scale"].message == "3 x the reference for w (3 = size of x: sum instead of " \
        "mean?) (x right)"
