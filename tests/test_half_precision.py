"""float16 and bfloat16: rounding once, the tolerance rows, catching a 1e-2 error, findings.

The specimens (``tests/devices/specimens.py``) are hand-written softplus backward rules
in torch and JAX, right and 1% off. In float16 (u = 2^-11) a relative error of 1e-2 is
20 u and the default rows catch it; in bfloat16 (u = 2^-8) it is 2.6 u, inside the
rows' allowance for round-off of correct code, and caught by running the same code in
float32 at the same point (``verdict.witness``), or by a tolerance tightened to the
kernel's own round-off (1.5 u, no floor).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from gradcheck_lab import verify
from gradcheck_lab.case import Tolerance
from gradcheck_lab.errors import CaseFileErrors
from gradcheck_lab.precision import FORMATS, holds, round_to, roundoff_like
from gradcheck_lab.run import verify_case
from gradcheck_lab.tolerances import Family, default_tolerance, expression_depth, table_rows
from tests.helpers import ROOT, case_from, write

U16 = 2.0 ** -11
UBF = 2.0 ** -8


def test_rounding_once_to_each_format() -> None:
    # ties to even; 1 + 2^-8 + 2^-30 is above the tie (torch and ml_dtypes, going through
    # float32, round it down to 1)
    assert round_to(np.array([1 + 2**-8, 1 + 3 * 2**-8, 1 + 2**-8 + 2**-30]),
                    "bfloat16").tolist() == [1.0, 1 + 2**-6, 1 + 2**-7]
    assert round_to(np.array([0.1]), "bfloat16")[0] == 0.10009765625
    assert round_to(np.array([0.1]), "float16")[0] == 0.0999755859375
    # float16: the largest finite number, overflow from half an ulp above it, subnormals
    assert round_to(np.array([65519.99, 65520.0, -1e6]), "float16").tolist() == \
        [65504.0, math.inf, -math.inf]
    assert round_to(np.array([2.0**-25, 3 * 2.0**-26, 2.0**-24]), "float16").tolist() == \
        [0.0, 2.0**-24, 2.0**-24]
    x = np.random.default_rng(0).standard_normal(10_000) * 10.0 ** np.arange(-5, 5).repeat(1000)
    assert np.array_equal(round_to(x, "float16"), x.astype(np.float16).astype(np.float64))
    assert np.array_equal(round_to(x, "float32"), x.astype(np.float32).astype(np.float64))
    assert holds(round_to(x, "bfloat16"), "bfloat16") and not holds(x, "bfloat16")


def test_units_of_the_formats() -> None:
    assert [FORMATS[d].unit_roundoff for d in ("float64", "float32", "float16", "bfloat16")] \
        == [2.0**-53, 2.0**-24, 2.0**-11, 2.0**-8]
    assert FORMATS["bfloat16"].max_value == float(np.finfo(np.float32).max) * (1 - 2**-8) / \
        (1 - 2**-24)


@pytest.mark.parametrize(("expr", "depth"), [
    ("x", 1), ("x[0] * 2", 1), ("sum(softplus(x))", 2), ("sum(tanh(W @ x + b))", 4),
    ("[x[0], x[1]].T @ x", 1), ("mean((w*x - 1)**2)", 4),
])
def test_expression_depth(expr: str, depth: int) -> None:
    case = case_from(f"name: d\ninputs: {{x: [1.0, 2.0], W: [[1.0, 0.0], [0.0, 1.0]], "
                     f"b: [0.0, 1.0], w: 2.0}}\nexpr: '{expr}'\n")
    assert expression_depth(case.expr) == depth


def test_half_rows_grow_with_the_square_root_of_the_depth() -> None:
    assert default_tolerance(Family.AUTODIFF, "bfloat16", 4) == \
        Tolerance(rtol=2 * 2 * UBF, atol=2.0**-126, ntol=8 * 2 * UBF)
    assert default_tolerance(Family.AUTODIFF, "float16", 1) == \
        Tolerance(rtol=2 * U16, atol=2.0**-14, ntol=8 * U16)
    assert default_tolerance(Family.CLAIM, "float16", 9) == \
        default_tolerance(Family.CLAIM, "float64")  # claims always run in float64
    tol = default_tolerance(Family.AUTODIFF, "float16", 2)
    bound = tol.bound(np.array([1.0, -0.25, 0.0]))  # ntol: times the largest |ref|
    np.testing.assert_allclose(bound, tol.atol + tol.rtol * np.array([1.0, 0.25, 0.0]) +
                               tol.ntol * 1.0, rtol=1e-15)


def test_the_readme_holds_the_tolerance_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for row in table_rows():
        assert "| " + " | ".join(row) + " |" in readme, row


def _softplus_case(dtype: str, *, vector: bool, extra: str = "") -> str:
    suffix = "" if vector else "_sum"
    return f"""\
        name: softplus_{dtype}
        inputs: {{x: [-3.0, -1.2, -0.5, 0.0, 0.3, 0.9, 2.0, 4.5]}}
        points: [{{x: [0.1, 0.2, -0.7, 1.5, -2.2, 3.3, 0.05, -0.01]}}]
        expr: {'softplus(x)' if vector else 'sum(softplus(x))'}
        dtype: {dtype}
        {'cotangent: ones' if vector else ''}
        {extra}
        methods: [sympy, torch, jax, impl:torch_ok, impl:torch_off, impl:jax_ok, impl:jax_off]
        implementations:
          - {{name: torch_ok, framework: torch, function: "{_spec('torch_softplus', suffix)}"}}
          - {{name: torch_off, framework: torch,
              function: "{_spec('torch_softplus_skewed', suffix)}"}}
          - {{name: jax_ok, framework: jax, function: "{_spec('jax_softplus', suffix)}"}}
          - {{name: jax_off, framework: jax, function: "{_spec('jax_softplus_skewed', suffix)}"}}
        """


def _spec(name: str, suffix: str) -> str:
    return f"tests.devices.specimens:{name}{suffix}"


@pytest.mark.parametrize("vector", [False, True])
def test_float16_passes_right_code_and_catches_1e_2(vector: bool) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    report = verify_case(case_from(_softplus_case("float16", vector=vector)))
    assert report.method_status == {"sympy": "pass", "torch": "pass", "jax": "pass",
                                    "impl:torch_ok": "pass", "impl:torch_off": "fail",
                                    "impl:jax_ok": "pass", "impl:jax_off": "fail"}
    for method in ("impl:torch_off", "impl:jax_off"):
        verdicts = [v for p in report.points for v in p.verdicts if v.method == method]
        assert all(0.0095 < v.max_rel_error < 0.011 for v in verdicts)
        scale = next(f for f in report.findings if f.method == method and f.kind == "scale")
        factor = float(scale.message.split(" x ")[0])
        assert 1.009 < factor < 1.011, scale.message  # median of the rounded ratios
    # the inputs were rounded to float16 once, for every method and the reference
    assert report.points[1].point.values["x"][0] == 0.0999755859375


@pytest.mark.parametrize("vector", [False, True])
def test_bfloat16_rows_pass_right_code_and_the_float32_run_catches_1e_2(vector: bool) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    report = verify_case(case_from(_softplus_case("bfloat16", vector=vector)))
    assert report.method_status == {"sympy": "pass", "torch": "pass", "jax": "pass",
                                    "impl:torch_ok": "pass", "impl:torch_off": "fail",
                                    "impl:jax_ok": "pass", "impl:jax_off": "fail"}
    for method in ("impl:torch_off", "impl:jax_off"):
        off = [v for p in report.points for v in p.verdicts if v.method == method]
        # in bfloat16 every element's error (up to 1.3e-2) is inside the depth rows...
        assert [v.mismatch_count for v in off] == [0, 0]
        assert max(v.max_rel_error for v in off) > 0.0095
        # ...and the same code run in float32 is 1% off where float32 allows 1e-4
        for verdict in off:
            shown = re.fullmatch(r"run in float32 at the same point, the code is off too "
                                 r"\(x\[\d\]: reference \S+, got \S+, rel err (\S+); float32 "
                                 r"allows 0.0001\): an error in the code, not bfloat16 "
                                 r"round-off", verdict.message)
            assert shown is not None, verdict.message
            assert 0.0095 < float(shown.group(1)) < 0.0105
    right = [v for p in report.points for v in p.verdicts if v.method == "impl:torch_ok"]
    assert all(v.result.float32_witness is not None for v in right)  # it ran, and passed


def test_float32_witness_is_judged_with_the_float32_row_and_its_floor() -> None:
    from gradcheck_lab.results import MethodResult
    from gradcheck_lab.verdict.witness import float32_failure

    ref = MethodResult("sympy", value=np.asarray(2.0),
                       gradient={"x": np.array([1.0, -3.0, 1e-9])})

    def run(factor: float, small: float = 1e-9) -> MethodResult:
        return MethodResult("impl:k", value=np.asarray(2.0),
                            gradient={"x": np.array([1.0 * factor, -3.0, small])})

    assert float32_failure(run(1 + 5e-5), ref, "bfloat16", 1) is None  # within rtol 1e-4
    message = float32_failure(run(1.01), ref, "bfloat16", 1)
    assert message is not None and message.startswith(
        "run in float32 at the same point, the code is off too (x[0]: reference 1, got 1.01,")
    # an element far below the largest one is held to the floor, 8 u32 of 3 (1.4e-6)
    assert float32_failure(run(1.0, small=1e-6), ref, "float16", 1) is None
    assert float32_failure(run(1.0, small=3e-6), ref, "float16", 1) is not None
    failed = MethodResult("impl:k", error="no float32 kernel")
    assert float32_failure(failed, ref, "bfloat16", 1) is None  # half rows alone judge
    assert float32_failure(None, ref, "bfloat16", 1) is None


def test_bfloat16_tolerance_at_the_kernels_round_off_catches_1e_2() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    tight = "{rtol: 5.9e-3, ntol: 0}"  # 1.5 u: the specimen's forward rounds about 3 times
    extra = f"tolerance: {{impl:torch_ok: {tight}, impl:torch_off: {tight}}}"
    report = verify_case(case_from(_softplus_case("bfloat16", vector=True, extra=extra)))
    assert report.method_status["impl:torch_ok"] == "pass"
    assert report.method_status["impl:torch_off"] == "fail"
    off = [v for p in report.points for v in p.verdicts if v.method == "impl:torch_off"]
    assert [v.mismatch_count for v in off] == [8, 7]  # 15 of the 16 gradient elements


def test_a_kernel_the_framework_lacks_in_half_precision_is_skipped() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    report = verify_case(case_from("""\
        name: lu
        inputs: {A: [[1.0, 0.5], [0.25, 2.0]]}
        expr: det(A)
        dtype: bfloat16
        methods: [sympy, torch, jax]
        """))
    assert report.method_status == {"sympy": "pass", "torch": "skipped", "jax": "pass"}
    torch_verdict = next(v for v in report.points[0].verdicts if v.method == "torch")
    assert torch_verdict.message.startswith(
        "torch cannot evaluate this expression in bfloat16 on cpu (it can in float32): ")
    assert "\n" not in torch_verdict.message


def test_an_input_beyond_float16_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "case.yaml", "name: big\ninputs:\n  w: 1.0\n  x: [1.0, 70000.0]\n"
                                        "expr: sum(w * x)\ndtype: float16\n")
    with pytest.raises(CaseFileErrors) as info:
        verify(path)
    (error,) = info.value.errors
    assert (error.field, error.line) == ("inputs.x", 4)
    assert error.message == "x = 70000 overflows float16 (largest finite 65504)"


def test_the_cotangent_is_rounded_like_the_inputs() -> None:
    pytest.importorskip("torch")
    report = verify_case(case_from("name: c\ninputs: {x: [1.0, 2.0]}\nexpr: x * x\n"
                                   "cotangent: [0.1, 0.3]\ndtype: bfloat16\n"
                                   "methods: [sympy, torch]\n"))
    assert report.case.cotangent.tolist() == [0.10009765625, 0.30078125]
    assert report.method_status == {"sympy": "pass", "torch": "pass"}


def test_findings_know_each_formats_round_off() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    autocast = verify_case(case_from("""\
        name: autocast
        inputs: {x: [-3.0, -1.2, -0.5, 0.0, 0.3, 0.9, 2.0, 4.5]}
        expr: sum(exp(x / 4))
        dtype: float32
        methods: [sympy, impl:bf]
        implementations:
          - {name: bf, framework: torch,
             function: "tests.devices.specimens:torch_exp_quarter_in_bfloat16"}
        """))
    (finding,) = [f for f in autocast.findings if f.kind == "precision"]
    assert re.fullmatch(r"relative errors of at most 0.0019: errors like bfloat16 round-off "
                        r"\(0.47 u, u = 0.0039\) \(every value is a bfloat16 number\): a "
                        r"bfloat16 step in a float32 computation \(autocast, a half-precision "
                        r"kernel\)\?", finding.message), finding.message
    tight = verify_case(case_from("""\
        name: tight
        inputs: {x: [-3.0, -1.2, -0.5, 0.0, 0.3, 0.9, 2.0, 4.5]}
        expr: sum(tanh(x) * x)
        dtype: float16
        methods: [sympy, torch]
        tolerance: {torch: {rtol: 1.0e-5, ntol: 0}}
        """))
    (finding,) = [f for f in tight.findings if f.kind == "precision"]
    assert finding.message.startswith("relative errors of at most 0.0019: errors like float16 "
                                      "round-off (3.9 u, u = 0.00049), beyond the tolerance")


def test_roundoff_like_prefers_the_format_the_values_live_in() -> None:
    assert roundoff_like(6e-8).name == "float32"  # type: ignore[union-attr]
    assert roundoff_like(3e-3).name == "bfloat16"  # type: ignore[union-attr]
    assert roundoff_like(1e-3).name == "float16"  # type: ignore[union-attr]
    assert roundoff_like(1e-5) is None and roundoff_like(0.3) is None
    bf16_values = round_to(np.array([0.3, 1.7, -2.2]), "bfloat16")
    like = roundoff_like(1.5e-3, values=bf16_values)
    assert like is not None and like.name == "bfloat16"
    assert roundoff_like(2e-3, "bfloat16").name == "bfloat16"  # type: ignore[union-attr]
    assert roundoff_like(1e-3, "bfloat16") is None  # 0.26 u: not a whole rounding


@pytest.mark.slow  # about 10 s: forward modes and JAX compilations in two formats
def test_the_shipped_half_precision_cases() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    report = verify(ROOT / "cases" / "half_precision.yaml")
    status = {c.case.name: c for c in report.cases}
    assert status["mlp_float16"].status == "pass"
    custom = status["softplus_custom_backward_bfloat16"]
    assert custom.status == "xfail"
    assert custom.method_status["impl:torch_function"] == "pass"
    assert custom.method_status["impl:jax_custom_vjp"] == "pass"
    # bfloat16 round-off of the value is no sign of another function; 5 x the gradient is
    assert [(f.kind, f.method) for f in custom.findings] == [("scale",
                                                              "impl:torch_function_buggy")]
    assert custom.findings[0].message.startswith("4.99")
