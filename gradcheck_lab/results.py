"""Results are data: what each method computed, how it was judged, per point and case.

Only ``report/`` formats these. A mismatch is a ``Verdict`` with status
``fail``, never an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from gradcheck_lab.case import Case, Point, Tolerance

Status = Literal["pass", "fail", "kink", "xfail", "unresolved", "error", "skipped"]
# every status, in the order reports list them
STATUSES: tuple[Status, ...] = ("pass", "fail", "kink", "xfail", "unresolved", "error",
                                "skipped")
# worst first: a case's status is the worst over its results. ``unresolved`` (a method
# that ran but cannot tell: fd whose own error estimate is as large as the derivative)
# says less than a pass and fails nothing
SEVERITY: tuple[Status, ...] = ("error", "fail", "kink", "xfail", "unresolved", "pass",
                                "skipped")


def worst(statuses: list[Status]) -> Status:
    """The worst status; ``skipped`` only when nothing else is there."""
    ran = [s for s in statuses if s != "skipped"]
    if not ran:
        return "skipped"
    return min(ran, key=SEVERITY.index)


@dataclass(frozen=True, eq=False)
class Projection:
    """A directional derivative F'(x; v): the gradient (or Jacobian) applied to ``direction``."""

    direction: Mapping[str, np.ndarray]  # per differentiated input, the input's shape
    value: np.ndarray  # the checked output's shape: () for a scalar
    error: np.ndarray


@dataclass(frozen=True, eq=False)
class MethodResult:
    """What one method computed at one point (float64 numpy arrays), or why it could not.

    ``gradient`` maps each differentiated input to the gradient (scalar output),
    the vector-Jacobian product with the cotangent, or the full Jacobian of
    shape output shape + input shape. ``error_estimate`` and ``bounds`` come
    from finite differences (bounds: one-sided derivatives where a stencil was
    one-sided).
    """

    method: str
    value: np.ndarray | None = None
    gradient: Mapping[str, np.ndarray] = field(default_factory=dict)
    hessian: Mapping[str, Mapping[str, np.ndarray]] | None = None
    error_estimate: Mapping[str, np.ndarray] | None = None
    bounds: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None
    hessian_error_estimate: Mapping[str, Mapping[str, np.ndarray]] | None = None
    sampled: Mapping[str, np.ndarray] | None = None  # bool masks: elements actually computed
    projections: tuple[Projection, ...] = ()
    seconds: float = 0.0
    error: str | None = None
    skipped: str | None = None
    note: str = ""
    device: str | None = None  # where a framework method ran: cpu, cuda:0, ...
    # code on trial in float16/bfloat16 run again in float32 at the same point
    # (verdict.witness): a rule's error does not shrink with precision, round-off does
    float32_witness: MethodResult | None = None


@dataclass(frozen=True)
class Mismatch:
    """One element outside tolerance."""

    input: str  # input name, or "value" for the function value
    index: tuple[int, ...]
    reference: float
    got: float
    abs_error: float
    rel_error: float
    bound: float  # the tolerance this element had to meet
    lower: float | None = None  # kink interval, where one applied
    upper: float | None = None


@dataclass(frozen=True, eq=False)
class Verdict:
    """One method at one point, judged against the reference."""

    method: str
    status: Status
    result: MethodResult
    tolerance: Tolerance | None
    max_abs_error: float | None = None
    max_rel_error: float | None = None
    mismatches: tuple[Mismatch, ...] = ()  # worst first, capped
    mismatch_count: int = 0
    message: str = ""
    roundoff_floor: bool = False  # bounds include the round-off floor (tolerances)


@dataclass(frozen=True, eq=False)
class PointReport:
    point: Point
    reference: str | None  # method whose result is the reference
    value: np.ndarray | None  # reference value of expr
    status: Status
    verdicts: tuple[Verdict, ...]
    kinks: tuple[str, ...] = ()  # ops sitting at their kink, e.g. "abs at column 5"


@dataclass(frozen=True)
class Finding:
    kind: str  # scale, sign, transpose, zero, elements, points, nonfinite, precision
    method: str
    message: str


@dataclass(frozen=True, eq=False)
class CaseReport:
    case: Case
    status: Status
    points: tuple[PointReport, ...]
    methods: tuple[str, ...]
    method_status: Mapping[str, Status]
    findings: tuple[Finding, ...] = ()
    formulas: Mapping[str, str] = field(default_factory=dict)  # input -> symbolic derivative
    seconds: float = 0.0
    message: str = ""
    # seconds spent for the case outside its methods' times: "import torch", "import jax",
    # "jax compilation" (see timing.py); ``seconds`` leaves them out
    overhead: Mapping[str, float] = field(default_factory=dict)
    # where ``seconds`` went, by step (``runner``): ``method:NAME`` (all points; without
    # the overhead), ``judging`` (with the point's conditioning), ``formulas``, ``diagnosis``
    timings: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class RunReport:
    cases: tuple[CaseReport, ...]
    seconds: float

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = dict.fromkeys(STATUSES, 0)
        for c in self.cases:
            out[c.status] += 1
        return out

    def overhead(self) -> dict[str, float]:
        """Imports and compilation over all cases (each worker process imports its own)."""
        total: dict[str, float] = {}
        for case in self.cases:
            for key, seconds in case.overhead.items():
                total[key] = total.get(key, 0.0) + seconds
        return dict(sorted(total.items()))

    @property
    def framework_findings(self) -> int:
        """Built-in methods failing in cases with code on trial (``trial``): counted apart
        from the cases' verdicts."""
        return sum(1 for c in self.cases for f in c.findings if f.kind == "framework")

    @property
    def exit_code(self) -> int:
        return 1 if any(c.status in ("fail", "error") for c in self.cases) else 0
