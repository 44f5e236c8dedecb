"""Shape rules of array indexing (``x[idx]``, ``x[mask]``, ``take_along_axis``,
``one_hot``, ``argmax``). Boolean masks give a shape that depends on their values, so the
``index`` op's rule reads the index arrays (``OpSpec.value_shape``); the others need
shapes only."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from gradcheck_lab.errors import ShapeProblem
from gradcheck_lab.expr.shapes import Params, Shape, axes_of, view_shape

ARRAY_PLACE = "*"
MAX_INDEXED = 10 ** 7  # elements an indexing may make: a bound before anything is made


def whole(arr: Any) -> np.ndarray:
    """An index array as numpy takes it: booleans, or integers. Whole numbers held as floats
    (``where(mask, labels, 0)``: literals are floats in every backend) become integers."""
    arr = np.asarray(arr)
    if arr.dtype == bool or np.issubdtype(arr.dtype, np.integer):
        return arr
    real = np.real(arr) if np.iscomplexobj(arr) else arr
    if not np.issubdtype(arr.dtype, np.number) or not np.all(np.isfinite(real) &
                                                            (real == np.round(real))):
        raise ShapeProblem("an index array must hold integers (an int64 input, argmax(...), "
                           "astype(x, 'int64')) or booleans")
    return np.asarray(real, dtype=np.int64)


def index_key(index: Sequence[Any], arrays: Sequence[Any]) -> tuple[Any, ...]:
    """The index tuple with each ``"*"`` replaced by the next of ``arrays``."""
    items = iter(arrays)
    return tuple(next(items) if isinstance(item, str) and item == ARRAY_PLACE else item
                 for item in index)


def index_values(args: Sequence[np.ndarray], params: Params) -> Shape:
    """Shape of ``x[key]`` with integer and boolean index arrays, found on a zero-strided
    ``x`` and zero-strided integer indices (no array the size of the result is made
    before its size is known to be small: see ``loader.shapes``)."""
    shape = tuple(np.shape(args[0]))
    arrays = [whole(a) for a in args[1:]]
    dummies = [arr if arr.dtype == bool else
               np.broadcast_to(np.zeros((), dtype=np.intp), arr.shape) for arr in arrays]
    key = index_key(params["index"], dummies)
    check_bounds(shape, params["index"], arrays)
    try:
        spread = math.prod(np.broadcast_shapes(*[(int(d.sum()),) if d.dtype == bool
                                                 else d.shape for d in dummies]))
    except ValueError as exc:
        raise ShapeProblem(f"the index arrays do not broadcast together: {exc}") from None
    consumed = math.prod(_consumed_sizes(shape, params["index"], arrays))
    bound = spread * (math.prod(shape) // max(consumed, 1))
    if bound > MAX_INDEXED:
        raise ShapeProblem(f"indexing an array of shape {shape} with index arrays of "
                           f"{spread} elements makes up to {bound:,} elements, more than "
                           f"{MAX_INDEXED:,}")
    try:
        return view_shape(shape, lambda a: a[key])
    except IndexError as exc:
        raise ShapeProblem(str(exc)) from None


def _array_axes(shape: Shape, index: Sequence[Any], arrays: Sequence[Any]
                ) -> Iterator[tuple[int, np.ndarray]]:
    """Each index array of ``index`` (in ``arrays``) with the axis of ``shape`` it starts
    at: ``None`` takes no axis, ``...`` the axes the items after it leave, a boolean mask
    as many as its dimensions, anything else one."""
    axis, items = 0, iter(arrays)
    for item in index:
        if item is None:
            continue
        if item is Ellipsis:
            rest = sum(1 for i in index if i is not None and i is not Ellipsis)
            axis = len(shape) - (rest - _consumed(index, item))
            continue
        if isinstance(item, str) and item == ARRAY_PLACE:
            arr = np.asarray(next(items))
            yield axis, arr
            axis += arr.ndim if arr.dtype == bool else 1
            continue
        axis += 1


def check_bounds(shape: Shape, index: Sequence[Any], arrays: Sequence[Any]) -> None:
    """Integer index arrays inside their axis (-n..n-1), boolean masks of the right shape."""
    for axis, arr in _array_axes(shape, index, arrays):
        if arr.dtype == bool:
            want = shape[axis:axis + arr.ndim]
            if arr.shape != want:
                raise ShapeProblem(f"a boolean index of shape {arr.shape} does not match "
                                   f"axes {axis}.. of shape {shape}")
            continue
        if axis >= len(shape):
            raise ShapeProblem(f"too many indices for shape {shape}")
        size = shape[axis]
        if arr.size and (arr.max() >= size or arr.min() < -size):
            bad = arr.max() if arr.max() >= size else arr.min()
            raise ShapeProblem(f"index {int(bad)} is out of range for axis {axis} of "
                               f"shape {shape} (-{size}..{size - 1})")


def _consumed_sizes(shape: Shape, index: Sequence[Any], arrays: Sequence[Any]) -> list[int]:
    """Sizes of the axes the index arrays take up (an integer array one, a mask its own)."""
    return [size for axis, arr in _array_axes(shape, index, arrays)
            for size in shape[axis:axis + (arr.ndim if arr.dtype == bool else 1)]]


def _consumed(index: Sequence[Any], ellipsis: Any) -> int:
    return sum(1 for i in index[: list(index).index(ellipsis)] if i is not None)


def take_along_axis(shapes: Sequence[Shape], params: Params) -> Shape:
    a, idx = shapes
    if len(a) != len(idx):
        raise ShapeProblem(f"take_along_axis needs indices with as many dimensions as the "
                           f"array: shapes {a} and {idx}")
    axis = axes_of(params["axis"], a)[0]
    for d, (n, m) in enumerate(zip(a, idx, strict=True)):
        if d != axis and n != m and m != 1 and n != 1:
            raise ShapeProblem(f"shapes {a} and {idx} do not match outside axis {axis}")
    return tuple(m if d == axis else max(n, m) for d, (n, m) in enumerate(zip(a, idx,
                                                                             strict=True)))


def one_hot(shapes: Sequence[Shape], params: Params) -> Shape:
    n = params["num_classes"]
    if n < 1:
        raise ShapeProblem(f"num_classes must be at least 1, got {n}")
    return shapes[0] + (n,)


def arg_reduction(shapes: Sequence[Shape], params: Params) -> Shape:
    shape, axis = shapes[0], params.get("axis")
    if axis is None:
        return (1,) * len(shape) if params.get("keepdims") else ()
    if isinstance(axis, tuple):
        raise ShapeProblem(f"axis must be one integer, got {axis}")
    (ax,) = axes_of(axis, shape)
    if params.get("keepdims"):
        return tuple(1 if d == ax else n for d, n in enumerate(shape))
    return tuple(n for d, n in enumerate(shape) if d != ax)


def elements(shape: Shape) -> int:
    return math.prod(shape)
