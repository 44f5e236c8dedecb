"""``finite_diff``'s central derivatives for many coordinates at once: one batch of points.

The kernel of ``finite_diff.derivative`` walks a Neville tableau per coordinate, asking
for two function values per row, so a case with n differentiated elements costs
hundreds of separate evaluations of the expression. Here the stencils of every row of
every sweep of every coordinate (the same realised steps ``h, h/c, h/c^2, ...``,
symmetric as in ``symmetric_step``) are evaluated in one call of ``probe`` (a batch of
points), and the tableaux of all sweeps run side by side (``ridders_table``), element
for element the arithmetic of ``finite_diff.ridders``, with each sweep stopping where
its own would: at an invalid row, at a step ratio that is not above 1, or once its
diagonal grows by ``SAFE`` times its best estimate (Ridders 1982; Press et al.,
*Numerical Recipes* 3rd ed., 5.7). Rows past a sweep's stop are evaluated but unused.

Only coordinates whose every first step is valid take this path; the rest (a kink or a
domain edge within the first step, so the step search and one-sided stencils of
``finite_diff`` apply) and any refinement (``finite_diff.refine``) go through the
point-by-point kernel, which gives the same numbers for the same function values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from gradcheck_lab.numeric.finite_diff import (
    EPS,
    KINK_FLOOR,
    LEVELS,
    NOISE_GAIN,
    REFINE_FACTOR,
    REFINE_STEPS,
    SAFE,
    SHRINK,
    Derivative,
    Function,
    Guard,
    Vector,
    central_quotient,
    combine_sweeps,
    derivative,
    first_steps,
    needs_refining,
    refine,
    take_refined,
)

# points (P, n) -> values (P, m) and whether each point's guard signature is the centre's
Probe = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def ridders_table(d: np.ndarray, noise: np.ndarray, steps: np.ndarray, valid: np.ndarray,
                  power: int) -> tuple[np.ndarray, np.ndarray]:
    """``finite_diff.ridders`` for P sweeps at once, from their precomputed rows.

    ``d``, ``noise``: (P, L, m) quotients and round-off levels of rows 0..L-1;
    ``steps``: (P, L) realised steps; ``valid``: (P, L), False where the quotient is
    None. Row 0 must be valid. Returns (estimate, error estimate), each (P, m).
    """
    best = d[:, 0].copy()
    err = np.full(best.shape, np.inf)
    active = valid[:, 0].copy()
    previous = [d[:, 0]]
    with np.errstate(all="ignore"):
        for i in range(1, d.shape[1]):
            active &= valid[:, i]  # quotient None: that sweep stops before row i
            if not active.any():
                break
            row = [d[:, i]]
            full = active.copy()  # sweeps whose row i gets all i + 1 entries
            for j in range(1, i + 1):
                factor = (steps[:, i - j] / steps[:, i]) ** power
                full &= factor > 1.0
                if not full.any():
                    break
                entry = row[j - 1] + (row[j - 1] - previous[j - 1]) / (factor - 1)[:, None]
                row.append(entry)
                errt = np.maximum(np.abs(entry - row[j - 1]), np.abs(entry - previous[j - 1]))
                errt = np.maximum(errt, NOISE_GAIN * noise[:, i])
                better = (errt <= err) & np.isfinite(errt) & full[:, None]
                err = np.where(better, errt, err)
                best = np.where(better, entry, best)
            if len(row) <= i:
                break
            grown = np.all(np.abs(row[i] - previous[i - 1]) >= SAFE * err, axis=1)
            active &= full & ~grown
            previous = row
    return best, err


def _row_steps(starts: np.ndarray, levels: int) -> np.ndarray:
    """(P, L) nominal steps h, h/c, h/c^2, ... divided in turn, as ``ridders`` does."""
    out = np.empty((starts.size, levels))
    h = starts.astype(np.float64).copy()
    for i in range(levels):
        out[:, i] = h
        h = h / SHRINK
    return out


def _symmetric(x_k: np.ndarray, h: np.ndarray) -> np.ndarray:
    """``finite_diff.symmetric_step`` elementwise."""
    with np.errstate(all="ignore"):
        step = (x_k + h) - x_k
        keep = (step != 0) & (x_k - (x_k - step) == step)
    return np.where(keep, step, h)


def central_rows(probe: Probe, x: Vector, coords: np.ndarray, starts: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows of central quotients for sweeps (coordinate ``coords[p]``, first step
    ``starts[p]``): (d, noise, realised steps, valid) as ``ridders_table`` takes them."""
    nominal = _row_steps(starts, LEVELS)
    x_k = x[coords][:, None]
    h = _symmetric(x_k, nominal)
    plus_k, minus_k = x_k + h, x_k + (-h)
    sweeps, levels = nominal.shape
    points = np.repeat(x[None, :], 2 * sweeps * levels, axis=0).reshape(2, sweeps, levels, -1)
    rows = np.arange(sweeps)
    points[0, rows, :, coords] = plus_k
    points[1, rows, :, coords] = minus_k
    values, same = probe(points.reshape(2 * sweeps * levels, -1))
    values = values.reshape(2, sweeps, levels, -1)
    same = same.reshape(2, sweeps, levels)
    with np.errstate(all="ignore"):
        finite = np.all(np.isfinite(values), axis=-1)
        valid = (same & finite).all(axis=0) & (plus_k != x_k) & (minus_k != x_k)
        width = (plus_k - x_k) - (minus_k - x_k)
        plus, minus = values[0], values[1]
        d = (plus - minus) / width[..., None]
        noise = (EPS * np.abs(plus) + EPS * np.abs(minus)) / width[..., None]
    return d, noise, width / 2, valid


