"""Findings: what the pattern of a failure suggests.

Each rule looks at one failing method across all points of a case, comparing
its gradients with the reference's, and says what a person debugging it would
want to know first: a constant factor (and whether it equals a size in the
case: sum instead of mean?), a sign flip, a transposed Jacobian, an all-zero
gradient (a detached graph), a systematic relative error (a constant slightly off), a
term of the derivative missing, doubled or off by a constant (``diagnose_terms``), a value
that is not expr's (the code computes another function), errors confined to some elements
or some points, non-finite values, or relative errors that look like the round-off of a
lower precision (float32, float16 or bfloat16, each known by its unit round-off, and
varying in sign and size as round-off does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gradcheck_lab.precision import FORMATS, HALF_DTYPES, FloatFormat, holds, roundoff_like
from gradcheck_lab.results import CaseReport, Finding, Verdict
from gradcheck_lab.tolerances import expression_depth

FAILED = ("fail", "xfail")
GRADIENT_RIGHT = ("its gradient is expr's (a custom rule returning another primal output "
                  "than the function?)")
FLOAT32_EPS = float(np.finfo(np.float32).eps)


@dataclass(frozen=True)
class _Pair:
    point: int
    name: str
    got: np.ndarray
    ref: np.ndarray
    verdict: Verdict


def _pairs(report: CaseReport, method: str) -> list[_Pair]:
    """(got, reference) per input at every point where ``method`` failed."""
    out = []
    for point in report.points:
        ref = next((v.result for v in point.verdicts if v.method == point.reference), None)
        for v in point.verdicts:
            if v.method != method or v.status not in FAILED or ref is None:
                continue
            for name, got in v.result.gradient.items():
                if name in ref.gradient:
                    out.append(_Pair(point.point.index, name, np.asarray(got, float),
                                     np.asarray(ref.gradient[name], float), v))
    return out


def _sizes(report: CaseReport) -> dict[int, str]:
    sizes: dict[int, str] = {}
    for spec in report.case.inputs:
        for size, label in ((spec.value.size, f"size of {spec.name}"),
                            *((n, f"{spec.name}.shape[{i}]") for i, n in enumerate(spec.shape))):
            if size > 1:
                sizes.setdefault(size, label)
    return sizes


def diagnose(report: CaseReport) -> list[Finding]:
    findings: list[Finding] = []
    for method, status in report.method_status.items():
        if status not in FAILED:
            continue
        pairs = _pairs(report, method)
        if not pairs:
            continue
        value = value_finding(method, report, FAILED)
        if value is not None:
            findings.append(value)
        for rule in (_nan_where_zero, _nonfinite, _zero, _transpose, _ratio, _systematic,
                     _terms, _precision):
            finding = rule(method, pairs, report)
            if finding is not None:
                findings.append(finding)
                break
        findings += [f for f in (_where_points(method, report), _where_elements(method, pairs))
                     if f is not None]
    return findings


def _nan_where_zero(method: str, pairs: list[_Pair], report: CaseReport) -> Finding | None:
    """NaN where the exact method found a subexpression identically constant: its
    derivative is 0, which the exact method keeps (``numeric.constancy``) and a framework
    multiplies by the infinite derivative of sqrt or log at 0 (std of one element)."""
    from gradcheck_lab.methods.symbolic import STRUCTURAL_ZEROS

    def zeros_at(index: int) -> bool:
        point = report.points[index]
        return any(v.method == "sympy" and v.result.note == STRUCTURAL_ZEROS
                   for v in point.verdicts) and point.reference == "sympy"

    bad = [(p, np.argwhere(np.isnan(p.got) & np.isfinite(p.ref))) for p in pairs
           if zeros_at(p.point)]
    bad = [(p, idx) for p, idx in bad if idx.size]
    if not bad:
        return None
    p, idx = bad[0]
    count = sum(len(i) for _, i in bad)
    return Finding("nonfinite", method, f"NaN where the derivative is 0: 0*inf in the chain "
                                        f"rule ({count} element(s), first "
                                        f"{_element(p.name, tuple(int(i) for i in idx[0]))} at "
                                        f"point {p.point}): a subexpression is identically "
                                        "constant (std or a norm of one element?), its exact "
                                        "derivative 0 was multiplied by sqrt's or log's "
                                        "infinite derivative at 0")


def _nonfinite(method: str, pairs: list[_Pair], report: CaseReport) -> Finding | None:
    bad = [(p, np.argwhere(~np.isfinite(p.got) & np.isfinite(p.ref))) for p in pairs]
    bad = [(p, idx) for p, idx in bad if idx.size]
    if not bad:
        return None
    p, idx = bad[0]
    index = tuple(int(i) for i in idx[0])
    values = np.asarray(report.points[p.point].point.values[p.name])
    at = values[index[len(index) - values.ndim:]] if values.ndim else values
    return Finding("nonfinite", method, f"{p.got[index]} at {_element(p.name, index)} "
                                        f"(point {p.point}, where {p.name} = {_short(at)}); the "
                                        f"reference is {p.ref[index]:.6g}: overflow in the "
                                        "backward?")


def _zero(method: str, pairs: list[_Pair], report: CaseReport) -> Finding | None:
    if all(np.all(p.got == 0) for p in pairs) and any(np.any(p.ref != 0) for p in pairs):
        return Finding("zero", method, "the gradient is zero everywhere: a detached graph "
                                       "(.detach(), .data, .item(), numpy round trip) or a "
                                       "missing backward?")
    return None


def _transpose(method: str, pairs: list[_Pair], report: CaseReport) -> Finding | None:
    square = [p for p in pairs if p.got.ndim >= 2 and p.got.shape[-2:] == p.ref.shape[-2:][::-1]]
    if not square or len(square) != len(pairs):
        return None
    if all(np.allclose(p.got, np.swapaxes(p.ref, -1, -2), rtol=1e-9, atol=1e-12)
           and not np.allclose(p.got, p.ref, rtol=1e-9, atol=1e-12) for p in square):
        names = sorted({p.name for p in square})
        return Finding("transpose", method, f"equals the reference transposed for "
                                            f"{', '.join(names)}: a transposed Jacobian or "
                                            "weight (A vs A.T)?")
    return None


def _constant_ratio(pairs: list[_Pair], report: CaseReport) -> float | None:
    """``got / ref``, when it is one constant (zeros kept) within the dtype's round-off."""
    got = np.concatenate([p.got.ravel() for p in pairs])
    ref = np.concatenate([p.ref.ravel() for p in pairs])
    nonzero = ref != 0
    if not np.any(nonzero) or np.any(got[~nonzero] != 0):
        return None
    ratios = got[nonzero] / ref[nonzero]
    r = float(np.median(ratios))
    # a constant factor up to the case dtype's round-off (16 u: 7.8e-3 in float16)
    noise = max(1e-6, 16 * FORMATS[report.case.dtype].unit_roundoff)
    return r if np.allclose(ratios, r, rtol=noise, atol=0) else None


