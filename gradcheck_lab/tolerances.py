"""The default tolerance table: the one place defaults live (documented in README).

An element passes when ``|got - ref| <= atol + rtol * |ref| + floor``. Float64 rows are
tight enough to catch a relative error of 1e-8; float32 rows allow float32
round-off (eps 1.2e-7) accumulated over a few dozen operations. ``fd`` is
additionally widened by its own error estimate (``fd_estimate_factor`` times
it: Ridders estimates can be 2x optimistic, those of second differences 10x), and
when ``fd`` is the reference every method is widened by the reference's estimate the
same way.

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

float16 and bfloat16 rows are derived from the dtype's unit round-off ``u``
(``precision.FORMATS``) and the depth ``d`` of the expression (``expression_depth``):
``rtol = 2 sqrt(d) u``, plus a floor ``ntol = 8 sqrt(d) u`` times the largest reference
element of the quantity, because terms that cancel (a softmax's backward, a matmul)
leave round-off of the terms' size, not the result's. Rounding errors behave like
independent random variables, so ``n`` roundings give an error of about ``sqrt(n) u``
rather than the worst case ``n u`` (Higham and Mary, "A new approach to probabilistic
rounding error analysis", SIAM J. Sci. Comput. 41(5), 2019). ``benchmarks/half_tolerance.py``
checks the rows on correct torch and JAX code (the seed cases, the zoo's correct
gradients, six models, 18 ops with a cotangent; 436 computations): the largest error of
an ordinary computation was 0.47 of the bound. Outside it: results that overflow the
format, references that are 0 (no scale for the floor: the gradient of
``sum(softmax(x))``), torch's logsumexp backward at inputs near 1000 (it computes
``exp(x - lse)`` from a rounded ``lse``) and ``(x - 1e6)**2`` in bfloat16 (the code rounds
the constant 1e6 to 999424, the reference keeps it exact).
Code on trial in a half-precision case is also run in float32 and judged with the
float32 row (``verdict.witness``): a 1% error hides inside the bfloat16 rows, not there.
``atol`` is the dtype's smallest
normal number: below it precision is lost to gradual underflow.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import Enum
from functools import lru_cache

import numpy as np

from gradcheck_lab.case import ALL_METHODS_KEY, Case, Tolerance
from gradcheck_lab.expr.graph import Expression, Op
from gradcheck_lab.expr.ops import OPS
from gradcheck_lab.precision import FORMATS


class Family(str, Enum):
    """Tolerance families: methods that share a row of the table."""

    SYMPY = "sympy"
    FD = "fd"
    COMPLEX_STEP = "complex_step"
    AUTODIFF = "autodiff"  # torch, torch_forward, jax, jax_forward, impl:*
    CLAIM = "claim"
    EXPECT = "expect"


FD_ESTIMATE_FACTOR = 4.0  # Ridders estimates run up to ~2x low (measured: sin at 1e8)
# Ridders estimates of second differences (Hessian entries and H v products) run lower:
# up to 10.7x on the throughput suite's 126 order-2 cases (314 Hessian blocks at their
# points; 7 beyond 4x, 3 beyond 8x: svd, eigh, expm; benchmarks/throughput.md)
FD_HESSIAN_ESTIMATE_FACTOR = 32.0


def fd_estimate_factor(quantity: str) -> float:
    """How many times fd's own error estimate widens the bound of ``quantity`` (a
    gradient, ``value``, a projection, or a Hessian block ``hessian[a,b]``)."""
    return FD_HESSIAN_ESTIMATE_FACTOR if quantity.startswith("hessian[") \
        else FD_ESTIMATE_FACTOR
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
# (method family, dtype) -> (rtol, ntol) in units of u sqrt(d): the dtype's unit round-off
# times the square root of the expression's depth (module docstring)
PER_DEPTH: Mapping[tuple[Family, str], tuple[float, float]] = {
    (Family.AUTODIFF, "float16"): (2.0, 8.0),
    (Family.AUTODIFF, "bfloat16"): (2.0, 8.0),
}
_MISSING = [f.value for f in Family if (f, "float64") not in DEFAULTS]
if _MISSING:  # pragma: no cover - a family without defaults is a programming error
    raise ImportError(f"tolerance families without a float64 row: {_MISSING}")

# rows documented for the README, in this order
TABLE_ROWS: tuple[tuple[Family, str, str], ...] = (
    (Family.SYMPY, "float64", "sympy (when fd is the reference)"),
    (Family.FD, "float64", "fd (plus 4x its own error estimate, 32x for Hessians)"),
    (Family.COMPLEX_STEP, "float64", "complex_step"),
    (Family.AUTODIFF, "float64",
     "torch, torch_forward, jax, jax_forward, impl:* (dtype float64)"),
    (Family.AUTODIFF, "float32", "the same, dtype float32"),
    (Family.AUTODIFF, "float16", "the same, dtype float16 (u = 2^-11 = 4.9e-4)"),
    (Family.AUTODIFF, "bfloat16", "the same, dtype bfloat16 (u = 2^-8 = 3.9e-3)"),
    (Family.CLAIM, "float64", "claim:* (always evaluated in float64)"),
    (Family.EXPECT, "float64", "expect (numbers quoted from a source, usually rounded)"),
)


UNTRACED_DEPTH = 4  # the depth assumed for a function that is code without a graph


@lru_cache(maxsize=256)
def expression_depth(expr: Expression | None) -> int:
    """Ops on the longest path from an input to the output, indexing, ``.T`` and stacking
    (the ``structure`` ops, which never round) not counted; at least 1. A function given
    as code that could not be traced (``expr`` None) counts ``UNTRACED_DEPTH``."""
    if expr is None:
        return UNTRACED_DEPTH
    depth: dict[int, int] = {}
    for node in expr.nodes:  # children before parents
        below = max((depth[id(a)] for a in node.args), default=0) if isinstance(node, Op) else 0
        counts = isinstance(node, Op) and OPS[node.op].category != "structure"
        depth[id(node)] = below + int(counts)
    return max(depth.get(id(expr.root), 0), 1)


def default_tolerance(family: Family, dtype: str, depth: int = 1) -> Tolerance:
    """The table's row for ``family``; families that always run in float64 ignore ``dtype``.

    Half-precision rows grow with the expression's ``depth`` (module docstring)."""
    if (family, dtype) in PER_DEPTH:
        fmt = FORMATS[dtype]
        per_rtol, per_ntol = PER_DEPTH[(family, dtype)]
        level = math.sqrt(max(depth, 1)) * fmt.unit_roundoff
        return Tolerance(rtol=per_rtol * level, atol=2.0 ** fmt.min_exponent,
                         ntol=per_ntol * level)
    return DEFAULTS.get((family, dtype), DEFAULTS[(family, "float64")])


