"""Time that belongs to no case: importing torch or JAX, and JAX compiling programs.

The first method to need a framework would otherwise carry its import (torch about
1.2 s, JAX 0.4 s on this project's machine), and the ``jax`` method its compilation, so
the time column could not find a slow case. The runner imports each framework a case
needs before the case's methods run (timed here, once per process) and subtracts the
compilation JAX reports through ``jax.monitoring`` from the method's time; both are
kept per case (``CaseReport.overhead``) and summed in the report's summary.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import time

FRAMEWORKS = ("torch", "jax")
COMPILATION = "jax compilation"  # the key of its seconds in CaseReport.overhead
COMPILE_EVENTS = "/jax/core/compile/"  # tracing, lowering to MLIR, backend compilation
_imported: dict[str, float] = {}  # framework -> seconds its import took in this process
_compiling = [0.0]  # seconds JAX reported compiling, in this process
_listening = [False]


def import_framework(name: str) -> float | None:
    """Import ``name`` unless this process has; the seconds it took, or None (imported
    before, or not installed: the method says so itself)."""
    seconds = None
    if name not in sys.modules and importlib.util.find_spec(name) is not None:
        start = time.perf_counter()
        importlib.import_module(name)
        seconds = _imported[name] = time.perf_counter() - start
    if name == "jax" and name in sys.modules and not _listening[0]:
        import jax.monitoring

        jax.monitoring.register_event_duration_secs_listener(_on_event)
        _listening[0] = True
    return seconds


def compile_seconds() -> float:
    """Seconds JAX has spent compiling in this process so far."""
    return _compiling[0]


def _on_event(event: str, duration_secs: float, **_: str | int) -> None:
    if event.startswith(COMPILE_EVENTS):
        _compiling[0] += duration_secs
