"""The core of the tracers' graph builder: traced values, constants, ops, hash-consing.

Both tracers (``trace/jax.py``, ``trace/torch.py``) walk the user's forward one operation
at a time, with the values at the point. Each operation becomes graph ops (rows of
``expr/ops.py``) through a mapping table; the builder keeps, for every traced value, its
graph node and its numpy value at the point, computed by the numpy backend from that node,
so node and value always agree. It also

* folds what depends on no input (``iota``, a literal array, ``1/sqrt(8)``) into constants;
* shares identical nodes (hash-consing), so a subexpression traced twice is one node;
* keeps broadcasts lazy: a broadcast feeding an elementwise op needs no node of its own,
  which keeps traced formulas close to what a person writes (``x - mean(x)``);
* drops ops that do nothing (a reshape to the same shape, ``x * 1``, ``stop_gradient`` of a
  constant).

An operation that the graph cannot express raises :class:`Unmapped`; the caller then uses
finite differences of the user's own function as the reference.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck_lab.backends.numpy_ops import TABLE as NUMPY
from gradcheck_lab.expr import shapes
from gradcheck_lab.expr.graph import Const, Input, Node, Op
from gradcheck_lab.expr.ops import OPS

MAX_CONSTANT_ELEMENTS = 4096  # a traced constant array bigger than this is not written out
NOWHERE = (1, 1)  # position of traced nodes until the printer places them in its text
LAZY_SHAPES = (shapes.same, shapes.broadcast)


class Unmapped(Exception):
    """An operation of the user's code that the graph cannot express (yet)."""

    def __init__(self, operation: str, why: str = "") -> None:
        super().__init__(f"{operation}: {why}" if why else operation)
        self.operation = operation
        self.why = why


@dataclass(eq=False)
class Value:
    """A traced value: its shape and dtype in the user's framework, its graph node (None for
    a constant, written out only when an op needs it) and ``data``, the node's value at the
    point; ``data`` may have a smaller shape that broadcasts to ``shape`` (a lazy
    broadcast). ``varies``: a floating value that depends on a differentiated input
    (integers and booleans, comparisons included, never vary). ``pinned``: a constant
    taken at the point from something that depends on the inputs (a comparison, an
    argmax): piecewise constant, so exact at the point, but only there."""

    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    data: np.ndarray
    node: Node | None
    varies: bool
    pinned: bool = False  # a constant only at this point: an input's comparison, argmax...

    def array(self) -> np.ndarray:
        """The value at the point, in its full shape and dtype."""
        return np.broadcast_to(self.data, self.shape).astype(self.dtype, copy=False)

    @property
    def constant(self) -> bool:
        return self.node is None

    @property
    def floating(self) -> bool:
        return self.dtype.kind in "fc"


