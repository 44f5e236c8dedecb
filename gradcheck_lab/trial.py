"""A case with code on trial is about that code.

When a case has implementations, its verdict (status, exit code, pytest outcome) is the
verdict on that code and its claims: the worst status of its ``impl:``, ``claim:`` and
``expect`` results. The built-in methods still run (the reference among them), and one
of them failing on the expression, as torch's and JAX's autodiff of ``x / (1 + sqrt(x))``
do at x = 0 (NaN from sqrt's infinite derivative, while the user's backward is right), is
a framework finding beside the verdict: visible in every report, counted apart in the
summary, and failing the run only with ``--strict`` (which also makes kinks fail).
A case without implementations is about the expression: every method counts.
"""

from __future__ import annotations

from collections.abc import Mapping

from gradcheck_lab.case import Case
from gradcheck_lab.names import CLAIM_PREFIX, EXPECT_METHOD, IMPL_PREFIX
from gradcheck_lab.results import CaseReport, Finding, Status, worst

FRAMEWORK = "framework"  # the kind of a built-in method's failure in a case on trial
FAILING: tuple[Status, ...] = ("fail", "error")
_WHAT = {"sympy": "the exact method (sympy)", "fd": "finite differences (fd)",
         "complex_step": "the complex step", "torch": "torch's autodiff of expr",
         "torch_forward": "torch's forward mode on expr", "jax": "JAX's autodiff of expr",
         "jax_forward": "JAX's forward mode on expr"}


def on_trial(method: str) -> bool:
    """A method that checks the user's code or claims (not a built-in one)."""
    return method.startswith((IMPL_PREFIX, CLAIM_PREFIX)) or method == EXPECT_METHOD


def case_status(case: Case, method_status: Mapping[str, Status], strict: bool) -> Status:
    """The worst status over the case's methods; with implementations (and without
    ``strict``), over the code on trial and its claims only."""
    if strict or not case.implementations:
        return worst(list(method_status.values()))
    return worst([s for m, s in method_status.items() if on_trial(m)])


def framework_findings(report: CaseReport, strict: bool) -> list[Finding]:
    """One finding per built-in method that failed or raised in a case with code on trial."""
    if not report.case.implementations:
        return []
    findings = []
    for method, status in report.method_status.items():
        if on_trial(method) or status not in FAILING:
            continue
        where = [(p.point.index, v) for p in report.points for v in p.verdicts
                 if v.method == method and v.status in FAILING]
        index, first = where[0]
        if first.mismatches:
            m = first.mismatches[0]
            element = m.input + (f"[{', '.join(map(str, m.index))}]" if m.index else "")
            detail = f"{element}: reference {m.reference:.6g}, got {m.got:.6g}"
        else:
            detail = (first.message or first.result.error or "").splitlines()[0][:200]
        base = method.split("@", 1)[0]
        what = _WHAT.get(base, base) + (f" on {method.split('@', 1)[1]}" if "@" in method else "")
        points = ", ".join(str(i) for i, _ in where[:8]) + (" ..." if len(where) > 8 else "")
        counted = ("it fails the run (--strict)" if strict else "the code is judged apart, "
                   "and this fails the run only with --strict")
        findings.append(Finding(FRAMEWORK, method, f"{what} {status}s at point(s) {points} "
                                                   f"({detail}): not the code on trial; "
                                                   f"{counted}"))
    return findings
