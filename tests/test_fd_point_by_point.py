"""fd goes point by point where one evaluation of the expression is too large for a batch
of stencil points to pay (``MIN_BATCH_POINTS``), with the batched path's numbers."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck_lab.methods import fd
from gradcheck_lab.numeric import finite_diff_batch
from tests.helpers import case_from

# A is 300 x 2,000, a constant: 600,000 elements per evaluation, 3 stencil points a batch
LEAST_SQUARES = """
name: least_squares_wide
expr: sum((A @ x - b) ** 2)
inputs:
  A: {random: {shape: [300, 2000], seed: 1}, wrt: false}
  x: {random: {shape: [2000], seed: 2}}
  b: {random: {shape: [300], seed: 3}, wrt: false}
"""


def test_a_large_evaluation_goes_point_by_point_with_the_same_numbers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    case = case_from(LEAST_SQUARES)
    point = case.points[0]
    assert fd.FlatProblem(case, point).batch_points() < fd.MIN_BATCH_POINTS
    batched_calls: list[int] = []
    real = finite_diff_batch.derivatives

    def spy(*args: object, **kwargs: object) -> object:
        batched_calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fd, "derivatives", spy)
    alone = fd.compute(case, point)
    assert batched_calls == [] and alone.error is None
    monkeypatch.setattr(fd, "MIN_BATCH_POINTS", 1)
    batched = fd.compute(case, point)
    assert batched_calls == [1]
    assert alone.gradient is not None and batched.gradient is not None
    sampled = ~np.isnan(batched.gradient["x"])  # 32 sampled elements of 2,000
    assert sampled.sum() == fd.SAMPLED_ELEMENTS
    np.testing.assert_array_equal(alone.gradient["x"], batched.gradient["x"])
    # and right: 2 A^T (A x - b) at the sampled elements
    values = {k: np.asarray(v) for k, v in point.values.items()}
    exact = 2 * values["A"].T @ (values["A"] @ values["x"] - values["b"])
    np.testing.assert_allclose(alone.gradient["x"][sampled], exact[sampled], rtol=1e-8)
