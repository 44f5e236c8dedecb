"""Methods ``claim:NAME`` and ``expect``: numbers that come from people, not from a framework.

A claim is a hand-written gradient formula per input, evaluated in float64 with
the numpy op table; ``expect`` holds numbers quoted from a source at a point.
"""

from __future__ import annotations

import numpy as np

from gradcheck_lab.backends.numpy_ops import make_backend
from gradcheck_lab.case import Case, Claim, Point
from gradcheck_lab.expr.evaluate import evaluate
from gradcheck_lab.methods.base import as_float64, point_arrays, timed
from gradcheck_lab.names import CLAIM_PREFIX, EXPECT_METHOD
from gradcheck_lab.results import MethodResult

_BACKEND = make_backend()


def compute_claim(claim: Claim, point: Point, case: Case | None = None) -> MethodResult:
    """The claim's formulas at ``point``; they may read ``grad`` (the case's cotangent, 1 for
    a scalar output) and ``result`` (the value of ``expr``, shared in the graph)."""
    name = CLAIM_PREFIX + claim.name

    def run() -> MethodResult:
        values = point_arrays(point) if case is None else case.claim_values(point)
        with np.errstate(all="ignore"):
            grads = {inp: as_float64(evaluate(formula, _BACKEND, values))
                     for inp, formula in claim.formulas.items()}
        return MethodResult(name, gradient=grads)

    return timed(name, run)


def compute_expect(point: Point) -> MethodResult | None:
    """The quoted numbers at this point, or None when the point quotes none."""
    if point.expect is None:
        return None
    return MethodResult(EXPECT_METHOD, value=point.expect.value, gradient=dict(point.expect.grad))
