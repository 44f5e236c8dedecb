"""Warming up: the next cases' ``jax`` programs compiled as one (``jax_batch``,
``warm_up``), in this process and in workers, giving the same numbers and statuses as
one program per case."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from gradcheck_lab import run as run_module
from gradcheck_lab.case import Case
from gradcheck_lab.options import RunOptions
from gradcheck_lab.parallel import _Slot
from gradcheck_lab.results import CaseReport, MethodResult
from gradcheck_lab.runner import Resume
from tests.helpers import case_from, write

pytest.importorskip("jax")
from gradcheck_lab.methods import jax_batch, jax_programs, jax_reverse  # noqa: E402

CASES = {  # name: text; each a program of its own (no two share a program_key)
    "scalar": "expr: sin(x) * y\ninputs: {x: 0.7, y: -1.3}\n",
    "float32": "expr: sum(exp(x) / (1 + x ** 2))\ninputs: {x: [0.5, -1.0, 2.0]}\n"
               "dtype: float32\n",
    "cotangent": "expr: tanh(x) * 3\ninputs: {x: [0.2, -0.4]}\ncotangent: [1.0, -2.0]\n",
    "jacobian": "expr: x * sum(x)\ninputs: {x: [1.5, 0.5, -2.0]}\n",
    "order2": "expr: sum(x ** 3 * y)\ninputs: {x: [0.3, 1.1], y: 2.0}\norder: 2\n",
    "matrix": "expr: sum(inv(A) @ b)\ninputs: {A: [[2.0, 0.5], [0.25, 3.0]], b: [1.0, -1.0]}\n",
}
MASK = "expr: sum(x[x > 0])\ninputs: {x: [0.5, -1.0, 2.0]}\n"  # JAX refuses it in jit


def _case(name: str, text: str) -> Case:
    return case_from(f"name: {name}\n{text}methods: [sympy, jax]\n")


@pytest.fixture
def no_programs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This test's compiled programs only (the process's are restored after)."""
    monkeypatch.setattr(jax_programs, "_programs", type(jax_programs._programs)())
    yield


def _results(cases: list[Case]) -> list[MethodResult]:
    return [jax_reverse.compute(c, p) for c in cases for p in c.points]


def _same(a: MethodResult, b: MethodResult) -> None:
    assert a.error is None and b.error is None, (a.error, b.error)
    np.testing.assert_array_equal(a.value, b.value)
    assert a.gradient is not None and b.gradient is not None
    assert a.gradient.keys() == b.gradient.keys()
    for name in a.gradient:  # bit for bit: the same operations on the same values
        np.testing.assert_array_equal(a.gradient[name], b.gradient[name])
    assert (a.hessian is None) == (b.hessian is None)
    if a.hessian is not None and b.hessian is not None:
        for row, columns in a.hessian.items():
            for column, block in columns.items():
                np.testing.assert_array_equal(block, b.hessian[row][column])


def test_one_batch_gives_each_case_the_numbers_of_its_own_program(
        no_programs: None, monkeypatch: pytest.MonkeyPatch) -> None:
    cases = [_case(n, t) for n, t in CASES.items()]
    alone = _results(cases)
    monkeypatch.setattr(jax_programs, "_programs", type(jax_programs._programs)())
    assert jax_batch.warm_up(cases) == len(cases)
    for case in cases:  # each case's program is its slot of the batch
        program = jax_programs._programs[(False, jax_programs.program_key(case))]
        assert program.__qualname__ == "_slot.<locals>.run"
    for a, b in zip(alone, _results(cases), strict=True):
        _same(a, b)
    assert alone[4].hessian is not None  # order 2: the Hessian still has its own program


def test_a_case_that_does_not_trace_is_left_out_and_reports_as_before(
        no_programs: None, monkeypatch: pytest.MonkeyPatch) -> None:
    mask = _case("mask", MASK)
    expected = jax_reverse.compute(mask, mask.points[0]).error
    assert expected is not None and "boolean indices must be concrete" in expected
    monkeypatch.setattr(jax_programs, "_programs", type(jax_programs._programs)())
    cases = [_case("scalar", CASES["scalar"]), mask, _case("jacobian", CASES["jacobian"])]
    assert jax_batch.warm_up(cases) == 2
    assert (False, jax_programs.program_key(mask)) not in jax_programs._programs
    assert jax_reverse.compute(mask, mask.points[0]).error == expected
    assert jax_reverse.compute(cases[0], cases[0].points[0]).error is None


