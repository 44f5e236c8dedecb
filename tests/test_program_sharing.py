"""The jax method's compiled programs are shared by cases that compute the same thing
(``Expression.structure``, ``jax_programs.program_key``): a suite of one op over several
domains compiles once per shape, and sharing never mixes up two cases' values."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck_lab.case import Case
from gradcheck_lab.expr.parse import parse_expression as parse
from tests.helpers import case_from


def case_of(text: str) -> Case:
    return case_from(text, "t.yaml")


SAME_FUNCTION = ("name: {name}\nexpr: sum(sin(x) * y)\n{extra}"
                 "inputs: {{x: {x}, y: {{value: {y}, wrt: false}}}}\n")
AT = (([0.5, 1.0], [2.0, 3.0]), ([-1.5, 0.25], [-4.0, 0.5]))  # x, y of two cases


def _two_cases(extra: str = "") -> list[Case]:
    """``sum(sin(x) * y)`` at the two points of ``AT``, as two cases."""
    return [case_of(SAME_FUNCTION.format(name=f"c{i}", x=x, y=y, extra=extra))
            for i, (x, y) in enumerate(AT)]


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
    from gradcheck_lab.methods import jax_programs, jax_reverse

    first, second = _two_cases()
    other_shape = case_of(SAME_FUNCTION.format(name="c", x="[0.1, 0.2, 0.3]",
                                               y="[1.0, 1.0, 1.0]", extra=""))
    assert jax_programs.program_key(first) == jax_programs.program_key(second)
    assert jax_programs.program_key(first) != jax_programs.program_key(other_shape)
    assert jax_programs.compiled(first) is jax_programs.compiled(second)
    for case, (x, y) in zip((first, second), AT, strict=True):
        result = jax_reverse.compute(case, case.points[0])
        assert result.error is None, result.error
        np.testing.assert_allclose(result.gradient["x"], np.cos(x) * np.array(y), rtol=1e-15)
        np.testing.assert_allclose(result.value, np.sum(np.sin(x) * np.array(y)), rtol=1e-15)


def test_a_cotangent_or_dtype_of_its_own_is_a_program_of_its_own() -> None:
    pytest.importorskip("jax")
    from gradcheck_lab.methods import jax_programs, jax_reverse

    text = "name: v\nexpr: sin(x)\ninputs: {{x: [0.5, 1.0]}}\ncotangent: {cot}\n{extra}"
    ones = case_of(text.format(cot="[1.0, 1.0]", extra=""))
    other = case_of(text.format(cot="[2.0, -1.0]", extra=""))
    single = case_of(text.format(cot="[1.0, 1.0]", extra="dtype: float32\n"))
    keys = {jax_programs.program_key(c) for c in (ones, other, single)}
    assert len(keys) == 3
    result = jax_reverse.compute(other, other.points[0])
    np.testing.assert_allclose(result.gradient["x"], np.cos([0.5, 1.0]) * [2.0, -1.0],
                               rtol=1e-15)


def test_order_2_cases_share_their_hessian_program_too() -> None:
    pytest.importorskip("jax")
    from gradcheck_lab.methods import jax_programs, jax_reverse

    first, second = _two_cases(extra="order: 2\n")
    hessian_program = jax_programs.compiled(first, second=True)
    assert hessian_program is jax_programs.compiled(second, second=True)
    assert hessian_program is not jax_programs.compiled(first)
    for case, (x, y) in zip((first, second), AT, strict=True):
        result = jax_reverse.compute(case, case.points[0])
        assert result.error is None, result.error
        assert result.hessian is not None
        np.testing.assert_allclose(result.hessian["x"]["x"], np.diag(-np.sin(x) * np.array(y)),
                                   rtol=1e-15, atol=1e-300)


def test_structure_tells_long_constant_arrays_apart() -> None:
    """numpy's repr elides the middle of a long array: two traced constants differing
    there must not share a program."""
    from gradcheck_lab.expr.graph import Const, Expression, Op

    def with_constant(values: np.ndarray) -> Expression:
        const = Const(values, "c", (1, 1))  # type: ignore[arg-type]  # a traced array
        root = Op("sum", (const,), (("axis", None), ("keepdims", False)), (1, 1))
        return Expression("sum(c)", root, (const, root))

    a, b = np.zeros(5000), np.zeros(5000)
    b[2500] = 1.0
    assert repr(a) == repr(b)
    assert with_constant(a).structure() != with_constant(b).structure()
    assert with_constant(a).structure() == with_constant(a.copy()).structure()
