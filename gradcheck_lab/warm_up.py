"""Compiling ahead, together, what methods would compile case by case (issue 15).

A built-in method's module may offer ``warm_up(cases)``: given the cases a process is
about to run, it prepares for them in one go what it would otherwise prepare once per
case (the ``jax`` method compiles their programs as one: ``methods/jax_batch.py``).
The runner calls it with the next ``WARM_UP_CASES`` cases, in this process or in a
worker, before the first of them runs. Warming up never changes a result: a case it
could not prepare runs as before, and its time is charged to the case it ran in (the
method's seconds, and JAX's compilation as the case's overhead).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from functools import partial

from gradcheck_lab.case import Case
from gradcheck_lab.methods.registry import BUILTIN_METHODS, load_method, methods_of

WARM_UP_CASES = 16  # cases a process warms up for at once (measured: methods/jax_batch.py)
Step = Callable[[str, Callable[[], object]], object]  # (method, work): runs it as its step


def warm_up(cases: Sequence[Case], selection: Sequence[str] | None, step: Step) -> None:
    """Each built-in method with a ``warm_up`` gets the cases (ready to run: device and
    cotangent as the runner sets them) that will run it, as that method's step
    (``step``: announced first, so a hang or crash is that method's, and timed).

    The step runs in the first case (the one starting now), so only methods that case
    runs warm up: a hang under ``--timeout`` is then blamed on a step the case has, never
    on a ``jax`` step of a case whose own methods leave ``jax`` out. The others' cases
    prepare one by one, as without warming up."""
    wanting: dict[str, list[Case]] = {}
    for case in cases:
        for method in methods_of(case, selection):
            spec = BUILTIN_METHODS.get(method.name)
            if spec is not None and hasattr(load_method(spec.name), "warm_up") and (
                    case is cases[0] or spec.name in wanting):
                wanting.setdefault(spec.name, []).append(case)
    for name, group in wanting.items():
        module = load_method(name)
        if len(group) < 2 or module.unavailable() is not None:
            continue
        step(name, partial(_quietly, module.warm_up, group))


def _quietly(work: Callable[[list[Case]], object], cases: list[Case]) -> None:
    with contextlib.suppress(Exception):  # each case then prepares alone, as before
        work(cases)
