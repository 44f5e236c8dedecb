"""Evaluate expressions at load time, safely: shapes, axes and sizes checked before each op.

The loader evaluates ``expr`` (and claim formulas) with NumPy at every point, so shape
errors surface before anything runs. Each op's arguments are checked first, which gives
readable errors ("axis 3 is out of range for shape (3,)") instead of NumPy's, and refuses
an op that would build an array larger than ``limits.max_expression_elements`` before it
allocates it (``outer(x, x)`` of a million-element ``x`` would need 8 TB).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradcheck_lab.backends.base import Backend
from gradcheck_lab.errors import EvaluationError, ShapeProblem
from gradcheck_lab.expr.evaluate import evaluate
from gradcheck_lab.expr.graph import Expression, Op

Shape = tuple[int, ...]

_BROADCAST = ("add", "sub", "mul", "div", "pow", "maximum", "minimum")
_SYMBOLS = {"add": "'+'", "sub": "'-'", "mul": "'*'", "div": "'/'", "pow": "'**'",
            "matmul": "'@'", "neg": "unary '-'", "getitem": "indexing", "T": "'.T'",
            "stack": "the list [...]"}


def describe(op: str) -> str:
    """How an op is written: ``sum()``, ``'+'``, ``indexing``."""
    return _SYMBOLS.get(op, f"{op}()")


def evaluate_checked(expr: Expression, values: Mapping[str, np.ndarray],
                     max_elements: int) -> np.ndarray:
    """Value of ``expr`` in float64; EvaluationError (with a readable message) otherwise."""
    with np.errstate(all="ignore"):
        try:
            return np.asarray(evaluate(expr, _backend(max_elements), dict(values)))
        except EvaluationError as exc:
            cause = exc.__cause__
            text = str(cause).strip().splitlines()[0] if cause is not None and str(
                cause).strip() else type(cause).__name__
            node = exc.node
            op = node.op if isinstance(node, Op) else "?"
            raise EvaluationError(f"{describe(op)}: {text[:300]}", node) from None


_CACHE: dict[int, Backend] = {}


def _backend(max_elements: int) -> Backend:
    if max_elements not in _CACHE:
        from gradcheck_lab.backends.numpy_ops import make_backend

        base = make_backend()
        table = {name: _guarded(name, fn, max_elements) for name, fn in base.ops.items()}
        _CACHE[max_elements] = Backend(base.name + "-checked", table, base.constant,
                                       base.named_constant)
    return _CACHE[max_elements]


def _guarded(name: str, fn: Callable[..., Any], max_elements: int) -> Callable[..., Any]:
    def run(*args: Any, **params: Any) -> Any:
        shapes = [tuple(np.shape(a)) for a in args]
        size = check(name, shapes, params)
        if size > max_elements:
            raise ShapeProblem(f"the result would have {size} elements, more than the limit of "
                               f"{max_elements} (max_expression_elements)")
        return fn(*args, **params)
    return run


def check(op: str, shapes: list[Shape], params: Mapping[str, Any]) -> int:
    """Raise ShapeProblem when ``op`` cannot take arguments of ``shapes``; else the number of
    elements of its result (an upper bound)."""
    if "axis" in params:
        _check_axes(params["axis"], shapes[0])
    if op in _BROADCAST or op == "stack":
        shape = _broadcast(shapes, op)
        return math.prod(shape) * (len(shapes) if op == "stack" else 1)
    if op in ("matmul", "dot"):
        return _product(op, *shapes)
    if op == "outer":
        return math.prod(shapes[0]) * math.prod(shapes[1])
    if op in ("det", "inv"):
        a = shapes[0]
        if len(a) < 2 or a[-1] != a[-2]:
            raise ShapeProblem(f"needs square matrices (shape (..., n, n)), got shape {a}")
    elif op == "trace" and len(shapes[0]) < 2:
        raise ShapeProblem(f"needs a matrix (2 or more dimensions), got shape {shapes[0]}")
    elif op == "transpose" and params.get("axes") is not None:
        _check_permutation(tuple(params["axes"]), shapes[0])
    elif op == "reshape":
        _check_reshape(tuple(params["shape"]), shapes[0])
    elif op == "getitem":
        _check_index(tuple(params["index"]), shapes[0])
    return max((math.prod(s) for s in shapes), default=1)


def _dims(shape: Shape) -> str:
    n = len(shape)
    return "a scalar has no axes" if n == 0 else f"axes -{n}..{n - 1}"


def _check_axes(axis: Any, shape: Shape) -> None:
    if axis is None:
        return
    axes = axis if isinstance(axis, tuple) else (axis,)
    seen: set[int] = set()
    for ax in axes:
        if not -len(shape) <= ax < len(shape):
            raise ShapeProblem(f"axis {ax} is out of range for shape {shape} ({_dims(shape)})")
        if ax % len(shape) in seen:
            raise ShapeProblem(f"axis {ax} is repeated in {axis}")
        seen.add(ax % len(shape))


def _broadcast(shapes: list[Shape], op: str) -> Shape:
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        listed = " and ".join(str(s) for s in shapes) if len(shapes) <= 4 else (
            f"{shapes[0]}, {shapes[1]}, ... ({len(shapes)} items)")
        what = "items of shapes" if op == "stack" else "shapes"
        raise ShapeProblem(f"{what} {listed} do not broadcast together") from None


def _product(op: str, a: Shape, b: Shape) -> int:
    if not a or not b:
        if op == "matmul":
            raise ShapeProblem(f"needs arrays of 1 or more dimensions, got shapes {a} and {b}")
        return max(math.prod(a), math.prod(b))
    ka = a[-1]
    kb = b[0] if len(b) == 1 else b[-2]
    if ka != kb:
        raise ShapeProblem(f"shapes {a} and {b}: the inner dimensions {ka} and {kb} differ")
    if op == "matmul":
        batch = _broadcast([a[:-2], b[:-2]], op) if len(a) > 2 or len(b) > 2 else ()
        rows = (a[-2],) if len(a) >= 2 else ()
        cols = (b[-1],) if len(b) >= 2 else ()
        return math.prod(batch + rows + cols)
    return (math.prod(a) // max(ka, 1)) * (math.prod(b) // max(kb, 1))


def _check_permutation(axes: Shape, shape: Shape) -> None:
    if sorted(ax % len(shape) if -len(shape) <= ax < len(shape) else -1 - abs(ax)
              for ax in axes) != list(range(len(shape))):
        raise ShapeProblem(f"axes {axes} are not a permutation of the {len(shape)} axes of "
                           f"shape {shape}")


def _check_reshape(new: Shape, shape: Shape) -> None:
    size = math.prod(shape)
    if any(d < -1 for d in new) or sum(d == -1 for d in new) > 1:
        raise ShapeProblem(f"shape {new}: sizes must be >= 0, with at most one -1")
    known = math.prod(d for d in new if d != -1)
    if (-1 in new and (known == 0 or size % known)) or (-1 not in new and known != size):
        raise ShapeProblem(f"cannot reshape shape {shape} ({size} elements) into {new}")


def _check_index(index: tuple[Any, ...], shape: Shape) -> None:
    if len(index) > len(shape):
        raise ShapeProblem(f"{len(index)} indices for shape {shape}, which has "
                           f"{len(shape)} dimension{'s' * (len(shape) != 1)}")
    for axis, (item, size) in enumerate(zip(index, shape, strict=False)):
        if isinstance(item, int) and not -size <= item < size:
            raise ShapeProblem(f"index {item} is out of range for axis {axis} of shape {shape} "
                               f"(-{size}..{size - 1})")
