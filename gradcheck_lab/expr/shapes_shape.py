"""Shape rules of the shape ops (``concatenate``, ``pad``, ``tile``, ``einsum``...). Where
numpy's rule is a view, it is worked out on a zero-strided array (``view_shape``); the
others are computed here, before anything is allocated, so ``max_expression_elements``
refuses a ``repeat`` or a ``tile`` that would be huge. ``einsum`` also counts its work
(``shapes_einsum``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from gradcheck_lab.errors import ShapeProblem
from gradcheck_lab.expr.shapes import Params, Shape, axes_of, broadcast, view_shape

ShapeRuleType = Callable[[Sequence[Shape], Params], Shape]


def _axis(axis: int, ndim: int, what: str = "axis") -> int:
    if not -ndim <= axis < ndim:
        raise ShapeProblem(f"{what} {axis} is out of range for {ndim} dimensions")
    return axis % ndim


def concatenate(shapes: Sequence[Shape], params: Params) -> Shape:
    axis = params["axis"]
    if axis is None:
        return (sum(math.prod(s) for s in shapes),)
    first = shapes[0]
    if not first:
        raise ShapeProblem("zero-dimensional arrays cannot be concatenated")
    ax = _axis(axis, len(first))
    for s in shapes[1:]:
        if len(s) != len(first) or any(a != b for d, (a, b) in enumerate(zip(s, first,
                                                                             strict=True))
                                       if d != ax):
            raise ShapeProblem(f"shapes {first} and {s} differ outside axis {ax}")
    return first[:ax] + (sum(s[ax] for s in shapes),) + first[ax + 1:]


def ravel(shapes: Sequence[Shape], params: Params) -> Shape:
    return (math.prod(shapes[0]),)


def stack(shapes: Sequence[Shape], params: Params) -> Shape:
    """Items broadcast together, stacked along a new ``axis`` (0 for ``[a, b]``)."""
    try:
        item = broadcast(shapes, params)
    except ShapeProblem as exc:
        raise ShapeProblem(str(exc).replace("shapes", "items of shapes", 1)) from None
    ax = _axis(params.get("axis", 0), len(item) + 1)
    return item[:ax] + (len(shapes),) + item[ax:]


def pad_widths(width: Any, ndim: int) -> list[tuple[int, int]]:
    """numpy's pad_width (an int, (before, after), or one pair per axis) per axis."""
    if isinstance(width, int):
        pairs = [(width, width)] * ndim
    elif len(width) == 2 and all(isinstance(w, int) for w in width):
        pairs = [(width[0], width[1])] * ndim
    elif len(width) == 1 and not isinstance(width[0], int):
        pairs = [tuple(width[0])] * ndim
    else:
        pairs = [tuple(w) if not isinstance(w, int) else (w, w) for w in width]
    if len(pairs) != ndim or any(len(p) != 2 for p in pairs):
        raise ShapeProblem(f"pad_width {width} does not give (before, after) for each of the "
                           f"{ndim} axes")
    if any(b < 0 or a < 0 for b, a in pairs):
        raise ShapeProblem(f"pad_width {width} has a negative width")
    return [(int(b), int(a)) for b, a in pairs]


def pad(shapes: Sequence[Shape], params: Params) -> Shape:
    shape = shapes[0]
    pairs = pad_widths(params["pad_width"], len(shape))
    if params["mode"] != "constant" and any(n == 0 and (b or a) for n, (b, a) in zip(
            shape, pairs, strict=True)):
        raise ShapeProblem(f"mode {params['mode']!r} cannot pad an empty axis")
    return tuple(n + b + a for n, (b, a) in zip(shape, pairs, strict=True))


def same_with_axes(shapes: Sequence[Shape], params: Params) -> Shape:
    axes_of(params.get("axis"), shapes[0])
    return shapes[0]


def roll(shapes: Sequence[Shape], params: Params) -> Shape:
    shift, axis = params["shift"], params.get("axis")
    if axis is not None:
        axes = axis if isinstance(axis, tuple) else (axis,)
        shifts = shift if isinstance(shift, tuple) else (shift,) * len(axes)
        if len(shifts) != len(axes):
            raise ShapeProblem(f"shift {shift} and axis {axis} differ in length")
        axes_of(axis, shapes[0])
    elif isinstance(shift, tuple):
        raise ShapeProblem("several shifts need as many axes")
    return shapes[0]


def tile(shapes: Sequence[Shape], params: Params) -> Shape:
    shape, reps = shapes[0], tuple(params["reps"])
    if any(r < 0 for r in reps):
        raise ShapeProblem(f"reps {reps} must be >= 0")
    n = max(len(shape), len(reps))
    shape, reps = (1,) * (n - len(shape)) + shape, (1,) * (n - len(reps)) + reps
    return tuple(s * r for s, r in zip(shape, reps, strict=True))


