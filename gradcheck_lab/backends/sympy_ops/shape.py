"""SymPy rows of the shape ops: numpy's own functions on the object arrays where they
move elements only; zeros and padding constants exact; ``einsum`` (numpy's has no object
arrays) as one unevaluated sum of products per output element."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from gradcheck_lab.backends.sympy_ops.common import add_all, exact, mul, obj, sub
from gradcheck_lab.expr.shapes_einsum import parse_einsum, tensordot_axes
from gradcheck_lab.expr.shapes_shape import edge_index, pad_widths

ZERO = sp.Integer(0)


def _triangle(lower: bool) -> Callable[..., np.ndarray]:
    def apply(a: Any, k: int = 0) -> np.ndarray:
        a = obj(a)
        n, m = a.shape[-2:]
        keep = np.tri(n, m, k, dtype=bool) if lower else ~np.tri(n, m, k - 1, dtype=bool)
        return np.asarray(np.where(keep, a, ZERO), dtype=object)
    return apply


def _diag(a: Any, k: int = 0) -> np.ndarray:
    a = obj(a)
    if a.ndim == 2:
        return np.asarray(np.diagonal(a, k), dtype=object)
    n = a.shape[0] + abs(k)
    out = np.full((n, n), ZERO, dtype=object)
    for i, v in enumerate(a):
        out[i + max(-k, 0), i + max(k, 0)] = v
    return out


def _pad(a: Any, pad_width: Any, mode: str = "constant",
         constant_values: float = 0.0) -> np.ndarray:
    out = obj(a)
    for axis, (b, e) in enumerate(pad_widths(pad_width, out.ndim)):
        if not (b or e):
            continue
        if mode == "constant":
            fill = exact(constant_values)
            shape = list(out.shape)
            blocks = []
            for width in (b, e):
                shape[axis] = width
                blocks.append(np.full(shape, fill, dtype=object))
            out = np.concatenate([blocks[0], out, blocks[1]], axis=axis)
        else:
            out = np.take(out, edge_index(out.shape[axis], b, e, mode), axis=axis)
    return np.asarray(out, dtype=object)


def einsum(*xs: Any, subscripts: str) -> np.ndarray:
    arrays = [obj(x) for x in xs]
    terms, output = parse_einsum(subscripts, [a.shape for a in arrays])
    sizes = {c: n for t, a in zip(terms, arrays, strict=True) for c, n in zip(t, a.shape,
                                                                           strict=True)}
    summed = sorted(set("".join(terms)) - set(output))
    out = np.empty(tuple(sizes[c] for c in output), dtype=object)
    for idx in np.ndindex(out.shape):
        fixed = dict(zip(output, idx, strict=True))
        products = []
        for rest in itertools.product(*[range(sizes[c]) for c in summed]):
            at = {**fixed, **dict(zip(summed, rest, strict=True))}
            factors = [a[tuple(at[c] for c in t)] for t, a in zip(terms, arrays, strict=True)]
            products.append(factors[0] if len(factors) == 1 else sp.Mul(*factors,
                                                                        evaluate=False))
        out[idx] = add_all(products) if products else ZERO
    return out


def _tensordot(a: Any, b: Any, axes: Any = 2) -> np.ndarray:
    a, b = obj(a), obj(b)
    return einsum(a, b, subscripts=tensordot_axes(a.ndim, b.ndim, axes))


def _kron(a: Any, b: Any) -> np.ndarray:
    a, b = obj(a), obj(b)
    n = max(a.ndim, b.ndim)
    a, b = a.reshape((1,) * (n - a.ndim) + a.shape), b.reshape((1,) * (n - b.ndim) + b.shape)
    outer = np.frompyfunc(mul, 2, 1).outer(a, b)
    order = [d for pair in zip(range(n), range(n, 2 * n), strict=True) for d in pair]
    shape = tuple(x * y for x, y in zip(a.shape, b.shape, strict=True))
    return np.asarray(np.transpose(outer, order).reshape(shape), dtype=object)


def _cross(a: Any, b: Any, axis: int = -1) -> np.ndarray:
    a, b = np.broadcast_arrays(obj(a), obj(b))
    x, y = np.moveaxis(a, axis, -1), np.moveaxis(b, axis, -1)
    out = np.empty(x.shape, dtype=object)
    for idx in np.ndindex(x.shape[:-1]):
        u, v = x[idx], y[idx]
        out[idx] = [sub(mul(u[(i + 1) % 3], v[(i + 2) % 3]), mul(u[(i + 2) % 3],
                                                                 v[(i + 1) % 3]))
                    for i in range(3)]
    return np.moveaxis(out, -1, axis)


def _objects(f: Callable[..., Any]) -> Callable[..., np.ndarray]:
    return lambda a, *args, **kw: np.asarray(f(obj(a), *args, **kw), dtype=object)


TABLE: dict[str, Callable[..., Any]] = {
    "concatenate": lambda *xs, axis=0: np.asarray(np.concatenate([obj(x) for x in xs],
                                                                 axis=axis), dtype=object),
    "ravel": _objects(np.ravel), "pad": _pad,
    "flip": _objects(lambda a, axis=None: np.flip(a, axis)),
    "roll": _objects(lambda a, shift, axis=None: np.roll(a, shift, axis)),
    "tile": _objects(lambda a, reps: np.tile(a, reps)),
    "repeat": _objects(lambda a, repeats, axis=None: np.repeat(a, repeats, axis)),
    "tril": _triangle(True), "triu": _triangle(False), "diag": _diag,
    "diagonal": _objects(lambda a, offset=0, axis1=0, axis2=1: np.diagonal(a, offset, axis1,
                                                                          axis2)),
    "squeeze": _objects(lambda a, axis=None: np.squeeze(a, axis)),
    "expand_dims": _objects(lambda a, axis: np.expand_dims(a, axis)),
    "broadcast_to": _objects(lambda a, shape: np.broadcast_to(a, shape)),
    "moveaxis": _objects(lambda a, source, destination: np.moveaxis(a, source, destination)),
    "swapaxes": _objects(lambda a, axis1, axis2: np.swapaxes(a, axis1, axis2)),
    "einsum": einsum, "tensordot": _tensordot, "kron": _kron, "cross": _cross,
}