def _sweeps(probe: Probe, x: Vector, coords: np.ndarray, starts: np.ndarray,
            floors: np.ndarray) -> list[tuple[np.ndarray, np.ndarray] | None]:
    """Ridders' sweeps (coordinate, first step), batched; None for a sweep whose first step
    is invalid or below its floor, where ``finite_diff.first_valid`` would not return it."""
    out: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(coords)
    if not len(coords):
        return out
    d, noise, steps, valid = central_rows(probe, x, coords, starts)
    ready = np.flatnonzero(valid[:, 0] & (starts >= floors))
    best, err = ridders_table(d[ready], noise[ready], steps[ready], valid[ready], power=2)
    for p, b, e in zip(ready.tolist(), best, err, strict=True):
        out[p] = (b, e)
    return out


def derivatives(f: Function, guard: Guard, probe: Probe, x: Vector, coords: Sequence[int], *,
                at_kink: bool = False) -> dict[int, Derivative]:
    """``finite_diff.derivative(f, guard, x, k, at_kink)`` for every k of ``coords``.

    The central sweeps and the refinements (all ``REFINE_STEPS`` of them evaluated ahead,
    used in turn while ``needs_refining``) run batched; a coordinate whose first step
    is not valid, or a refinement whose first step is not, continues point by point in
    ``finite_diff`` from exactly where it stands.
    """
    coords = list(coords)
    floors = {k: KINK_FLOOR * max(1.0, abs(float(x[k]))) if at_kink else 0.0 for k in coords}
    plan = [(k, start) for k in coords for start in first_steps(float(x[k]))]
    found = _sweeps(probe, x, np.asarray([k for k, _ in plan], dtype=np.intp),
                    np.asarray([s for _, s in plan]), np.asarray([floors[k] for k, _ in plan]))
    state: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    out: dict[int, Derivative] = {}
    for k in coords:
        mine = [r for (c, _), r in zip(plan, found, strict=True) if c == k]
        if any(r is None for r in mine):
            out[k] = derivative(f, guard, x, k, at_kink)
        else:
            state[k] = combine_sweeps([r for r in mine if r is not None])
    todo = [k for k in state if needs_refining(*state[k])]
    starts = {k: min(first_steps(float(x[k]))) for k in todo}
    ahead = []  # (coordinate, round, first step): start divided by REFINE_FACTOR in turn
    for k in todo:
        start = starts[k]
        for r in range(REFINE_STEPS):
            start /= REFINE_FACTOR
            ahead.append((k, r, start))
    refined = _sweeps(probe, x, np.asarray([k for k, _, _ in ahead], dtype=np.intp),
                      np.asarray([s for _, _, s in ahead]),
                      np.zeros(len(ahead)))  # the floor ends a refinement: checked below
    rounds: dict[int, list[tuple[float, tuple[np.ndarray, np.ndarray] | None]]] = {}
    for (k, _, start), result in zip(ahead, refined, strict=True):
        rounds.setdefault(k, []).append((start, result))
    g0 = guard(x) if todo else ()
    for k in todo:
        value, error = state[k]
        disputed = np.zeros_like(error)
        previous = starts[k]
        for r, (start, result) in enumerate(rounds[k]):
            if not needs_refining(value, error) or start < floors[k]:
                break
            if result is None:  # its first step needs the search: continue point by point
                value, error = refine(central_quotient(f, guard, x, k, g0), value, error,
                                      previous, floors[k], steps=REFINE_STEPS - r,
                                      disputed=disputed)
                break
            value, error, disputed = take_refined(value, error, *result, disputed)
            previous = start
        state[k] = (value, np.maximum(error, disputed))
    for k, (value, error) in state.items():
        out[k] = Derivative(value, error, value, value, "central")
    return {k: out[k] for k in coords}