def _ratio(method: str, pairs: list[_Pair], report: CaseReport) -> Finding | None:
    r = _constant_ratio(pairs, report)
    noise = 16 * FORMATS[report.case.dtype].unit_roundoff
    if r is None or abs(r - 1.0) < max(1e-5, noise):  # near 1: precision
        return _input_ratio(method, pairs, report)
    if math.isclose(r, -1.0, rel_tol=1e-9):
        return Finding("sign", method, "the sign is flipped everywhere (-1 x the reference): "
                                       "a subtraction the wrong way round, or descent vs ascent?")
    return Finding("scale", method, _factor_text(r, report, "the reference everywhere"))


def _input_ratio(method: str, pairs: list[_Pair], report: CaseReport) -> Finding | None:
    """One input's derivative off by a constant factor while the others are right (a
    custom backward returning ``2 * grad_w``): said per input."""
    names = list(dict.fromkeys(p.name for p in pairs))
    ratios = {n: _constant_ratio([p for p in pairs if p.name == n], report) for n in names}
    off = {n: r for n, r in ratios.items() if r is not None and not math.isclose(r, 1.0,
                                                                                 rel_tol=1e-5)}
    if len(names) < 2 or not off or any(ratios[n] is None for n in names if n not in off):
        return None
    return Finding("scale", method, "; ".join(
        _factor_text(r, report, f"the reference for {n}") for n, r in off.items())
        + f" ({', '.join(n for n in names if n not in off) or 'no other input'} right)")


