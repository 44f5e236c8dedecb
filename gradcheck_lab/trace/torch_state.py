"""The state of a torch trace: recorded calls and tensors, views and writes as single
assignments (the recorder and its driver are ``trace/torch.py``).

Tensors are matched to values by object identity (the recorder keeps every tensor alive
during the trace, so identities are not reused). Views and in-place operations are put in
single-assignment form through storage positions: each storage has a current value (its
base), every tensor knows which storage elements it covers (from its shape, strides and
offset), an in-place write makes a new base (the written elements picked from the new
value), and a tensor read after its storage changed is re-derived from the base.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck_lab.trace.builder import Builder, Unmapped, Value


@dataclass(frozen=True)
class TArg:
    """A tensor as an aten call saw it: identity, version, storage, layout, value."""

    tid: int
    version: int
    storage: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]
    offset: int
    value: np.ndarray

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.value.dtype

    def positions(self) -> np.ndarray:
        """The storage element each element of this tensor is."""
        out = np.full(self.shape, self.offset, dtype=np.int64)
        for axis, stride in enumerate(self.stride):
            shape = [1] * len(self.shape)
            shape[axis] = self.shape[axis]
            out = out + np.arange(self.shape[axis]).reshape(shape) * stride
        return out


@dataclass
class Call:
    """One aten call: the op, its arguments and outputs (tensors as ``TArg``)."""

    func: Any
    args: Any
    kwargs: dict[str, Any]
    outs: list[Any]

    @property
    def name(self) -> str:
        return str(self.func._schema.name.split("::")[1])

    @property
    def written(self) -> int | None:
        """The argument an in-place op writes to, if any."""
        for i, arg in enumerate(self.func._schema.arguments):
            if arg.alias_info is not None and arg.alias_info.is_write:
                return i
        return None


def snap(t: Any) -> TArg:
    try:
        storage = t.untyped_storage().data_ptr()
    except Exception:  # noqa: BLE001 - a tensor without storage (meta): its own identity
        storage = -id(t)
    return TArg(id(t), t._version, storage, tuple(t.shape), tuple(t.stride()),
                t.storage_offset(), t.detach().cpu().numpy().copy())


@dataclass
class _Base:
    """The current value of a storage, and the storage element of each of its elements."""

    value: Value
    positions: np.ndarray


class Tensors:
    """Tensors (by identity, at a version) -> traced values, with views and writes in
    single-assignment form."""

    def __init__(self, builder: Builder) -> None:
        self.b = builder
        self.bound: dict[int, tuple[Value, int, int]] = {}  # tid -> (value, version, storage)
        self.bases: dict[int, _Base] = {}
        self.inputs: set[int] = set()
        self.unmapped: list[str] = []

    def add_input(self, name: str, t: TArg, varies: bool) -> None:
        self.bind_fresh(t, self.b.input(name, t.value, varies))
        self.inputs.add(t.storage)

    def bind_fresh(self, t: TArg, value: Value) -> None:
        """A new tensor with its own storage."""
        self.bound[t.tid] = (value, t.version, t.storage)
        self.bases[t.storage] = _Base(value, t.positions())

    def bind_view(self, t: TArg, value: Value) -> None:
        self.bound[t.tid] = (value, t.version, t.storage)
        if t.storage not in self.bases:
            self.bases[t.storage] = _Base(value, t.positions())

    def unmapped_call(self, call: Call, missing: Unmapped) -> None:
        """A call no row maps: integer and boolean outputs are piecewise constant, so they
        are taken at the point; a floating output is unmapped (and stands in opaquely so
        that the trace goes on naming every unmapped op)."""
        outs = [o for o in call.outs if isinstance(o, TArg)]
        if outs and all(o.dtype.kind in "biu" for o in outs):
            self.b.note(f"aten.{call.name} (integer or boolean) taken at the point")
            for out in outs:
                self.bind_fresh(out, self.b.constant(out.value, pinned=True))
            return
        self.unmapped.append(f"aten.{call.name} ({missing.why})" if missing.why
                             else f"aten.{call.name}")
        for out in outs:
            self.bind_fresh(out, self.b.opaque(f"aten.{call.name}", out.value))

    def value(self, a: Any, like: np.dtype[Any] | None = None) -> Value:
        """The traced value of a tensor argument, or a Python number as a constant."""
        if not isinstance(a, TArg):
            if isinstance(a, bool) or a is None:
                return self.b.constant(a)
            dtype = like if like is not None and like.kind == "f" and isinstance(
                a, (int, float)) else None
            return self.b.constant(np.asarray(a, dtype=dtype))
        known = self.bound.get(a.tid)
        if known is not None and known[1] == a.version:
            return known[0]
        base = self.bases.get(a.storage)
        if base is None or known is None and base.positions.shape == ():
            value = self.b.constant(a.value)  # never produced by a recorded op: a constant
            self.bind_fresh(a, value)
            return value
        value = self.derived(a, base)
        self.bound[a.tid] = (value, a.version, a.storage)
        return value

    def derived(self, a: TArg, base: _Base) -> Value:
        """A tensor re-read from its storage's current value (after a write, or an alias
        made outside dispatch)."""
        index = _index_in(base.positions, a.positions())
        if index is None:
            return self.b.constant(a.value)
        if np.array_equal(index.reshape(-1), np.arange(base.positions.size)):
            return self.b.reshape(base.value, a.shape)
        return self.b.pick([base.value], index, "a view of a written tensor")

    def write(self, target: TArg, new: Value, version: int) -> None:
        """``target`` (a tensor or a view) now holds ``new``: a new value of its storage."""
        if target.storage in self.inputs:
            self.b.note("the function writes into its input tensor in place")
        base = self.bases.get(target.storage)
        new = self.b.broadcast(new, target.shape) if new.shape != target.shape else new
        if base is None:
            self.bind_fresh(target, new)
            return
        index = _index_in(base.positions, target.positions())
        if index is None or np.array_equal(index.reshape(-1),
                                           np.arange(base.positions.size)):
            base.value = self.b.reshape(new, base.positions.shape) if index is not None \
                else new
        else:
            picked = np.arange(base.positions.size).reshape(base.positions.shape)
            picked.reshape(-1)[index.reshape(-1)] = base.positions.size + np.arange(
                index.size)
            base.value = self.b.pick([base.value, new], picked, "an in-place write")
        self.bound[target.tid] = (new, version, target.storage)


def _index_in(base: np.ndarray, positions: np.ndarray) -> np.ndarray | None:
    """For each storage position in ``positions``, its flat index in ``base`` (None when
    some position is not one of the base's elements)."""
    flat = base.reshape(-1)
    order = np.argsort(flat, kind="stable")
    found = np.searchsorted(flat, positions, sorter=order)
    found = np.clip(found, 0, max(flat.size - 1, 0))
    if flat.size == 0 or not np.array_equal(flat[order[found]], positions):
        return None
    return np.asarray(order[found])
