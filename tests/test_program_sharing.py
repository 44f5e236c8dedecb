"""The jax method's compiled programs are shared by cases that compute the same thing
(``Expression.structure``, ``jax_reverse.program_key``): a suite of one op over several
domains compiles once per shape, and sharing never mixes up two cases' values."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck_lab.case import Case
from gradcheck_lab.expr.parse import parse_expression as parse
from tests.helpers import case_from


def case_of(text: str) -> Case:
    return case_from(text, "t.yaml")


def test_structure_ignores_spacing_and_position_but_not_what_is_computed() -> None:
    names = frozenset({"x", "y"})
    base = parse("sum(sin(x) * y)", names).structure()
    assert parse("sum( sin(x)*y )", names).structure() == base
    assert parse("sum(sin(y) * x)", names).structure() != base  # other inputs
    assert parse("sum(cos(x) * y)", names).structure() != base  # another op
    assert parse("sum(sin(x) * y, axis=0)", names).structure() != base  # a static param
    assert parse("sum(sin(x) * 2.0)", names).structure() != parse(
        "sum(sin(x) * 2.5)", names).structure()  # a constant
    assert parse("sum(sin(x) * 2)", names).structure() != parse(
        "sum(sin(x) * 2.0)", names).structure()  # an int constant is not a float one


def test_cases_at_other_values_share_one_program_and_keep_their_own_values() -> None:
    pytest.importorskip("jax")
    from gradcheck_lab.methods import jax_reverse

    text = ("name: {name}\nexpr: sum(sin(x) * y)\n"
            "inputs: {{x: {x}, y: {{value: {y}, wrt: false}}}}\n")
    first = case_of(text.format(name="a", x="[0.5, 1.0]", y="[2.0, 3.0]"))
    second = case_of(text.format(name="b", x="[-1.5, 0.25]", y="[-4.0, 0.5]"))
    other_shape = case_of(text.format(name="c", x="[0.1, 0.2, 0.3]", y="[1.0, 1.0, 1.0]"))
    assert jax_reverse.program_key(first) == jax_reverse.program_key(second)
    assert jax_reverse.program_key(first) != jax_reverse.program_key(other_shape)
    assert jax_reverse._compiled(first) is jax_reverse._compiled(second)
    for case, x, y in ((first, [0.5, 1.0], [2.0, 3.0]), (second, [-1.5, 0.25], [-4.0, 0.5])):
        result = jax_reverse.compute(case, case.points[0])
        assert result.error is None, result.error
        np.testing.assert_allclose(result.gradient["x"], np.cos(x) * np.array(y), rtol=1e-15)
        np.testing.assert_allclose(result.value, np.sum(np.sin(x) * np.array(y)), rtol=1e-15)


def test_a_cotangent_or_dtype_of_its_own_is_a_program_of_its_own() -> None:
    pytest.importorskip("jax")
    from gradcheck_lab.methods import jax_reverse

    text = "name: v\nexpr: sin(x)\ninputs: {{x: [0.5, 1.0]}}\ncotangent: {cot}\n{extra}"
    ones = case_of(text.format(cot="[1.0, 1.0]", extra=""))
    other = case_of(text.format(cot="[2.0, -1.0]", extra=""))
    single = case_of(text.format(cot="[1.0, 1.0]", extra="dtype: float32\n"))
    keys = {jax_reverse.program_key(c) for c in (ones, other, single)}
    assert len(keys) == 3
    result = jax_reverse.compute(other, other.points[0])
    np.testing.assert_allclose(result.gradient["x"], np.cos([0.5, 1.0]) * [2.0, -1.0],
                               rtol=1e-15)


def test_order_2_cases_share_their_hessian_program_too() -> None:
    pytest.importorskip("jax")
    from gradcheck_lab.methods import jax_reverse

    text = ("name: {name}\nexpr: sum(sin(x) * y)\norder: 2\n"
            "inputs: {{x: {x}, y: {{value: {y}, wrt: false}}}}\n")
    first = case_of(text.format(name="h1", x="[0.5, 1.0]", y="[2.0, 3.0]"))
    second = case_of(text.format(name="h2", x="[-1.5, 0.25]", y="[-4.0, 0.5]"))
    assert jax_reverse._compiled(first, second=True) is jax_reverse._compiled(second,
                                                                              second=True)
    assert jax_reverse._compiled(first, second=True) is not jax_reverse._compiled(first)
    for case, x, y in ((first, [0.5, 1.0], [2.0, 3.0]), (second, [-1.5, 0.25], [-4.0, 0.5])):
        result = jax_reverse.compute(case, case.points[0])
        assert result.error is None, result.error
        assert result.hessian is not None
        np.testing.assert_allclose(result.hessian["x"]["x"], np.diag(-np.sin(x) * np.array(y)),
                                   rtol=1e-15, atol=1e-300)
