"""Finite differences over a batch of points: the batched NumPy evaluation of every op
(and of every guard) equals the point-by-point one, and the batched Ridders kernels give
the point-by-point kernels' numbers bit for bit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gradcheck_lab.backends import numpy_ops
from gradcheck_lab.backends.numpy_ops.batch import (
    GUARD_RULES,
    RULES,
    evaluate_batch,
    looped,
    same_guards,
)
from gradcheck_lab.expr import parse_expression
from gradcheck_lab.expr.evaluate import evaluate_all
from gradcheck_lab.expr.ops import OPS
from gradcheck_lab.methods import fd
from gradcheck_lab.numeric.finite_diff import derivative, same_signature
from gradcheck_lab.numeric.finite_diff_batch import derivatives
from gradcheck_lab.numeric.second_difference import hessian, second_derivative
from tests.backend_cases import CASES, INPUTS, INTEGERS
from tests.helpers import case_from

IDS = [text for _, text in CASES]
NAMES = [*INPUTS, *INTEGERS]
BATCH = 5
RNG = np.random.default_rng(3)
# every input moved a little per batch entry (signs of A's entries and of x kept)
BATCHED = {k: np.asarray(v, dtype=np.float64) * (1 + 0.05 * RNG.standard_normal(
    (BATCH, *np.shape(v)))) for k, v in INPUTS.items()}


FIXED = {**{k: np.asarray(v, dtype=np.float64) for k, v in INPUTS.items()},
         **{k: np.asarray(v, dtype=np.int64) for k, v in INTEGERS.items()}}


def _point(name: str, b: int, only: frozenset[str]) -> np.ndarray:
    return BATCHED[name][b] if name in only else FIXED[name]


@pytest.mark.parametrize("only", [frozenset(INPUTS), frozenset({"x", "s"})],
                         ids=["all", "x_and_s"])
@pytest.mark.parametrize(("op", "text"), CASES, ids=IDS)
def test_batched_values_and_guards_equal_point_by_point(op: str, text: str,
                                                         only: frozenset[str]) -> None:
    expr = parse_expression(text, NAMES)
    inputs = {k: BATCHED[k] if k in only else v for k, v in FIXED.items()}
    nodes, batched = evaluate_batch(expr, inputs, only)
    for b in range(BATCH):
        single = evaluate_all(expr, numpy_ops.make_backend(),
                              {k: _point(k, b, only) for k in FIXED})
        for node in expr.nodes:
            got = nodes[id(node)][b] if batched[id(node)] else nodes[id(node)]
            want = np.asarray(single[id(node)])
            assert got.shape == want.shape, text
            np.testing.assert_allclose(got, want, rtol=1e-15, atol=1e-300, err_msg=text)
    at_centre = evaluate_all(expr, numpy_ops.make_backend(), FIXED)
    for node in expr.ops():
        guard = OPS[node.op].guard
        flags = [batched[id(a)] for a in node.args]
        if guard is None or not any(flags):
            continue

        def rule(*args: Any, guard: Any = guard, **params: Any) -> np.ndarray:
            return np.asarray(guard(list(args), params))

        centre = rule(*[np.asarray(at_centre[id(a)]) for a in node.args], **dict(node.params))
        signature = GUARD_RULES.get(node.op, looped)(
            rule, [nodes[id(a)] for a in node.args], flags, dict(node.params))
        want = [same_signature((rule(*[nodes[id(a)][b] if f else nodes[id(a)]
                                       for a, f in zip(node.args, flags, strict=True)],
                                     **dict(node.params)),), (centre,))
                for b in range(BATCH)]
        assert same_guards(centre, signature, BATCH).tolist() == want, text


def test_every_rule_names_an_op() -> None:
    assert set(RULES) <= set(OPS)
    assert set(GUARD_RULES) <= {name for name, spec in OPS.items() if spec.guard is not None}


def test_a_guard_sign_change_inside_the_batch_is_seen() -> None:
    # log's guard is the sign of its argument: points 1 and 3 cross 0
    reference = np.sign(np.array([0.5, 2.0]))
    signature = np.sign(np.array([[0.4, 2.0], [-0.1, 2.0], [0.6, 1.0], [0.5, -2.0]]))
    assert same_guards(reference, signature, 4).tolist() == [True, False, True, False]
    assert same_guards(reference, reference, 4).tolist() == [True] * 4  # no batched argument


def _scalar_problem(text: str, x0: list[float]) -> tuple[Any, Any, Any, np.ndarray]:
    """f, guard and a point-by-point probe of a case's flat function (same values)."""
    case = case_from(f"name: a\ninputs: {{x: {x0}}}\nexpr: {text}")
    problem = fd.FlatProblem(case, case.points[0])
    g0 = problem.guard(problem.x0)

    def probe(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        values = np.stack([problem.function(p) for p in points])
        same = np.array([same_signature(problem.guard(p), g0) for p in points])
        return values, same

    return problem.function, problem.guard, probe, problem.x0


@pytest.mark.parametrize(("text", "x0"), [
    ("sum(sin(x) * exp(x))", [0.3, -1.2, 2.5]),          # smooth: the batched path
    ("x ** 2", [1.5, 3000.0]),                            # a Jacobian with exact zeros: refined
    ("sum(sqrt(x))", [1e-9, 4.0]),                       # next to sqrt's edge: step search
    ("sum(abs(x))", [0.0, 1.0]),                           # at abs's kink: one-sided stencils
    ("sum(sin(1e6 * x))", [0.3, 0.7]),                    # fast variation: refinement sweeps
    ("sum(x * 1e11) + sum(x ** 3)", [1e11, -2e11]),       # far from 0: two first steps
    ("min(x) + 2 * max(x)", [0.3, 0.35, 1.0, 0.97]),      # argmin/argmax flip: step search
    ("sum(clip(x, 0.0, 1.0) ** 2)", [0.999, 0.5, 1e-7]),  # bounds within the first step
    ("sum(floor(x * 3) + x ** 2)", [0.34, 1.2]),           # a jump within the first step
])
def test_batched_kernel_equals_point_by_point(text: str, x0: list[float]) -> None:
    f, guard, probe, x = _scalar_problem(text, x0)
    at_kink = "abs" in text
    batched = derivatives(f, guard, probe, x, range(x.size), at_kink=at_kink)
    for k in range(x.size):
        one = derivative(f, guard, x, k, at_kink)
        for field in ("value", "error", "lower", "upper"):
            np.testing.assert_array_equal(getattr(batched[k], field), getattr(one, field))
        assert batched[k].stencil == one.stencil


@pytest.mark.parametrize(("text", "x0"), [
    ("(1 - x[0])**2 + 100*(x[1] - x[0]**2)**2", [0.5, -0.3]),
    ("sum(log(x) * x[0])", [2e-9, 3.0, 50.0]),            # an edge inside the first steps
    ("prod(x) + sum(exp(x))", [0.2, -0.4, 1.5, 30.0]),
])
def test_batched_hessian_equals_point_by_point(text: str, x0: list[float]) -> None:
    f, guard, probe, x = _scalar_problem(text, x0)
    matrix, error = hessian(f, guard, probe, x)
    for i in range(x.size):
        for j in range(x.size):
            value, estimate = second_derivative(f, guard, x, min(i, j), max(i, j))
            np.testing.assert_array_equal([matrix[i, j], error[i, j]], [value, estimate])


def test_first_steps_across_a_kink_are_searched_in_the_batch(monkeypatch: Any) -> None:
    # min's argmin flips within the first step 0.1 of x[0] and x[1]: the step search runs
    # batched, and no coordinate falls back to the point-by-point kernel
    f, guard, probe, x = _scalar_problem("min(x) + 2 * max(x)", [0.3, 0.35, 1.0, 0.97])
    import gradcheck_lab.numeric.finite_diff_batch as kernel

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("point by point")

    monkeypatch.setattr(kernel, "derivative", refuse)
    found = derivatives(f, guard, probe, x, range(x.size))
    assert [float(found[k].value[0]) for k in range(x.size)] == pytest.approx(
        [1.0, 0.0, 2.0, 0.0], abs=1e-9)
    assert all(found[k].stencil == "central" for k in range(x.size))


@pytest.mark.parametrize("seed", range(6))
def test_ridders_table_equals_ridders_row_by_row(seed: int) -> None:
    # random tableaux: quotients converging at random rates with noise, invalid rows, step
    # ratios that stop being above 1, and outputs of several elements; every sweep's
    # result must be the point-by-point kernel's on the same rows, bit for bit
    from gradcheck_lab.numeric.finite_diff import LEVELS, ridders
    from gradcheck_lab.numeric.finite_diff_batch import ridders_table

    rng = np.random.default_rng(seed)
    sweeps, m = 40, 3
    steps = 0.1 / 1.6 ** np.arange(LEVELS) * np.exp(0.01 * rng.standard_normal((sweeps, LEVELS)))
    steps[rng.random((sweeps, LEVELS)) < 0.03] *= 3.0  # a ratio below 1 now and then
    truth = rng.standard_normal((sweeps, 1, m))
    rate = rng.uniform(0.5, 3.0, (sweeps, 1, m))
    d = truth + rate * steps[:, :, None] ** 2 + 1e-12 * rng.standard_normal((sweeps, LEVELS, m))
    d[rng.random((sweeps, LEVELS, m)) < 0.01] = np.nan
    noise = 1e-15 / steps[:, :, None] * np.ones((1, 1, m))
    valid = rng.random((sweeps, LEVELS)) > 0.04
    valid[:, 0] = True
    best, err = ridders_table(d, noise, steps, valid, power=2)
    for p in range(sweeps):
        rows = iter(range(LEVELS))

        def quotient(h: float, p: int = p, rows: Any = rows) -> Any:
            i = next(rows)
            return (d[p, i], noise[p, i], steps[p, i]) if valid[p, i] else None

        want_best, want_err = ridders(quotient, 0.1, power=2)
        np.testing.assert_array_equal(best[p], want_best)
        np.testing.assert_array_equal(err[p], want_err)
