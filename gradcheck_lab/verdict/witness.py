"""Code on trial in half precision, checked again in float32: a wrong rule stays wrong.

In bfloat16 (``u = 2^-8``) the default rows must let the round-off of correct code
through (``2 sqrt(d) u`` relative plus ``8 sqrt(d) u`` of the largest element), so a
backward 1% off (2.6 ``u``) passes element by element. No pattern within one precision
tells it from round-off either: a rounded factor that the chain rule shares between
elements moves all of them the same way (correct JAX code of a tanh MLP in bfloat16 was
measured 3.3 ``u`` off on all 8 elements, every one the same sign). Precision itself
tells: round-off shrinks by ``2^16`` from bfloat16 to float32 (``2^13`` from float16), a
wrong rule does not.

So an implementation in a float16/bfloat16 case also runs in float32 at the same point
(its inputs are half-precision numbers, exact in float32), and that result is judged
against the same exact reference with the float32 row (``tolerances``: rtol 1e-4) plus a
floor of ``8 sqrt(d) u`` of float32 times the quantity's largest element, the half rows'
floor rule at float32's ``u``. Beyond it, the method fails in the half-precision case too,
with the float32 numbers in the message. Code that cannot run in float32 (a half-only
kernel) is judged by the half-precision rows alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from gradcheck_lab.precision import FORMATS
from gradcheck_lab.results import MethodResult
from gradcheck_lab.tolerances import Family, default_tolerance

FLOOR_PER_DEPTH = 8.0  # the half rows' ntol, in units of sqrt(d) u of float32


def _pairs(witness: MethodResult, ref: MethodResult
           ) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    if witness.value is not None and ref.value is not None:
        yield "value", np.asarray(witness.value, dtype=np.float64), np.asarray(ref.value)
    for name, got in witness.gradient.items():
        if name in ref.gradient:
            yield name, np.asarray(got, dtype=np.float64), np.asarray(ref.gradient[name])


def float32_failure(witness: MethodResult | None, ref: MethodResult, dtype: str,
                    depth: int) -> str | None:
    """Why the float32 run of code on trial in a ``dtype`` case fails against ``ref``, or
    None (it passes, or it did not run: then the half-precision rows alone judge)."""
    if witness is None or witness.error is not None or witness.skipped is not None:
        return None
    rtol = default_tolerance(Family.AUTODIFF, "float32").rtol
    floor = FLOOR_PER_DEPTH * math.sqrt(max(depth, 1)) * FORMATS["float32"].unit_roundoff
    tiny = 2.0 ** FORMATS["float32"].min_exponent
    worst: tuple[float, str, float, float] | None = None
    for name, got, want in _pairs(witness, ref):
        want = np.broadcast_to(np.asarray(want, dtype=np.float64), np.shape(want))
        got = np.broadcast_to(got, want.shape)
        finite = np.isfinite(want)
        scale = float(np.max(np.abs(want[finite]), initial=0.0))
        with np.errstate(all="ignore"):
            err = np.where(finite, np.abs(got - want), 0.0)
            err = np.where(np.isnan(err), np.inf, err)
            over = err / (tiny + rtol * np.abs(np.where(finite, want, 0.0)) + floor * scale)
        if over.size and float(np.max(over)) > 1.0:
            idx = np.unravel_index(int(np.argmax(over)), over.shape)
            label = name + (f"[{', '.join(str(int(i)) for i in idx)}]" if idx else "")
            ratio = float(over[idx])
            if worst is None or ratio > worst[0]:
                worst = (ratio, label, float(want[idx]), float(got[idx]))
    if worst is None:
        return None
    _, label, want_at, got_at = worst
    rel = abs(got_at - want_at) / abs(want_at) if want_at else math.inf
    return (f"run in float32 at the same point, the code is off too ({label}: reference "
            f"{want_at:.6g}, got {got_at:.6g}, rel err {rel:.2g}; float32 allows "
            f"{rtol:g}): an error in the code, not {dtype} round-off")
