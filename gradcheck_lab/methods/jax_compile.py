"""XLA options for compiling small programs fast, kept to what this JAX and device accept.

XLA:CPU compiles a small program (a few microseconds of work) in about 50 ms, most of it
in the backend. Three options cut that (measured in ``jax_reverse``'s docstring): backend
optimisation off, XLA:CPU's older elemental emitters instead of its MLIR fusion
emitters, and code generation in one part (below). All are XLA ``DebugOptions`` names,
which XLA adds and retires from release to release, and XLA refuses a name it does not
know ("No such compile option") at the program's first call, which would make every JAX
method an ``error``. So the options are tried once per process on a one-line program,
those this JAX refuses are dropped, and the rest are used. They are for XLA:CPU: on a
GPU the program is compiled as JAX would.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from gradcheck_lab.devices import CPU, resolve

# xla_cpu_parallel_codegen_split_count: XLA:CPU splits a module's LLVM code generation
# into parallel parts by default, which for small programs costs more CPU than it saves
# (measured on 10 batches of 16 throughput-suite cases: 5.7 CPU s with the default, 4.4 s
# with one part; backend compilation 2.5 -> 1.6 s)
FAST_COMPILE = {"xla_backend_optimization_level": 0, "xla_cpu_use_fusion_emitters": False,
                "xla_cpu_parallel_codegen_split_count": 1}
_REFUSED = re.compile(r"No such compile option: '([A-Za-z0-9_]+)'")
_accepted: dict[str, Any] | None = None


def fast_compile(device: str) -> dict[str, Any]:
    """``jax.jit`` keywords that compile a small program for ``device`` fast (none off
    the CPU, or where this JAX's ``jit`` takes no ``compiler_options``)."""
    if resolve("jax", device) != CPU:
        return {}
    options = accepted_options()
    return {"compiler_options": options} if options else {}


def accepted_options() -> dict[str, Any]:
    """``FAST_COMPILE`` less the options this JAX refuses (tried once per process)."""
    global _accepted
    if _accepted is None:
        _accepted = _try_options(dict(FAST_COMPILE))
    return _accepted


def _try_options(options: dict[str, Any]) -> dict[str, Any]:
    import jax
    import jax.numpy as jnp

    if "compiler_options" not in inspect.signature(jax.jit).parameters:
        return {}
    probe = jnp.zeros((1,), device=jax.devices("cpu")[0])
    while options:
        try:
            jax.jit(lambda x: x + 1, compiler_options=options)(probe).block_until_ready()
            return options
        except Exception as error:  # noqa: BLE001  (JaxRuntimeError's home moves)
            refused = _REFUSED.search(str(error))
            if refused is None or refused.group(1) not in options:
                return {}  # refused for another reason: compile as JAX would
            options = {k: v for k, v in options.items() if k != refused.group(1)}
    return options
