"""Tracing a torch function: its aten operations recorded as they run on the point's tensors.

A ``TorchDispatchMode`` sees every aten call that really runs, with its real inputs and
outputs: the forward of a custom ``torch.autograd.Function`` included, and whatever
branch Python control flow took at the point (``make_fx`` refuses data-dependent control
flow; this does not need to trace it, only to see it run). The function runs under
``torch.no_grad()`` on float64 tensors (integer inputs int64), detached from the caller's.

Tensors are matched to values by object identity (the recorder keeps every tensor alive
during the trace, so identities are not reused). Views and in-place operations are put in
single-assignment form through storage positions: each storage has a current value (its
base), every tensor knows which storage elements it covers (from its shape, strides and
offset), an in-place write makes a new base (the written elements picked from the new
value), and a tensor read after its storage changed is re-derived from the base.

A value that leaves torch (``.item()`` used in arithmetic, a NumPy round trip, global
state) becomes a constant silently, so a torch trace is also compared with the function at
a point moved by ``result.PERTURBATION`` (``Recording.check``): a dependence lost that way shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck_lab.trace.builder import Builder, Unmapped, Value
from gradcheck_lab.trace.result import Recording


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


def record(fn: Callable[..., Any], values: Mapping[str, np.ndarray], wrt: Sequence[str]
           ) -> Recording:
    """Trace ``fn(**values)`` at the point; ``wrt``: the differentiated inputs."""
    import torch

    calls, out, inputs = _run(fn, values)
    if not isinstance(out, torch.Tensor):
        raise Unmapped("output", f"the function returned {type(out).__name__}, not a tensor")
    state = Tensors(Builder())
    for name, tensor in inputs.items():
        state.add_input(name, snap(tensor), name in wrt)
    from gradcheck_lab.trace.torch_table import apply

    for call in calls:
        try:
            apply(state, call)
        except Unmapped as missing:
            state.unmapped_call(call, missing)
    output = state.value(snap(out))
    real = out.detach().cpu().numpy().copy()

    def check(moved: Mapping[str, np.ndarray]) -> np.ndarray:
        return np.asarray(_run(fn, moved, record_calls=False)[1].detach().cpu().numpy())

    return Recording(state.b, output, real, tuple(dict.fromkeys(state.unmapped)),
                     check=check, perturb=tuple(wrt))


def _run(fn: Callable[..., Any], values: Mapping[str, np.ndarray], record_calls: bool = True
         ) -> tuple[list[Call], Any, dict[str, Any]]:
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils._pytree import tree_flatten, tree_map

    inputs = {k: torch.tensor(np.array(v)) for k, v in values.items()}
    calls: list[Call] = []
    keep: list[Any] = list(inputs.values())

    class Recorder(TorchDispatchMode):
        def __torch_dispatch__(self, func: Any, types: Any, args: Any = (),
                               kwargs: Any = None) -> Any:
            kwargs = kwargs or {}
            def take(x: Any) -> Any:
                return snap(x) if isinstance(x, torch.Tensor) else x

            before_args, before_kwargs = tree_map(take, args), tree_map(take, kwargs)
            out = func(*args, **kwargs)
            flat, _ = tree_flatten(out)
            keep.extend(x for x in tree_flatten((args, kwargs))[0] + flat
                        if isinstance(x, torch.Tensor))
            calls.append(Call(func, before_args, before_kwargs, [take(o) for o in flat]))
            return out

    with torch.no_grad():
        if not record_calls:
            return calls, fn(**inputs), inputs
        with Recorder():
            out = fn(**inputs)
    keep.append(out)
    return calls, out, inputs


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