def _factor_text(r: float, report: CaseReport, what: str) -> str:
    text = f"{r:.6g} x {what}"
    for size, label in sorted(_sizes(report).items()):
        if math.isclose(r, size, rel_tol=1e-9):
            text += f" ({size} = {label}: sum instead of mean?)"
            break
        if math.isclose(r, 1 / size, rel_tol=1e-9):
            text += f" (1/{size} = 1/{label}: mean instead of sum?)"
            break
    else:
        if math.isclose(abs(r), 2.0, rel_tol=1e-9) or math.isclose(abs(r), 0.5, rel_tol=1e-9):
            text += " (a factor of 2: the 2 of a square, or a 1/2 convention?)"
    return text


def _precision(method: str, pairs: list[_Pair], report: CaseReport) -> Finding | None:
    worst = max((m.rel_error for p in pairs for m in p.verdict.mismatches
                 if math.isfinite(m.rel_error) and m.input != "value"), default=math.inf)
    dtype = report.case.dtype
    got = np.concatenate([p.got.ravel() for p in pairs])
    rel = _relative_errors(pairs)
    like = roundoff_like(worst, dtype, got) if math.isfinite(worst) else None
    # another format's round-off: its numbers exactly, or errors varying like rounding
    if like is not None and (like.name == dtype or like.name in HALF_DTYPES) and (
            like.name == dtype or holds(got, like.name) or _varies(rel)):
        return Finding("precision", method, _roundoff(worst, like, got, report))
    if dtype != "float64" or not 1e-12 < worst <= 1e-5:
        return None
    if not _varies(rel):
        return Finding("precision", method, f"relative errors of at most {worst:.2g}, all of "
                                            "one sign and of similar size: systematic, not "
                                            "round-off (a constant slightly off?)")
    hint = (" (float32 round-off is about 6e-8 and varies in sign and size like these: a "
            "float32 step in the backward?)" if worst < 100 * FLOAT32_EPS else "")
    return Finding("precision", method, f"relative errors of at most {worst:.2g}: close, "
                                        f"but beyond float64 round-off{hint}")


def _relative_errors(pairs: list[_Pair]) -> np.ndarray:
    """(got - ref) / ref over the failing points' elements with a nonzero finite reference."""
    got = np.concatenate([p.got.ravel() for p in pairs])
    ref = np.concatenate([p.ref.ravel() for p in pairs])
    keep = (ref != 0) & np.isfinite(ref) & np.isfinite(got)
    return (got[keep] - ref[keep]) / ref[keep]


def _varies(rel: np.ndarray) -> bool:
    """Errors that vary in sign or size as round-off does (not one systematic offset)."""
    nonzero = np.abs(rel[rel != 0])
    if nonzero.size < 2:
        return False
    return bool(np.any(rel > 0) and np.any(rel < 0)) or float(nonzero.max()) > 3 * float(
        nonzero.min())


def _terms(method: str, pairs: list[_Pair], report: CaseReport) -> Finding | None:
    from gradcheck_lab.diagnose_terms import terms_finding  # SymPy, only for a failure

    errors = [(p.point, p.name, p.got - p.ref) for p in pairs]
    return terms_finding(method, report, errors)


