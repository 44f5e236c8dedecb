"""The default tolerance table: the one place defaults live (documented in README).

An element passes when ``|got - ref| <= atol + rtol * |ref| + floor``. Float64 rows are
tight enough to catch a relative error of 1e-8; float32 rows allow float32
round-off (eps 1.2e-7) accumulated over a few dozen operations. ``fd`` is
additionally widened by its own error estimate (``FD_ESTIMATE_FACTOR`` times
it: Ridders estimates can be 2x optimistic), and when ``fd`` is the reference
every method is widened by the reference's estimate the same way.

The absolute part follows the problem: the float methods' rows have ``atol`` 0, and
each element gets a round-off ``floor`` of ``ROUNDOFF_ULPS`` ulps (of the method's
dtype) of the size of the terms it is computed from (``numeric.roundoff``: the exact
reverse sweep over absolute values, plus the rounding of each elementwise function's
own derivative; for the value, the running error bound of the forward computation).
So an element is judged relatively unless round-off of its own terms dominates: a
gradient element of 1e-10 computed from terms of 1e-10 is held to rtol, beside O(1)
elements, and one that cancels from terms of 1 gets ulps of 1. Where the exact model
is not the reference (``fd`` is), the floor is ``ROUNDOFF_ULPS`` ulps of the largest
reference element of the quantity (normwise); Hessian entries always use that.
A case's or method's ``atol`` is added to the floor.

Every method has a :class:`Family` (its registry row says which); the table has a
float64 row for every family, checked when this module is imported, so a method
cannot name a family without defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

import numpy as np

from gradcheck_lab.case import ALL_METHODS_KEY, Case, Tolerance


class Family(str, Enum):
    """Tolerance families: methods that share a row of the table."""

    SYMPY = "sympy"
    FD = "fd"
    COMPLEX_STEP = "complex_step"
    AUTODIFF = "autodiff"  # torch, torch_forward, jax, jax_forward, impl:*
    CLAIM = "claim"
    EXPECT = "expect"


FD_ESTIMATE_FACTOR = 4.0  # Ridders estimates run up to ~2x low (measured: sin at 1e8)
# Conditioning: when a float method fails against the exact reference, the point's
# conditioning is measured (the exact results at inputs moved by CONDITION_ULPS ulps, in
# CONDITION_SAMPLES random sign patterns) and that spread is added to every float
# method's bound; a verdict that passes only thanks to it says so. A backward-stable
# float64 program is exact for inputs a few roundings away, so this forgives rounding,
# never a bug that a well-conditioned point would show.
CONDITION_ULPS = 8.0
CONDITION_SAMPLES = 8  # random sign patterns: a two-term cancellation is missed with p = 2^-8

ROUNDOFF_ULPS = 1000.0  # the round-off floor: this many ulps of an element's terms
# families that compute in floating point get the floor; exact (sympy) and quoted
# (expect) numbers keep their absolute tolerance
FLOORED = frozenset({"fd", "complex_step", "autodiff", "claim"})

# (method family, dtype) -> Tolerance
DEFAULTS: Mapping[tuple[Family, str], Tolerance] = {
    (Family.SYMPY, "float64"): Tolerance(rtol=1e-12, atol=1e-14),
    (Family.FD, "float64"): Tolerance(rtol=1e-9, atol=0.0),
    (Family.COMPLEX_STEP, "float64"): Tolerance(rtol=1e-13, atol=0.0),
    (Family.AUTODIFF, "float64"): Tolerance(rtol=1e-9, atol=0.0),
    (Family.AUTODIFF, "float32"): Tolerance(rtol=1e-4, atol=0.0),
    (Family.CLAIM, "float64"): Tolerance(rtol=1e-9, atol=0.0),
    (Family.EXPECT, "float64"): Tolerance(rtol=1e-6, atol=1e-9),
}
_MISSING = [f.value for f in Family if (f, "float64") not in DEFAULTS]
if _MISSING:  # pragma: no cover - a family without defaults is a programming error
    raise ImportError(f"tolerance families without a float64 row: {_MISSING}")

# rows documented for the README, in this order
TABLE_ROWS: tuple[tuple[Family, str, str], ...] = (
    (Family.SYMPY, "float64", "sympy (when fd is the reference)"),
    (Family.FD, "float64", "fd (plus 4x its own error estimate)"),
    (Family.COMPLEX_STEP, "float64", "complex_step"),
    (Family.AUTODIFF, "float64",
     "torch, torch_forward, jax, jax_forward, impl:* (dtype float64)"),
    (Family.AUTODIFF, "float32", "the same, dtype float32"),
    (Family.CLAIM, "float64", "claim:* (always evaluated in float64)"),
    (Family.EXPECT, "float64", "expect (numbers quoted from a source, usually rounded)"),
)


def default_tolerance(family: Family, dtype: str) -> Tolerance:
    """The table's row for ``family``; families that always run in float64 ignore ``dtype``."""
    return DEFAULTS.get((family, dtype), DEFAULTS[(family, "float64")])


def tolerance_for(case: Case, method: str, family: Family) -> Tolerance:
    """Default row, then the case's top-level override, then its per-method override."""
    tol = default_tolerance(family, case.dtype)
    overrides = case.tolerance
    if overrides is not None:
        if ALL_METHODS_KEY in overrides:
            tol = overrides[ALL_METHODS_KEY].apply(tol)
        if method in overrides:
            tol = overrides[method].apply(tol)
    return tol


def roundoff_unit(family: Family, dtype: str) -> float:
    """``ROUNDOFF_ULPS * eps`` of the dtype the family computes in (0: no floor).

    Only autodiff methods run in the case's dtype; fd, the complex step and claims
    always compute in float64.
    """
    if family.value not in FLOORED:
        return 0.0
    computes_in = dtype if family is Family.AUTODIFF else "float64"
    return ROUNDOFF_ULPS * float(np.finfo(computes_in).eps)
