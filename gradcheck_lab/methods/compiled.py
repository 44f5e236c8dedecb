"""``compile:`` on an implementation: the compiled function is what is checked.

torch: ``torch.compile(fn, backend=...)`` (``compile: true`` is torch's default backend,
inductor; ``compile: aot_eager`` and other backend names are passed on). Dynamo traces
the forward, a custom ``torch.autograd.Function`` included, AOTAutograd derives the
backward graph from it (the Function's own ``backward`` when it has one), and the
backend compiles both; differentiating the compiled call runs the compiled backward.
JAX: ``jax.jit(fn)``; ``jax.vjp`` of a jitted function differentiates through the jit,
so the backward is compiled too.

Compilation happens at the first call, so a compiler failure (dynamo, AOTAutograd,
inductor, the C++ or Triton compiler) is that point's ``error`` result carrying the
compiler's message. One compiled wrapper is kept per function and backend: the points
of a case share one compilation (inputs of the same shape and dtype).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

DEFAULT_BACKEND = "inductor"  # torch.compile's own default


def backend_name(setting: bool | str) -> str:
    """The torch.compile backend of a ``compile:`` setting (True: the default backend)."""
    return DEFAULT_BACKEND if setting is True else str(setting)


@lru_cache(maxsize=64)
def compiled(fn: Callable[..., Any], framework: str, setting: bool | str) -> Callable[..., Any]:
    """``fn`` compiled by ``framework``'s compiler (nothing is compiled before the call)."""
    if framework == "torch":
        import torch

        return torch.compile(fn, backend=backend_name(setting))
    import jax

    return jax.jit(fn)
