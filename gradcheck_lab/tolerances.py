"""The default tolerance table: the one place defaults live (documented in README).

An element passes when ``|got - ref| <= atol + rtol * |ref|``. Float64 rows are
tight enough to catch a relative error of 1e-8; float32 rows allow float32
round-off (eps 1.2e-7) accumulated over a few dozen operations. ``fd`` is
additionally widened by its own error estimate (``FD_ESTIMATE_FACTOR`` times
it: Ridders estimates can be 2x optimistic), and when ``fd`` is the reference
every method is widened by the reference's estimate the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

from gradcheck_lab.case import ALL_METHODS_KEY, Case, Tolerance
from gradcheck_lab.methods import CLAIM_PREFIX, EXPECT_METHOD, IMPL_PREFIX

FD_ESTIMATE_FACTOR = 4.0  # Ridders estimates run up to ~2x low (measured: sin at 1e8)
# Conditioning: when a float method fails against the exact reference, the point's
# conditioning is measured (the exact results at inputs moved by CONDITION_ULPS ulps, in
# CONDITION_SAMPLES random sign patterns) and that spread is added to every float
# method's bound; a verdict that passes only thanks to it says so. A backward-stable
# float64 program is exact for inputs a few roundings away, so this forgives rounding,
# never a bug that a well-conditioned point would show.
CONDITION_ULPS = 8.0
CONDITION_SAMPLES = 8  # random sign patterns: a two-term cancellation is missed with p = 2^-8

# (method family, dtype) -> Tolerance
DEFAULTS: Mapping[tuple[str, str], Tolerance] = {
    ("sympy", "float64"): Tolerance(rtol=1e-12, atol=1e-14),
    ("fd", "float64"): Tolerance(rtol=1e-9, atol=1e-12),
    ("complex_step", "float64"): Tolerance(rtol=1e-13, atol=1e-15),
    ("autodiff", "float64"): Tolerance(rtol=1e-9, atol=1e-12),
    ("autodiff", "float32"): Tolerance(rtol=1e-4, atol=1e-6),
    ("claim", "float64"): Tolerance(rtol=1e-9, atol=1e-12),
    ("expect", "float64"): Tolerance(rtol=1e-6, atol=1e-9),
}
# rows documented for the README, in this order
TABLE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("sympy", "float64", "sympy (when fd is the reference)"),
    ("fd", "float64", "fd (plus 4x its own error estimate)"),
    ("complex_step", "float64", "complex_step"),
    ("autodiff", "float64", "torch, torch_forward, jax, jax_forward, impl:* (dtype float64)"),
    ("autodiff", "float32", "the same, dtype float32"),
    ("claim", "float64", "claim:* (always evaluated in float64)"),
    ("expect", "float64", "expect (numbers quoted from a source, usually rounded)"),
)

_FAMILY = {"sympy": "sympy", "fd": "fd", "complex_step": "complex_step", "torch": "autodiff",
           "torch_forward": "autodiff", "jax": "autodiff", "jax_forward": "autodiff",
           EXPECT_METHOD: "expect"}


def family(method: str) -> str:
    if method.startswith(CLAIM_PREFIX):
        return "claim"
    if method.startswith(IMPL_PREFIX):
        return "autodiff"
    return _FAMILY[method]


def default_tolerance(method: str, dtype: str) -> Tolerance:
    """The table's row for ``method``; methods that always run in float64 ignore ``dtype``."""
    fam = family(method)
    key = (fam, dtype) if (fam, dtype) in DEFAULTS else (fam, "float64")
    return DEFAULTS[key]


def tolerance_for(case: Case, method: str) -> Tolerance:
    """Default row, then the case's top-level override, then its per-method override."""
    tol = default_tolerance(method, case.dtype)
    overrides = case.tolerance
    if overrides is not None:
        if ALL_METHODS_KEY in overrides:
            tol = overrides[ALL_METHODS_KEY].apply(tol)
        if method in overrides:
            tol = overrides[method].apply(tol)
    return tol
