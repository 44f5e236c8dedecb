"""Findings: what the pattern of a failure suggests (a constant factor, a sign flip, ...)."""

from __future__ import annotations

import math

import numpy as np

from gradcheck_lab.results import CaseReport, Finding


def _pairs(report: CaseReport, method: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """(got, reference) gradient arrays of ``method`` at every point where it failed."""
    out = []
    for point in report.points:
        ref = next((v.result for v in point.verdicts if v.method == point.reference), None)
        for v in point.verdicts:
            if v.method == method and v.status in ("fail", "xfail") and ref is not None:
                for name, got in v.result.gradient.items():
                    if name in ref.gradient:
                        out.append((np.asarray(got, float).ravel(),
                                    np.asarray(ref.gradient[name], float).ravel()))
    return out


def _sizes(report: CaseReport) -> dict[int, str]:
    sizes: dict[int, str] = {}
    for spec in report.case.inputs:
        if spec.value.size > 1:
            sizes.setdefault(spec.value.size, f"size of {spec.name}")
    return sizes


def diagnose(report: CaseReport) -> list[Finding]:
    findings = []
    failed = [m for m, s in report.method_status.items() if s in ("fail", "xfail")]
    for method in failed:
        pairs = _pairs(report, method)
        if not pairs:
            continue
        got = np.concatenate([g for g, _ in pairs])
        ref = np.concatenate([r for _, r in pairs])
        finding = _ratio_finding(method, got, ref, _sizes(report))
        if finding is not None:
            findings.append(finding)
    return findings


def _ratio_finding(method: str, got: np.ndarray, ref: np.ndarray, sizes: dict[int, str]
                   ) -> Finding | None:
    if not np.all(np.isfinite(got)):
        return Finding("nonfinite", method, "non-finite values (NaN or inf) where the "
                                            "reference is finite")
    if np.all(got == 0) and np.any(ref != 0):
        return Finding("zero", method, "zero gradient everywhere: a detached graph or a "
                                       "missing backward?")
    nonzero = ref != 0
    if not np.any(nonzero) or np.any(got[~nonzero] != 0):
        return None
    ratios = got[nonzero] / ref[nonzero]
    r = float(np.median(ratios))
    if not np.allclose(ratios, r, rtol=1e-6, atol=0) or r == 1.0:
        return None
    if math.isclose(r, -1.0, rel_tol=1e-9):
        return Finding("sign", method, "the sign is flipped everywhere")
    text = f"{r:.6g} x the reference everywhere"
    for size, label in sorted(sizes.items()):
        if math.isclose(r, size, rel_tol=1e-9):
            text += f" ({size} = {label}: sum instead of mean?)"
        elif math.isclose(r, 1 / size, rel_tol=1e-9):
            text += f" (1/{size} = 1/{label}: mean instead of sum?)"
    return Finding("scale", method, text)