def test_what_is_not_batched(no_programs: None) -> None:
    integer = case_from("name: i\nexpr: sum(x * k)\ninputs: {x: [1.0, 2.0], "
                        "k: {value: [1, 2], dtype: int64}}\n")
    big = case_from("name: big\nexpr: sum(sin(x))\ninputs: {x: {random: {shape: [40, 40]}}}\n")
    assert not jax_batch.batchable(integer)  # static: one compilation per value
    assert not jax_batch.batchable(big)  # every call runs every slot
    assert jax_batch.batchable(_case("scalar", CASES["scalar"]))
    cuda = _case("c", CASES["scalar"] + "device: cuda\n")
    assert not jax_batch.batchable(cuda)
    # fewer than two programs to compile: nothing to share
    assert jax_batch.warm_up([_case("scalar", CASES["scalar"]), integer, big]) == 0


def _suite(folder: Path) -> list[Case]:
    for name, text in {**CASES, "mask": MASK}.items():
        write(folder, f"{name}.yaml", f"name: {name}\n{text}")
    return run_module.load_cases(folder)


def _statuses(reports: list[CaseReport]) -> list[tuple[str, str, dict[str, str]]]:
    return [(r.case.name, r.status, dict(r.method_status)) for r in reports]


@pytest.mark.slow
def test_a_run_warmed_up_in_process_and_in_workers_reports_as_one_without(
        tmp_path: Path, no_programs: None, monkeypatch: pytest.MonkeyPatch) -> None:
    cases = _suite(tmp_path)
    warmed = run_module.run_cases(cases)
    assert jax_programs._programs[(False, jax_programs.program_key(cases[0]))] \
        .__qualname__ == "_slot.<locals>.run"
    in_workers = run_module.run_cases(cases, RunOptions(jobs=2))
    monkeypatch.setattr(jax_programs, "_programs", type(jax_programs._programs)())
    monkeypatch.setattr(run_module, "WARM_UP_CASES", 1)  # each case warms up for itself
    cold = run_module.run_cases(cases)
    assert (False, jax_programs.program_key(cases[0])) in jax_programs._programs
    assert jax_programs._programs[(False, jax_programs.program_key(cases[0]))] \
        .__qualname__ != "_slot.<locals>.run"
    assert _statuses(warmed) == _statuses(cold) == _statuses(in_workers)
    statuses = {name: status for name, status, _ in _statuses(cold)}
    assert statuses["mask"] == "error" and statuses["scalar"] == "pass"
    for a, b in zip(warmed, cold, strict=True):
        for pa, pb in zip(a.points, b.points, strict=True):
            ja = next(v.result for v in pa.verdicts if v.method == "jax")
            jb = next(v.result for v in pb.verdicts if v.method == "jax")
            if ja.error is None:
                _same(ja, jb)


def test_workers_are_dealt_their_cases_in_turn() -> None:
    """Idle workers take every other case (two workers), so cases start in order."""
    pending = [(i, Resume()) for i in range(11)][::-1]  # a stack: case 0 next
    first, second = _Slot.__new__(_Slot), _Slot.__new__(_Slot)
    first.reserve(pending, 2)
    second.reserve(pending, 1)
    assert [i for i, _ in first.queue] == [0, 2, 4, 6, 8, 10]
    assert [i for i, _ in second.queue] == [1, 3, 5, 7, 9]
    assert pending == [] and first.warm_up and second.warm_up
    many = [(i, Resume()) for i in range(100)][::-1]
    first.reserve(many, 2)  # at most WARM_UP_CASES, then the rest wait
    assert [i for i, _ in first.queue] == list(range(0, 32, 2))
    assert len(many) == 84 and many[-1][0] == 1


def test_only_the_methods_of_the_starting_case_warm_up() -> None:
    # the warm-up runs as a step of the case starting now: a method that case does not
    # run is not warmed up there (a hang would be blamed on a step the case never had)
    from gradcheck_lab.warm_up import warm_up

    def case(name: str, methods: str) -> Case:
        return case_from(f"name: {name}\n{CASES['scalar']}methods: [{methods}]\n")

    steps: list[tuple[str, list[str]]] = []

    def record(method: str, work: object) -> None:
        steps.append((method, [c.name for c in work.args[1]]))  # type: ignore[attr-defined]

    warm_up([case("s", "sympy"), case("a", "sympy, jax"), case("b", "jax")], None, record)
    assert steps == []
    warm_up([case("a", "sympy, jax"), case("s", "sympy"), case("b", "jax")], None, record)
    assert steps == [("jax", ["a", "b"])]
    steps.clear()
    warm_up([case("a", "sympy, jax"), case("b", "jax")], ["sympy"], record)  # --methods
    assert steps == []
