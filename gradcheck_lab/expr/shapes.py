"""Shape rules of the ops: the output shape from the argument shapes, or ShapeProblem.

Each :class:`~gradcheck_lab.expr.opspec.OpSpec` names one of these. The loader runs them
before every op it evaluates, so a case file with mismatched shapes gets a readable message
("axis 3 is out of range for shape (3,)") instead of a backend's, and an op whose result
would exceed ``limits.max_expression_elements`` is refused before it allocates anything.
The rules never touch data: indexing and reshaping are worked out on zero-strided views.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from gradcheck_lab.errors import ShapeProblem

Shape = tuple[int, ...]
Params = Mapping[str, Any]
ShapeRule = Callable[[Sequence[Shape], Params], Shape]


def _dims(shape: Shape) -> str:
    n = len(shape)
    return "a scalar has no axes" if n == 0 else f"axes -{n}..{n - 1}"


def axes_of(axis: Any, shape: Shape) -> tuple[int, ...]:
    """``axis`` (None, an int or a tuple) as sorted non-negative axes, checked against
    ``shape``."""
    if axis is None:
        return tuple(range(len(shape)))
    axes = axis if isinstance(axis, tuple) else (axis,)
    seen: set[int] = set()
    for ax in axes:
        if not -len(shape) <= ax < len(shape):
            raise ShapeProblem(f"axis {ax} is out of range for shape {shape} ({_dims(shape)})")
        if ax % len(shape) in seen:
            raise ShapeProblem(f"axis {ax} is repeated in {axis}")
        seen.add(ax % len(shape))
    return tuple(sorted(seen))


def same(shapes: Sequence[Shape], params: Params) -> Shape:
    """Elementwise on one argument (axis, when given, must exist)."""
    if params.get("axis") is not None:
        axes_of(params["axis"], shapes[0])
    return shapes[0]


def broadcast(shapes: Sequence[Shape], params: Params) -> Shape:
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        listed = " and ".join(str(s) for s in shapes) if len(shapes) <= 4 else (
            f"{shapes[0]}, {shapes[1]}, ... ({len(shapes)} items)")
        raise ShapeProblem(f"shapes {listed} do not broadcast together") from None


def stack(shapes: Sequence[Shape], params: Params) -> Shape:
    try:
        return (len(shapes),) + broadcast(shapes, params)
    except ShapeProblem as exc:
        raise ShapeProblem(str(exc).replace("shapes", "items of shapes", 1)) from None


def reduction(shapes: Sequence[Shape], params: Params) -> Shape:
    shape = shapes[0]
    axes = axes_of(params.get("axis"), shape)
    if params.get("keepdims"):
        return tuple(1 if d in axes else n for d, n in enumerate(shape))
    return tuple(n for d, n in enumerate(shape) if d not in axes)


def matmul(shapes: Sequence[Shape], params: Params) -> Shape:
    a, b = shapes
    if not a or not b:
        raise ShapeProblem(f"needs arrays of 1 or more dimensions, got shapes {a} and {b}")
    _inner(a, b)
    batch = broadcast([a[:-2], b[:-2]], params) if len(a) > 2 or len(b) > 2 else ()
    rows = (a[-2],) if len(a) >= 2 else ()
    cols = (b[-1],) if len(b) >= 2 else ()
    return batch + rows + cols


def dot(shapes: Sequence[Shape], params: Params) -> Shape:
    a, b = shapes
    if not a or not b:
        return broadcast([a, b], params)
    _inner(a, b)
    return a[:-1] + (b[:-2] + b[-1:] if len(b) >= 2 else ())


def _inner(a: Shape, b: Shape) -> None:
    ka = a[-1]
    kb = b[0] if len(b) == 1 else b[-2]
    if ka != kb:
        raise ShapeProblem(f"shapes {a} and {b}: the inner dimensions {ka} and {kb} differ")


def outer(shapes: Sequence[Shape], params: Params) -> Shape:
    return (math.prod(shapes[0]), math.prod(shapes[1]))


def square(shapes: Sequence[Shape], params: Params) -> Shape:
    """Square matrices (..., n, n) in, the same shape out."""
    a = shapes[0]
    if len(a) < 2 or a[-1] != a[-2]:
        raise ShapeProblem(f"needs square matrices (shape (..., n, n)), got shape {a}")
    return a


def square_to_batch(shapes: Sequence[Shape], params: Params) -> Shape:
    """Square matrices (..., n, n) in, one number per matrix out (det)."""
    return square(shapes, params)[:-2]


def trace(shapes: Sequence[Shape], params: Params) -> Shape:
    a = shapes[0]
    if len(a) < 2:
        raise ShapeProblem(f"needs a matrix (2 or more dimensions), got shape {a}")
    return a[2:]


def transpose(shapes: Sequence[Shape], params: Params) -> Shape:
    shape = shapes[0]
    axes = params.get("axes")
    if axes is None:
        return shape[::-1]
    axes = tuple(axes)
    if sorted(ax % len(shape) if -len(shape) <= ax < len(shape) else -1 - abs(ax)
              for ax in axes) != list(range(len(shape))):
        raise ShapeProblem(f"axes {axes} are not a permutation of the {len(shape)} axes of "
                           f"shape {shape}")
    return tuple(shape[ax] for ax in axes)


def reverse(shapes: Sequence[Shape], params: Params) -> Shape:
    return shapes[0][::-1]


def reshape(shapes: Sequence[Shape], params: Params) -> Shape:
    shape, new = shapes[0], tuple(params["shape"])
    size = math.prod(shape)
    if any(d < -1 for d in new) or sum(d == -1 for d in new) > 1:
        raise ShapeProblem(f"shape {new}: sizes must be >= 0, with at most one -1")
    known = math.prod(d for d in new if d != -1)
    if (-1 in new and (known == 0 or size % known)) or (-1 not in new and known != size):
        raise ShapeProblem(f"cannot reshape shape {shape} ({size} elements) into {new}")
    return tuple(size // known if d == -1 else d for d in new)


def getitem(shapes: Sequence[Shape], params: Params) -> Shape:
    """Integers, slices, ``None`` (a new axis) and one ``...``, numpy's basic indexing."""
    shape, index = shapes[0], tuple(params["index"])
    if sum(item is Ellipsis for item in index) > 1:
        raise ShapeProblem("an index can only have a single ellipsis ('...')")
    used = [item for item in index if item is not None and item is not Ellipsis]
    if len(used) > len(shape):
        raise ShapeProblem(f"{len(used)} indices for shape {shape}, which has "
                           f"{len(shape)} dimension{'s' * (len(shape) != 1)}")
    axis = 0
    for item in index:
        if item is Ellipsis:
            axis = len(shape) - sum(1 for i in index[index.index(item) + 1:]
                                    if i is not None)
            continue
        if item is None:
            continue
        size = shape[axis]
        if isinstance(item, int) and not -size <= item < size:
            raise ShapeProblem(f"index {item} is out of range for axis {axis} of shape {shape} "
                               f"(-{size}..{size - 1})")
        axis += 1
    return view_shape(shape, lambda a: a[index])


def view_shape(shape: Shape, view: Callable[[np.ndarray], np.ndarray]) -> Shape:
    """The shape of ``view(a)`` for an array ``a`` of ``shape``, found on a zero-strided
    array: nothing the size of ``shape`` is allocated."""
    dummy = np.broadcast_to(np.empty((), dtype=np.int8), shape)
    return tuple(view(dummy).shape)


def elements(shape: Shape) -> int:
    return math.prod(shape)
