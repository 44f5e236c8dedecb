"""Many cases' ``jax`` programs compiled as one (``warm_up``, issue 15).

XLA:CPU has a fixed cost per compiled program, whatever its size (measured with the
fast-compile options: a trivial program 11 ms of backend compilation, a one-term gradient
21 ms, a five-term one 28 ms), and so does lowering it (7 ms for the trivial one). A suite
of small cases pays both once per case. ``warm_up(cases)`` traces the first-order program
of each case (``jax_programs.traceable``, one slot each) inside one function and compiles
that once. A slot's case then runs by calling the batch with its own arguments in its
slot and the first point's arguments of the others in theirs, and keeping its slot's
outputs: every slot runs on each call, a few microseconds each for the small cases taken
(``BATCH_ELEMENTS``). The runner passes the next ``warm_up.WARM_UP_CASES`` (16) cases.
Measured on 300 first-order cases of the throughput suite, one process: 16.1 CPU s with
one program per case, 11.2 s with 8 cases per program, 10.3 s with 16, 9.2 s with 64;
tracing (2.9 s) stays, lowering and compiling shrink. On the whole suite (1,927 cases,
``--jobs 1``): 179 CPU s without, 140 s with 16 per program; JAX's compilation 85 s,
49 s. Hessian programs (order 2) are larger, and batching them too saved nothing
measurable (JAX's share of the run 0.802 against 0.804 of the other methods' time); 32
cases per program instead of 16 saved 1% (0.793), within the noise.

The slots compute what the per-case programs compute, with the same options (XLA:CPU does
no fast-math), but XLA compiles a module as a whole, and in a larger one it may split or
vectorise a reduction differently: on that suite every status was the same, and 62 of
3,052 gradients differed in round-off, at most 4e-7 relative in float32 (``layer_norm``,
a few ulps) and 1e-13 in float64 (``var``, ``std``: the order of a sum). A slot whose
tracing raises is left out, and its case compiles alone and reports the error as before;
a batch that fails to compile or run is dropped whole, and every case compiles alone.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np

from gradcheck_lab.case import Case
from gradcheck_lab.devices import CPU, resolve, running_on

BATCH_ELEMENTS = 1024  # input elements of a case, at most: each call runs every slot


def batchable(case: Case) -> bool:
    """Whether ``case``'s first-order program may share a compiled batch: an expression on
    the CPU, small, with no int64 input (those are static: one compilation per value)."""
    return (case.expr is not None and bool(case.wrt) and resolve("jax", case.device) == CPU
            and not any(spec.is_integer for spec in case.inputs)
            and sum(int(np.size(spec.value)) for spec in case.inputs) <= BATCH_ELEMENTS)


def warm_up(cases: Sequence[Case]) -> int:
    """Compile the first-order programs of ``cases`` that have none yet, as one; the
    number of programs it installed (0 when fewer than two could share)."""
    from gradcheck_lab.backends.jax_ops import x64
    from gradcheck_lab.methods import jax_programs

    chosen: dict[Hashable, Case] = {}
    for case in [c for c in cases if batchable(c)]:
        key = (False, jax_programs.program_key(case))
        if key not in jax_programs._programs:
            chosen.setdefault(key, case)
    if len(chosen) < 2:
        return 0
    with x64(), running_on("jax", CPU):
        slots = _compiled_batch(list(chosen.values()))
    for chosen_key, slot in zip(chosen, slots, strict=True):
        if slot is not None:
            jax_programs.install(chosen_key, slot)
    return sum(slot is not None for slot in slots)


def _compiled_batch(cases: list[Case]) -> list[Callable[..., Any] | None]:
    """One callable per case, running its slot of one compiled batch (None: left out)."""
    import jax

    from gradcheck_lab.methods.jax_compile import fast_compile
    from gradcheck_lab.methods.jax_programs import arguments, traceable

    programs = [traceable(case, False) for case in cases]
    stored = tuple(tuple(arguments(case, case.points[0])) for case in cases)
    broken: set[int] = set()

    def batch(argsets: tuple[tuple[Any, ...], ...]) -> tuple[Any, ...]:
        outputs = []
        for i, (program, args) in enumerate(zip(programs, argsets, strict=True)):
            try:
                outputs.append(program(*args))
            except Exception:  # noqa: BLE001 - the case alone will report it
                broken.add(i)
                outputs.append(None)
        return tuple(outputs)

    compiled = jax.jit(batch, **fast_compile(CPU))
    try:
        jax.block_until_ready(compiled(stored))
    except Exception:  # noqa: BLE001 - every case compiles alone then
        return [None] * len(cases)
    return [None if i in broken else _slot(compiled, stored, i) for i in range(len(cases))]


def _slot(compiled: Callable[..., Any], stored: tuple[tuple[Any, ...], ...],
          index: int) -> Callable[..., Any]:
    def run(*values: Any) -> Any:
        return compiled(stored[:index] + (values,) + stored[index + 1:])[index]

    return run
