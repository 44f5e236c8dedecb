"""The graph builder of the tracers: ``Core`` plus the shape and element moves.

Both tracers (``trace/jax.py``, ``trace/torch.py``) walk the user's forward one operation
at a time, with the values at the point, and map each operation onto graph ops through their
tables, using this builder. Reshapes, transposes and broadcasts of one number stay one
number; slices drop what they do not cut; ``pick`` writes out an element move (a gather, a
permutation, a concatenation) whose source positions are known at the point.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from gradcheck_lab.expr import shapes
from gradcheck_lab.expr.graph import Op
from gradcheck_lab.expr.ops import OPS
from gradcheck_lab.trace.core import Core, Unmapped, Value

__all__ = ["Builder", "Unmapped", "Value"]

MAX_PICKED_ELEMENTS = 1024  # elements an element move (gather, sort) may write out one by one
FEW_PICKED = 16  # above this, a pick is one take_along_axis where the language has it


class Builder(Core):
    """Graph nodes and values of one trace at one point, with the composite moves."""

    def reshape(self, v: Value, shape: Sequence[int]) -> Value:
        shape = tuple(int(s) for s in shape)
        if shape == v.shape:
            return v
        if np.ndim(v.data) == 0:  # one number broadcast: still one number
            return self.broadcast(v, shape)
        if v.constant:
            return self.constant(v.array().reshape(shape), pinned=v.pinned)
        return self.op("reshape", v, shape=shape)

    def transpose(self, v: Value, axes: Sequence[int]) -> Value:
        axes = tuple(int(a) % max(len(v.shape), 1) for a in axes)
        if axes == tuple(range(len(v.shape))):
            return v
        if np.ndim(v.data) == 0:
            return self.broadcast(v, [v.shape[a] for a in axes])
        if v.constant:
            return self.constant(np.transpose(v.array(), axes))
        if len(axes) == 2:
            return self.op("T", v)
        return self.op("transpose", v, axes=axes)

    def getitem(self, v: Value, index: tuple[Any, ...]) -> Value:
        """``v[index]`` with integers and positive-step slices; full trailing slices dropped."""
        index = tuple(slice(None) if isinstance(i, slice) and i.indices(n) == (0, n, 1) else i
                      for i, n in zip(index, v.shape, strict=False))
        while index and index[-1] == slice(None):
            index = index[:-1]
        if not index:
            return v
        if v.constant:
            return self.constant(v.array()[index], pinned=v.pinned)
        if np.ndim(v.data) == 0:
            return self.broadcast(v, shapes.view_shape(v.shape, lambda a: a[index]))
        picked = self._from_stack(v, index)
        if picked is not None:
            return picked
        return self.op("getitem", v, index=index)

    def _from_stack(self, v: Value, index: tuple[Any, ...]) -> Value | None:
        """Items of a stack (``[a, b, c][1]``, ``[a, b, c][:2]``) taken directly."""
        node, first = v.node, index[0]
        if (isinstance(node, Op) and node.op == "reshape" and len(index) == len(v.shape)
                and all(isinstance(i, int) for i in index)):
            inner = node.args[0]  # reshape(stack of numbers): the number itself
            flat = int(np.ravel_multi_index(tuple(i % n for i, n in zip(index, v.shape,
                                                                          strict=True)),
                                            v.shape))
            if isinstance(inner, Op) and inner.op == "stack" and self.shapes.get(
                    id(inner.args[flat])) == ():
                data = np.asarray(v.data).reshape(-1)[flat]
                return Value((), v.dtype, data, inner.args[flat], v.varies)
        if not isinstance(node, Op) or node.op != "stack":
            return None
        rows = list(range(len(node.args)))
        chosen = rows[first] if isinstance(first, slice) else [rows[first]]
        items = []
        for row in chosen:
            item = node.args[row]
            if self.shapes.get(id(item)) != tuple(v.data.shape[1:]):
                return None  # an item broadcast by the stack: not itself
            items.append(Value(tuple(v.shape[1:]), v.dtype, v.data[row], item, v.varies))
        if isinstance(first, slice):
            out = self.op("stack", *items)
            return self.getitem(out, (slice(None),) + index[1:]) if index[1:] else out
        return self.getitem(items[0], index[1:]) if index[1:] else items[0]

    def pick(self, sources: Sequence[Value], index: np.ndarray, what: str) -> Value:
        """Elements of ``sources`` moved around: ``index`` (the result's shape) holds, per
        result element, its position in the flattened sources one after the other. What an
        element move (a gather, a permutation, a concatenation) is at the point."""
        index = np.asarray(index, dtype=np.int64)
        flat = np.concatenate([s.array().reshape(-1) for s in sources])
        if all(s.constant for s in sources):
            return self.constant(flat[index])
        sizes = [int(np.prod(s.shape)) for s in sources]
        starts = np.cumsum([0] + sizes)
        block = self._block(sources, starts, index)
        if block is not None:
            return block
        if index.size > FEW_PICKED and "take_along_axis" in OPS and (
                len(sources) == 1 or "concatenate" in OPS):
            return self._taken(sources, index)
        if index.size > MAX_PICKED_ELEMENTS:
            raise Unmapped(what, f"moves {index.size} elements (more than "
                                 f"{MAX_PICKED_ELEMENTS} are not written out one by one)")
        items = []
        for position in index.reshape(-1):
            k = int(np.searchsorted(starts, position, side="right")) - 1
            source = sources[k]
            at = np.unravel_index(int(position - starts[k]), source.shape)
            items.append(self.getitem(source, tuple(int(i) for i in at)))
        if index.ndim == 0:
            return items[0]
        return self.reshape(self.op("stack", *items), index.shape)

    def _taken(self, sources: Sequence[Value], index: np.ndarray) -> Value:
        """A large pick as one ``take_along_axis`` of the flattened sources (the positions
        a constant array), rather than element by element."""
        flat = [self.reshape(s, (int(np.prod(s.shape)),)) for s in sources]
        joined = flat[0] if len(flat) == 1 else self.op("concatenate", *flat, axis=0)
        positions = self.constant(index.reshape(-1).astype(np.int64))
        taken = self.op("take_along_axis", joined, positions, axis=0)
        return self.reshape(taken, index.shape)

    def _block(self, sources: Sequence[Value], starts: np.ndarray, index: np.ndarray
               ) -> Value | None:
        """A pick that is a run of whole leading-axis slices of one source: that slice,
        reshaped (``x`` itself, ``x[1]``, ``x[2:4]``) instead of element by element."""
        flat = index.reshape(-1)
        if flat.size == 0 or not np.array_equal(flat, np.arange(flat[0], flat[0] + flat.size)):
            return None
        k = int(np.searchsorted(starts, flat[0], side="right")) - 1
        source, first, stop = sources[k], int(flat[0] - starts[k]), int(flat[-1] - starts[k]) + 1
        if stop > int(np.prod(source.shape)):
            return None
        row = int(np.prod(source.shape[1:])) if source.shape else 1
        if first % row or stop % row:
            return None
        if (first, stop) == (0, int(np.prod(source.shape))):
            return self.reshape(source, index.shape)
        return self.reshape(self.getitem(source, (slice(first // row, stop // row, 1),)),
                            index.shape)

    def broadcast(self, v: Value, shape: Sequence[int]) -> Value:
        """``v`` broadcast to ``shape`` (numpy rules), lazily: the node is unchanged."""
        shape = tuple(int(s) for s in shape)
        np.broadcast_shapes(tuple(np.shape(v.data)), shape)  # raises if it cannot
        return dataclasses.replace(v, shape=shape)

    def cast(self, v: Value, dtype: Any) -> Value:
        """``v`` as ``dtype``: a float-to-float cast keeps the node (a narrowing cast is
        noted by the tracer); a constant is converted; anything else is not mapped."""
        target = np.dtype(dtype)
        if target == v.dtype:
            return v
        if v.constant or not v.varies and v.node is None:
            return self.constant(v.array().astype(target), pinned=v.pinned)
        if v.dtype.kind == "f" and target.kind == "f":
            return dataclasses.replace(v, dtype=target)
        if target.kind == "f" and v.dtype.kind == "b" and "where" in OPS:
            one, zero = self.constant(1.0), self.constant(0.0)
            return self.op("where", v, one, zero, dtype=target)
        if not v.varies:  # integers of the inputs (labels, counts of a mask): at the point
            return self.constant(v.array().astype(target), pinned=v.pinned or not v.constant)
        raise Unmapped("convert_element_type", f"{v.dtype} to {target} of a differentiated "
                                               "value")
