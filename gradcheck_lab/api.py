"""``check()``: put a Python callable on trial inside an ordinary pytest test.

    def test_my_softplus():
        gradcheck_lab.check(my_softplus, expr="log(1 + exp(x))",
                            inputs={"x": [-3.0, 0.0, 2.0]}, framework="torch")

The callable and the expression become one case (built by the same loader as
case files, so the same validation applies), run with ``verify_case``; a
``fail`` or ``error`` raises :class:`GradientMismatch` carrying the same
discrepancy report the CLI prints.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from gradcheck_lab.case import Case, Dtype
from gradcheck_lab.errors import CaseFileErrors, GradientMismatch, UsageError
from gradcheck_lab.loader import load_mapping
from gradcheck_lab.results import CaseReport
from gradcheck_lab.run import verify_case

API_IMPL = "function"


def _caller() -> tuple[str, int | None]:
    """The file and line of the code that called ``check()`` (the user's test)."""
    here = Path(__file__).resolve().parent
    frame = inspect.currentframe()
    while frame is not None:
        if Path(frame.f_code.co_filename).resolve().parent != here:
            return frame.f_code.co_filename, frame.f_lineno
        frame = frame.f_back
    return "<check>", None


def check(fn: Callable[..., Any], *, inputs: Mapping[str, Any], expr: str | None = None,
          framework: Literal["torch", "jax", "numpy"] = "torch",
          reference: Callable[..., Any] | None = None,
          points: Sequence[Mapping[str, Any]] | None = None, cotangent: Any = None,
          dtype: Dtype = "float64", device: str = "cpu",
          tolerance: Mapping[str, Any] | None = None, name: str | None = None,
          methods: Sequence[str] | None = None, kinks: Literal["allow", "fail"] = "allow",
          order: Literal[1, 2] = 1, compile: bool | str = False) -> CaseReport:
    """Check ``fn`` against ``expr`` at ``inputs`` (and ``points``); raise on a mismatch.

    ``framework`` ``torch``/``jax``: ``fn`` is a forward function taking the
    inputs as keyword arguments; its autodiff gradient is checked (custom
    backward rules included). ``numpy``: ``fn`` returns the gradient itself.
    Without ``expr``, the function is ``fn``'s own forward, traced into the exact
    reference at each point (or, when an operation cannot be mapped, differentiated
    numerically); ``reference`` (same framework) then gives the function instead of ``fn``,
    e.g. the surrogate forward of a straight-through estimator.
    ``device`` (``cpu``, ``cuda``, ``cuda:N``, ``auto``): where ``fn`` runs (its inputs
    are created there); without that device the check is skipped, which raises
    nothing. ``compile``: check ``torch.compile(fn)`` (a backend name, or True for
    torch's default) or ``jax.jit(fn)``. Returns the case report when the gradient
    passes (``pass``, ``kink``) or could not run (``skipped``). A mismatch names the
    calling test's file and line; pytest hides ``check()``'s own frames.
    """
    __tracebackhide__ = True
    label = name or getattr(fn, "__name__", "function").replace("<", "").replace(">", "")
    trial: dict[str, Any] = {"name": API_IMPL, "framework": framework,
                             ("gradient" if framework == "numpy"
                              else "function"): "gradcheck_lab.api:check"}
    if compile:
        trial["compile"] = compile
    raw: dict[str, Any] = {"name": label, "inputs": inputs, "dtype": dtype,
                           "device": device, "kinks": kinks, "order": order,
                           "implementations": [trial]}
    if expr is not None:
        raw["expr"] = expr
    if reference is not None:
        if framework == "numpy":
            raise UsageError("reference= is a torch or jax forward function; with framework "
                             "numpy, give expr")
        raw["reference"] = {"framework": framework, "function": "gradcheck_lab.api:check"}
    if points is not None:
        raw["points"] = list(points)
    if cotangent is not None:
        raw["cotangent"] = cotangent
    if tolerance is not None:
        raw["tolerance"] = tolerance
    raw["methods"] = list(methods) if methods is not None else ["sympy", f"impl:{API_IMPL}"]
    file, line = _caller()
    try:
        (case,) = load_mapping(raw, file)
    except CaseFileErrors as exc:
        raise UsageError("\n".join(str(e.located(line=line)) for e in exc.errors)) from None
    impl = dataclasses.replace(case.implementations[0], callable=fn)
    case = dataclasses.replace(case, implementations=(impl,), line=line)
    if case.reference is not None:
        case = dataclasses.replace(case, reference=dataclasses.replace(case.reference,
                                                                       callable=reference))
    return _judge(case)


def _judge(case: Case) -> CaseReport:
    __tracebackhide__ = True
    from gradcheck_lab.report.common import headline
    from gradcheck_lab.report.terminal import case_text

    report = verify_case(case)
    if report.status in ("fail", "error"):
        raise GradientMismatch(f"{headline(report)}\n{case_text(report)}", report)
    return report