def tolerance_for(case: Case, method: str, family: Family) -> Tolerance:
    """Default row, then the case's top-level override, then its per-method override (the
    method's plain name, then ``NAME@DEVICE``: ``torch`` also covers ``torch@cuda``)."""
    tol = default_tolerance(family, case.dtype, expression_depth(case.expr))
    overrides = case.tolerance
    if overrides is not None:
        if ALL_METHODS_KEY in overrides:
            tol = overrides[ALL_METHODS_KEY].apply(tol)
        base = method.rpartition("@")[0] or method
        for name in dict.fromkeys((base, method)):
            if name in overrides:
                tol = overrides[name].apply(tol)
    return tol


def roundoff_unit(family: Family, dtype: str) -> float:
    """``ROUNDOFF_ULPS * eps`` of the dtype the family computes in (0: no floor).

    Only autodiff methods run in the case's dtype; fd, the complex step and claims
    always compute in float64. The half-precision rows have their own floor
    (``ntol``, ``PER_DEPTH``): 1000 ulps of float16 would be the terms' whole size.
    """
    if family.value not in FLOORED:
        return 0.0
    computes_in = dtype if family is Family.AUTODIFF else "float64"
    if computes_in not in ("float64", "float32"):
        return 0.0
    return ROUNDOFF_ULPS * float(np.finfo(computes_in).eps)


def table_rows() -> list[tuple[str, str, str, str]]:
    """(method, rtol, atol, round-off floor) for the README's table, in ``TABLE_ROWS``'
    order."""
    rows = []
    for family, dtype, label in TABLE_ROWS:
        if (family, dtype) in PER_DEPTH:
            per_rtol, per_ntol = PER_DEPTH[(family, dtype)]
            tol = default_tolerance(family, dtype)
            floor = f"{tol.atol:.2g} + {per_ntol:g} √d u max\\|ref\\|"
            rows.append((label, f"{per_rtol:g} √d u", floor, "none (the atol's max\\|ref\\|)"))
        else:
            tol = DEFAULTS[(family, dtype)]
            computes_in = dtype if family is Family.AUTODIFF else "float64"
            ulps = (f"{ROUNDOFF_ULPS:g} {computes_in} ulps of the terms"
                    if roundoff_unit(family, dtype) else "none")
            rows.append((label, f"{tol.rtol:g}", f"{tol.atol:g}", ulps))
    return rows
