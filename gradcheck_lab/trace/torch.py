"""Tracing a torch function: its aten operations recorded as they run on the point's tensors.

A ``TorchDispatchMode`` sees every aten call that really runs, with its real inputs and
outputs: the forward of a custom ``torch.autograd.Function`` included, and whatever
branch Python control flow took at the point (``make_fx`` refuses data-dependent control
flow; this does not need to trace it, only to see it run). The function runs under
``torch.no_grad()`` on float64 tensors (integer inputs int64), detached from the caller's.
Each call is then mapped onto the graph (``torch_table``), tensors matched to values by
identity, views and writes in single-assignment form (``torch_state``).

A value that leaves torch (``.item()`` used in arithmetic, a NumPy round trip, global
state) becomes a constant silently, so a torch trace is also compared with the function at
a point moved by ``result.PERTURBATION`` (``Recording.check``): a dependence lost that way
shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from gradcheck_lab.trace.builder import Builder, Unmapped
from gradcheck_lab.trace.result import Recording
from gradcheck_lab.trace.torch_state import Call, Tensors, snap
from gradcheck_lab.trace.torch_table import apply


def record(fn: Callable[..., Any], values: Mapping[str, np.ndarray], wrt: Sequence[str],
           keep_cuts: bool = False) -> Recording:
    """Trace ``fn(**values)`` at the point; ``wrt``: the differentiated inputs;
    ``keep_cuts``: gradient cuts are part of the function (``Builder.cut``)."""
    import torch

    calls, out, inputs = _run(fn, values)
    if not isinstance(out, torch.Tensor):
        raise Unmapped("output", f"the function returned {type(out).__name__}, not a tensor")
    state = Tensors(Builder(keep_cuts))
    for name, tensor in inputs.items():
        state.add_input(name, snap(tensor), name in wrt)
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