def _systematic(method: str, pairs: list[_Pair], report: CaseReport) -> Finding | None:
    """Every element off by the same small relative error: a constant, not round-off."""
    rel = _relative_errors(pairs)
    if rel.size < 2 or np.any(rel == 0):
        return None
    median = float(np.median(rel))
    if not 1e-12 < abs(median) < 1e-3 or not np.allclose(rel, median, rtol=0.05, atol=0):
        return None
    return Finding("coefficient", method, f"systematic relative error {median:+.2g} in every "
                                          f"element (got = {1 + median:.10g} x reference): a "
                                          f"constant about {abs(median):.1g} off (a mistyped "
                                          "coefficient, a rounded constant such as pi?)")


def _roundoff(worst: float, like: FloatFormat, got: np.ndarray, report: CaseReport) -> str:
    """Errors the size of ``like``'s round-off: of the case's own dtype, or of a lower one."""
    dtype = report.case.dtype
    units = f"{worst / like.unit_roundoff:.2g} u, u = {like.unit_roundoff:.2g}"
    if like.name == dtype:
        depth = expression_depth(report.case.expr)
        return (f"relative errors of at most {worst:.2g}: errors like {dtype} round-off "
                f"({units}), beyond the tolerance: more roundings than the expression's depth "
                f"({depth}) suggests (raise tolerance), or a small real error?")
    held = " (every value is a " + like.name + " number)" if holds(got, like.name) else ""
    return (f"relative errors of at most {worst:.2g}: errors like {like.name} round-off "
            f"({units}){held}: a {like.name} step in a {dtype} computation (autocast, a "
            "half-precision kernel)?")


def _where_points(method: str, report: CaseReport) -> Finding | None:
    statuses = [(p.point.index, v.status) for p in report.points for v in p.verdicts
                if v.method == method]
    failed = [i for i, s in statuses if s in FAILED]
    passed = [i for i, s in statuses if s in ("pass", "kink")]
    if not failed or not passed:
        return None
    return Finding("points", method, f"wrong only at point(s) {_list(failed)} of "
                                     f"{len(statuses)}; right at {_list(passed)}")


def _where_elements(method: str, pairs: list[_Pair]) -> Finding | None:
    wrong: set[tuple[str, tuple[int, ...]]] = set()
    total = 0
    for p in pairs:
        total = max(total, sum(q.got.size for q in pairs if q.point == p.point))
        wrong |= {(m.input, m.index) for m in p.verdict.mismatches if m.input == p.name}
    counts = {p.verdict.mismatch_count for p in pairs}
    if not wrong or total <= 1 or max(counts) >= total:
        return None
    shown = sorted(wrong)[:6]
    text = ", ".join(_element(n, i) for n, i in shown) + (" ..." if len(wrong) > 6 else "")
    return Finding("elements", method, f"wrong only in {max(counts)} of {total} elements: "
                                       f"{text}")


def _element(name: str, index: tuple[int, ...]) -> str:
    return name if not index else f"{name}[{', '.join(map(str, index))}]"


def _list(items: list[int]) -> str:
    return ", ".join(map(str, items[:8])) + (" ..." if len(items) > 8 else "")


def _short(value: np.ndarray) -> str:
    arr = np.asarray(value)
    if arr.size == 1:
        return f"{float(arr):.6g}"
    return f"array{list(arr.shape)}"


def value_finding(method: str, report: CaseReport, failed: tuple[str, ...]) -> Finding | None:
    """The value is not expr's: the code computes another function (its gradient may be
    right: a custom rule returning another primal output)."""
    bad = [(p.point.index, m) for p in report.points for v in p.verdicts
           if v.method == method and v.status in failed for m in v.mismatches
           if m.input == "value"]
    if not bad:
        return None
    index, first = bad[0]
    gradient_ok = not any(m.input != "value" for p in report.points for v in p.verdicts
                          if v.method == method for m in v.mismatches)
    where = sorted({i for i, _ in bad})
    element = "value" + (f"[{', '.join(map(str, first.index))}]" if first.index else "")
    text = (f"the value is not expr's at point(s) {', '.join(map(str, where[:8]))} "
            f"({element}: reference {first.reference:.6g}, got {first.got:.6g}): the code "
            "computes another function than expr")
    if gradient_ok:
        text += ", while " + GRADIENT_RIGHT
    return Finding("value", method, text)
