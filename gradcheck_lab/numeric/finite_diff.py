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
input's size: best against round-off in f) and ``H0 * max(1, log(1 + |x|))``
(numdifftools' nominal step: safe for functions that vary on a scale of 1 far
from the origin, such as sin(1e8)). Each first step is halved until no stencil
point crosses a kink or a domain edge (``guard`` signature unchanged) and all
values are finite, then quartered once more when an edge was met, so the
tableau starts well inside the function's radius of convergence. The sweep
with the smaller first step is trusted unless the larger one has a smaller
error estimate *and* agrees with it within both estimates (a too-large step
can alias to a consistent but wrong value). Quotients divide by the step
actually realised in floating point, ``(x + h) - x``.
Everything here is pure: callers pass the function and the guard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

H0 = 0.1  # first step, relative to max(1, |x|)
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


Quotient = Callable[[float], "tuple[np.ndarray, np.ndarray] | None"]  # h -> (D(h), noise)


def ridders(quotient: Quotient, h: float, power: int) -> tuple[np.ndarray, np.ndarray]:
    """Extrapolate ``quotient(h)`` to h -> 0; returns (estimate, error estimate) per element.

    ``quotient`` returns the difference quotient and its round-off level, or
    None when the stencil at ``h`` is invalid; the sweep then stops there.
    """
    start = quotient(h)
    if start is None:
        raise ValueError("the first step must be valid")
    first, _ = start
    tableau = [[first]]
    best = first.copy()
    err = np.full(first.shape, np.inf)
    for i in range(1, LEVELS):
        h /= SHRINK
        step = quotient(h)
        if step is None:
            break
        d, noise = step
        row = [d]
        factor = SHRINK ** power
        for j in range(1, i + 1):
            # (D_new c^p - D_old) / (c^p - 1), written so that it cannot overflow when the
            # quotients are near the largest double (exp near 709)
            row.append(row[j - 1] + (row[j - 1] - tableau[i - 1][j - 1]) / (factor - 1))
            factor *= SHRINK ** power
            errt = np.maximum(np.abs(row[j] - row[j - 1]), np.abs(row[j] - tableau[i - 1][j - 1]))
            errt = np.maximum(errt, NOISE_GAIN * noise)
            better = (errt <= err) & np.isfinite(errt)
            err = np.where(better, errt, err)
            best = np.where(better, row[j], best)
        tableau.append(row)
        if np.all(np.abs(row[i] - tableau[i - 1][i - 1]) >= SAFE * err):
            break
    return best, err


