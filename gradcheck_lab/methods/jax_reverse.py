"""Method ``jax``: JAX reverse mode (one ``jax.vjp`` per point) in the case's dtype.

The case's expression and its reverse pass (and, for ``order: 2``, its Hessian) are
compiled once and shared by the points of a case and by cases that compute the same
thing (``jax_programs``), and a process compiles the next cases' programs as one
(``warm_up``, ``jax_batch``). User implementations stay eager: their Python control flow
may not trace.

Small cases (``FAST_COMPILE_ELEMENTS`` input elements or fewer) are compiled for a fast
compile: compiling is then most of the method's time and running the program a few
microseconds. XLA's backend optimisation off compiles about 20% faster (measured: 48 vs
60 ms CPU per small reverse-mode program; on 177 suite cases 26 vs 31 s), and XLA:CPU's
older elemental emitters instead of its MLIR fusion emitters 2.5x faster again (60 suite
cases: 6.8 s of backend compilation, 2.7 s without them; the method's CPU 9.2 s, 4.3 s),
and code generation in one part instead of XLA's parallel split 1.3x again (``jax_compile``).
Same IEEE arithmetic: XLA's CPU backend does no fast-math either way. The options are
tried once per process and kept to those this JAX accepts (``jax_compile``).
"""

from __future__ import annotations

from gradcheck_lab.case import Case, Point
from gradcheck_lab.devices import running_on
from gradcheck_lab.methods.base import (
    as_float64,
    hessian_directions,
    missing_module,
    split_hessian,
    split_hvp,
    timed,
    wants_hessian,
)
from gradcheck_lab.methods.jax_autodiff import jax_dtype
from gradcheck_lab.methods.jax_batch import warm_up  # noqa: F401  (the runner's hook)
from gradcheck_lab.methods.jax_programs import arguments, compiled
from gradcheck_lab.results import MethodResult

NAME = "jax"


def unavailable() -> str | None:
    return missing_module("jax", "jax")


def compute(case: Case, point: Point) -> MethodResult:
    def run() -> MethodResult:
        from gradcheck_lab.backends.jax_ops import x64

        # float64 for our calls only, on the case's device; the caller's settings are restored
        with x64(), running_on("jax", case.device):
            return _run(case, point)

    return timed(NAME, run)


def _run(case: Case, point: Point) -> MethodResult:
    import jax.numpy as jnp

    dtype = jax_dtype(case)
    values = arguments(case, point)
    out, grads = compiled(case)(*values)
    second = None
    if wants_hessian(case) and case.wrt:
        directions = hessian_directions(case, point)
        vs = None if directions is None else jnp.asarray(directions, dtype)
        raw = as_float64(compiled(case, second=True)(*values, vs))
        second = split_hessian(case, raw) if directions is None else split_hvp(case, raw)
    names = [spec.name for spec in case.wrt]
    return MethodResult(NAME, value=as_float64(out), hessian=second,
                        gradient={n: as_float64(g) for n, g in zip(names, grads, strict=True)})
