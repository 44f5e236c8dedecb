"""Case files: the forms the loader accepts, and every refusal naming file, line and field."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from gradcheck_lab.case import ALL_METHODS_KEY, Case, ToleranceOverride
from gradcheck_lab.errors import CaseError, CaseFileErrors, ExpressionError
from gradcheck_lab.expr.graph import Op
from gradcheck_lab.loader import CASE_FIELDS, load_file, load_paths
from gradcheck_lab.loader.yaml_nodes import MAX_YAML_DEPTH, MAX_YAML_NODES, load_yaml
from tests.helpers import write

CASE_FIELD_LIST = ", ".join(CASE_FIELDS)


def load_one(tmp_path: Path, text: str, name: str = "case.yaml") -> Case:
    cases = load_file(write(tmp_path, name, text))
    assert len(cases) == 1
    return cases[0]


def problems(path: Path) -> list[CaseError]:
    with pytest.raises(CaseFileErrors) as info:
        load_file(path)
    assert info.value.errors
    text = str(info.value)
    for error in info.value.errors:
        assert str(error) in text
        assert error.file == str(path)
    return info.value.errors


def problem(tmp_path: Path, text: str, *, line: int | None, field: str | None,
            name: str = "case.yaml") -> CaseError:
    """The one problem of a case file: located at ``line`` and ``field``, its str says so."""
    path = write(tmp_path, name, text)
    (error,) = problems(path)
    assert error.line == line, str(error)
    assert error.field == field, str(error)
    where = f"{path}:{line}" if line is not None else f"{path}: "
    assert str(error).startswith(where), str(error)
    if field is not None:
        assert f"field '{field}'" in str(error)
    return error


# --------------------------------------------------------------------------- accepted forms


def test_one_case(tmp_path: Path) -> None:
    case = load_one(tmp_path, """
        name: square.sum-1
        description: sum of squares
        source: by hand
        inputs:
          x: [1.0, 2.0]
        expr: sum(x ** 2)
    """)
    assert case.name == "square.sum-1"
    assert case.file == str(tmp_path / "case.yaml") and case.line == 1
    assert case.description == "sum of squares" and case.source == "by hand"
    assert [i.name for i in case.inputs] == ["x"]
    x = case.inputs[0]
    assert x.wrt and x.shape == (2,) and x.line == 5
    assert x.value.dtype == np.float64 and not x.value.flags.writeable
    np.testing.assert_array_equal(x.value, [1.0, 2.0])
    assert isinstance(case.expr.root, Op) and case.expr.root.op == "sum"
    assert case.expr.text == "sum(x ** 2)"
    assert case.output_shape == () and case.is_scalar
    assert len(case.points) == 1 and case.points[0].index == 0
    assert case.points[0].values["x"] is x.value
    # defaults
    assert (case.order, case.dtype, case.kinks) == (1, "float64", "allow")
    assert case.methods is None and case.tolerance is None and case.cotangent is None
    assert case.claims == () and case.implementations == ()
    assert case.gradient_shape("x") == (2,)


def test_cases_list(tmp_path: Path) -> None:
    cases = load_file(write(tmp_path, "two.yml", """
        cases:
          - name: first
            inputs: {x: 1.0}
            expr: sin(x)
          - name: second
            inputs: {y: 2}
            expr: y * 3
    """))
    assert [c.name for c in cases] == ["first", "second"]
    assert [c.line for c in cases] == [2, 5]
    assert cases[1].inputs[0].value.dtype == np.float64  # an int literal becomes float64
    assert float(cases[1].inputs[0].value) == 2.0


def test_input_forms(tmp_path: Path) -> None:
    case = load_one(tmp_path, """
        name: forms
        inputs:
          a: 1.5
          b: [[1, 2, 3], [4, 5, 6]]
          c: {value: [1.0, -2.0], wrt: false}
          d:
            value: -3
          n:
            random: {shape: [2, 3], distribution: normal, mean: 1.0, std: 2.0, seed: 7}
          u:
            random: {shape: [4], distribution: uniform, low: -1, high: 3, seed: 11}
          s:
            random: {shape: 3}
        expr: a + sum(b) + sum(c) + d + sum(n) + sum(u) + sum(s)
    """)
    inputs = case.input
    assert list(inputs) == ["a", "b", "c", "d", "n", "u", "s"]
    assert inputs["a"].shape == () and float(inputs["a"].value) == 1.5
    np.testing.assert_array_equal(inputs["b"].value, [[1, 2, 3], [4, 5, 6]])
    assert not inputs["c"].wrt and inputs["c"].line == 5
    assert inputs["d"].wrt and float(inputs["d"].value) == -3.0
    assert [i.name for i in case.wrt] == ["a", "b", "d", "n", "u", "s"]
    expected_n = np.random.default_rng(7).normal(1.0, 2.0, size=(2, 3))
    np.testing.assert_array_equal(inputs["n"].value, expected_n)
    expected_u = np.random.default_rng(11).uniform(-1, 3, size=(4,))
    np.testing.assert_array_equal(inputs["u"].value, expected_u)
    assert np.all((inputs["u"].value >= -1) & (inputs["u"].value < 3))
    np.testing.assert_array_equal(inputs["s"].value, np.random.default_rng(0).normal(size=3))
    for spec in case.inputs:
        assert spec.value.dtype == np.float64 and not spec.value.flags.writeable
    again = load_one(tmp_path, (tmp_path / "case.yaml").read_text(), name="again.yaml")
    for name in ("n", "u", "s"):  # seeded: the same values every load
        np.testing.assert_array_equal(again.input[name].value, inputs[name].value)


def test_points_override_base_values(tmp_path: Path) -> None:
    case = load_one(tmp_path, """
        name: points
        inputs:
          x: [1.0, 2.0]
          w: 3.0
        expr: w * sum(x)
        expect:
          value: 9.0
        points:
          - x: [0.5, 0.5]
          - w: -1.0
            expect:
              value: -3.0
              grad: {x: [-1.0, -1.0], w: 3.0}
    """)
    assert [p.index for p in case.points] == [0, 1, 2]
    base, first, second = case.points
    assert base.expect is not None and float(base.expect.value) == 9.0  # type: ignore[arg-type]
    np.testing.assert_array_equal(first.values["x"], [0.5, 0.5])
    assert float(first.values["w"]) == 3.0  # not overridden: the base value
    assert first.expect is None and first.line == 9
    np.testing.assert_array_equal(second.values["x"], [1.0, 2.0])
    assert float(second.values["w"]) == -1.0
    assert second.line == 10
    assert second.expect is not None
    assert float(second.expect.value) == -3.0  # type: ignore[arg-type]
    np.testing.assert_array_equal(second.expect.grad["x"], [-1.0, -1.0])
    assert float(second.expect.grad["w"]) == 3.0


def test_cotangent_forms(tmp_path: Path) -> None:
    body = """
        name: {name}
        inputs:
          x: [1.0, 2.0, 3.0]
        expr: x * 2
        cotangent: {cot}
    """
    ones = load_one(tmp_path, body.format(name="ones", cot="ones"))
    assert ones.cotangent_kind == "ones"
    np.testing.assert_array_equal(ones.cotangent, np.ones(3))  # type: ignore[arg-type]
    assert ones.gradient_shape("x") == (3,)
    rand = load_one(tmp_path, body.format(name="rand", cot="random"))
    assert rand.cotangent_kind == "random"
    expected = np.random.default_rng(zlib.crc32(b"rand")).normal(size=(3,))
    np.testing.assert_array_equal(rand.cotangent, expected)  # type: ignore[arg-type]
    explicit = load_one(tmp_path, body.format(name="explicit", cot="[1, 0, -2.5]"))
    assert explicit.cotangent_kind == "explicit"
    np.testing.assert_array_equal(explicit.cotangent, [1, 0, -2.5])  # type: ignore[arg-type]
    assert explicit.cotangent is not None and not explicit.cotangent.flags.writeable
    jacobian = load_one(tmp_path, body.format(name="jac", cot="ones").replace(
        "cotangent: ones", ""))
    assert jacobian.cotangent is None and jacobian.gradient_shape("x") == (3, 3)


def test_tolerance_forms(tmp_path: Path) -> None:
    both = load_one(tmp_path, """
        name: tol
        inputs: {x: 1.0}
        expr: x
        tolerance: {rtol: 1.0e-7, atol: 0}
    """)
    assert both.tolerance == {ALL_METHODS_KEY: ToleranceOverride(rtol=1e-7, atol=0.0)}
    text = """
        name: tol2
        inputs: {x: 1.0}
        expr: x
        tolerance:
          torch: {rtol: 1e-6}
          fd: {atol: 2E-5}
          atol: 1e-12
    """
    raw = load_yaml(textwrap.dedent(text), "t.yaml")
    assert raw["tolerance"]["torch"]["rtol"] == "1e-6"  # YAML 1.1 reads it as text
    per = load_one(tmp_path, text)
    assert per.tolerance == {ALL_METHODS_KEY: ToleranceOverride(atol=1e-12),
                             "torch": ToleranceOverride(rtol=1e-6),
                             "fd": ToleranceOverride(atol=2e-5)}
    assert isinstance(per.tolerance["torch"].rtol, float)


def test_methods_claims_implementations(tmp_path: Path) -> None:
    case = load_one(tmp_path, """
        name: trial
        inputs:
          w: [1.0, 2.0]
          X: {value: [3.0, 4.0], wrt: false}
        expr: mean((X * w) ** 2)
        claims:
          right:
            w: X ** 2 * w
          tutorial:
            w: 2 * X ** 2 * w
            expect: fail
        implementations:
          - name: torch-mine
            framework: torch
            function: "mymodel.loss:forward"
          - name: np_grad
            framework: numpy
            gradient: "grads:dloss"
            expect: fail
        methods: [sympy, fd, "claim:tutorial", "impl:np_grad", expect, sympy]
        tolerance:
          "claim:right": {rtol: 0.1}
    """)
    assert case.methods == ("sympy", "fd", "claim:tutorial", "impl:np_grad", "expect")
    right, tutorial = case.claims
    assert (right.name, right.expect_fail, right.line) == ("right", False, 8)
    assert (tutorial.name, tutorial.expect_fail) == ("tutorial", True)
    assert list(tutorial.formulas) == ["w"]
    assert tutorial.formulas["w"].text == "2 * X ** 2 * w"
    torch_impl, np_impl = case.implementations
    assert (torch_impl.name, torch_impl.framework, torch_impl.target, torch_impl.kind,
            torch_impl.expect_fail) == ("torch-mine", "torch", "mymodel.loss:forward",
                                        "function", False)
    assert (np_impl.name, np_impl.framework, np_impl.target, np_impl.kind,
            np_impl.expect_fail) == ("np_grad", "numpy", "grads:dloss", "gradient", True)
    assert torch_impl.base_dir == str(tmp_path.resolve())
    assert torch_impl.line == 13 and np_impl.line == 16
    assert case.tolerance == {"claim:right": ToleranceOverride(rtol=0.1)}


def test_methods_as_comma_separated_text(tmp_path: Path) -> None:
    case = load_one(tmp_path, """
        name: m
        inputs: {x: 1.0}
        expr: x
        methods: "sympy, complex_step,torch_forward"
    """)
    assert case.methods == ("sympy", "complex_step", "torch_forward")


def test_kinks_order_dtype(tmp_path: Path) -> None:
    case = load_one(tmp_path, """
        name: options
        inputs: {x: [0.0, 1.0]}
        expr: sum(abs(x))
        kinks: fail
        order: 2
        dtype: float32
    """)
    assert (case.kinks, case.order, case.dtype) == ("fail", 2, "float32")


def test_yaml_anchors_and_merge_keys_are_plain_yaml(tmp_path: Path) -> None:
    case = load_one(tmp_path, """
        name: anchors
        inputs:
          x: &v [1.0, 2.0]
          y: *v
        expr: sum(x * y)
        points:
          - {x: *v, y: [0.0, 1.0]}
    """)
    np.testing.assert_array_equal(case.input["y"].value, [1.0, 2.0])
    assert len(case.points) == 2


# --------------------------------------------------------------------------- refusals


def test_unknown_top_level_field(tmp_path: Path) -> None:
    error = problem(tmp_path, """
        name: a
        inputz: {x: 1.0}
        expr: x
    """, line=2, field="inputz")
    assert error.message == "unknown field 'inputz'; did you mean 'inputs'?"
    assert error.accepted == CASE_FIELD_LIST
    assert "(accepted: name, description, source, inputs, expr" in str(error)


@pytest.mark.parametrize("missing", ["name", "inputs", "expr"])
def test_missing_required_field(tmp_path: Path, missing: str) -> None:
    fields = {"name": "name: a", "inputs": "inputs: {x: 1.0}", "expr": "expr: x"}
    text = "description: d\n" + "\n".join(v for k, v in fields.items() if k != missing) + "\n"
    error = problem(tmp_path, text, line=1, field=missing)
    assert error.message == f"missing required field '{missing}'"
    assert error.accepted == (CASE_FIELD_LIST if missing != "expr" else
                              "expr, or code to trace the function from: a reference or an "
                              "implementation with framework torch or jax")


@pytest.mark.parametrize("name", ["'a b'", "a/b", "'ünï'", "'x;rm -rf'", "''"])
def test_bad_case_name(tmp_path: Path, name: str) -> None:
    error = problem(tmp_path, f"inputs: {{x: 1.0}}\nexpr: x\nname: {name}\n", line=3,
                    field="name")
    assert error.message.startswith("invalid case name")
    assert error.accepted == "[A-Za-z0-9_.-]+"


@pytest.mark.parametrize("name", ["sum", "sin", "pi", "e", "inf", "expect", "__x"])
def test_input_shadowing_a_function_or_constant(tmp_path: Path, name: str) -> None:
    error = problem(tmp_path, f"""
        name: a
        inputs:
          y: 1.0
          {name}: 1.0
        expr: y
    """, line=4, field=f"inputs.{name}")
    assert error.message == f"input name '{name}' shadows a function or constant"
    assert "expect" in (error.accepted or "")


def test_input_name_not_an_identifier(tmp_path: Path) -> None:
    error = problem(tmp_path, """
        name: a
        inputs:
          1x: 1.0
        expr: 1
    """, line=3, field="inputs.1x")
    assert "is not an identifier" in error.message


@pytest.mark.parametrize(("value", "message"), [
    ("[[1, 2], [3]]", "ragged nested list: rows have shapes [(1,), (2,)]"),
    ("[1, [2, 3]]", "ragged nested list"),
    ("[]", "an empty list has no values"),
    ("[[], []]", "an empty list has no values"),
    ("[1.0, .nan]", "expected a finite number, got nan"),
    (".NaN", "expected a finite number, got nan"),
    (".inf", "expected a finite number, got inf"),
    ("[-.inf, 1]", "expected a finite number, got -inf"),
    ("[1.0, hello]", "expected a number, got str 'hello'"),
    ("'1.0'", None),  # quoted numbers are read as numbers, like rtol: 1e-6
    ("true", "expected a number, got True"),
    ("null", "expected a number, got nothing (null)"),
])
def test_bad_input_values(tmp_path: Path, value: str, message: str | None) -> None:
    text = f"name: a\nexpr: sum(x)\ninputs:\n  x: {value}\n"
    if message is None:
        assert float(load_one(tmp_path, text).input["x"].value) == 1.0
        return
    error = problem(tmp_path, text, line=4, field="inputs.x")
    assert message in error.message
    if "ragged" in message:
        assert error.accepted == "a rectangular nested list of numbers"
    if "hello" in message:
        assert error.accepted == "a finite number such as 1, 0.5, 1.0e-6"


def test_unknown_field_of_an_input_and_no_value(tmp_path: Path) -> None:
    errors = problems(write(tmp_path, "c.yaml", "name: a\nexpr: x\ninputs:\n  x: {wrong: 1}\n"))
    assert [(e.line, e.field, e.message) for e in errors] == [
        (4, "inputs.x.wrong", "unknown field 'wrong'"),
        (4, "inputs.x", "give exactly one of 'value' and 'random'")]
    # a typo of a field is one problem, not also a missing field
    errors = problems(write(tmp_path, "d.yaml", "name: a\nexpr: x\ninputs:\n  x: {valeu: 1}\n"))
    assert [e.message for e in errors] == ["unknown field 'valeu'; did you mean 'value'?"]


@pytest.mark.parametrize(("spec", "line", "field", "message"), [
    ("{value: 1.0, wrt: maybe}", 3, "inputs.x.wrt", "wrt must be true or false, got 'maybe'"),
    ("{wrt: false}", 3, "inputs.x", "give exactly one of 'value' and 'random'"),
    ("{value: 1, random: {shape: [2]}}", 3, "inputs.x", "give exactly one of"),
    ("\n    random:\n      shape: [2]\n      distribution: gaussian", 6,
     "inputs.x.random.distribution", "'gaussian' is not accepted"),
    ("\n    random:\n      shape: [2]\n      seed: -1", 6, "inputs.x.random.seed",
     "seed must be a non-negative integer, got -1"),
    ("\n    random:\n      shape: [2, 0]", 5, "inputs.x.random.shape",
     "shape must be a list of positive integers, got [2, 0]"),
    ("\n    random:\n      shape: [1000, 1000, 1000]", 5, "inputs.x.random.shape",
     "has 1000000000 elements, more than the limit of 1000000"),
    ("\n    random:\n      distribution: uniform\n      low: 1\n      high: 1", 4,
     "inputs.x.random", "low (1) must be below high (1)"),
    ("\n    random:\n      sigma: 1", 5, "inputs.x.random.sigma", "unknown field 'sigma'"),
])
def test_bad_input_specs(tmp_path: Path, spec: str, line: int, field: str, message: str) -> None:
    error = problem(tmp_path, f"name: a\ninputs:\n  x: {spec}\nexpr: sum(x)\n", line=line,
                    field=field)
    assert message in error.message
    if "gaussian" in message:
        assert error.accepted == "normal, uniform"


def test_point_with_unknown_input(tmp_path: Path) -> None:
    error = problem(tmp_path, """
        name: a
        inputs:
          x: 1.0
        expr: x
        points:
          - x: 2.0
          - y: 2.0
    """, line=7, field="points[1].y")
    assert error.message == "unknown field 'y'"
    assert error.accepted == "x, expect"


def test_point_with_wrong_shape(tmp_path: Path) -> None:
    error = problem(tmp_path, """
        name: a
        inputs:
          x: [1.0, 2.0]
        expr: sum(x)
        points:
          - x: [1.0, 2.0]
          - x:
              [1.0, 2.0, 3.0]
    """, line=7, field="points[1].x")
    assert error.message == "shape (3,) differs from the input's shape (2,)"
    assert error.accepted == "an array of shape (2,)"


def test_points_must_be_a_list(tmp_path: Path) -> None:
    error = problem(tmp_path, "name: a\ninputs: {x: 1.0}\nexpr: x\npoints: {x: 1.0}\n",
                    line=4, field="points")
    assert "points must be a list" in error.message


def test_expression_shape_mismatch(tmp_path: Path) -> None:
    error = problem(tmp_path, """
        name: a
        inputs:
          x: [1, 2, 3]
          y: [1, 2]
        expr: x + y
    """, line=5, field="expr")
    assert "(3,)" in error.message and "(2,)" in error.message
    assert error.message.startswith("the expression cannot be evaluated")
    assert error.detail == "    x + y\n    ^"


def test_expression_error_in_the_file(tmp_path: Path) -> None:
    error = problem(tmp_path, "name: a\ninputs: {x: 1.0}\nexpr: 1 + sinn(x)\n", line=3,
                    field="expr")
    assert isinstance(error, ExpressionError)
    assert error.message == "unknown function 'sinn'; did you mean 'sin'?"
    assert error.column == 5  # within the expression
    assert error.detail == "    1 + sinn(x)\n        ^"


def test_expression_not_finite_at_a_point(tmp_path: Path) -> None:
    error = problem(tmp_path, """
        name: a
        inputs:
          x: 2.0
        expr: log(x)
        points:
          - x: 0.5
          - x: -1.0
    """, line=7, field="expr")
    assert error.message == "the expression is not finite at point 2 (value nan)"
    assert error.accepted == "points inside the function's domain"
    base = problem(tmp_path, "name: b\ninputs: {x: 0.0}\nexpr: 1 / x\n", line=3, field="expr")
    assert "not finite at point 0 (value inf)" in base.message


@pytest.mark.parametrize(("cot", "message", "accepted"), [
    ("[1, 2]", "cotangent shape (2,) differs from the output shape (3,)",
     "ones, random, or an array of shape (3,)"),
    ("[[1, 2, 3]]", "cotangent shape (1, 3) differs from the output shape (3,)",
     "ones, random, or an array of shape (3,)"),
    ("twos", "'twos' is not accepted", "ones, random, or a nested list of the output's shape"),
    ("[1, .nan, 3]", "expected a finite number, got nan", None),
])
def test_bad_cotangent(tmp_path: Path, cot: str, message: str, accepted: str | None) -> None:
    error = problem(tmp_path, f"name: a\ninputs:\n  x: [1, 2, 3]\nexpr: x * 2\ncotangent: {cot}\n",
                    line=5, field="cotangent")
    assert error.message == message
    assert error.accepted == accepted


@pytest.mark.parametrize(("key", "value", "accepted"), [
    ("dtype", "float8", "float64, float32, float16, bfloat16"),
    ("order", "3", "1, 2"),
    ("order", "'2'", "1, 2"),
    ("kinks", "maybe", "allow, fail"),
])
def test_bad_enum_values(tmp_path: Path, key: str, value: str, accepted: str) -> None:
    error = problem(tmp_path, f"name: a\ninputs: {{x: 1.0}}\nexpr: x\n{key}: {value}\n", line=4,
                    field=key)
    assert error.message.endswith("is not accepted")
    assert error.accepted == accepted
    assert f"(accepted: {accepted})" in str(error)


@pytest.mark.parametrize(("methods", "bad"), [
    ("[sympy, pytorch]", "'pytorch'"),
    ("[sympy, 'claim:nope']", "'claim:nope'"),
    ("[sympy, 'impl:nope']", "'impl:nope'"),
    ("[]", None),
    ("{sympy: 1}", None),
])
def test_bad_methods(tmp_path: Path, methods: str, bad: str | None) -> None:
    error = problem(tmp_path, f"name: a\ninputs: {{x: 1.0}}\nexpr: x\nmethods: {methods}\n",
                    line=4, field="methods")
    if bad is None:
        assert error.message == "methods must be a non-empty list of method names"
        return
    assert error.message == f"{bad} is not accepted"
    assert error.accepted == ("sympy, fd, complex_step, torch, torch_forward, jax, jax_forward, "
                              "expect")


def test_methods_accept_only_declared_claims(tmp_path: Path) -> None:
    error = problem(tmp_path, """
        name: a
        inputs: {x: 1.0}
        expr: x ** 2
        claims:
          mine: {x: 2 * x}
        methods: ["claim:mine", "claim:nope"]
    """, line=6, field="methods")
    assert error.message == "'claim:nope' is not accepted"
    assert (error.accepted or "").endswith("expect, claim:mine")


@pytest.mark.parametrize(("tol", "line", "field", "message"), [
    ("{rtol: -1.0}", 4, "tolerance.rtol", "rtol must be >= 0, got -1.0"),
    ("\n  torch:\n    atol: -1e-9", 6, "tolerance.torch.atol", "atol must be >= 0, got -1e-09"),
    ("\n  torch:\n    rtol: abc", 6, "tolerance.torch.rtol", "expected a number, got str 'abc'"),
    ("\n  torch:\n    rtol: .inf", 6, "tolerance.torch.rtol", "expected a finite number"),
    ("\n  pytorch: {rtol: 1.0e-6}", 5, "tolerance.pytorch",
     "unknown field 'pytorch'; did you mean 'torch'?"),
    ("\n  torch: {rtl: 1.0e-6}", 5, "tolerance.torch.rtl",
     "unknown field 'rtl'; did you mean 'rtol'?"),
    ("\n  torch: 1.0e-6", 5, "tolerance.torch", "expected a mapping"),
])
def test_bad_tolerance(tmp_path: Path, tol: str, line: int, field: str, message: str) -> None:
    error = problem(tmp_path, f"name: a\ninputs: {{x: 1.0}}\nexpr: x\ntolerance: {tol}\n",
                    line=line, field=field)
    assert message in error.message
    if "pytorch" in message:
        assert (error.accepted or "").startswith("rtol, atol, ntol, sympy, fd")


def test_expect_grad_for_an_input_held_constant(tmp_path: Path) -> None:
    error = problem(tmp_path, """
        name: a
        inputs:
          x: 1.0
          y: {value: 2.0, wrt: false}
        expr: x * y
        expect:
          grad: {y: 1.0}
    """, line=7, field="expect.grad")
    assert error.message == "'y' is not a differentiated input"
    assert error.accepted == "x"


def test_expect_grad_of_wrong_shape(tmp_path: Path) -> None:
    error = problem(tmp_path, """
        name: a
        inputs:
          x: [1.0, 2.0]
        expr: sum(x)
        points:
          - x: [3.0, 4.0]
            expect:
              grad:
                x: [1.0, 1.0, 1.0]
    """, line=8, field="points[0].expect.grad.x")
    assert error.message == "gradient of 'x' has shape (3,), expected (2,)"


def test_expect_value_of_wrong_shape(tmp_path: Path) -> None:
    error = problem(tmp_path, """
        name: a
        inputs:
          x: [1.0, 2.0]
        expr: x
        expect:
          value: 1.0
    """, line=6, field="expect.value")
    assert error.message == "value has shape (), the output has (2,)"


def test_claim_formula_of_wrong_shape(tmp_path: Path) -> None:
    error = problem(tmp_path, """
        name: a
        inputs:
          x: [1.0, 2.0]
        expr: sum(x * x)
        claims:
          wrong:
            x: sum(x)
    """, line=7, field="claims.wrong.x")
    assert error.message == "the formula has shape (), the gradient of 'x' has shape (2,)"


@pytest.mark.parametrize(("body", "line", "field", "message"), [
    ("    y: x", 8, "claims.c.y", "'y' is not a differentiated input"),
    ("    z: x", 8, "claims.c.z", "unknown field 'z'"),
    ("    x: coss(x)", 8, "claims.c.x", "unknown function 'coss'; did you mean 'cos'?"),
    ("    expect: fail", 7, "claims.c", "a claim gives a formula for at least one input"),
    ("    x: 1\n    expect: pass", 9, "claims.c.expect", "'pass' is not accepted"),
])
def test_bad_claims(tmp_path: Path, body: str, line: int, field: str, message: str) -> None:
    text = ("name: a\ninputs:\n  x: 1.0\n  y: {value: 1.0, wrt: false}\nexpr: x * y\n"
            f"claims:\n  c:\n{body}\n")
    error = problem(tmp_path, text, line=line, field=field)
    assert message in error.message


@pytest.mark.parametrize(("impl", "line", "field", "message", "accepted"), [
    ("framework: torch", 5, "implementations[0].function",
     "framework torch takes 'function: module:attr'", "function: package.module:attr"),
    ("framework: torch\n    function: os.system", 7, "implementations[0].function",
     "'os.system' is not 'module:attr'", "package.module:attr"),
    ("framework: jax\n    function: 'a:b; rm'", 7, "implementations[0].function",
     "'a:b; rm' is not 'module:attr'", "package.module:attr"),
    ("framework: numpy\n    function: mod:f", 5, "implementations[0].gradient",
     "framework numpy takes 'gradient: module:attr'", "gradient: package.module:attr"),
    ("framework: torch\n    function: m:f\n    gradient: m:g", 7,
     "implementations[0].function", "framework torch takes 'function: module:attr'",
     "function: package.module:attr"),
    ("framework: tensorflow\n    function: m:f", 6, "implementations[0].framework",
     "'tensorflow' is not accepted", "torch, jax, numpy"),
    ("framework: torch\n    function: m:f\n    expect: pass", 8, "implementations[0].expect",
     "'pass' is not accepted", "fail"),
])
def test_bad_implementations(tmp_path: Path, impl: str, line: int, field: str, message: str,
                             accepted: str) -> None:
    text = f"name: a\ninputs: {{x: 1.0}}\nexpr: x\nimplementations:\n  - name: mine\n    {impl}\n"
    error = problem(tmp_path, text, line=line, field=field)
    assert error.message == message
    assert error.accepted == accepted


def test_implementations_must_be_a_list(tmp_path: Path) -> None:
    error = problem(tmp_path, "name: a\ninputs: {x: 1.0}\nexpr: x\n"
                    "implementations: {name: m, framework: torch, function: m:f}\n",
                    line=4, field="implementations")
    assert error.message.startswith("implementations must be a list")


def test_errors_in_a_cases_list_name_the_case(tmp_path: Path) -> None:
    path = write(tmp_path, "many.yaml", """
        cases:
          - name: good
            inputs: {x: 1.0}
            expr: x
          - name: bad-expr
            inputs: {x: 1.0}
            expr: frob(x)
          - name: bad-order
            inputs:
              x: 1.0
            expr: x
            order: 3
          - 42
    """)
    errors = problems(path)
    assert [(e.line, e.field) for e in errors] == [
        (7, "cases[1].expr"), (12, "cases[2].order"), (13, "cases[3]")]
    assert errors[1].accepted == "1, 2"


@pytest.mark.parametrize(("text", "line", "field", "message"), [
    ("cases: []\n", 1, "cases", "'cases' must be a non-empty list of cases"),
    ("cases: {name: a}\n", 1, "cases", "'cases' must be a non-empty list of cases"),
    ("cases:\n  - {name: a, inputs: {x: 1}, expr: x}\nname: b\n", 3, "name",
     "a file with 'cases:' holds nothing else, found 'name'"),
])
def test_bad_cases_lists(tmp_path: Path, text: str, line: int, field: str, message: str) -> None:
    assert problem(tmp_path, text, line=line, field=field).message == message


def test_duplicate_case_names_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "name: same\ninputs: {x: 1.0}\nexpr: x\n")
    (tmp_path / "b.yaml").write_text("\n\ncases:\n  - {name: other, inputs: {x: 1.0}, expr: x}\n"
                                     "  - name: same\n    inputs: {x: 2.0}\n    expr: x\n")
    with pytest.raises(CaseFileErrors) as info:
        load_paths([tmp_path])
    (error,) = info.value.errors
    assert error.file == str(tmp_path / "b.yaml") and error.line == 5 and error.field == "name"
    assert error.message == f"duplicate case name 'same' (first in {tmp_path / 'a.yaml'}:1)"
    assert str(error).startswith(f"{tmp_path / 'b.yaml'}:5: field 'name': ")
    assert error.accepted == "a name unique in the suite"


def test_duplicate_key(tmp_path: Path) -> None:
    error = problem(tmp_path, """
        name: a
        inputs:
          x: 1.0
          x: 2.0
        expr: x
    """, line=4, field=None)
    assert error.message == "duplicate key 'x'"


def test_yaml_syntax_error(tmp_path: Path) -> None:
    error = problem(tmp_path, "name: a\ninputs: {x: 1.0\nexpr: x\n", line=3, field=None)
    assert error.message == "invalid YAML: did not find expected ',' or '}'"
    assert error.column == 5
    assert str(error).startswith(f"{tmp_path / 'case.yaml'}:3:5: ")
    assert error.detail == "    expr: x\n        ^"


def test_python_tags_are_refused(tmp_path: Path) -> None:
    target = Path("/tmp/pwned2")
    if target.exists():
        pytest.skip("/tmp/pwned2 exists already")
    error = problem(tmp_path, """
        name: a
        inputs: {x: 1.0}
        expr: x
        description: !!python/object/apply:os.system ["touch /tmp/pwned2"]
    """, line=4, field=None)
    assert "python/object/apply:os.system" in error.message
    assert not target.exists()
    scalar = problem(tmp_path, "name: a\ninputs: {x: 1.0}\nexpr: x\n"
                     "source: !!python/name:os.system\n", line=4, field=None)
    assert "could not determine a constructor" in scalar.message
    assert "no python/* or custom tags" in scalar.message
    assert scalar.column == 9
    mapping = problem(tmp_path, "name: a\ninputs: {x: 1.0}\nexpr: x\n"
                      "source: !!python/object:os.system {a: 1}\n", line=4, field=None)
    assert "unsupported tag" in mapping.message
    assert not target.exists()


@pytest.mark.parametrize(("value", "kind"), [
    ("2020-01-01", "date"), ("!!binary aGVsbG8=", "bytes"), ("!!set {a, b}", None)])
def test_non_plain_yaml_values(tmp_path: Path, value: str, kind: str | None) -> None:
    error = problem(tmp_path, f"name: a\ninputs: {{x: 1.0}}\nexpr: x\ndescription: {value}\n",
                    line=4, field=None)
    assert ("unsupported value" in error.message and f"({kind})" in error.message
            if kind else "unsupported tag" in error.message)


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "blob.yaml"
    path.write_bytes(b"name: a\x00\x01\x02\ninputs: {x: 1}\n")
    (error,) = problems(path)
    assert error.message == "not a text file (expected UTF-8 YAML)"
    assert str(error) == f"{path}: not a text file (expected UTF-8 YAML)"
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\xe9\n".encode("latin-1"))
    assert problems(latin)[0].message == "not a text file (expected UTF-8 YAML)"


@pytest.mark.parametrize("text", ["", "\n\n# only a comment\n", "- name: a\n- name: b\n",
                                  "just text\n", "42\n"])
def test_not_a_case_document(tmp_path: Path, text: str) -> None:
    (error,) = problems(write(tmp_path, "case.yaml", text))
    assert error.message == "a case file holds one case (a mapping with 'name') or 'cases: [...]'"
    assert error.line == 1


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    previous = "a"
    for name in "bcdefghij":  # 9 ** 10 nodes once expanded
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
        previous = name
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    (error,) = problems(path)
    assert time.perf_counter() - start < 5
    assert error.message == f"the YAML expands to more than {MAX_YAML_NODES} nodes (alias bomb?)"
    assert error.line is not None and 1 <= error.line <= len(lines)


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    error = problem(tmp_path, "name: a\ninputs: &i {x: 1.0, y: *i}\nexpr: x\n", line=2,
                    field=None)
    assert "recursive" in error.message


def test_deep_yaml_nesting_is_refused_without_crashing() -> None:
    # libyaml's composer recurses in C: this once killed the interpreter (SIGSEGV)
    code = ("import sys\n"
            "from gradcheck_lab.errors import CaseError\n"
            "from gradcheck_lab.loader import load_yaml\n"
            "for text in ('x: ' + '[' * 100000 + ']' * 100000, '- ' * 100000 + 'x'):\n"
            "    try:\n"
            "        load_yaml(text, 'deep.yaml')\n"
            "    except CaseError as exc:\n"
            "        print(exc)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, cwd=Path(__file__).resolve().parent.parent)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        f"deep.yaml:1: the YAML nests deeper than {MAX_YAML_DEPTH} levels"] * 2


def test_moderate_yaml_nesting_loads() -> None:
    depth = MAX_YAML_DEPTH - 1  # the root mapping is one level
    data = load_yaml("x: " + "[" * depth + "1" + "]" * depth, "ok.yaml")
    value = data["x"]
    for _ in range(depth - 1):
        value = value[0]
    assert value == [1]


def test_load_paths_lists_every_problem(tmp_path: Path) -> None:
    write(tmp_path, "good.yaml", "name: good\ninputs: {x: 1.0}\nexpr: x\n")
    write(tmp_path, "bad1.yaml", "name: bad1\ninputs: {x: 1.0}\nexpr: frob(x)\n")
    write(tmp_path, "bad2.yml", "name: bad2\ninputs: {x: 1.0}\nexpr: x\ndtype: float8\n")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "bad3.yaml", "name: [\n")
    write(tmp_path, "notes.txt", "not a case file at all")  # not *.yaml: not collected
    (tmp_path / ".hidden").mkdir()
    write(tmp_path / ".hidden", "bad4.yaml", "name: {\n")  # hidden folders are skipped
    with pytest.raises(CaseFileErrors) as info:
        load_paths([tmp_path])
    where = sorted((Path(e.file or "").name, e.line, e.field) for e in info.value.errors)
    assert where == [("bad1.yaml", 3, "expr"), ("bad2.yml", 4, "dtype"), ("bad3.yaml", 2, None)]
    text = str(info.value)
    for name in ("bad1.yaml:3:", "bad2.yml:4:", "bad3.yaml:2:"):
        assert name in text
    assert "good.yaml" not in text
    assert load_paths([tmp_path / "good.yaml"])[0].name == "good"


def test_load_paths_refuses_a_missing_path(tmp_path: Path) -> None:
    from gradcheck_lab.errors import UsageError

    with pytest.raises(UsageError, match="no such file or folder"):
        load_paths([tmp_path / "nope.yaml"])


def test_no_file_is_written_or_executed(tmp_path: Path) -> None:
    before = sorted(os.listdir(tmp_path))
    write(tmp_path, "case.yaml", """
        name: quiet
        inputs: {x: 1.0}
        expr: x
        implementations:
          - name: never-imported
            framework: numpy
            gradient: "no_such_module_anywhere:grad"
    """)
    (case,) = load_file(tmp_path / "case.yaml")  # loading does not import the module
    assert case.implementations[0].target == "no_such_module_anywhere:grad"
    assert "no_such_module_anywhere" not in sys.modules
    assert sorted(os.listdir(tmp_path)) == sorted(before + ["case.yaml"])
