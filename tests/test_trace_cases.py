"""Case files whose function is given by code: no ``expr``, a ``reference:``, the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradcheck_lab import verify
from gradcheck_lab.errors import CaseFileErrors
from gradcheck_lab.loader import load_file
from gradcheck_lab.report.terminal import render_text
from tests.helpers import write

jax = pytest.importorskip("jax")

STE = """\
    import jax
    import jax.numpy as jnp

    @jax.custom_vjp
    def binarize(x):
        return jnp.sign(x)

    def _bwd(x, g):
        return (g * (jnp.abs(x) <= 1) * SIGN,)

    binarize.defvjp(lambda x: (binarize(x), x), _bwd)
    SIGN = 1.0

    def forward(x):
        return binarize(x)

    def surrogate(x):  # the value of sign(x), the gradient of clip(x, -1, 1)
        c = jnp.clip(x, -1.0, 1.0)
        return c + jax.lax.stop_gradient(jnp.sign(x) - c)
    """


def _case(tmp_path: Path, body: str, module: str = STE) -> Path:
    write(tmp_path, "ste.py", module)
    return write(tmp_path, "case.yaml", body)


def test_a_case_without_expr_is_traced_from_its_implementation(tmp_path: Path) -> None:
    path = _case(tmp_path, """\
        name: smooth
        inputs: {x: [0.5, -1.5, 2.0]}
        implementations:
          - {name: mine, framework: jax, function: "smooth:f"}
        """, "import jax.numpy as jnp\ndef f(x):\n    return jnp.sum(jnp.tanh(x) * x)\n")
    write(tmp_path, "smooth.py", "import jax.numpy as jnp\ndef f(x):\n"
                                 "    return jnp.sum(jnp.tanh(x) * x)\n")
    (report,) = verify(path).cases
    assert report.status == "pass"
    assert report.case.reference_source == "traced from smooth:f (jax)"
    assert report.case.expr is not None and report.case.expr.text == "sum(tanh(x) * x)"
    assert set(report.method_status) == {"sympy", "fd", "torch", "jax", "impl:mine"}
    assert set(report.method_status.values()) == {"pass"}


def test_a_straight_through_estimator_needs_its_surrogate_as_reference(tmp_path: Path
                                                                       ) -> None:
    """sign(x) has derivative 0: traced, the forward is the definition and the intended
    (surrogate) backward fails, visibly. A ``reference:`` giving the surrogate forward
    makes the check about the intended gradient."""
    plain = """\
        name: ste
        inputs: {x: [0.4, -0.3, 1.7, -2.5]}
        cotangent: ones
        methods: [sympy, fd, impl:ste]
        implementations:
          - {name: ste, framework: jax, function: "ste:forward"}
        """
    (report,) = verify(_case(tmp_path, plain)).cases
    assert report.status == "fail"
    assert report.case.expr is not None and report.case.expr.text == "sign(x)"
    (report,) = verify(_case(tmp_path, plain + "reference: {framework: jax, function: "
                                               "\"ste:surrogate\"}\n")).cases
    assert report.status == "pass", render_text_of(report)
    assert report.case.reference_source == "traced from ste:surrogate (jax)"
    assert report.case.expr.text == ("v1 = minimum(1.0, maximum(-1.0, x))\n"
                                     "v1 + stop_gradient(sign(x) - v1)")


def test_a_wrong_surrogate_backward_is_caught_against_the_reference(tmp_path: Path) -> None:
    module = STE.replace("SIGN = 1.0", "SIGN = -1.0")
    (report,) = verify(_case(tmp_path, """\
        name: ste
        inputs: {x: [0.4, -0.3, 1.7, -2.5]}
        cotangent: ones
        methods: [sympy, impl:ste]
        reference: {framework: jax, function: "ste:surrogate"}
        implementations:
          - {name: ste, framework: jax, function: "ste:forward"}
        """, module)).cases
    assert report.method_status["impl:ste"] == "fail"
    text = render_text_of(report)
    assert "reference: traced from ste:surrogate (jax)" in text
    assert "traced formula: v1 = minimum(1.0, maximum(-1.0, x))" in text


def test_a_reference_with_cuts_that_cannot_be_traced_has_no_numeric_stand_in(
        tmp_path: Path) -> None:
    module = STE + """
    def untraceable(x):  # fft: not mapped; the cut makes differences of the value wrong
        c = jnp.clip(x, -1.0, 1.0) + 0.0 * jnp.fft.fft(x).real
        return c + jax.lax.stop_gradient(jnp.sign(x) - c)
    """
    (report,) = verify(_case(tmp_path, """\
        name: ste
        inputs: {x: [0.4, -0.3, 1.7, -2.5]}
        cotangent: ones
        methods: [sympy, fd, impl:ste]
        reference: {framework: jax, function: "ste:untraceable"}
        implementations:
          - {name: ste, framework: jax, function: "ste:forward"}
        """, module)).cases
    assert report.status == "error"
    assert report.method_status["fd"] == "error"
    fd = next(v for v in report.points[0].verdicts if v.method == "fd")
    assert "cuts gradients (stop_gradient, detach) and could not be traced" in str(
        fd.result.error)


def test_without_expr_the_case_needs_code_to_trace(tmp_path: Path) -> None:
    path = write(tmp_path, "case.yaml", """\
        name: nothing
        inputs: {x: 1.0}
        implementations:
          - {name: grad, framework: numpy, gradient: "m:g"}
        """)
    with pytest.raises(CaseFileErrors) as info:
        load_file(path)
    (error,) = info.value.errors
    assert error.message == "missing required field 'expr'"
    assert error.field == "expr"
    assert error.accepted.startswith("expr, or code to trace the function from")


def test_code_computing_another_function_than_expr_is_said_so(tmp_path: Path) -> None:
    write(tmp_path, "other.py", "import jax.numpy as jnp\ndef f(x):\n"
                                "    return jnp.sum(jnp.sin(x) * 2.0)\n")
    path = write(tmp_path, "case.yaml", """\
        name: other
        inputs: {x: [0.5, 1.0]}
        expr: sum(sin(x))
        methods: [sympy, impl:mine]
        implementations:
          - {name: mine, framework: jax, function: "other:f"}
        """)
    (report,) = verify(path).cases
    (finding,) = [f for f in report.findings if f.kind == "function"]
    assert finding.method == "impl:mine"
    assert finding.message.startswith("implementation mine computes another function than "
                                      "expr: at point 0")
    assert finding.message.endswith("traced, the code is: sum(sin(x) * 2.0)")


def render_text_of(report):  # type: ignore[no-untyped-def]
    from gradcheck_lab.results import RunReport

    return render_text(RunReport((report,), 0.0))