def _same(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> bool:
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

    def shifted(h: float) -> Vector:
        xp = x.copy()
        xp[k] += h
        return xp

    def realised(h: float) -> float:
        return float(shifted(h)[k] - x[k])

    def evaluate(h: float, reference: tuple[np.ndarray, ...]) -> np.ndarray | None:
        xp = shifted(h)
        if xp[k] == x[k]:
            return None
        with np.errstate(all="ignore"):
            value = f(xp)
        if not np.all(np.isfinite(value)) or not _same(guard(xp), reference):
            return None
        return value

    def central(h: float) -> tuple[np.ndarray, np.ndarray] | None:
        plus, minus = evaluate(h, g0), evaluate(-h, g0)
        if plus is None or minus is None:
            return None
        width = realised(h) - realised(-h)
        return (plus - minus) / width, (EPS * np.abs(plus) + EPS * np.abs(minus)) / width

    sweeps = []
    for start in sorted({H0 * scale, H0 * max(1.0, float(np.log1p(abs(x[k]))))}):
        h = _first_valid(central, start, KINK_FLOOR * scale if at_kink else 0.0)
        if h is not None:
            sweeps.append(ridders(central, h, power=2))
    if sweeps:
        value, error = sweeps[0]
        for other_value, other_error in sweeps[1:]:
            take = (other_error < error) & (np.abs(other_value - value) <= other_error + error)
            value = np.where(take, other_value, value)
            error = np.where(take, other_error, error)
        return Derivative(value, error, value, value, "central")

    sides = {}
    for sign, label in ((1.0, "forward"), (-1.0, "backward")):
        side = _one_sided(f0, sign, scale, guard, shifted, evaluate)
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


def _first_valid(quotient: Quotient, h: float, floor: float = 0.0) -> float | None:
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


def _one_sided(f0: np.ndarray, sign: float, scale: float, guard: Guard,
               shifted: Callable[[float], Vector],
               evaluate: Callable[[float, tuple[np.ndarray, ...]], np.ndarray | None]
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """Ridders on (F(x + s h) - F(x)) / (s h), all steps on one side of the kink."""
    h = H0 * scale
    x_k = shifted(0.0)
    # the side signature just off x on this side; every step must keep it
    near = guard(shifted(sign * h * 1e-9))

    def quotient(step: float) -> tuple[np.ndarray, np.ndarray] | None:
        xp = shifted(sign * step)
        value = evaluate(sign * step, near)
        if value is None:
            return None
        width = float(np.sum(xp - x_k))
        return (value - f0) / width, (EPS * np.abs(value) + EPS * np.abs(f0)) / abs(width)

    first = _first_valid(quotient, h)
    return None if first is None else ridders(quotient, first, power=1)


def second_derivative(f: Function, guard: Guard, x: Vector, i: int, j: int
                      ) -> tuple[float, float]:
    """d2 F / dx_i dx_j of a scalar F (``f`` returns one element), with an error estimate.

    Central second differences on realised steps: the diagonal uses
    ``((F(x+a) - F(x))/a - (F(x) - F(x-b))/b) * 2/(a+b)``, the mixed entries
    ``(F(++) - F(+-) - F(-+) + F(--)) / ((a_i+b_i)(a_j+b_j))``; both have
    error series in even powers of h, so Ridders' tableau (power 2) applies,
    with the same two first steps and guard rule as ``derivative``. Round-off
    grows like eps |F| / h^2 and enters the estimate.
    """
    f0 = float(f(x)[0])
    g0 = guard(x)

    def at(delta: dict[int, float]) -> tuple[float, Vector] | None:
        xp = x.copy()
        for k, d in delta.items():
            xp[k] += d
        with np.errstate(all="ignore"):
            value = f(xp)
        if not np.all(np.isfinite(value)) or not _same(guard(xp), g0):
            return None
        return float(value[0]), xp

    def quotient(h: float) -> tuple[np.ndarray, np.ndarray] | None:
        if i == j:
            plus, minus = at({i: h}), at({i: -h})
            if plus is None or minus is None:
                return None
            a, b = plus[1][i] - x[i], x[i] - minus[1][i]
            if a == 0 or b == 0:
                return None
            value = ((plus[0] - f0) / a - (f0 - minus[0]) / b) * 2 / (a + b)
            noise = EPS * (abs(plus[0]) + 2 * abs(f0) + abs(minus[0])) / (a * b)
            return np.array([value]), np.array([noise])
        corners = [at({i: si * h, j: sj * h}) for si in (1, -1) for sj in (1, -1)]
        if any(c is None for c in corners):
            return None
        pp, pm, mp, mm = (c for c in corners if c is not None)
        wi = pp[1][i] - mp[1][i]
        wj = pp[1][j] - pm[1][j]
        if wi == 0 or wj == 0:
            return None
        value = (pp[0] - pm[0] - mp[0] + mm[0]) / (wi * wj)
        noise = EPS * (abs(pp[0]) + abs(pm[0]) + abs(mp[0]) + abs(mm[0])) / abs(wi * wj)
        return np.array([value]), np.array([noise])

    scale = max(1.0, abs(float(x[i])), abs(float(x[j])))
    log_scale = max(1.0, float(np.log1p(max(abs(x[i]), abs(x[j])))))
    best: tuple[np.ndarray, np.ndarray] | None = None
    for start in sorted({H0 * scale, H0 * log_scale}):
        h = _first_valid(quotient, start)
        if h is None:
            continue
        value, error = ridders(quotient, h, power=2)
        if best is None or (error[0] < best[1][0]
                            and abs(value[0] - best[0][0]) <= error[0] + best[1][0]):
            best = (value, error)
    if best is None:
        return float("nan"), float("nan")
    return float(best[0][0]), float(best[1][0])
