"""Built-in framework methods in float16/bfloat16: a kernel the framework lacks is a skip.

torch's CPU kernels lack half precision for some ops (the LU factorisation behind ``det``,
``inv``) and so does XLA's CPU backend for a few (``inv``). A built-in method that cannot
evaluate the case's expression in that dtype says nothing about the case, and it is no
error of the case: when it raises in a half dtype but runs in float32 on the same device,
it is ``skipped`` with the framework's message. Implementations are never retried: the
user's code is on trial in the dtype the case names.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import lru_cache

from gradcheck_lab.case import Case, Point
from gradcheck_lab.precision import HALF_DTYPES
from gradcheck_lab.results import MethodResult

Compute = Callable[[Case, Point], MethodResult]


@lru_cache(maxsize=16)
def in_float32(case: Case) -> Case:
    """The same case in float32 (one object per case: per-case caches stay warm)."""
    return dataclasses.replace(case, dtype="float32")


def compute_or_skip(compute: Compute, case: Case, point: Point, framework: str) -> MethodResult:
    """``compute(case, point)``; in a half dtype, an error that float32 does not have is a
    skip naming the framework, the dtype, the device and the framework's message."""
    result = compute(case, point)
    if result.error is None or case.dtype not in HALF_DTYPES:
        return result
    if compute(in_float32(case), point).error is not None:
        return result  # not a matter of precision: the error stands
    message = result.error.strip().splitlines()[0] if result.error.strip() else "an error"
    return MethodResult(result.method, skipped=(
        f"{framework} cannot evaluate this expression in {case.dtype} on {case.device} "
        f"(it can in float32): {message}"), seconds=result.seconds)
