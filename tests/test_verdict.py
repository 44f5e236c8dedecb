"""Tolerance table, kink rule, statuses, and diagnosis on small cases run end to end."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gradcheck_lab.case import Tolerance
from gradcheck_lab.methods.registry import case_methods
from gradcheck_lab.results import worst
from gradcheck_lab.run import verify_case
from gradcheck_lab.tolerances import Family, default_tolerance, tolerance_for
from tests.helpers import case_from

NUMERIC = ["sympy", "fd"]


def test_default_table_catches_1e_8_relative_in_float64() -> None:
    case = case_from("name: a\ninputs: {x: 1.0}\nexpr: x\nclaims: {c: {x: 1}}\n"
                     "implementations: [{name: y, framework: numpy, gradient: 'm:f'}]")
    methods = case_methods(case)
    for method in ("torch", "jax", "torch_forward", "jax_forward", "claim:c", "impl:y", "fd"):
        tol = default_tolerance(methods[method].family, "float64")
        # an error of 1e-8 relative on a value of 1 exceeds the bound
        assert tol.atol + tol.rtol * 1.0 < 1e-8


def test_case_tolerance_overrides_only_given_parts() -> None:
    case = case_from("name: a\ninputs: {x: 1.0}\nexpr: x\n"
                     "tolerance: {atol: 1.0e-3, torch: {rtol: 1e-6}}")
    assert tolerance_for(case, "torch", Family.AUTODIFF) == Tolerance(rtol=1e-6, atol=1e-3)
    assert tolerance_for(case, "jax", Family.AUTODIFF) == Tolerance(rtol=1e-9, atol=1e-3)


def test_every_method_has_a_tolerance_family_with_defaults() -> None:
    from gradcheck_lab.methods.registry import SPECS
    from gradcheck_lab.tolerances import DEFAULTS

    for spec in SPECS:
        assert isinstance(spec.family, Family)
        assert (spec.family, "float64") in DEFAULTS


def test_worst_order() -> None:
    assert worst(["pass", "kink", "xfail"]) == "kink"
    assert worst(["pass", "error", "fail"]) == "error"
    assert worst(["skipped", "pass"]) == "pass"
    assert worst(["skipped"]) == "skipped"


def _claim_case(formula: str, expect_fail: bool = False) -> str:
    flag = ", expect: fail" if expect_fail else ""
    return ("name: mse\ninputs:\n  w: 0.0\n  X: {value: [1, 2, 3, 4], wrt: false}\n"
            "  Y: {value: [2, 4, 6, 8], wrt: false}\nexpr: mean((w*X - Y)**2)\n"
            f"claims:\n  c: {{w: \"{formula}\"{flag}}}\nmethods: [sympy, fd, claim:c]\n")


def test_seed_001_gradient_is_caught_with_its_factor() -> None:
    report = verify_case(case_from(_claim_case("dot(2*X, w*X - Y)")))
    assert report.status == "fail"
    verdict = next(v for v in report.points[0].verdicts if v.method == "claim:c")
    assert verdict.status == "fail"
    assert verdict.result.gradient["w"] == -120.0
    assert verdict.mismatches[0].reference == -30.0
    assert verdict.max_abs_error == 90.0
    (finding,) = report.findings
    assert finding.kind == "scale"
    assert "4 x the reference" in finding.message and "size of X" in finding.message


def test_expect_fail_turns_failure_into_xfail_and_pass_into_fail() -> None:
    wrong = verify_case(case_from(_claim_case("dot(2*X, w*X - Y)", expect_fail=True)))
    assert wrong.status == "xfail"
    right = verify_case(case_from(_claim_case("mean(2*X*(w*X - Y))", expect_fail=True)))
    assert right.status == "fail"
    verdict = next(v for v in right.points[0].verdicts if v.method == "claim:c")
    assert "expected to fail" in verdict.message


def test_relative_error_1e_8_is_caught() -> None:
    report = verify_case(case_from(_claim_case("mean(2*X*(w*X - Y)) * (1 + 1.0e-8)")))
    assert report.method_status["claim:c"] == "fail"


def test_sign_flip_finding() -> None:
    report = verify_case(case_from(_claim_case("-mean(2*X*(w*X - Y))")))
    assert [f.kind for f in report.findings] == ["sign"]


def test_abs_kink_is_kink_and_strict_makes_it_fail() -> None:
    case = case_from("name: a\ninputs: {x: [0.0, 2.0]}\nexpr: sum(abs(x))\nmethods: [sympy, fd]")
    report = verify_case(case)
    assert report.status == "kink"
    assert report.points[0].kinks == ("abs at column 5",)
    assert verify_case(case, strict=True).status == "fail"


def test_kink_that_does_not_matter_is_a_pass() -> None:
    # relu(x)**2 is differentiable at 0: one-sided derivatives agree
    case = case_from("name: a\ninputs: {x: 0.0}\nexpr: relu(x)**2\nmethods: [sympy, fd]")
    assert verify_case(case).status == "pass"


def test_nan_at_norm_zero_fails_even_at_a_kink() -> None:
    # SymPy's x/sqrt(x**2) is NaN at 0: a NaN is fail, not kink
    case = case_from("name: a\ninputs: {x: [0.0, 0.0]}\nexpr: norm(x)\nmethods: [sympy, fd]")
    report = verify_case(case)
    assert report.method_status == {"sympy": "fail", "fd": "kink"}
    assert report.points[0].reference == "fd"


def test_outside_the_one_sided_interval_fails_at_a_kink() -> None:
    case = case_from("name: a\ninputs: {x: 0.0}\nexpr: abs(x)\n"
                     "claims:\n  bad: {x: \"1.5 + 0*x\"}\n  ok: {x: \"0.3 + 0*x\"}\n"
                     "methods: [sympy, fd, claim:bad, claim:ok]")
    report = verify_case(case)
    assert report.method_status["claim:bad"] == "fail"
    assert report.method_status["claim:ok"] == "kink"
    bad = next(v for v in report.points[0].verdicts if v.method == "claim:bad")
    assert bad.mismatches[0].lower == pytest.approx(-1.0)
    assert bad.mismatches[0].upper == pytest.approx(1.0)


def test_expect_checked_against_reference() -> None:
    case = case_from("name: a\ninputs: {w: 1.0, x: {value: 1.0, wrt: false}, "
                     "y: {value: 2.0, wrt: false}}\nexpr: (w*x - y)**2\n"
                     "expect: {value: 1, grad: {w: -3}}\nmethods: [sympy, expect]")
    report = verify_case(case)
    verdict = next(v for v in report.points[0].verdicts if v.method == "expect")
    assert verdict.status == "fail"
    assert verdict.mismatches[0].reference == -2.0 and verdict.mismatches[0].got == -3.0


def test_import_does_not_load_frameworks() -> None:
    code = ("import sys, gradcheck_lab; "
            "print(sorted(m for m in ('torch', 'jax', 'sympy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_no_eval_or_exec_in_package() -> None:
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent / "gradcheck_lab"
    pattern = re.compile(r"(^|[^.\w])(eval|exec)\(|yaml\.load\(|unsafe_load|FullLoader")
    hits = [f"{p}:{i}" for p in root.rglob("*.py")
            for i, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert hits == []