def repeat(shapes: Sequence[Shape], params: Params) -> Shape:
    shape, repeats, axis = shapes[0], params["repeats"], params.get("axis")
    if repeats < 0:
        raise ShapeProblem(f"repeats {repeats} must be >= 0")
    if axis is None:
        return (math.prod(shape) * repeats,)
    ax = _axis(axis, len(shape))
    return shape[:ax] + (shape[ax] * repeats,) + shape[ax + 1:]


def triangle(shapes: Sequence[Shape], params: Params) -> Shape:
    if len(shapes[0]) < 2:
        raise ShapeProblem(f"needs a matrix (2 or more dimensions), got shape {shapes[0]}")
    return shapes[0]


def diag(shapes: Sequence[Shape], params: Params) -> Shape:
    shape, k = shapes[0], params["k"]
    if len(shape) == 1:
        n = shape[0] + abs(k)
        return (n, n)
    if len(shape) == 2:
        return view_shape(shape, lambda a: np.diagonal(a, k))
    raise ShapeProblem(f"diag takes a vector or a matrix, got shape {shape}")


def diagonal(shapes: Sequence[Shape], params: Params) -> Shape:
    shape = shapes[0]
    if len(shape) < 2:
        raise ShapeProblem(f"needs 2 or more dimensions, got shape {shape}")
    a1, a2 = (_axis(params[k], len(shape), k) for k in ("axis1", "axis2"))
    if a1 == a2:
        raise ShapeProblem("axis1 and axis2 must differ")
    return view_shape(shape, lambda a: np.diagonal(a, params["offset"], a1, a2))


def squeeze(shapes: Sequence[Shape], params: Params) -> Shape:
    shape, axis = shapes[0], params.get("axis")
    if axis is not None:
        for ax in axes_of(axis, shape):
            if shape[ax] != 1:
                raise ShapeProblem(f"axis {ax} of shape {shape} has size {shape[ax]}, not 1")
    return view_shape(shape, lambda a: np.squeeze(a, axis))


def expand_dims(shapes: Sequence[Shape], params: Params) -> Shape:
    shape, axis = shapes[0], params["axis"]
    axes = axis if isinstance(axis, tuple) else (axis,)
    n = len(shape) + len(axes)
    if len({_axis(ax, n) for ax in axes}) != len(axes):
        raise ShapeProblem(f"axis {axis} repeats an axis")
    return view_shape(shape, lambda a: np.expand_dims(a, axis))


def broadcast_to(shapes: Sequence[Shape], params: Params) -> Shape:
    target = tuple(params["shape"])
    if any(d < 0 for d in target):
        raise ShapeProblem(f"shape {target} has a negative size")
    try:
        np.broadcast_shapes(shapes[0], target)
    except ValueError:
        raise ShapeProblem(f"shape {shapes[0]} does not broadcast to {target}") from None
    if np.broadcast_shapes(shapes[0], target) != target:
        raise ShapeProblem(f"shape {shapes[0]} does not broadcast to {target}")
    return target


def moveaxis(shapes: Sequence[Shape], params: Params) -> Shape:
    shape = shapes[0]
    src, dst = params["source"], params["destination"]
    src = src if isinstance(src, tuple) else (src,)
    dst = dst if isinstance(dst, tuple) else (dst,)
    if len(src) != len(dst):
        raise ShapeProblem("source and destination need as many axes")
    for ax in (*src, *dst):
        _axis(ax, len(shape))
    if len({a % len(shape) for a in src}) != len(src) or len(
            {a % len(shape) for a in dst}) != len(dst):
        raise ShapeProblem("source and destination may not repeat an axis")
    return view_shape(shape, lambda a: np.moveaxis(a, src, dst))


def swapaxes(shapes: Sequence[Shape], params: Params) -> Shape:
    shape = shapes[0]
    a1, a2 = (_axis(params[k], len(shape), k) for k in ("axis1", "axis2"))
    return view_shape(shape, lambda a: np.swapaxes(a, a1, a2))


def kron(shapes: Sequence[Shape], params: Params) -> Shape:
    a, b = shapes
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    return tuple(x * y for x, y in zip(a, b, strict=True))


def cross(shapes: Sequence[Shape], params: Params) -> Shape:
    a, b = shapes
    axis = params["axis"]
    if not a or not b or a[_axis(axis, len(a))] != 3 or b[_axis(axis, len(b))] != 3:
        raise ShapeProblem(f"cross needs vectors of 3 elements along axis {axis}, got shapes "
                           f"{a} and {b}")
    return broadcast([a, b], {})


def edge_index(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """Indices of an axis of length n padded by ``edge`` or ``reflect`` (numpy's rules)."""
    positions = np.arange(-before, n + after)
    if mode == "edge":
        return np.clip(positions, 0, n - 1)
    period = 2 * (n - 1) if n > 1 else 1  # reflect about the end elements, not repeating them
    index = np.abs(np.mod(positions, period))
    return np.where(index > n - 1, period - index, index)
