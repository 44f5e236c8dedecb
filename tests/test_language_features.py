"""Case-level features of the language: int64 inputs and indexing, ``let:``, claims with
``grad`` and ``result``, non-finite inputs with ``allow_nonfinite``."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradcheck_lab.errors import CaseFileErrors
from gradcheck_lab.expr.graph import Op
from gradcheck_lab.methods import claims, fd, symbolic
from gradcheck_lab.run import verify_case
from tests.helpers import case_from

CROSS_ENTROPY = """
name: ce
inputs:
  logits: [[1.0, 2.0, 0.5], [0.3, -0.2, 0.8], [0.1, 0.2, 0.3]]
  labels: {value: [1, 0, -100], dtype: int64}
let:
  mask: labels != -100
  safe: where(mask, labels, 0)
  logp: logits - logsumexp(logits, axis=1, keepdims=True)
  picked: take_along_axis(logp, safe[:, None], axis=1)[:, 0]
expr: -sum(where(mask, picked, 0.0)) / sum(mask)
claims:
  pytorch_formula:
    logits: grad * (softmax(logits, axis=1) - one_hot(safe, 3)) * mask[:, None] / sum(mask)
"""


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_int64_labels_with_an_ignore_mask_agree_four_ways() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    case = case_from(CROSS_ENTROPY)
    labels = case.input["labels"]
    assert labels.is_integer and not labels.wrt and labels.value.dtype == np.int64
    report = verify_case(case)
    assert report.method_status == {"sympy": "pass", "fd": "pass", "torch": "pass",
                                    "jax": "pass", "claim:pytorch_formula": "pass"}
    z = np.array([[1.0, 2.0, 0.5], [0.3, -0.2, 0.8], [0.1, 0.2, 0.3]])
    want = (_softmax(z) - np.eye(3)[[1, 0, 0]]) * np.array([[1], [1], [0]]) / 2
    got = symbolic.compute(case, case.points[0]).gradient["logits"]
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-16)


def test_each_method_receives_int64_arrays() -> None:
    torch = pytest.importorskip("torch")
    from gradcheck_lab.methods import torch_reverse

    case = case_from(CROSS_ENTROPY)
    leaves = torch_reverse.leaves(case, case.points[0])
    assert leaves["labels"].dtype == torch.int64 and not leaves["labels"].requires_grad
    assert fd.FlatProblem(case, case.points[0]).base["labels"].dtype == np.int64


@pytest.mark.parametrize(("spec", "message"), [
    ("{value: [1.5, 0], dtype: int64}", "an int64 input holds whole numbers, got 1.5"),
    ("{value: [1, 0], dtype: int64, wrt: true}", "an int64 input is never differentiated"),
    ("{random: {shape: [2]}, dtype: int64}", "an int64 input takes a value, not random"),
    ("{value: [1, 0], dtype: int32}", "'int32' is not accepted"),
])
def test_int64_input_errors_name_the_field(spec: str, message: str) -> None:
    with pytest.raises(CaseFileErrors) as err:
        case_from(f"name: e\ninputs:\n  x: [1.0, 2.0]\n  k: {spec}\nexpr: sum(x)")
    assert message in str(err.value)
    assert "inputs.k" in str(err.value)


def test_an_index_out_of_range_and_a_float_index_are_refused() -> None:
    with pytest.raises(CaseFileErrors) as err:
        case_from("name: e\ninputs:\n  x: [1.0, 2.0]\n  k: {value: [2], dtype: int64}\n"
                  "expr: sum(x[k])")
    assert "index 2 is out of range for axis 0 of shape (2,) (-2..1)" in str(err.value)
    with pytest.raises(CaseFileErrors) as err:
        case_from("name: e\ninputs: {x: [1.0, 2.0]}\nexpr: sum(x[x * 0.5])")
    assert "an index array must hold integers" in str(err.value)


def test_a_boolean_mask_that_selects_another_count_at_another_point_is_refused() -> None:
    with pytest.raises(CaseFileErrors) as err:
        case_from("name: e\ninputs: {x: [1.0, -2.0]}\nexpr: x[x > 0]\n"
                  "points:\n  - {x: [1.0, 2.0]}")
    assert "the output has shape (2,) at point 1, (1,) at point 0" in str(err.value)


def test_a_let_is_shared_once_in_the_graph() -> None:
    case = case_from("name: ln\ninputs: {x: [1.0, 2.0, 4.0]}\n"
                     "let:\n  mu: mean(x)\n  var: mean((x - mu)**2)\n"
                     "expr: sum((x - mu) / sqrt(var + 1e-5))")
    means = [n for n in case.expr.nodes if isinstance(n, Op) and n.op == "mean"]
    assert len(means) == 2  # mu once (used three times), var's own mean once
    x = np.array([1.0, 2.0, 4.0])
    mu, var = x.mean(), ((x - x.mean()) ** 2).mean()
    assert symbolic.compute(case, case.points[0]).value == pytest.approx(
        float(np.sum((x - mu) / np.sqrt(var + 1e-5))), rel=1e-14)


def test_let_errors_point_into_the_let() -> None:
    with pytest.raises(CaseFileErrors) as err:
        case_from("name: e\ninputs: {x: [1.0, 2.0]}\nlet:\n  m: mean(x, axis=3)\n"
                  "expr: sum(x - m)")
    text = str(err.value)
    assert "field 'let.m'" in text and "axis 3 is out of range for shape (2,)" in text
    with pytest.raises(CaseFileErrors) as err:
        case_from("name: e\ninputs: {x: [1.0, 2.0]}\nlet:\n  x: mean(x)\nexpr: sum(x)")
    assert "let name 'x' shadows an input or a reserved name" in str(err.value)


def test_claims_may_use_grad_and_result_as_published_backward_formulas_do() -> None:
    case = case_from("name: s\ninputs: {x: [0.3, -1.2]}\nexpr: sigmoid(x)\n"
                     "cotangent: [2.0, -0.5]\nclaims:\n"
                     "  pytorch: {x: grad * result * (1 - result)}\n"
                     "  wrong: {x: grad * result, expect: fail}")
    report = verify_case(case, methods=["sympy", "claim:pytorch", "claim:wrong"])
    assert report.method_status == {"sympy": "pass", "claim:pytorch": "pass",
                                    "claim:wrong": "xfail"}
    got = claims.compute_claim(case.claims[0], case.points[0], case).gradient["x"]
    s = 1 / (1 + np.exp(-np.array([0.3, -1.2])))
    np.testing.assert_allclose(got, np.array([2.0, -0.5]) * s * (1 - s), rtol=1e-15)


def test_grad_needs_a_scalar_output_or_a_cotangent() -> None:
    with pytest.raises(CaseFileErrors) as err:
        case_from("name: s\ninputs: {x: [0.3, -1.2]}\nexpr: sigmoid(x)\n"
                  "claims:\n  c: {x: grad * result}")
    assert "'grad' (the cotangent) needs a scalar output or a cotangent" in str(err.value)


def test_nonfinite_inputs_only_with_allow_nonfinite() -> None:
    text = ("name: lae\ninputs:\n  x: [0.5, 2.0]\n  y: {value: [-.inf, .inf], wrt: false}\n"
            "expr: sum(where(isfinite(y), logaddexp(x, y), x))\n")
    with pytest.raises(CaseFileErrors) as err:
        case_from(text)
    assert "expected a finite number, got -inf" in str(err.value)
    case = case_from(text + "allow_nonfinite: true\n")
    assert case.allow_nonfinite and math.isinf(case.points[0].values["y"][0])
    result = symbolic.compute(case, case.points[0])
    np.testing.assert_array_equal(result.gradient["x"], [1.0, 1.0])
    assert verify_case(case, methods=["sympy", "fd"]).status == "pass"
