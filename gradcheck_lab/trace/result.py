"""A trace at one point, finished: the graph written out, placed, and checked against the
function's own value there.

A traced graph is trusted only when it reproduces what the function returned at the point
(``VALUE_RTOL``): a value that left the framework (``.item()``, a NumPy round trip, global
state) or a mapping mistake would otherwise make a wrong reference. When the function
rounds to float32 inside, the comparison allows float32 rounding and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from gradcheck_lab.backends.numpy_ops import make_backend
from gradcheck_lab.expr.evaluate import evaluate
from gradcheck_lab.expr.graph import Expression
from gradcheck_lab.trace.builder import Builder, Value
from gradcheck_lab.trace.printer import Formula, formula, placed

PERTURBATION = 1e-7  # relative move of the inputs for the second comparison (torch)
VALUE_RTOL = 1e-9  # traced graph vs the function's own output, relative to its largest |value|
FLOAT32_RTOL = 1e-5  # the same when the function rounds to float32 inside
_NUMPY = make_backend()


@dataclass(eq=False)
class Recording:
    """What a tracer saw at one point: the builder (nodes, notes), the output's traced
    value, the function's own output (float64) and the operations it could not map.
    ``check``: the function itself, run at other values, for tracers whose trace can miss
    a dependence (torch: ``.item()``, NumPy); ``perturb``: the inputs moved for that."""

    builder: Builder
    output: Value
    real: np.ndarray
    unmapped: tuple[str, ...]
    check: Callable[[Mapping[str, np.ndarray]], np.ndarray] | None = None
    perturb: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class PointTrace:
    """The function at one point: its graph (None when something could not be mapped),
    the formula shown to people, the function's own value, what was not mapped, notes."""

    expression: Expression | None
    formula: Formula | None
    value: np.ndarray
    unmapped: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    cut_kept: bool = False  # the function cuts gradients of input-dependent values

    @property
    def exact(self) -> bool:
        return self.expression is not None


def finish(recording: Recording, inputs: Mapping[str, np.ndarray]) -> PointTrace:
    """The recording as an Expression, checked against the function's value at the point."""
    b, out = recording.builder, recording.output
    notes = tuple(b.notes)
    real = np.asarray(recording.real, dtype=np.float64)
    if recording.unmapped:
        return PointTrace(None, None, real, recording.unmapped, notes, b.cut_kept)
    if not out.floating:
        return PointTrace(None, None, real, (f"output ({out.dtype} values)",), notes,
                          b.cut_kept)
    root = b.full(out)
    shown = formula(root, taken=inputs)
    expression = placed(root, shown)
    with np.errstate(all="ignore"):
        got = np.asarray(evaluate(expression, _NUMPY, dict(inputs)), dtype=np.float64)
    rounded = any("float32" in n or "float16" in n for n in notes)
    rtol = FLOAT32_RTOL if rounded else VALUE_RTOL
    problem = _disagreement(got, real, rtol) or _moved(recording, expression, inputs, rtol)
    if problem:
        return PointTrace(None, shown, real, (f"the traced graph ({problem})",), notes,
                          b.cut_kept)
    return PointTrace(expression, shown, real, (), notes, b.cut_kept)


def _moved(recording: Recording, expression: Expression, inputs: Mapping[str, np.ndarray],
           rtol: float) -> str:
    """The traced graph against the function at a point moved by ``PERTURBATION``."""
    if recording.check is None or not recording.perturb:
        return ""
    rng = np.random.default_rng(0)
    moved = {k: (np.asarray(v) * (1 + PERTURBATION * rng.choice([-1.0, 1.0], np.shape(v)))
                 if k in recording.perturb else np.asarray(v)) for k, v in inputs.items()}
    with np.errstate(all="ignore"):
        got = np.asarray(evaluate(expression, _NUMPY, moved), dtype=np.float64)
    problem = _disagreement(got, np.asarray(recording.check(moved), np.float64), rtol)
    return f"at inputs moved by {PERTURBATION:g}: {problem}" if problem else ""


def _disagreement(got: np.ndarray, real: np.ndarray, rtol: float) -> str:
    """Empty when the traced graph's value matches the function's, else what differs."""
    if got.shape != real.shape:
        return f"shape {got.shape}, the function returned shape {real.shape}"
    finite = np.isfinite(real)
    if not np.array_equal(finite, np.isfinite(got)) or not np.array_equal(
            got[~finite], real[~finite]) and not np.all(np.isnan(real[~finite])):
        return "not finite where the function is, or the reverse"
    scale = float(np.max(np.abs(real[finite]), initial=0.0))
    worst = float(np.max(np.abs(got[finite] - real[finite]), initial=0.0))
    if worst <= rtol * max(scale, 1e-300):
        return ""
    return (f"gives values up to {worst:.3g} away from the function's own output (largest "
            f"|value| {scale:.3g}): a value that left the framework (.item(), NumPy, "
            "global state)?")
