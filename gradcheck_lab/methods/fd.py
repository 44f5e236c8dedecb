"""Method ``fd``: central finite differences in float64 with Ridders' extrapolation.

The kernel is ``numeric.finite_diff``; this module turns a case into the flat
function it needs: the differentiated inputs concatenated into one vector, the
output flattened (or contracted with the cotangent), and the guard signature
of every kink and domain rule of ``expr.ops`` so no step crosses one. A case
whose function is only given by code that could not be traced differentiates
that code itself, run in float64 (no guards are known then).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck_lab.backends.numpy_ops import make_backend
from gradcheck_lab.backends.numpy_ops.batch import (
    GUARD_RULES,
    evaluate_batch,
    looped,
    same_guards,
)
from gradcheck_lab.case import Case, Point
from gradcheck_lab.expr.evaluate import evaluate_all
from gradcheck_lab.expr.graph import Op
from gradcheck_lab.expr.ops import OPS
from gradcheck_lab.kinks import kinks_at
from gradcheck_lab.methods.base import point_arrays, split_hessian, timed, wants_hessian
from gradcheck_lab.numeric.finite_diff import derivative, same_signature
from gradcheck_lab.numeric.finite_diff_batch import derivatives
from gradcheck_lab.numeric.second_difference import hessian as fd_hessian
from gradcheck_lab.results import MethodResult, Projection
from gradcheck_lab.trace.call import function_of

NAME = "fd"
FULL_MAX_ELEMENTS = 500  # above: sampled elements and random projections (documented)
SAMPLED_ELEMENTS = 32
PROJECTIONS = 3
HESSIAN_MAX_ELEMENTS = 60
BATCH_ELEMENTS = 1 << 21  # array elements of one batched evaluation, all nodes together
# fewer stencil points than this per batched evaluation: point by point instead. Batched
# Ridders evaluates every level of its tableau ahead, where point by point stops when the
# error grows; that pays only while a batch amortises the per-call work (measured:
# sum((A @ x - b)**2), A 100 x 10^4, two points per batch: fd 0.34 s batched, 0.24 s
# point by point; mean(log(1 + exp(2 x - 1))) at 10^3 inputs, 349 points per batch: 4x
# faster batched)
MIN_BATCH_POINTS = 8
_BACKEND = make_backend()


def unavailable() -> str | None:
    return None


class FlatProblem:
    """The case at a point as ``F(x_flat)`` plus its guard signature, both from one evaluation."""

    def __init__(self, case: Case, point: Point) -> None:
        self.case = case
        self.names = [spec.name for spec in case.wrt]
        self.shapes = [case.input[n].shape for n in self.names]
        self.base = point_arrays(point)  # float64, int64 inputs as integers
        self.x0 = (np.concatenate([self.base[n].ravel() for n in self.names])
                   if self.names else np.zeros(0))
        self.expr = case.expr
        # no expression: the function's own code, in float64 (a numeric reference of code)
        if case.expr is None and case.traced is not None and case.traced.invalid:
            raise ValueError(case.traced.invalid)
        self.code = function_of(case) if case.expr is None else None
        self.guarded = [n for n in self.ops() if OPS[n.op].guard is not None]
        self._cache: dict[bytes, tuple[np.ndarray, tuple[np.ndarray, ...]]] = {}
        self.held = self._gradient_cuts()

    def ops(self) -> list[Op]:
        return [] if self.expr is None else list(self.expr.ops())

    def _gradient_cuts(self) -> dict[int, np.ndarray] | None:
        """Values at the point of the ops whose derivative is 0 by definition (stop_gradient):
        held fixed while the inputs move, so differences see that derivative."""
        cuts = [n for n in self.ops() if OPS[n.op].cuts_gradient]
        if self.expr is None or not cuts:
            return None
        with np.errstate(all="ignore"):
            nodes = evaluate_all(self.expr, _BACKEND, self.base)
        return {id(n): nodes[id(n)] for n in cuts}

    def _evaluate(self, values: dict[str, np.ndarray], held: dict[int, np.ndarray] | None
                  ) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """The output and the guard signature at ``values``."""
        if self.expr is None:
            assert self.code is not None
            return np.asarray(self.code(values), dtype=np.float64), ()
        nodes = evaluate_all(self.expr, _BACKEND, values, held)
        guards = tuple(np.asarray(
            OPS[n.op].guard([np.asarray(nodes[id(a)]) for a in n.args],  # type: ignore[misc]
                            dict(n.params))) for n in self.guarded)
        return np.asarray(nodes[id(self.expr.root)], dtype=np.float64), guards

    def unpack(self, x: np.ndarray) -> dict[str, np.ndarray]:
        values, start = dict(self.base), 0
        for name, shape in zip(self.names, self.shapes, strict=True):
            size = int(np.prod(shape)) if shape else 1
            values[name] = x[start:start + size].reshape(shape)
            start += size
        return values

    def _both(self, x: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        key = x.tobytes()
        if key not in self._cache:
            if len(self._cache) > 8:  # function() and guard() ask for the same x in turn
                self._cache.clear()
            with np.errstate(all="ignore"):
                out, guards = self._evaluate(self.unpack(x), self.held)
                if self.case.cotangent is not None:
                    out = np.asarray([np.sum(np.asarray(self.case.cotangent) * out)])
            self._cache[key] = (out.ravel(), guards)
        return self._cache[key]

    def probe(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """F at each row of ``points`` (P, n), and whether each row's guard signature
        equals the centre's: one batched evaluation per chunk of rows."""
        centre = self._both(self.x0)
        if self.expr is None:  # code, not a graph: point by point
            values = np.stack([self.function(p) for p in points])
            return values, np.array([same_signature(self.guard(p), centre[1]) for p in points])
        chunk = self.batch_points()
        values = np.empty((points.shape[0], centre[0].size))
        same = np.empty(points.shape[0], dtype=bool)
        for start in range(0, points.shape[0], chunk):
            block = points[start:start + chunk]
            values[start:start + len(block)], same[start:start + len(block)] = \
                self._probe_block(block, centre[1])
        return values, same

    def batch_points(self) -> int:
        """Stencil points per batched evaluation (``BATCH_ELEMENTS`` over all nodes)."""
        per_point = max(1, sum(int(np.size(v)) for v in self._nodes_at_centre().values()))
        return max(1, BATCH_ELEMENTS // per_point)

    def _nodes_at_centre(self) -> dict[int, np.ndarray]:
        assert self.expr is not None
        if not hasattr(self, "_centre_nodes"):
            with np.errstate(all="ignore"):
                self._centre_nodes = evaluate_all(self.expr, _BACKEND, self.base, self.held)
        return self._centre_nodes

    def _probe_block(self, block: np.ndarray, g0: tuple[np.ndarray, ...]
                     ) -> tuple[np.ndarray, np.ndarray]:
        size = block.shape[0]
        inputs, start = dict(self.base), 0
        for name, shape in zip(self.names, self.shapes, strict=True):
            width = int(np.prod(shape)) if shape else 1
            inputs[name] = block[:, start:start + width].reshape((size, *shape))
            start += width
        with np.errstate(all="ignore"):
            assert self.expr is not None
            nodes, batched = evaluate_batch(self.expr, inputs, frozenset(self.names), self.held)
            root = id(self.expr.root)
            out = nodes[root] if batched[root] else np.broadcast_to(
                nodes[root], (size, *np.shape(nodes[root])))
            out = np.asarray(out, dtype=np.float64).reshape(size, -1)
            if self.case.cotangent is not None:
                out = np.sum(np.asarray(self.case.cotangent).reshape(1, -1) * out, axis=1,
                             keepdims=True)
            same = np.ones(size, dtype=bool)
            for node, reference in zip(self.guarded, g0, strict=True):
                flags = [batched[id(a)] for a in node.args]
                if not any(flags):
                    continue  # the same arguments at every point as at the centre
                guard = OPS[node.op].guard

                def rule(*args: np.ndarray, guard: Any = guard, **params: Any) -> np.ndarray:
                    return np.asarray(guard(list(args), params))

                signature = GUARD_RULES.get(node.op, looped)(
                    rule, [nodes[id(a)] for a in node.args], flags, dict(node.params))
                same &= same_guards(reference, signature, size)
        return out, same

    def function(self, x: np.ndarray) -> np.ndarray:
        return self._both(x)[0]

    def guard(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        return self._both(x)[1]

    def value(self) -> np.ndarray:
        with np.errstate(all="ignore"):
            return self._evaluate(self.base, None)[0]

    @property
    def target_shape(self) -> tuple[int, ...]:
        """Shape of F's output as checked: () for a scalar or a cotangent, else the output's."""
        if self.case.is_scalar or self.case.cotangent is not None:
            return ()
        return self.case.output_shape

    def split_vector(self, v: np.ndarray) -> dict[str, np.ndarray]:
        out, start = {}, 0
        for name, shape in zip(self.names, self.shapes, strict=True):
            size = int(np.prod(shape)) if shape else 1
            out[name] = v[start:start + size].reshape(shape)
            start += size
        return out

    def split(self, columns: np.ndarray) -> dict[str, np.ndarray]:
        """(F size, n) derivative columns -> per input, in the shape the case checks."""
        out, start = {}, 0
        for name, shape in zip(self.names, self.shapes, strict=True):
            size = int(np.prod(shape)) if shape else 1
            block = columns[:, start:start + size]
            start += size
            if self.case.is_scalar or self.case.cotangent is not None:
                out[name] = block.reshape(shape)
            else:
                out[name] = block.reshape(self.case.output_shape + shape)
        return out


def _sample(case: Case, n: int) -> tuple[list[int], list[np.ndarray]]:
    """Coordinates and unit directions checked for a large input (seeded by the case name)."""
    if n <= FULL_MAX_ELEMENTS:
        return list(range(n)), []
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    coords = sorted(rng.choice(n, size=SAMPLED_ELEMENTS, replace=False).tolist())
    directions = [v / np.linalg.norm(v) for v in rng.normal(size=(PROJECTIONS, n))]
    return coords, directions


def _projections(problem: FlatProblem, directions: list[np.ndarray], at_kink: bool
                 ) -> tuple[Projection, ...]:
    """Directional derivatives F'(x; v) = d/dt F(x + t v) at t = 0, by the same kernel."""
    out = []
    for v in directions:
        def along(t: np.ndarray, v: np.ndarray = v) -> np.ndarray:
            return problem.function(problem.x0 + t[0] * v)

        def guard(t: np.ndarray, v: np.ndarray = v) -> tuple[np.ndarray, ...]:
            return problem.guard(problem.x0 + t[0] * v)

        d = derivative(along, guard, np.zeros(1), 0, at_kink)
        out.append(Projection(problem.split_vector(v), d.value.reshape(problem.target_shape),
                              d.error.reshape(problem.target_shape)))
    return tuple(out)


def differentiate(case: Case, point: Point) -> MethodResult:
    """Finite-difference gradient/Jacobian with error estimates and one-sided bounds.

    Above ``FULL_MAX_ELEMENTS`` differentiated elements, a seeded sample of
    ``SAMPLED_ELEMENTS`` coordinates (full rows of the Jacobian) and
    ``PROJECTIONS`` random directional derivatives are checked instead; the
    other elements are NaN and marked unsampled.
    """
    problem = FlatProblem(case, point)
    n = problem.x0.size
    size = problem.function(problem.x0).size
    values, errors = np.full((size, n), np.nan), np.full((size, n), np.nan)
    lower, upper = np.full((size, n), np.nan), np.full((size, n), np.nan)
    one_sided: list[int] = []
    at_kink = bool(kinks_at(case.expr, problem.base))  # none known for code
    coords, directions = _sample(case, n)
    if problem.expr is None or problem.batch_points() >= MIN_BATCH_POINTS:
        found = derivatives(problem.function, problem.guard, problem.probe, problem.x0,
                            coords, at_kink=at_kink)
    else:  # an evaluation costs more than a batch saves
        found = {k: derivative(problem.function, problem.guard, problem.x0, k, at_kink)
                 for k in coords}
    for k in coords:
        d = found[k]
        values[:, k], errors[:, k], lower[:, k], upper[:, k] = d.value, d.error, d.lower, d.upper
        if d.stencil != "central":
            one_sided.append(k)
    split: Callable[[np.ndarray], dict[str, np.ndarray]] = problem.split
    bounds = None
    notes = []
    sampled = None
    if directions:
        mask = np.zeros((size, n), dtype=bool)
        mask[:, coords] = True
        sampled = split(mask)
        notes.append(f"large input: {len(coords)} sampled elements of {n} and "
                     f"{len(directions)} random directional derivatives checked")
    if one_sided:
        lows, ups = split(lower), split(upper)
        bounds = {name: (lows[name], ups[name]) for name in lows}
        notes.append(f"one-sided steps for {len(one_sided)} of {n} input elements "
                     "(kink or domain edge)")
    hessian = hessian_error = None
    if wants_hessian(case) and n > HESSIAN_MAX_ELEMENTS:
        notes.append(f"no fd Hessian above {HESSIAN_MAX_ELEMENTS} elements")
    elif wants_hessian(case):
        matrix, error = fd_hessian(problem.function, problem.guard, problem.probe, problem.x0)
        hessian, hessian_error = split_hessian(case, matrix), split_hessian(case, error)
    return MethodResult(NAME, value=problem.value(), gradient=split(values),
                        error_estimate=split(errors), bounds=bounds, note="; ".join(notes),
                        hessian=hessian, hessian_error_estimate=hessian_error, sampled=sampled,
                        projections=_projections(problem, directions, at_kink))


def compute(case: Case, point: Point) -> MethodResult:
    return timed(NAME, lambda: differentiate(case, point))