class Core:
    """Graph nodes and values of one trace at one point (composites: ``builder.Builder``)."""

    def __init__(self, keep_cuts: bool = False) -> None:
        self.keep_cuts = keep_cuts
        self.cut_kept = False  # a gradient cut on an input-dependent value is in the graph
        self._ops: dict[tuple[Any, ...], Op] = {}
        self._consts: dict[tuple[Any, ...], Node] = {}
        self._inputs: dict[str, Input] = {}
        self.shapes: dict[int, tuple[int, ...]] = {}  # id(node) -> shape of its value
        self.notes: list[str] = []

    def cut(self, v: Value, library: bool) -> Value:
        """A gradient cut (``stop_gradient``, ``.detach()``) of ``v``.

        In code on trial, a cut belongs to its backward (what is checked), not to the
        function: the definition is the forward's value, so the cut reads as the identity
        (a detached term that should not be is then found). In a ``reference:`` (the
        surrogate forward of a straight-through estimator) the cut is the intended
        gradient and stays (``keep_cuts``). ``library``: a cut made inside the framework's
        own functions (the max shift of ``log_softmax``), which changes no derivative."""
        if not v.varies:
            return v
        if self.keep_cuts:
            self.cut_kept = True
            return self.op("stop_gradient", v)
        if not library:
            self.note("a gradient cut (stop_gradient, detach) of a value that depends on "
                      "the inputs reads as the identity: the reference is the derivative of "
                      "the forward's value, the cut is part of what is checked (give the "
                      "function as reference: when the cut is intended, as in a "
                      "straight-through estimator)")
        return v

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # ------------------------------------------------------------------ leaves
    def input(self, name: str, value: np.ndarray, varies: bool) -> Value:
        node = self._inputs.setdefault(name, Input(name, NOWHERE))
        data = np.asarray(value)
        self.shapes[id(node)] = tuple(data.shape)
        return Value(tuple(data.shape), data.dtype, data, node, varies)

    def opaque(self, operation: str, value: np.ndarray) -> Value:
        """The output of an unmapped operation on differentiated values: its value is known
        (the framework computed it), its node only stands in, so that the rest of the trace
        can still name every other unmapped operation."""
        node = Input(f"<{operation}>", NOWHERE)
        return Value(tuple(value.shape), value.dtype, value, node, True)

    def constant(self, value: Any, dtype: Any = None, pinned: bool = False) -> Value:
        data = np.asarray(value, dtype=dtype)
        shape = tuple(data.shape)
        if data.size > 1 and np.all(data == data.reshape(-1)[0]):
            data = data.reshape(-1)[0].copy()  # a uniform array: one number, broadcast
        return Value(shape, np.dtype(data.dtype), data, None, False, pinned)

    def node(self, v: Value) -> Node:
        """``v``'s node; a constant is written out (a number, or nested lists of numbers)."""
        return v.node if v.node is not None else self._const_node(v.data)

    def _const_node(self, data: np.ndarray) -> Node:
        if data.size > MAX_CONSTANT_ELEMENTS:
            raise Unmapped("constant", f"an array of {data.size} elements (more than "
                                       f"{MAX_CONSTANT_ELEMENTS}) would be written out")
        if not np.all(np.isfinite(data)):
            raise Unmapped("constant", f"a non-finite constant ({data.reshape(-1)[0]}) "
                                       "meets a differentiated value")
        key = (data.shape, data.tobytes(), data.dtype.kind)
        if key not in self._consts:
            if data.ndim == 0:
                number: int | float = (int(data) if data.dtype.kind in "biu"
                                       else float(data))
                self._consts[key] = Const(number, repr(number), NOWHERE)
            else:
                items = tuple(self._const_node(np.asarray(row)) for row in data)
                self._consts[key] = self.intern("stack", items, ())
            self.shapes[id(self._consts[key])] = tuple(data.shape)
        return self._consts[key]

    def full(self, v: Value) -> Node:
        """``v``'s node in exactly ``v.shape`` (a lazy broadcast is made explicit)."""
        node = self.node(v)
        if tuple(np.shape(v.data)) == v.shape:
            return node
        if "broadcast_to" in OPS:
            return self.intern("broadcast_to", (node,), self.params("broadcast_to",
                                                                     {"shape": v.shape}))
        zeros = self._const_node(np.zeros(v.shape))
        return self.intern("add", (node, zeros), ())

    # ------------------------------------------------------------------ ops
    def params(self, op: str, given: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
        """``given`` completed with ``op``'s defaults, in the row's order (as the parser does)."""
        spec = OPS.get(op)
        if spec is None:
            raise Unmapped(op, f"the expression language has no '{op}' yet")
        unknown = set(given) - set(spec.keywords)
        if unknown:
            raise Unmapped(op, f"'{op}' has no keyword {sorted(unknown)[0]}")
        return tuple((k, given.get(k, p.default)) for k, p in spec.keywords.items())

    def op(self, name: str, *args: Value, dtype: Any = None, **given: Any) -> Value:
        """Graph op ``name`` on ``args`` (static keywords ``given``): a new traced value."""
        params = self.params(name, given)
        simpler = self.simpler(name, args, dict(params))
        if simpler is not None:
            return simpler
        spec = OPS[name]
        lazy = spec.shape in LAZY_SHAPES and spec.category in ("operator", "elementwise")
        if lazy:
            shape = tuple(np.broadcast_shapes(*(a.shape for a in args)))
            datas = [a.data for a in args]
        else:
            datas = [a.array() for a in args]
        with np.errstate(all="ignore"):
            data = np.asarray(NUMPY[name](*datas, **dict(params)))
        if not lazy:
            shape = tuple(data.shape)
        out_dtype = np.dtype(dtype) if dtype is not None else _result_dtype(args, data)
        if all(a.constant for a in args):  # folded: no node needed
            return Value(shape, out_dtype, data, None, False, any(a.pinned for a in args))
        nodes = tuple((self.node(a) if lazy else self.full(a)) for a in args)
        node = self.intern(name, nodes, params)
        self.shapes[id(node)] = tuple(data.shape)
        # an integer or boolean result (a comparison) has derivative 0: it does not vary
        varies = out_dtype.kind in "fc" and any(a.varies for a in args)
        return Value(shape, out_dtype, data, node, varies)

    def intern(self, name: str, args: tuple[Node, ...],
                params: tuple[tuple[str, Any], ...]) -> Op:
        key = (name, tuple(map(id, args)), repr(params))
        if key not in self._ops:
            self._ops[key] = Op(name, args, params, NOWHERE)
        return self._ops[key]

    def simpler(self, name: str, args: Sequence[Value], params: dict[str, Any]
                ) -> Value | None:
        """The op written more simply, when it can be: an argument itself when the op would
        not change it (``x * 1``, ``x + 0``, a reshape to the same shape), ``mean`` for a sum
        divided by its count, a keepdims reduction for a reduction reshaped to keep its
        axes. None: emit the op as it is."""
        first = args[0]
        if name == "reshape":
            if tuple(params["shape"]) == first.shape:
                return first
            node = first.node
            if isinstance(node, Op) and node.op == "reshape":  # a reshape of a reshape: one
                inner = self.shapes[id(node.args[0])]
                if tuple(params["shape"]) == inner:
                    return Value(inner, first.dtype, np.reshape(first.data, inner),
                                 node.args[0], first.varies)
                again = self.intern("reshape", node.args, tuple(params.items()))
                self.shapes[id(again)] = tuple(params["shape"])
                return Value(tuple(params["shape"]), first.dtype,
                             np.reshape(first.data, params["shape"]), again, first.varies)
            return self._keepdims(first, tuple(params["shape"]))
        if name == "stop_gradient" and not first.varies:
            return first
        if len(args) != 2:
            return None
        a, b = args
        if name == "div" and b.constant and np.ndim(b.data) == 0:
            mean = self._mean(a, float(b.data))
            if mean is not None:
                return mean
        neutral = {"add": (0.0, 0.0), "sub": (None, 0.0), "mul": (1.0, 1.0),
                   "div": (None, 1.0), "pow": (None, 1.0),
                   "maximum": (-math.inf, -math.inf), "minimum": (math.inf, math.inf)}
        if name not in neutral:
            return None
        out = tuple(np.broadcast_shapes(a.shape, b.shape))
        if _is(b, neutral[name][1]) and a.shape == out and a.floating:
            return a
        if _is(a, neutral[name][0]) and b.shape == out and b.floating:
            return b
        return None

    def _keepdims(self, v: Value, shape: tuple[int, ...]) -> Value | None:
        """A reduction reshaped to keep its reduced axes as 1s: the same reduction with
        ``keepdims=True``."""
        node = v.node
        if not isinstance(node, Op) or OPS[node.op].category != "reduction" or node.param(
                "keepdims"):
            return None
        source = self.shapes.get(id(node.args[0]))
        if source is None:
            return None
        axes = shapes.axes_of(node.param("axis"), source)
        if tuple(1 if d in axes else n for d, n in enumerate(source)) != shape:
            return None
        params = tuple((k, True if k == "keepdims" else p) for k, p in node.params)
        kept = self.intern(node.op, node.args, params)
        self.shapes[id(kept)] = shape
        return Value(shape, v.dtype, np.reshape(v.data, shape), kept, v.varies)

    def _mean(self, v: Value, count: float) -> Value | None:
        """``sum(x, axis) / n`` with n the number of summed elements: ``mean(x, axis)``."""
        node = v.node
        if not isinstance(node, Op) or node.op != "sum":
            return None
        source = self.shapes.get(id(node.args[0]))
        if source is None or count != math.prod(
                source[d] for d in shapes.axes_of(node.param("axis"), source)):
            return None
        mean = self.intern("mean", node.args, node.params)
        self.shapes[id(mean)] = tuple(np.shape(v.data))
        return Value(v.shape, v.dtype, np.asarray(v.data / count), mean, v.varies)


def _is(v: Value, number: float | None) -> bool:
    """``v`` is the constant ``number`` everywhere."""
    return (number is not None and v.constant and np.ndim(v.data) == 0
            and bool(v.data == number))


def _result_dtype(args: Sequence[Value], data: np.ndarray) -> np.dtype[Any]:
    floats = [a.dtype for a in args if a.dtype.kind == "f"]
    if data.dtype.kind == "b":
        return np.dtype(bool)
    return max(floats, key=lambda d: d.itemsize) if floats else data.dtype
