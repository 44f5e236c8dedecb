"""The floating-point formats a case runs torch and JAX in (``dtype``), and rounding to them.

One :class:`FloatFormat` row per ``dtype``. A format with ``p`` significand bits (the
implicit leading bit included) has machine epsilon ``eps = 2^(1-p)`` (the gap between 1
and the next number) and unit round-off ``u = 2^-p`` (the largest relative error of one
rounding to nearest; Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed.,
section 2.1). float64 is IEEE 754 binary64 (p = 53), float32 binary32 (p = 24), float16
binary16 (p = 11, largest finite 65504), bfloat16 the upper half of binary32 (p = 8, the
exponent range of float32).

Only numpy is imported here: the runner rounds every point once, before any method runs,
so the exact reference is computed at exactly the numbers the low-precision code sees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FloatFormat:
    """A binary floating-point format: precision, smallest normal exponent, largest value."""

    name: str
    precision: int  # significand bits p, the implicit bit included
    min_exponent: int  # the smallest normal number is 2^min_exponent
    max_value: float

    @property
    def eps(self) -> float:
        """Machine epsilon ``2^(1-p)``."""
        return 2.0 ** (1 - self.precision)

    @property
    def unit_roundoff(self) -> float:
        """``u = 2^-p``: one rounding to nearest is off by at most ``u`` relative."""
        return 2.0 ** -self.precision


FORMATS: dict[str, FloatFormat] = {
    "float64": FloatFormat("float64", 53, -1022, float(np.finfo(np.float64).max)),
    "float32": FloatFormat("float32", 24, -126, float(np.finfo(np.float32).max)),
    "float16": FloatFormat("float16", 11, -14, 65504.0),
    "bfloat16": FloatFormat("bfloat16", 8, -126, (2.0 - 2.0 ** -7) * 2.0 ** 127),
}
DTYPES: tuple[str, ...] = tuple(FORMATS)  # what a case's `dtype` accepts, default first
HALF_DTYPES: tuple[str, ...] = ("float16", "bfloat16")


def round_to(values: np.ndarray, dtype: str) -> np.ndarray:
    """``values`` (float64) rounded to the nearest number of ``dtype``, ties to even, as float64.

    With ``|x| = m 2^e`` (``1 <= m < 2``) the spacing of the format near ``x`` is
    ``q = 2^(max(e, e_min) - p + 1)`` (below ``2^e_min`` the subnormals keep the spacing
    of ``2^e_min``); ``rint(x / q) q`` rounds to it, ties to even (IEEE 754-2019,
    roundTiesToEven). Every step is exact in float64 (scaling by a power of 2 and an
    integer of at most 53 bits). A result above the largest finite number is infinite,
    as in a conversion. The rounding is direct: torch and ml_dtypes convert float64 to
    bfloat16 through float32, which rounds twice (1 + 2^-8 + 2^-30 becomes 1, not
    1 + 2^-7); rounded here first, the value is representable and their conversion exact.
    """
    fmt = FORMATS[dtype]
    x = np.asarray(values, dtype=np.float64)
    if fmt.precision == 53:
        return x.copy()
    with np.errstate(all="ignore"):
        _, exponent = np.frexp(x)  # x = f 2^k with 0.5 <= |f| < 1, so e = k - 1
        e = np.maximum(exponent.astype(np.int64) - 1, fmt.min_exponent)
        quantum = np.ldexp(1.0, (e - fmt.precision + 1).astype(np.int32))
        rounded = np.rint(x / quantum) * quantum
        rounded = np.where(np.abs(rounded) > fmt.max_value, np.copysign(np.inf, x), rounded)
    return np.where(np.isfinite(x), rounded, x)


def holds(values: np.ndarray, dtype: str) -> bool:
    """Every finite value is a number of ``dtype`` (rounding leaves it unchanged)."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    return bool(np.array_equal(round_to(finite, dtype), finite))


def roundoff_like(relative_error: float, dtype: str = "float64",
                  values: np.ndarray | None = None) -> FloatFormat | None:
    """The format whose round-off a relative error looks like, or None.

    Candidates are ``dtype`` (unless float64, whose round-off every tolerance allows) and
    the less precise formats in whose unit round-off ``u`` the error is between 0.25 and
    64 (a fraction of one rounding to a few dozen, compounded). When every one of the
    computed ``values`` is a number of a candidate format, the least precise such format
    wins: that is where the values were last rounded (a random float64 number is a
    bfloat16 number with probability 2^-45). Otherwise the one needing the fewest
    roundings, at least half of one: 3e-3 is 0.8 u of bfloat16 rather than 6 u of
    float16.
    """
    own = FORMATS[dtype].precision
    fits = [f for f in FORMATS.values()
            if (f.precision < own or (f.precision == own and own < 53))
            and 0.25 <= relative_error / f.unit_roundoff <= 64]
    if values is not None:
        exact = [f for f in fits if holds(values, f.name)]
        if exact:
            return min(exact, key=lambda f: f.precision)
    fits = [f for f in fits if relative_error / f.unit_roundoff >= 0.5]
    return min(fits, key=lambda f: relative_error / f.unit_roundoff, default=None)
