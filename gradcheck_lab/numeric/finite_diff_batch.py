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

A first step that meets a kink or a domain edge starts ``finite_diff.first_valid``'s
step search, batched too (``searched_starts``). A coordinate left without a central
sweep (one-sided stencils), a search longer than ``SEARCH_CANDIDATES`` divisions, and a
refinement (``finite_diff.refine``) whose first step is not valid go through the
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
    SEARCH_FACTOR,
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

SEARCH_CANDIDATES = 14  # first-step search: start / 16, ..., start / 16^14 in one batch

# points (P, n) -> values (P, m) and whether each point's guard signature is the centre's
Probe = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


TABLE_ELEMENTS = 1 << 20  # tableau entries per block of sweeps (P x L x L x m)


def ridders_table(d: np.ndarray, noise: np.ndarray, steps: np.ndarray, valid: np.ndarray,
                  power: int) -> tuple[np.ndarray, np.ndarray]:
    """``finite_diff.ridders`` for P sweeps at once, from their precomputed rows.

    ``d``, ``noise``: (P, L, m) quotients and round-off levels of rows 0..L-1;
    ``steps``: (P, L) realised steps; ``valid``: (P, L), False where the quotient is
    None. Row 0 must be valid. Returns (estimate, error estimate), each (P, m), equal
    bit for bit to ``ridders`` on the same rows (tests/test_fd_batch.py).

    Neville's entry (i, j) needs only column j - 1, so the tableau is built a column at a
    time for every row and sweep together (L steps, not L^2 / 2). ``ridders`` then keeps
    the entry whose estimate is at most every earlier one's, in row order: the last entry
    with the smallest estimate among those it reached. It reaches row i while every row
    up to i is valid and every earlier row was complete (step ratios above 1) with its
    diagonal not grown by ``SAFE`` times the smallest estimate so far; both are read off
    the whole tableau here.
    """
    sweeps, levels = steps.shape
    block = max(1, TABLE_ELEMENTS // max(1, levels * levels * d.shape[2]))
    if sweeps <= block:
        return _table(d, noise, steps, valid, power)
    parts = [_table(d[i:i + block], noise[i:i + block], steps[i:i + block],
                    valid[i:i + block], power) for i in range(0, sweeps, block)]
    return (np.concatenate([b for b, _ in parts]), np.concatenate([e for _, e in parts]))


def _table(d: np.ndarray, noise: np.ndarray, steps: np.ndarray, valid: np.ndarray,
           power: int) -> tuple[np.ndarray, np.ndarray]:
    sweeps, levels, m = d.shape
    rows = np.arange(levels)
    with np.errstate(all="ignore"):
        # factor[p, i, j] = (h_(i-j) / h_i)^p for j <= i (Neville's ratio of the nodes)
        lag = np.clip(rows[:, None] - rows[None, :], 0, None)
        factor = (steps[:, lag] / steps[:, :, None]) ** power
        table = np.full((sweeps, levels, levels, m), np.nan)
        error = np.full((sweeps, levels, levels, m), np.inf)
        table[:, :, 0] = d
        for j in range(1, levels):
            left, up = table[:, j:, j - 1], table[:, j - 1:-1, j - 1]
            entry = left + (left - up) / (factor[:, j:, j] - 1)[..., None]
            table[:, j:, j] = entry
            errt = np.maximum(np.abs(entry - left), np.abs(entry - up))
            error[:, j:, j] = np.maximum(errt, NOISE_GAIN * noise[:, j:])
        # entries a sweep would use if it reached their row: j in 1..i, ratios above 1
        lower = (rows[None, :] >= 1) & (rows[None, :] <= rows[:, None])
        ratios = np.logical_and.accumulate(np.where(lower, factor > 1.0, True), axis=2)
        usable = lower[None] & ratios
        usable &= np.logical_and.accumulate(valid, axis=1)[:, :, None]
        usable_error = np.where(usable[..., None] & np.isfinite(error), error, np.inf)
        # the smallest estimate up to the end of each row; a grown diagonal ends the sweep
        so_far = np.minimum.accumulate(usable_error.min(axis=2), axis=1)
        diagonal = table[:, rows, rows]
        grown = np.zeros((sweeps, levels), dtype=bool)
        grown[:, 1:] = np.all(np.abs(diagonal[:, 1:] - diagonal[:, :-1]) >= SAFE * so_far[:, 1:],
                              axis=2)
        carry_on = ratios[:, rows, rows] & ~grown
        # row i is reached after rows 1..i-1 all carried on
        reached = np.logical_and.accumulate(valid, axis=1) & np.concatenate(
            [np.ones((sweeps, 2), dtype=bool),
             np.logical_and.accumulate(carry_on[:, 1:-1], axis=1)], axis=1)[:, :levels]
        candidates = np.where(reached[:, :, None, None], usable_error, np.inf).reshape(
            sweeps, levels * levels, m)
        err = candidates.min(axis=1)
        last = levels * levels - 1 - np.argmax(
            (candidates == err[:, None, :])[:, ::-1], axis=1)
        picked = np.take_along_axis(table.reshape(sweeps, levels * levels, m), last[:, None],
                                    axis=1)[:, 0]
        best = np.where(np.isfinite(err), picked, d[:, 0])
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


def central_rows(probe: Probe, x: Vector, coords: np.ndarray, nominal: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Central quotients for coordinate ``coords[p]`` at the nominal steps ``nominal[p]``
    (P, L): (d, noise, realised steps, valid), as ``ridders_table`` takes them for rows."""
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
    d, noise, steps, valid = central_rows(probe, x, coords, _row_steps(starts, LEVELS))
    ready = np.flatnonzero(valid[:, 0] & (starts >= floors))
    best, err = ridders_table(d[ready], noise[ready], steps[ready], valid[ready], power=2)
    for p, b, e in zip(ready.tolist(), best, err, strict=True):
        out[p] = (b, e)
    return out


def searched_starts(probe: Probe, x: Vector, coords: np.ndarray, starts: np.ndarray,
                    floors: np.ndarray) -> np.ndarray:
    """``finite_diff.first_valid`` for sweeps whose first step is not valid, batched.

    The search divides the step by ``SEARCH_FACTOR`` until the stencil is valid, then
    quarters it once more if that is valid too; a step below the floor ends it. Here the
    first ``SEARCH_CANDIDATES`` divisions (and their quarters) are probed in one batch
    and the first valid one is taken, as the loop would. Returns the first step per
    sweep: 0 where the search ends without one, NaN where it would go on past the
    candidates (the caller continues point by point).
    """
    cuts = starts[:, None] / SEARCH_FACTOR ** np.arange(1, SEARCH_CANDIDATES + 1)
    _, _, _, valid = central_rows(probe, x, coords, np.concatenate([cuts, cuts / 4], axis=1))
    ok, quarter = valid[:, :SEARCH_CANDIDATES], valid[:, SEARCH_CANDIDATES:]
    below = cuts < floors[:, None]
    ends = ok | below
    first = np.argmax(ends, axis=1)
    rows = np.arange(len(starts))
    found = np.where(quarter[rows, first], cuts[rows, first] / 4, cuts[rows, first])
    return np.where(~ends.any(axis=1), np.nan, np.where(below[rows, first], 0.0, found))


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
    sweep_coords = np.asarray([k for k, _ in plan], dtype=np.intp)
    sweep_starts = np.asarray([s for _, s in plan])
    sweep_floors = np.asarray([floors[k] for k, _ in plan])
    found = _sweeps(probe, x, sweep_coords, sweep_starts, sweep_floors)
    # first steps that meet a kink or an edge: the step search, batched
    retry = np.asarray([i for i, r in enumerate(found)
                        if r is None and sweep_starts[i] >= sweep_floors[i]], dtype=np.intp)
    searched = (searched_starts(probe, x, sweep_coords[retry], sweep_starts[retry],
                                sweep_floors[retry]) if retry.size else np.zeros(0))
    go_on = {int(sweep_coords[i]) for i, h in zip(retry, searched, strict=True) if np.isnan(h)}
    again = [(int(i), float(h)) for i, h in zip(retry, searched, strict=True) if h > 0]
    redone = _sweeps(probe, x, sweep_coords[[i for i, _ in again]],
                     np.asarray([h for _, h in again]), np.zeros(len(again)))
    for (i, _), result in zip(again, redone, strict=True):
        found[i] = result
    state: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    out: dict[int, Derivative] = {}
    by_coordinate: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {k: [] for k in coords}
    for (c, _), result in zip(plan, found, strict=True):
        if result is not None:
            by_coordinate[c].append(result)
    for k in coords:
        mine = by_coordinate[k]
        if k in go_on or not mine:  # a long search, or no central sweep: one-sided stencils
            out[k] = derivative(f, guard, x, k, at_kink)
        else:
            state[k] = combine_sweeps(mine)
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
