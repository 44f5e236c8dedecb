"""Second derivatives by Ridders-extrapolated central second differences.

The same machinery as ``finite_diff`` (first steps, guards, realised symmetric
steps, Neville tableau on the actual step ratios), applied to the second
difference quotients; Hessians of the ``fd`` method come from here.
"""

from __future__ import annotations

import numpy as np

from gradcheck_lab.numeric.finite_diff import (
    EPS,
    H0,
    Function,
    Guard,
    Vector,
    first_valid,
    log_scale,
    ridders,
    same_signature,
    symmetric_step,
)


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
        if not np.all(np.isfinite(value)) or not same_signature(guard(xp), g0):
            return None
        return float(value[0]), xp

    def quotient(h: float) -> tuple[np.ndarray, np.ndarray, float] | None:
        if i == j:
            h = symmetric_step(float(x[i]), h)
            plus, minus = at({i: h}), at({i: -h})
            if plus is None or minus is None:
                return None
            a, b = plus[1][i] - x[i], x[i] - minus[1][i]
            if a == 0 or b == 0:
                return None
            value = ((plus[0] - f0) / a - (f0 - minus[0]) / b) * 2 / (a + b)
            noise = EPS * (abs(plus[0]) + 2 * abs(f0) + abs(minus[0])) / (a * b)
            return np.array([value]), np.array([noise]), float((a + b) / 2)
        hi, hj = symmetric_step(float(x[i]), h), symmetric_step(float(x[j]), h)
        corners = [at({i: si * hi, j: sj * hj}) for si in (1, -1) for sj in (1, -1)]
        if any(c is None for c in corners):
            return None
        pp, pm, mp, mm = (c for c in corners if c is not None)
        wi = pp[1][i] - mp[1][i]
        wj = pp[1][j] - pm[1][j]
        if wi == 0 or wj == 0:
            return None
        value = (pp[0] - pm[0] - mp[0] + mm[0]) / (wi * wj)
        noise = EPS * (abs(pp[0]) + abs(pm[0]) + abs(mp[0]) + abs(mm[0])) / abs(wi * wj)
        return np.array([value]), np.array([noise]), float(np.sqrt(abs(wi * wj)) / 2)

    scale = max(1.0, abs(float(x[i])), abs(float(x[j])))
    far = log_scale(max(abs(float(x[i])), abs(float(x[j]))))
    best: tuple[np.ndarray, np.ndarray] | None = None
    for start in sorted({H0 * scale, H0 * far}):
        h = first_valid(quotient, start)
        if h is None:
            continue
        value, error = ridders(quotient, h, power=2)
        if best is None or (error[0] < best[1][0]
                            and abs(value[0] - best[0][0]) <= error[0] + best[1][0]):
            best = (value, error)
    if best is None:
        return float("nan"), float("nan")
    return float(best[0][0]), float(best[1][0])
