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
    LEVELS,
    Function,
    Guard,
    Vector,
    combine_sweeps,
    first_valid,
    log_scale,
    ridders,
    same_signature,
    symmetric_step,
)
from gradcheck_lab.numeric.finite_diff_batch import Probe, _row_steps, _symmetric, ridders_table


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


def hessian(f: Function, guard: Guard, probe: Probe, x: Vector) -> tuple[np.ndarray, np.ndarray]:
    """Every entry ``second_derivative(f, guard, x, i, j)`` (i <= j, mirrored), batched.

    The quotients of every row of every sweep of every entry are evaluated in one call
    of ``probe`` and the tableaux run side by side (``finite_diff_batch.ridders_table``,
    the arithmetic of ``ridders``); an entry with an invalid first step goes through
    ``second_derivative`` (its step search). Returns (Hessian, error estimates).
    """
    n = x.size
    pairs = [(i, j) for i in range(n) for j in range(i, n)]
    plan = []  # (i, j, first step), sweeps in the order second_derivative tries them
    for i, j in pairs:
        far = log_scale(max(abs(float(x[i])), abs(float(x[j]))))
        scale = max(1.0, abs(float(x[i])), abs(float(x[j])))
        plan += [(i, j, start) for start in sorted({H0 * scale, H0 * far})]
    f0 = float(f(x)[0])
    d, noise, steps, valid = _second_rows(probe, x, plan, f0)
    ready = np.flatnonzero(valid[:, 0])
    best, err = ridders_table(d[ready], noise[ready], steps[ready], valid[ready], power=2)
    found = dict(zip(ready.tolist(), zip(best[:, 0].tolist(), err[:, 0].tolist(), strict=True),
                     strict=True))
    matrix, error = np.zeros((n, n)), np.zeros((n, n))
    for i, j in pairs:
        mine = [p for p, (a, b, _) in enumerate(plan) if (a, b) == (i, j)]
        if all(p in found for p in mine):
            sweeps = [(np.array([found[p][0]]), np.array([found[p][1]])) for p in mine]
            value, estimate = combine_sweeps(sweeps)
            entry = (float(value[0]), float(estimate[0]))
        else:
            entry = second_derivative(f, guard, x, i, j)
        matrix[i, j] = matrix[j, i] = entry[0]
        error[i, j] = error[j, i] = entry[1]
    return matrix, error


def _second_rows(probe: Probe, x: Vector, plan: list[tuple[int, int, float]], f0: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows of second-difference quotients for each sweep of ``plan``: (d, noise, steps,
    valid), each point moved as ``second_derivative``'s ``at`` moves it."""
    sweeps, levels = len(plan), LEVELS
    i = np.asarray([p[0] for p in plan], dtype=np.intp)
    j = np.asarray([p[1] for p in plan], dtype=np.intp)
    nominal = _row_steps(np.asarray([p[2] for p in plan]), levels)
    hi, hj = _symmetric(x[i][:, None], nominal), _symmetric(x[j][:, None], nominal)
    signs = ((1, 1), (1, -1), (-1, 1), (-1, -1))  # diagonal entries use the first two as +, -
    points = np.repeat(x[None, :], 4 * sweeps * levels, axis=0).reshape(4, sweeps, levels, -1)
    rows = np.arange(sweeps)
    diagonal = i == j
    for c, (si, sj) in enumerate(signs):
        moved_i = x[i][:, None] + si * hi
        points[c, rows, :, i] = moved_i
        if c < 2:  # the diagonal: +h and -h along i only
            moved = np.where(diagonal[:, None], x[i][:, None] + (1 if c == 0 else -1) * hi,
                             moved_i)
            points[c, rows, :, i] = moved
        off = ~diagonal
        points[c, rows[off], :, j[off]] = x[j[off]][:, None] + sj * hj[off]
    values, same = probe(points.reshape(4 * sweeps * levels, -1))
    values = values[:, 0].reshape(4, sweeps, levels)
    with np.errstate(all="ignore"):
        ok = same.reshape(4, sweeps, levels) & np.isfinite(values)
        pp, pm, mp, mm = values
        # diagonal: a = (x + h) - x, b = x - (x - h)
        a = points[0, rows, :, i] - x[i][:, None]
        b = x[i][:, None] - points[1, rows, :, i]
        diag_value = ((pp - f0) / a - (f0 - pm) / b) * 2 / (a + b)
        diag_noise = EPS * (np.abs(pp) + 2 * abs(f0) + np.abs(pm)) / (a * b)
        wi = points[0, rows, :, i] - points[2, rows, :, i]
        wj = points[0, rows, :, j] - points[1, rows, :, j]
        mixed_value = (pp - pm - mp + mm) / (wi * wj)
        mixed_noise = EPS * (np.abs(pp) + np.abs(pm) + np.abs(mp) + np.abs(mm)) / np.abs(wi * wj)
        dg = diagonal[:, None]
        d = np.where(dg, diag_value, mixed_value)
        noise = np.where(dg, diag_noise, mixed_noise)
        steps = np.where(dg, (a + b) / 2, np.sqrt(np.abs(wi * wj)) / 2)
        valid = np.where(dg, ok[0] & ok[1] & (a != 0) & (b != 0),
                         ok.all(axis=0) & (wi != 0) & (wj != 0))
    return d[..., None], noise[..., None], steps, valid
