"""Judging policy beyond one element: round-off floors and the point's conditioning, and
unexpected passes.

``judge_with_conditioning``: when a float method fails against the exact reference, the
size of each element's terms is measured and the point judged again with its round-off
floor, then, if still failing, the point's conditioning (``tolerances`` explains both).
``unexpected_passes``: a method marked ``expect: fail`` that failed nowhere is ``fail``
wherever it passed.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from gradcheck_lab.results import PointReport, Verdict, worst
from gradcheck_lab.tolerances import CONDITION_SAMPLES, CONDITION_ULPS, ROUNDOFF_ULPS
from gradcheck_lab.verdict.compare import judge_point
from gradcheck_lab.verdict.reference import Evidence, Judging, Measured


def judge_with_conditioning(judging: Judging, evidence: Evidence) -> PointReport:
    """Judge the point; when a float method fails against the exact reference, judge it
    again with each element's round-off floor, then with the point's conditioning.

    Both are measured only then (each costs a few more exact evaluations); the first
    judgement is the strictest, so a point that passes it passes them all. A verdict that
    passes only with the conditioning allowance says so in its message.
    """
    judged = judge_point(judging, evidence)
    # fd passing only on its own estimate may pass on the floor instead
    failing = _failing(judging, judged, ("fail", "xfail", "unresolved"))
    if judged.reference != "sympy" or not failing:
        return judged
    from gradcheck_lab.verdict.roundoff import term_magnitudes

    try:
        magnitudes = term_magnitudes(judging.case, evidence.point)
    except Exception:  # noqa: BLE001 - not measurable: normwise floors
        magnitudes = {}
    floored = _keep(judge_point(judging, evidence, Measured(magnitudes)), judged, failing)
    failing = _failing(judging, floored)
    if not failing or judged.kinks:
        return floored
    from gradcheck_lab.methods.symbolic import conditioning

    try:
        spread = conditioning(judging.case, evidence.point, CONDITION_ULPS, CONDITION_SAMPLES)
    except Exception:  # noqa: BLE001 - not measurable: the verdicts so far stand
        return floored
    again = judge_point(judging, evidence, Measured(magnitudes, spread))
    before = {v.method: v for v in floored.verdicts}
    worst_rel = max((_relative(s, ref) for n, s in spread.items()
                     for ref in [_reference_of(judged, n)] if ref is not None), default=0.0)
    verdicts = []
    for v in again.verdicts:
        if v.method in failing and v.status == "pass":
            v = dataclasses.replace(v, message=(
                f"passes only within the point's conditioning: inputs moved by "
                f"{CONDITION_ULPS:g} ulps move the exact result by up to rel. "
                f"{worst_rel:.2g} (without that: {before[v.method].message})"))
        elif v.method not in failing:
            v = before[v.method]
        verdicts.append(v)
    return dataclasses.replace(floored, verdicts=tuple(verdicts),
                               status=worst([v.status for v in verdicts]))


def _failing(judging: Judging, judged: PointReport,
             statuses: tuple[str, ...] = ("fail", "xfail")) -> set[str]:
    return {v.method for v in judged.verdicts
            if v.status in statuses and not judging.is_exact(v.method)}


def _keep(again: PointReport, before: PointReport, methods: set[str]) -> PointReport:
    """``again``'s verdicts for ``methods``, ``before``'s for the others; a method that
    passes only with the round-off floor says so."""
    earlier = {v.method: v for v in before.verdicts}

    def pick(v: Verdict) -> Verdict:
        if v.method not in methods:
            return earlier[v.method]
        if v.status == "pass":
            return dataclasses.replace(v, message=(
                f"passes within the round-off of the terms each element is computed from "
                f"({ROUNDOFF_ULPS:g} ulps of them; without that: "
                f"{earlier[v.method].message})"))
        return v

    verdicts = tuple(pick(v) for v in again.verdicts)
    return dataclasses.replace(again, verdicts=verdicts,
                               status=worst([v.status for v in verdicts]))


def _relative(spread: np.ndarray, ref: np.ndarray) -> float:
    scale = np.abs(ref)
    ratio = np.divide(spread, scale, out=np.zeros(np.shape(scale)), where=scale > 0)
    return float(np.max(ratio, initial=0.0))


def _reference_of(judged: PointReport, name: str) -> np.ndarray | None:
    ref = next((v.result for v in judged.verdicts if v.method == judged.reference), None)
    if ref is None:
        return None
    found = ref.value if name == "value" else ref.gradient.get(name)
    return None if found is None else np.asarray(found, dtype=np.float64)


def unexpected_passes(judging: Judging, points: list[PointReport]) -> list[PointReport]:
    """A method marked ``expect: fail`` that failed nowhere is ``fail`` wherever it passed."""
    expect_fail = {name for name, m in judging.methods.items() if m.expect_fail}
    passed = {m for m in expect_fail
              if not any(v.method == m and v.status in ("xfail", "error")
                         for p in points for v in p.verdicts)}
    if not passed:
        return points

    def flip(v: Verdict) -> Verdict:
        if v.method in passed and v.status in ("pass", "kink"):
            return dataclasses.replace(v, status="fail", message="expected to fail "
                                       "(expect: fail) but passed at every point")
        return v

    out = []
    for p in points:
        verdicts = tuple(flip(v) for v in p.verdicts)
        out.append(dataclasses.replace(p, verdicts=verdicts,
                                       status=worst([v.status for v in verdicts])))
    return out
