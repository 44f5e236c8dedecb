"""The ``jax`` method's compiled programs, shared from case to case.

A case's expression and its reverse pass (and, for ``order: 2``, its Hessian) are
compiled once (``jax.jit``) with every input an argument, so all points of a case share
one compilation, and so do cases that compute the same thing at other values
(``program_key``: a suite of one op over several domains compiles once per shape). Eager
dispatch compiles each primitive on first use instead, which on the seed cases costs
more (measured cold, 17 seed cases: 3.0 s eager, 1.2 s with one jit per case; on 300
suite cases 70 CPU s eager against 16 s). ``jax_batch`` compiles many cases' programs
as one and installs each case's slot here.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

from gradcheck_lab.case import Case, Point
from gradcheck_lab.expr.evaluate import evaluate
from gradcheck_lab.methods.base import expression
from gradcheck_lab.methods.jax_autodiff import (
    FAST_COMPILE_ELEMENTS,
    flat_scalar,
    inexact,
    jax_dtype,
    reverse_mode,
    second_order,
)
from gradcheck_lab.methods.jax_compile import fast_compile


class Static:
    """An int64 input as a static (hashable) argument of the compiled program: it stays a
    concrete numpy array inside, so masks and indices made from it are concrete too."""

    def __init__(self, value: Any) -> None:
        self.array = np.asarray(value, dtype=np.int64)
        self.key = (self.array.shape, self.array.tobytes())

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Static) and other.key == self.key


PROGRAMS_KEPT = 256  # compiled programs kept per process (a worker's, from case to case)
_programs: OrderedDict[Hashable, Callable[..., Any]] = OrderedDict()


def program_key(case: Case) -> Hashable:
    """What ``compiled``'s program depends on: the expression's structure, the inputs'
    names, kinds and sizes, the dtype, the output's kind and the cotangent's values. Two
    cases equal in these (the same function at other values, as suites of one op over
    several domains have) share one jitted program, and JAX compiles it once per
    shape."""
    cotangent = None if case.cotangent is None else (case.cotangent.shape,
                                                     case.cotangent.tobytes())
    inputs = tuple((s.name, s.is_integer, s.wrt, np.shape(s.value)) for s in case.inputs)
    return (expression(case).structure(), inputs, case.dtype, case.device, case.is_scalar,
            cotangent)


def compiled(case: Case, second: bool = False) -> Callable[..., Any]:
    """``(*all inputs) -> (output, derivatives of the wrt inputs)``, or with ``second``
    ``(*all inputs, directions or None) -> Hessian or H v`` (reverse over reverse), jitted
    once per ``program_key`` (int64 inputs static: one compilation per distinct value)."""
    key = (second, program_key(case))
    program = _programs.get(key)
    if program is None:
        program = _program(case, second)
        install(key, program)
    else:
        _programs.move_to_end(key)
    return program


def install(key: Hashable, program: Callable[..., Any]) -> None:
    """Keep ``program`` as ``compiled``'s for ``key`` (``(second, program_key(case))``)."""
    _programs[key] = program
    if len(_programs) > PROGRAMS_KEPT:
        _programs.popitem(last=False)


def _program(case: Case, second: bool) -> Callable[..., Any]:
    import jax

    static = tuple(i for i, spec in enumerate(case.inputs) if spec.is_integer)
    small = sum(int(np.size(spec.value)) for spec in case.inputs) <= FAST_COMPILE_ELEMENTS
    return jax.jit(traceable(case, second), static_argnums=static,
                   **(fast_compile(case.device) if small else {}))


def traceable(case: Case, second: bool) -> Callable[..., Any]:
    """``compiled``'s program before ``jax.jit`` (int64 inputs come as ``Static``)."""
    from gradcheck_lab.backends.jax_ops import make_backend

    dtype = jax_dtype(case)
    backend = make_backend(dtype)
    every = [spec.name for spec in case.inputs]
    wrt = [spec.name for spec in case.wrt]
    expr = expression(case)  # equal for every case of this program_key, as the rest is

    def program(*args: Any) -> Any:
        # with ``second`` the directions (None, or an array per point) come last
        values, vs = (args[:-1], args[-1]) if second else (args, None)
        given = {n: v.array if isinstance(v, Static) else v
                 for n, v in zip(every, values, strict=True)}

        def f(*diff: Any) -> Any:
            return inexact(evaluate(expr, backend, {**given, **dict(zip(wrt, diff,
                                                                        strict=True))}), dtype)

        primals = [given[n] for n in wrt]
        if not second:
            return reverse_mode(case, f, primals)
        return second_order(*flat_scalar(case, f, primals), False, vs)

    return program


def arguments(case: Case, point: Point) -> list[Any]:
    """The compiled program's arguments at ``point`` (int64 inputs as ``Static``)."""
    import jax.numpy as jnp

    dtype = jax_dtype(case)
    return [Static(point.values[spec.name]) if spec.is_integer
            else jnp.asarray(np.asarray(point.values[spec.name]), dtype)
            for spec in case.inputs]
