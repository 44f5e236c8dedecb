"""aten operations -> graph ops: one row per op name (overloads share a row).

``apply`` takes one recorded call: constants (factories, random draws, ops on constants)
become their recorded values; element moves (``torch_moves``) are resolved by running the op
on element positions; everything else goes through a row of ``TABLE``, which builds graph
ops with the builder. In-place ops (``add_``) use the row of their functional op and write
the result back (``Tensors.write``); view ops bind their output to the same storage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gradcheck_lab.expr.ops import OPS
from gradcheck_lab.trace.builder import Unmapped, Value
from gradcheck_lab.trace.torch_moves import COMPOSITES, MOVES, moved
from gradcheck_lab.trace.torch_state import Call, TArg, Tensors

Row = Callable[[Tensors, Call], "Value | list[Value]"]

FACTORIES = {"arange", "full", "zeros", "ones", "empty", "scalar_tensor", "full_like",
             "zeros_like", "ones_like", "empty_like", "new_zeros", "new_ones", "new_full",
             "new_empty", "empty_strided", "eye", "linspace", "lift_fresh_copy", "zero",
             "fill"}
RANDOM = {"rand", "randn", "randint", "rand_like", "randn_like", "randint_like",
          "bernoulli", "normal", "uniform", "native_dropout", "multinomial", "randperm",
          "exponential", "random"}
UNARY = {"neg": "neg", "exp": "exp", "log": "log", "log1p": "log1p", "expm1": "expm1",
         "sqrt": "sqrt", "sin": "sin", "cos": "cos", "tan": "tan", "tanh": "tanh",
         "sigmoid": "sigmoid", "erf": "erf", "abs": "abs", "sign": "sign", "sgn": "sign",
         "relu": "relu", "round": "round", "floor": "floor", "ceil": "ceil",
         "asin": "arcsin", "acos": "arccos", "atan": "arctan", "sinh": "sinh",
         "cosh": "cosh", "erfc": "erfc", "erfinv": "erfinv", "lgamma": "gammaln",
         "digamma": "digamma"}
BINARY = {"mul": "mul", "div": "div", "pow": "pow", "maximum": "maximum",
          "minimum": "minimum", "atan2": "arctan2", "fmax": "maximum", "fmin": "minimum"}
COMPARE = {"eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal",
           "gt": "greater", "ge": "greater_equal", "logical_and": "logical_and",
           "logical_or": "logical_or", "logical_xor": "logical_xor"}
REDUCE = {"sum": "sum", "mean": "mean", "amax": "max", "amin": "min", "prod": "prod",
          "logsumexp": "logsumexp", "nansum": "sum"}
IDENTITY = {"clone", "contiguous", "alias", "lift_fresh", "view_as", "positive",
            "_conj", "resolve_conj", "resolve_neg"}
RESHAPES = {"view", "_unsafe_view", "reshape", "unsqueeze", "squeeze", "flatten",
            "unflatten", "view_copy", "_reshape_alias"}


def arg(call: Call, index: int, key: str, default: Any = None) -> Any:
    """Argument ``index`` of the call, or keyword ``key``, or ``default``."""
    if key in call.kwargs:
        return call.kwargs[key]
    return call.args[index] if len(call.args) > index else default


def apply(t: Tensors, call: Call) -> None:
    """Map one recorded call onto the graph and bind its outputs."""
    name, target = call.name, call.written
    base = name[:-1] if target is not None and name.endswith("_") else name
    outs = [o for o in call.outs if isinstance(o, TArg)]
    if name == "_local_scalar_dense":
        arg0 = call.args[0]
        if isinstance(arg0, TArg) and (not t.value(arg0).constant or t.value(arg0).pinned):
            t.b.note("a tensor's value went into Python (.item(), bool(), an if on a "
                     "tensor): its branch or number is taken at this point")
        return
    tensors = [a for a in _flat(call) if isinstance(a, TArg)]
    if base in RANDOM:
        t.b.note(f"aten.{name} draws random numbers: the draw at this point is a constant")
    values = [t.value(a) for a in tensors]
    integers = bool(outs) and all(o.dtype.kind in "biu" for o in outs)
    if base in FACTORIES | RANDOM or all(v.constant for v in values) or (
            integers and not any(v.varies for v in values)):
        # constants, and integers of inputs that are not differentiated (labels): their
        # values at this point
        pinned = any(v.pinned or not v.constant for v in values)
        results = [t.b.constant(o.value, pinned=pinned) for o in outs]
    else:
        row = TABLE.get(base) or COMPOSITES.get(base)
        try:
            if row is None:
                raise Unmapped(f"aten.{name}")
            out = row(t, call)
            results = out if isinstance(out, list) else [out]
        except Unmapped:
            if base not in MOVES:
                raise
            results = moved(t, call)  # an element move: resolved at the point
    _bind(t, call, outs, results)


def _bind(t: Tensors, call: Call, outs: list[TArg], results: list[Value]) -> None:
    checked = []
    for o, v in zip(outs, results, strict=False):
        if v.shape != o.shape:
            raise Unmapped(f"aten.{call.name}", f"traced shape {v.shape}, torch's {o.shape}")
        checked.append(v if v.dtype == o.dtype else t.b.cast(v, o.dtype))
    if call.written is not None:
        t.write(call.args[call.written], checked[0], outs[0].version if outs else 0)
    elif call.func.is_view:
        for o, v in zip(outs, checked, strict=False):
            t.bind_view(o, v)
    else:
        for o, v in zip(outs, checked, strict=False):
            t.bind_fresh(o, v)


def _flat(call: Call) -> list[Any]:
    out: list[Any] = []
    for a in list(call.args) + list(call.kwargs.values()):
        out += list(a) if isinstance(a, (list, tuple)) else [a]
    return out


def _x(t: Tensors, call: Call, index: int = 0, key: str = "self") -> Value:
    a = arg(call, index, key)
    return t.value(a)


def _other(t: Tensors, call: Call, like: Value, index: int = 1, key: str = "other") -> Value:
    return t.value(arg(call, index, key), like.dtype)


def _unary(op: str) -> Row:
    return lambda t, c: t.b.op(op, _x(t, c))


def _binary(op: str, **given: Any) -> Row:
    def row(t: Tensors, c: Call) -> Value:
        if op == "div" and arg(c, 2, "rounding_mode") is not None:
            raise Unmapped("div", f"rounding_mode={arg(c, 2, 'rounding_mode')!r}")
        x = t.value(c.args[0])
        other = c.args[1]
        if op == "pow" and isinstance(other, int) and not isinstance(other, bool):
            return t.b.op(op, x, t.b.constant(other))  # x ** 2 stays an integer power
        return t.b.op(op, x, t.value(other, x.dtype), **given)
    return row


def _add_sub(op: str, swap: bool = False) -> Row:
    def row(t: Tensors, c: Call) -> Value:
        x = _x(t, c)
        y = _other(t, c, x)
        alpha = arg(c, 2, "alpha", 1)
        if swap:
            x, y = y, x
        if alpha != 1:
            scaled = t.b.op("mul", y if not swap else x, t.b.constant(alpha))
            x, y = (x, scaled) if not swap else (scaled, y)
        return t.b.op(op, x, y)
    return row


def _compare(op: str) -> Row:
    return lambda t, c: t.b.op(op, _x(t, c), _other(t, c, _x(t, c)), dtype=bool)


def _reduce(op: str) -> Row:
    def row(t: Tensors, c: Call) -> Value:
        x = _x(t, c)
        dims = arg(c, 1, "dim")
        keep = bool(arg(c, 2, "keepdim", False))
        axis = _axis(dims, len(x.shape)) if not isinstance(dims, bool) else None
        return t.b.op(op, x, axis=axis, keepdims=keep)
    return row


def _axis(dims: Any, ndim: int) -> int | tuple[int, ...] | None:
    if dims is None or isinstance(dims, (list, tuple)) and len(dims) == 0:
        return None
    items = sorted({int(d) % max(ndim, 1) for d in (dims if isinstance(dims, (list, tuple))
                                                    else [dims])})
    if len(items) == ndim:
        return None
    return items[0] if len(items) == 1 else tuple(items)


def _clamp(t: Tensors, c: Call) -> Value:
    x = _x(t, c)
    lo, hi = arg(c, 1, "min"), arg(c, 2, "max")
    if c.name.startswith("clamp_max"):
        lo, hi = None, arg(c, 1, "max")
    if c.name.startswith("hardtanh"):
        lo, hi = arg(c, 1, "min_val", -1.0), arg(c, 2, "max_val", 1.0)
    if "clip" in OPS and lo is not None and hi is not None:
        return t.b.op("clip", x, t.value(lo, x.dtype), t.value(hi, x.dtype))
    if lo is not None:
        x = t.b.op("maximum", x, t.value(lo, x.dtype))
    if hi is not None:
        x = t.b.op("minimum", x, t.value(hi, x.dtype))
    return x


def _reshape(t: Tensors, c: Call) -> Value:
    return t.b.reshape(_x(t, c), [o for o in c.outs if isinstance(o, TArg)][0].shape)


def _expand(t: Tensors, c: Call) -> Value:
    out = [o for o in c.outs if isinstance(o, TArg)][0]
    x = _x(t, c)
    return t.b.broadcast(t.b.reshape(x, (1,) * (len(out.shape) - len(x.shape)) + x.shape),
                         out.shape)


def _permute(t: Tensors, c: Call) -> Value:
    x = _x(t, c)
    n = len(x.shape)
    if c.name == "permute":
        axes = [int(d) % n for d in arg(c, 1, "dims")]
    elif c.name == "transpose":
        axes = list(range(n))
        d0, d1 = int(arg(c, 1, "dim0")) % n, int(arg(c, 2, "dim1")) % n
        axes[d0], axes[d1] = axes[d1], axes[d0]
    else:  # t, numpy_T, mT...
        axes = list(range(n))[::-1] if n <= 2 else list(range(n - 2)) + [n - 1, n - 2]
    return t.b.transpose(x, axes)


def _select(t: Tensors, c: Call) -> Value:
    x = _x(t, c)
    dim = int(arg(c, 1, "dim")) % len(x.shape)
    if c.name == "select":
        index = int(arg(c, 2, "index"))
        return t.b.getitem(x, tuple([slice(0, x.shape[d], 1) for d in range(dim)] + [index]))
    n = x.shape[dim]
    start, end, step = arg(c, 2, "start", 0), arg(c, 3, "end", n), arg(c, 4, "step", 1)
    lo, hi, st = slice(start, end, step).indices(n)
    return t.b.getitem(x, tuple([slice(0, x.shape[d], 1) for d in range(dim)] +
                                [slice(lo, hi, st)]))


def _to_copy(t: Tensors, c: Call) -> Value:
    x = _x(t, c)
    out = [o for o in c.outs if isinstance(o, TArg)][0]
    if x.dtype.kind == "f" and out.dtype.kind == "f" and out.dtype.itemsize < x.dtype.itemsize:
        t.b.note(f"the function rounds to {out.dtype} inside (aten.{c.name}); the exact "
                 "reference treats that rounding as exact")
    return t.b.cast(x, out.dtype)


def _detach(t: Tensors, c: Call) -> Value:
    return t.b.cut(_x(t, c), library=False)


def _matmul(t: Tensors, c: Call) -> Value:
    return t.b.op("matmul", _x(t, c), t.value(arg(c, 1, "other")))


def _addmm(t: Tensors, c: Call) -> Value:
    product = t.b.op("matmul", t.value(arg(c, 1, "mat1")), t.value(arg(c, 2, "mat2")))
    alpha, beta = arg(c, 4, "alpha", 1), arg(c, 3, "beta", 1)
    product = t.b.op("mul", product, t.b.constant(float(alpha)))
    added = t.b.op("mul", _x(t, c), t.b.constant(float(beta)))
    return t.b.op("add", added, product)


TABLE: dict[str, Row] = {
    **{name: _unary(op) for name, op in UNARY.items()},
    **{name: _binary(op) for name, op in BINARY.items()},
    **{name: _compare(op) for name, op in COMPARE.items()},
    **{name: _reduce(op) for name, op in REDUCE.items()},
    **{name: (lambda t, c: _x(t, c)) for name in IDENTITY},
    **{name: _reshape for name in RESHAPES},
    "add": _add_sub("add"), "sub": _add_sub("sub"), "rsub": _add_sub("sub", swap=True),
    "clamp": _clamp, "clip": _clamp, "clamp_min": _clamp, "clamp_max": _clamp,
    "hardtanh": _clamp, "expand": _expand, "expand_as": _expand, "broadcast_to": _expand,
    "permute": _permute, "transpose": _permute, "t": _permute, "numpy_T": _permute,
    "select": _select, "slice": _select, "_to_copy": _to_copy, "to": _to_copy,
    "detach": _detach, "mm": _matmul, "bmm": _matmul, "matmul": _matmul, "mv": _matmul,
    "dot": _matmul, "addmm": _addmm,
    "rsqrt": lambda t, c: t.b.op("div", t.b.constant(1.0), t.b.op("sqrt", _x(t, c))),
    "reciprocal": lambda t, c: t.b.op("div", t.b.constant(1.0), _x(t, c)),
    "square": lambda t, c: t.b.op("pow", _x(t, c), t.b.constant(2)),
    "exp2": lambda t, c: t.b.op("pow", t.b.constant(2.0), _x(t, c)),
}
