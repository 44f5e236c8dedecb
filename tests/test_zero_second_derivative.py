"""Order 2 of piecewise-linear functions: a second derivative that is identically 0
(issue 10, item 3). torch's double backward of ``abs`` is a ZeroTensor, which numpy()
refuses; every method must give the zero Hessian and pass."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck_lab.run import verify_case
from tests.helpers import case_from

pytest.importorskip("torch")
pytest.importorskip("jax")

EVERY = ["sympy", "fd", "torch", "torch_forward", "jax", "jax_forward"]


def _case(expr: str, values: str, impls: str, methods: list[str]) -> object:
    return case_from(f"""
        name: piecewise_linear
        inputs: {{x: {values}}}
        expr: {expr}
        order: 2
        methods: [{', '.join(methods)}]
        implementations:
        {impls}
        """)


SLOW = pytest.mark.slow  # about 4 s each: every method, order 2


@pytest.mark.parametrize(("expr", "impls"), [
    pytest.param("sum(abs(x))", "  - {name: l1, framework: torch, function: "
                 "'tests.specimens.torch_rules:l1_penalty'}", id="abs-torch"),
    pytest.param("sum(relu(x)) + sum(abs(x)*sign(x)) + sum(maximum(x, 0.5*x)) + "
                 "sum(minimum(x, 2*x)) + max(x) - min(x)",
                 "  - {name: mix, framework: torch, function: "
                 "'tests.specimens.torch_rules:hinge_mix'}", id="mix-torch", marks=SLOW),
    pytest.param("sum(relu(x) + abs(x)*sign(x) + maximum(x, 0.5*x)) + max(x) - min(x)",
                 "  - {name: mix, framework: jax, function: "
                 "'tests.specimens.jax_rules:hinge_relu'}", id="mix-jax", marks=SLOW),
])
def test_every_method_gives_the_zero_hessian(expr: str, impls: str) -> None:
    name = impls.split("name: ")[1].split(",")[0]
    case = _case(expr, "[1.5, -0.7, 0.3]", impls, [*EVERY, f"impl:{name}"])
    report = verify_case(case)
    assert report.status == "pass", report.method_status
    assert set(report.method_status.values()) == {"pass"}
    for verdict in report.points[0].verdicts:
        assert verdict.result.hessian is not None, verdict.method
        hessian = verdict.result.hessian["x"]["x"]
        if verdict.method == "fd":  # second differences: round-off of the first ones
            np.testing.assert_allclose(hessian, np.zeros((3, 3)), atol=1e-12)
        else:
            np.testing.assert_array_equal(hessian, np.zeros((3, 3)), err_msg=verdict.method)


def test_zero_hessian_vector_products_above_200_elements() -> None:
    values = np.linspace(-1.05, 1.0, 201).round(4)
    case = _case("sum(abs(x))", str(values.tolist()),
                 "  - {name: l1, framework: torch, function: "
                 "'tests.specimens.torch_rules:l1_penalty'}",
                 ["sympy", "torch", "torch_forward", "jax", "jax_forward", "impl:l1"])
    report = verify_case(case)
    assert set(report.method_status.values()) == {"pass"}, report.method_status
    torch_result = next(v for v in report.points[0].verdicts if v.method == "torch").result
    assert torch_result.hessian is not None
    np.testing.assert_array_equal(torch_result.hessian["x"]["·v0"], np.zeros(201))


def test_the_zero_tensor_itself_converts() -> None:
    torch = pytest.importorskip("torch")
    from gradcheck_lab.methods.base import as_float64

    x = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(torch.abs(x).sum(), x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x)
    assert h._is_zerotensor()  # what torch returns; numpy() alone refuses it
    np.testing.assert_array_equal(as_float64(h), [0.0, 0.0])


def test_an_integer_result_has_a_zero_hessian_in_the_default_methods() -> None:
    """``argmax(x) * sum(x**2)`` (an index as a weight): jax.grad refuses an integer
    output, so the jax method's Hessian errored (found by the throughput suite); the
    integer factor is constant at the point: the Hessian is argmax(x) * 2 I = 4 I here."""
    report = verify_case(case_from(f"""
        name: index_weight
        inputs: {{x: [0.3, -1.2, 0.5]}}
        expr: argmax(x) * sum(x**2) + argmin(x)
        order: 2
        methods: [{', '.join(EVERY)}]
        """))
    assert report.method_status == dict.fromkeys(EVERY, "pass")
    for method in ("jax", "jax_forward", "torch_forward"):
        result = next(v.result for v in report.points[0].verdicts if v.method == method)
        assert result.hessian is not None
        np.testing.assert_allclose(result.hessian["x"]["x"], 4.0 * np.eye(3), atol=1e-12)
        np.testing.assert_allclose(result.gradient["x"], 4.0 * np.array([0.3, -1.2, 0.5]))


def test_an_integer_valued_expression_has_zero_derivatives_in_forward_mode() -> None:
    """``argmax(x)`` alone: torch.func and jax.jvp refused the int64 output (error); its
    derivative is 0 and its value the index."""
    report = verify_case(case_from(f"""
        name: index_alone
        inputs: {{x: [0.3, 1.2, -0.5]}}
        expr: argmax(x)
        methods: [{', '.join(EVERY)}]
        """))
    assert report.method_status == dict.fromkeys(EVERY, "pass")
    for verdict in report.points[0].verdicts:
        np.testing.assert_array_equal(verdict.result.gradient["x"], np.zeros(3))
        assert float(verdict.result.value) == 1.0


def test_an_integer_valued_expression_has_a_zero_hessian_in_every_method() -> None:
    """``argmax(x)`` at order 2: the jax method's Hessian program (compiled once per
    case since the throughput work) must make the integer output a float as its gradient
    program does; it errored on the suite's argmax_order2 and argmin_order2."""
    report = verify_case(case_from(f"""
        name: index_order2
        inputs: {{x: [0.3, 1.2, -0.5]}}
        expr: argmax(x)
        order: 2
        methods: [{', '.join(EVERY)}]
        """))
    assert report.method_status == dict.fromkeys(EVERY, "pass")
    for verdict in report.points[0].verdicts:
        if verdict.method in ("sympy", "fd", "jax", "jax_forward"):
            assert verdict.result.hessian is not None, verdict.method
            np.testing.assert_array_equal(verdict.result.hessian["x"]["x"], np.zeros((3, 3)))
