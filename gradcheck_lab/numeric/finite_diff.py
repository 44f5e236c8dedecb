"""Finite-difference derivatives with Richardson extrapolation (Ridders' method).

Difference quotients ``D(h)`` are taken at steps ``h, h/c, h/c^2, ...`` and
combined in a Neville tableau (Ridders, "Accurate computation of F'(x) and
F'(x)F''(x)", Adv. Eng. Software 4(2), 1982; Press et al., *Numerical Recipes*
3rd ed., section 5.7, ``dfridr``). For central differences the error expands
in even powers of h, so column j removes the h^(2j) term with factor c^(2j);
for one-sided differences it expands in all powers and the factor is c^j.
Each entry's error estimate is the larger of its differences to the two
entries it was built from, and never below the round-off bound of its
smallest step, ``NOISE_GAIN * eps * (|F(x+h)| + |F(x-h)|) / |2h|``; the entry with the
smallest estimate is returned with that estimate. The sweep stops once the
diagonal grows by more than
``SAFE`` times the best estimate (round-off has taken over).

Step rule: two sweeps, from first steps ``H0 * max(1, |x|)`` (relative to the
input's size: best against round-off in f) and ``H0 * max(1, log(1 + |x|) / 10)``
(a tenth of numdifftools' nominal step: safe for functions that vary on a scale
of 1 far from the origin, such as sin(1e11); see ``log_scale``). Each first step
is divided until no stencil point crosses a kink or a domain edge (``guard``
signature unchanged) and all values are finite, then quartered once more when an
edge was met, so the tableau starts well inside the function's radius of
convergence. The sweep with the smaller first step is trusted unless the larger
one has a smaller error estimate *and* agrees with it within both estimates (a
too-large step can alias to a consistent but wrong value). While the estimate
stays poor, sweeps from 1000x smaller first steps follow (``refine``).
Steps are realised in floating point first, ``h' = (x + h) - x`` (Numerical
Recipes, section 5.7), so that ``x + h'`` and
``x - h'`` are exact and the stencil stays symmetric: at |x| = 1e12 (ulp 1.2e-4) an
asymmetry of one ulp would leave a first-order error ``(h+ - h-) F''/2`` that no
extrapolation removes. The tableau uses the realised steps' actual ratios (Neville's
scheme for nodes ``h_i^p``), not the nominal ``c``.
Everything here is pure: callers pass the function and the guard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

H0 = 0.1  # first step, relative to max(1, |x|)
REFINE_REL = 1e-6  # an estimate above this x |value| starts a sweep from a smaller step
REFINE_FACTOR = 1000.0  # each such sweep starts this much lower...
REFINE_STEPS = 4  # ...at most this many times
REFINE_HOPELESS = 0.01  # a coarse estimate above this x |value|: the value is not trusted
LOG_DIVISOR = 10.0  # second sweep: first step H0 * max(1, log(1 + |x|) / LOG_DIVISOR)
SHRINK = 1.6  # step ratio between tableau rows
LEVELS = 14  # tableau rows at most
SAFE = 2.0  # stop when the diagonal error exceeds SAFE x the best estimate
SEARCH_FACTOR = 16.0  # first-step search divides by this until the stencil is valid
MAX_SEARCH = 260  # 0.1 / 16**260 is below the smallest double: reaches any edge
EPS = float(np.finfo(np.float64).eps)
NOISE_GAIN = 1.0  # round-off bound per quotient; the verdict adds its own factor of 2
KINK_FLOOR = 1e-8  # smallest central step (relative) tried when a kink sits at x

Vector = np.ndarray
Function = Callable[[Vector], Vector]  # flat input -> flat float64 output
Guard = Callable[[Vector], tuple[np.ndarray, ...]]  # flat input -> side signature


@dataclass(frozen=True)
class Derivative:
    """d F / d x_k for every output element, with an error estimate.

    ``lower``/``upper`` are the one-sided derivatives where a central stencil
    was impossible (a kink or edge at x); otherwise both equal ``value``.
    """

    value: np.ndarray
    error: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    stencil: str  # "central", "one-sided", "forward", "backward"


# h -> (D(h), round-off level, the realised step the error expands in), or None
Quotient = Callable[[float], "tuple[np.ndarray, np.ndarray, float] | None"]


def ridders(quotient: Quotient, h: float, power: int) -> tuple[np.ndarray, np.ndarray]:
    """Extrapolate ``quotient(h)`` to h -> 0; returns (estimate, error estimate) per element.

    ``quotient`` returns the difference quotient and its round-off level, or
    None when the stencil at ``h`` is invalid; the sweep then stops there.
    """
    start = quotient(h)
    if start is None:
        raise ValueError("the first step must be valid")
    first, _, first_step = start
    steps = [first_step]  # realised steps of the rows
    tableau = [[first]]
    best = first.copy()
    err = np.full(first.shape, np.inf)
    for i in range(1, LEVELS):
        h /= SHRINK
        entry = quotient(h)
        if entry is None:
            break
        d, noise, realised = entry
        steps.append(realised)
        row = [d]
        for j in range(1, i + 1):
            # (D_new r - D_old) / (r - 1) with r = (h_(i-j) / h_i)^p (c^(jp) for exact
            # steps), written so that it cannot overflow near the largest double (exp(709))
            factor = (steps[i - j] / steps[i]) ** power
            if not factor > 1.0:
                break
            row.append(row[j - 1] + (row[j - 1] - tableau[i - 1][j - 1]) / (factor - 1))
            errt = np.maximum(np.abs(row[j] - row[j - 1]), np.abs(row[j] - tableau[i - 1][j - 1]))
            errt = np.maximum(errt, NOISE_GAIN * noise)
            better = (errt <= err) & np.isfinite(errt)
            err = np.where(better, errt, err)
            best = np.where(better, row[j], best)
        tableau.append(row)
        if len(row) <= i or np.all(np.abs(row[i] - tableau[i - 1][i - 1]) >= SAFE * err):
            break
    return best, err


def symmetric_step(x: float, h: float) -> float:
    """``(x + h) - x`` when ``x - that`` is exact too (a symmetric stencil), else ``h``."""
    step = (x + h) - x
    return step if step != 0 and x - (x - step) == step else h


def log_scale(x: float) -> float:
    """``max(1, log(1 + |x|) / LOG_DIVISOR)``: the second sweep's first step over ``H0``.

    Far from the origin a function may still vary on a scale of 1 (sin(1e11)); a
    first step of ``H0 * log(1 + |x|)`` (numdifftools' nominal step) was measured too
    large there (2.5 at 1e11: rel. error 0.095 with an estimate 8x too small), a tenth
    of it is accurate to 1e-13 from 1e8 to 1e12.
    """
    return max(1.0, float(np.log1p(abs(x))) / LOG_DIVISOR)


def same_signature(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> bool:
    return len(a) == len(b) and all(
        x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def derivative(f: Function, guard: Guard, x: Vector, k: int, at_kink: bool = False
               ) -> Derivative:
    """Derivative of ``f`` along coordinate ``k`` at ``x``, never stepping across a guard.

    ``at_kink``: some op sits exactly at its kink at ``x``. A central stencil
    is then only accepted with steps above ``KINK_FLOOR * max(1, |x_k|)``:
    below that, a kink's side can vanish in underflow (sqrt(h**2) == 0) and
    fake a valid stencil; one-sided stencils are used instead.
    """
    f0 = f(x)
    g0 = guard(x)
    scale = max(1.0, abs(float(x[k])))
    shifted, evaluate = _stencil(f, guard, x, k)
    central = central_quotient(f, guard, x, k, g0)
    floor = KINK_FLOOR * scale if at_kink else 0.0
    sweeps = []
    starts = first_steps(float(x[k]))
    for start in starts:
        h = first_valid(central, start, floor)
        if h is not None:
            sweeps.append(ridders(central, h, power=2))
    if sweeps:
        value, error = combine_sweeps(sweeps)
        value, error = refine(central, value, error, min(starts), floor)
        return Derivative(value, error, value, value, "central")

    sides = {}
    for sign, label in ((1.0, "forward"), (-1.0, "backward")):
        side = _one_sided(f0, sign, scale, guard, stencil=(shifted, evaluate))
        if side is not None:
            sides[label] = side
    if not sides:
        nan = np.full(f0.shape, np.nan)
        return Derivative(nan, nan, nan, nan, "none")
    values = [s[0] for s in sides.values()]
    errors = [s[1] for s in sides.values()]
    lower, upper = np.minimum.reduce(values), np.maximum.reduce(values)
    mid = (lower + upper) / 2
    stencil = "one-sided" if len(sides) == 2 else next(iter(sides))
    return Derivative(mid, np.maximum.reduce(errors), lower, upper, stencil)


def first_steps(x_k: float) -> list[float]:
    """The first steps of the central sweeps, smallest first (one when they coincide)."""
    return sorted({H0 * max(1.0, abs(x_k)), H0 * log_scale(x_k)})


def combine_sweeps(sweeps: list[tuple[np.ndarray, np.ndarray]]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The first sweep, replaced per element by a later one with a smaller estimate that
    agrees with it within both estimates."""
    value, error = sweeps[0]
    for other_value, other_error in sweeps[1:]:
        take = (other_error < error) & (np.abs(other_value - value) <= other_error + error)
        value = np.where(take, other_value, value)
        error = np.where(take, other_error, error)
    return value, error


def _stencil(f: Function, guard: Guard, x: Vector, k: int
             ) -> tuple[Callable[[float], Vector],
                        Callable[[float, tuple[np.ndarray, ...]], np.ndarray | None]]:
    """``x`` moved along coordinate ``k``, and F there (None: not finite, or the guard
    signature differs from ``reference``, or the step vanished in rounding)."""
    def shifted(h: float) -> Vector:
        xp = x.copy()
        xp[k] += h
        return xp

    def evaluate(h: float, reference: tuple[np.ndarray, ...]) -> np.ndarray | None:
        xp = shifted(h)
        if xp[k] == x[k]:
            return None
        with np.errstate(all="ignore"):
            value = f(xp)
        if not np.all(np.isfinite(value)) or not same_signature(guard(xp), reference):
            return None
        return value

    return shifted, evaluate


def central_quotient(f: Function, guard: Guard, x: Vector, k: int,
                     g0: tuple[np.ndarray, ...]) -> Quotient:
    """h -> the central quotient ``(F(x + h') - F(x - h')) / 2h'`` on the realised
    symmetric step h', its round-off level and h'; None where the stencil is invalid."""
    shifted, evaluate = _stencil(f, guard, x, k)

    def realised(h: float) -> float:
        return float(shifted(h)[k] - x[k])

    def central(h: float) -> tuple[np.ndarray, np.ndarray, float] | None:
        h = symmetric_step(float(x[k]), h)
        plus, minus = evaluate(h, g0), evaluate(-h, g0)
        if plus is None or minus is None:
            return None
        width = realised(h) - realised(-h)
        rounding = (EPS * np.abs(plus) + EPS * np.abs(minus)) / width
        return (plus - minus) / width, rounding, width / 2

    return central


def refine(quotient: Quotient, value: np.ndarray, error: np.ndarray, start: float,
           floor: float, *, steps: int = REFINE_STEPS, disputed: np.ndarray | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """Sweeps from ever smaller first steps while the error estimate is still poor.

    The first steps assume the function varies on the scale of max(1, |x|). One that
    varies much faster (log(1 + (x s)^2) with s = 5e5 varies on 2e-6) is never
    resolved by a tableau starting at 0.1: its estimate then stays large against
    the value (found by fuzzing: 0.055 +- 0.039 for 25942). Each refinement starts
    ``REFINE_FACTOR`` times lower and is taken wherever its estimate is smaller
    (``take_refined``); at most ``steps`` of them. ``disputed``: the disagreements kept
    values survived so far (when a batched refinement continues here).
    """
    disputed = np.zeros_like(error) if disputed is None else disputed
    for _ in range(steps):
        if not needs_refining(value, error):
            break
        start /= REFINE_FACTOR
        h = first_valid(quotient, start, floor)
        if h is None:
            break
        value, error, disputed = take_refined(value, error, *ridders(quotient, h, power=2),
                                              disputed)
    # a kept value's estimate grows to the largest disagreement it survived: honest
    return value, np.maximum(error, disputed)


def needs_refining(value: np.ndarray, error: np.ndarray) -> bool:
    return bool(np.any(error > REFINE_REL * np.abs(value)))


def take_refined(value: np.ndarray, error: np.ndarray, other_value: np.ndarray,
                 other_error: np.ndarray, disputed: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A smaller sweep is believed where its estimate is smaller and it agrees with the
    coarser result, or where that result is hopeless (its estimate over 1% of its value):
    steps below the function's resolution (x + 1e11 moves in steps of 1.5e-5) give a flat
    tableau, 0 with a tiny estimate, which must not replace a sound coarse value.

    Where the coarser value is kept although the smaller sweep claims more accuracy and
    disagrees beyond both estimates, one of the two aliased (a first step too large for the
    function's curvature, or steps below its resolution), and which cannot be told here:
    ``disputed`` (returned updated) holds the largest such disagreement per element, which
    the kept value's estimate grows to in the end (``refine``)."""
    hopeless = error > REFINE_HOPELESS * np.abs(value)
    gap = np.abs(other_value - value)
    agrees = gap <= error + other_error
    better = other_error < error
    take = better & (hopeless | agrees)
    disputed = np.where(take, 0.0, np.where(better, np.maximum(disputed, gap), disputed))
    return (np.where(take, other_value, value), np.where(take, other_error, error),
            disputed)


def first_valid(quotient: Quotient, h: float, floor: float = 0.0) -> float | None:
    """The first step of a sweep: ``h`` divided until valid, then quartered if it was cut."""
    for cuts in range(MAX_SEARCH):
        if h < floor:
            break
        if quotient(h) is not None:
            if cuts and quotient(h / 4) is not None:
                return h / 4
            return h
        h /= SEARCH_FACTOR
        if h < np.finfo(np.float64).tiny:
            break
    return None


def _one_sided(f0: np.ndarray, sign: float, scale: float, guard: Guard, *,
               stencil: tuple[Callable[[float], Vector],
                              Callable[[float, tuple[np.ndarray, ...]], np.ndarray | None]]
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """Ridders on (F(x + s h) - F(x)) / (s h), all steps on one side of the kink."""
    shifted, evaluate = stencil  # x moved by a step; F there, or None off the side
    h = H0 * scale
    x_k = shifted(0.0)
    # the side signature just off x on this side; every step must keep it
    near = guard(shifted(sign * h * 1e-9))

    def quotient(step: float) -> tuple[np.ndarray, np.ndarray, float] | None:
        xp = shifted(sign * step)
        value = evaluate(sign * step, near)
        if value is None:
            return None
        width = float(np.sum(xp - x_k))
        return ((value - f0) / width, (EPS * np.abs(value) + EPS * np.abs(f0)) / abs(width),
                abs(width))

    first = first_valid(quotient, h)
    return None if first is None else ridders(quotient, first, power=1)
