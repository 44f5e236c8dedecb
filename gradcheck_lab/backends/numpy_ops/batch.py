"""The NumPy table over a batch: many points of one expression in one pass.

Finite differences evaluate a case at dozens of stencil points per input element; one
graph walk over arrays with a leading batch axis replaces a walk per point. Inputs named
in ``batched`` carry that leading axis (size ``size``), the others do not. Each op's
rule in ``RULES`` says how its NumPy row (``numpy_ops.TABLE``) takes batched arguments:

* ``per_item``: the row already acts independently over leading axes (elementwise
  functions of one argument, ``det``, ``inv``);
* ``broadcasting``: the arguments broadcast; batched ones get unit axes between the
  batch axis and their own so that their core shapes align on the right;
* ``shifted_axes``: the ``axis`` keyword counts core axes (None: all of them);
* structure rows (indexing, transposes, reshape, stack, products) have their own, and
  those of ``batch_shape`` (convolutions, pad, roll, concatenate, einsum...).

An op without a rule is evaluated point by point (``looped``) and stacked: always right,
only slower, so a new op needs a rule only for speed. Every rule gives what the row
gives point by point, up to the rounding of BLAS products (tests/test_backends.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from gradcheck_lab.backends.numpy_ops import TABLE, batch_shape
from gradcheck_lab.backends.numpy_ops.batch_kinds import (
    Rule,
    aligned,
    broadcasting,
    core_rank,
    looped,
    per_item,
    shifted_axes,
)
from gradcheck_lab.errors import EvaluationError
from gradcheck_lab.expr.graph import Const, Expression, Input, NamedConst, Op


def _getitem(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
             params: dict[str, Any]) -> np.ndarray:
    return np.asarray(fn(args[0], index=(slice(None), *params["index"])))


def _reverse(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
             params: dict[str, Any]) -> np.ndarray:
    return np.transpose(args[0], (0, *range(args[0].ndim - 1, 0, -1)))


def _transpose(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
               params: dict[str, Any]) -> np.ndarray:
    if params.get("axes") is None:
        return _reverse(fn, args, flags, params)
    rank = args[0].ndim - 1
    return np.transpose(args[0], (0, *(ax % rank + 1 for ax in params["axes"])))


def _reshape(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
             params: dict[str, Any]) -> np.ndarray:
    return np.reshape(args[0], (args[0].shape[0], *params["shape"]))


def _stack(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
           params: dict[str, Any]) -> np.ndarray:
    items = np.broadcast_arrays(*aligned(args, flags))
    axis = params.get("axis", 0)
    return np.stack(items, axis=axis % items[0].ndim + 1)


def _matmul(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
            params: dict[str, Any]) -> np.ndarray:
    """numpy.matmul over the batch: 1-D cores made matrices (and squeezed after), stack
    axes aligned between the batch axis and the matrices."""
    (a, b), (fa, fb) = args, flags
    ra, rb = core_rank(a, fa), core_rank(b, fb)
    if ra == 0 or rb == 0:
        return looped(fn, args, flags, params)  # numpy refuses scalars: let it say so
    if ra == 1:
        a = a[..., None, :]
    if rb == 1:
        b = b[..., None]
    out = np.matmul(*aligned([a, b], [fa, fb]))
    if rb == 1:
        out = out[..., 0]
    if ra == 1:
        out = out[..., 0, :] if rb != 1 else out[..., 0]
    return np.asarray(out)


def _dot(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
         params: dict[str, Any]) -> np.ndarray:
    """numpy.dot: a product with a scalar, or matmul for 1-D and 2-D cores."""
    ranks = [core_rank(a, f) for a, f in zip(args, flags, strict=True)]
    if 0 in ranks:
        return broadcasting(np.multiply, args, flags, params)
    if max(ranks) <= 2:
        return _matmul(np.matmul, args, flags, params)
    return looped(fn, args, flags, params)


def _outer(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
           params: dict[str, Any]) -> np.ndarray:
    (a, b), (fa, fb) = args, flags
    left = a.reshape(a.shape[0], -1, 1) if fa else a.reshape(-1, 1)
    right = b.reshape(b.shape[0], 1, -1) if fb else b.reshape(1, -1)
    return np.asarray(np.multiply(left, right))


def _trace(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
           params: dict[str, Any]) -> np.ndarray:
    return np.asarray(np.sum(np.diagonal(args[0], params.get("offset", 0), 1, 2), axis=-1))


def _first_per_item(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
                    params: dict[str, Any]) -> np.ndarray:
    """Rows over the last axes (stacks of matrices, layer_norm's normalised axes) whose
    other arguments are not batched: the batch axis is one more stack axis."""
    if any(flags[1:]):
        return looped(fn, args, flags, params)
    return per_item(fn, args, flags, params)


def _samples_merged(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
                    params: dict[str, Any]) -> np.ndarray:
    """conv and pool rows, whose input has a sample axis N first and is the only batched
    argument: (B, N, ...) goes in as (B * N, ...) samples, and comes out split again."""
    if any(flags[1:]):
        return looped(fn, args, flags, params)
    x = args[0]
    out = np.asarray(fn(x.reshape(x.shape[0] * x.shape[1], *x.shape[2:]), *args[1:],
                        **params))
    return out.reshape(x.shape[0], -1, *out.shape[1:])


def _arg_reduction(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
                   params: dict[str, Any]) -> np.ndarray:
    # argmax/argmin: numpy takes no tuple of axes, so axis=None flattens each point instead
    a = args[0]
    if params.get("axis") is not None or len(args) > 1:
        return shifted_axes(fn, args, flags, params)
    out = np.asarray(fn(a.reshape(a.shape[0], -1), axis=1))
    return out.reshape((a.shape[0],) + (1,) * (a.ndim - 1)) if params.get("keepdims") else out


RULES: Mapping[str, Rule] = {
    **dict.fromkeys(("add", "sub", "mul", "div", "pow", "maximum", "minimum", "arctan2",
                     "hypot", "logaddexp", "logaddexp2", "xlogy", "xlog1py", "mod",
                     "floor_divide", "heaviside", "less", "less_equal", "greater",
                     "greater_equal", "equal", "not_equal", "logical_and", "logical_or",
                     "logical_xor", "where"), broadcasting),
    **dict.fromkeys(("neg", "abs", "sqrt", "exp", "log", "log1p", "expm1", "sin", "cos", "tan",
                     "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "sigmoid", "relu",
                     "softplus", "erf", "sign", "gelu", "stop_gradient", "square", "cbrt",
                     "log2", "log10", "exp2", "arcsinh", "arccosh", "arctanh", "logit", "erfc",
                     "erfinv", "gammaln", "digamma", "sinc", "i0", "i1", "j0", "j1", "silu",
                     "mish", "softsign", "log_sigmoid", "hardtanh", "elu", "selu",
                     "leaky_relu", "relu6", "hardsigmoid", "hardswish", "floor", "ceil",
                     "trunc", "round", "isfinite", "isnan", "isinf", "logical_not", "det",
                     "inv"), per_item),
    **dict.fromkeys(("sum", "mean", "prod", "max", "min", "logsumexp", "var", "std", "norm",
                     "softmax", "log_softmax"), shifted_axes),
    "getitem": _getitem, "T": _reverse, "transpose": _transpose, "reshape": _reshape,
    "stack": _stack, "matmul": _matmul, "dot": _dot, "outer": _outer, "trace": _trace,
    **dict.fromkeys(("cholesky", "slogdet", "eigh", "eigvalsh", "svd", "svdvals", "qr", "pinv",
                     "matrix_power", "layer_norm", "polygamma"), _first_per_item),
    **dict.fromkeys(("avg_pool2d", "max_pool2d"), _samples_merged),
    **batch_shape.RULES,
    **dict.fromkeys(("argmax", "argmin"), _arg_reduction),
}


def _pow_guard(fn: Callable[..., Any], args: Sequence[np.ndarray], flags: Sequence[bool],
               params: dict[str, Any]) -> np.ndarray:
    # the guard asks whether the whole exponent is a non-negative integer (a polynomial:
    # no signature), else gives the base's sign: one call when every point answers alike
    if flags[1]:
        exponent = np.real(args[1]).reshape(args[1].shape[0], -1)
        whole = np.all((exponent == np.round(exponent)) & (exponent >= 0), axis=1)
        if whole.any() and not whole.all():
            return looped(fn, args, flags, params)
    return broadcasting(fn, args, flags, params)


# how each op's guard rule (expr.ops: OpSpec.guard) takes batched arguments
GUARD_RULES: Mapping[str, Rule] = {
    **dict.fromkeys(("abs", "sqrt", "log", "log1p", "tan", "arcsin", "arccos", "relu", "sign",
                     "inv"), per_item),
    # elementwise signatures (several parts stacked on a last axis: opspec.parts)
    **dict.fromkeys(("div", "maximum", "minimum", "equal", "not_equal", "less", "less_equal",
                     "greater", "greater_equal", "arctan2", "hypot", "xlogy", "xlog1py",
                     "floor", "ceil", "round", "trunc", "floor_divide", "mod", "clip",
                     "heaviside", "astype", "arccosh", "arctanh", "erfinv", "logit", "cbrt",
                     "log2", "log10", "elu", "selu", "leaky_relu", "hardtanh", "relu6",
                     "hardsigmoid", "hardswish", "digamma", "gammaln", "polygamma"),
                    broadcasting),
    "pow": _pow_guard, "max": shifted_axes, "min": shifted_axes, "norm": shifted_axes,
    "std": shifted_axes,
    # argext moves a tuple of axes (None: all of them) to the end and flattens them
    "argmax": shifted_axes, "argmin": shifted_axes,
    **dict.fromkeys(("sort", "argsort", "median", "topk"), batch_shape.along_axis),
    # matrix guards over stacks, one signature per matrix in stack order (the det's sign,
    # definiteness, eigen- and singular vector leanings, Householder signs, rank); solve's
    # reads A only
    **dict.fromkeys(("slogdet", "solve", "cholesky", "eigh", "eigvalsh", "svd", "svdvals", "qr",
                     "pinv", "matrix_power"), per_item),
    "max_pool2d": _samples_merged,
}


def same_guards(reference: np.ndarray, signature: np.ndarray, size: int) -> np.ndarray:
    """(size,) whether each point's guard signature equals ``reference``: ``signature``
    holds one per point (leading axis) or, when no batched argument reached it, one for
    every point."""
    reference, signature = np.asarray(reference), np.asarray(signature)
    if size > 1 and signature.size == size * reference.size:
        return np.all(signature.reshape(size, -1) == reference.reshape(1, -1), axis=1)
    return np.full(size, signature.shape == reference.shape
                   and bool(np.array_equal(signature, reference)))


def evaluate_batch(expr: Expression, inputs: Mapping[str, np.ndarray],
                   batched: frozenset[str], held: Mapping[int, np.ndarray] | None = None
                   ) -> tuple[dict[int, np.ndarray], dict[int, bool]]:
    """Every node's value (keyed by ``id(node)``) and whether it carries the batch axis.

    ``inputs`` hold float64 arrays; those named in ``batched`` have the leading batch axis.
    ``held``: values of some nodes given in advance, the same at every point (as
    ``expr.evaluate.evaluate_all`` takes them).
    """
    values: dict[int, np.ndarray] = {}
    flags: dict[int, bool] = {}
    for node in expr.nodes:
        key = id(node)
        if held is not None and key in held:
            values[key], flags[key] = np.asarray(held[key]), False
        elif isinstance(node, Input):
            values[key], flags[key] = np.asarray(inputs[node.name]), node.name in batched
        elif isinstance(node, Const):
            values[key], flags[key] = np.asarray(node.value, dtype=np.float64), False
        elif isinstance(node, NamedConst):
            values[key] = np.asarray({"pi": np.pi, "e": np.e}[node.name], dtype=np.float64)
            flags[key] = False
        elif isinstance(node, Op):
            args = [values[id(a)] for a in node.args]
            arg_flags = [flags[id(a)] for a in node.args]
            fn = TABLE[node.op]
            try:
                if any(arg_flags):
                    rule = RULES.get(node.op, looped)
                    values[key] = rule(fn, args, arg_flags, dict(node.params))
                else:
                    values[key] = np.asarray(fn(*args, **dict(node.params)))
            except Exception as exc:  # noqa: BLE001 - as the point-by-point evaluator says
                raise EvaluationError(f"{node.op} at column {node.pos[1]}: {exc}", node) from exc
            flags[key] = any(arg_flags)
    return values, flags
