"""Method ``jax``: JAX reverse mode (one ``jax.vjp`` per point) in the case's dtype.

The case's expression and its reverse pass (and, for ``order: 2``, its Hessian) are
compiled once (``jax.jit``) with every input an argument, so all points of a case share
one compilation, and so do cases that compute the same thing at other values
(``program_key``: a suite of one op over several domains compiles once per shape). Eager
dispatch compiles each primitive on first use instead, which on the seed cases costs
more (measured cold, 17 seed cases: 3.0 s eager, 1.2 s with one jit per case).
User implementations stay eager: their Python control flow may not trace.

Small cases (``FAST_COMPILE_ELEMENTS`` input elements or fewer) are compiled for a fast
compile: compiling is then most of the method's time and running the program a few
microseconds. XLA's backend optimisation off compiles about 20% faster (measured: 48 vs
60 ms CPU per small reverse-mode program; on 177 suite cases 26 vs 31 s), and XLA:CPU's
older elemental emitters instead of its MLIR fusion emitters 2.5x faster again (60 suite
cases: 6.8 s of backend compilation, 2.7 s without them; the method's CPU 9.2 s, 4.3 s).
Same IEEE arithmetic: XLA's CPU backend does no fast-math either way. The options are
tried once per process and kept to those this JAX accepts (``jax_compile``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

from gradcheck_lab.case import Case, Point
from gradcheck_lab.devices import running_on
from gradcheck_lab.expr.evaluate import evaluate
from gradcheck_lab.methods.base import (
    as_float64,
    expression,
    hessian_directions,
    missing_module,
    split_hessian,
    split_hvp,
    timed,
    wants_hessian,
)
from gradcheck_lab.methods.jax_compile import fast_compile
from gradcheck_lab.results import MethodResult

NAME = "jax"
FAST_COMPILE_ELEMENTS = 4096  # input elements up to which compile time outweighs run time


def unavailable() -> str | None:
    return missing_module("jax", "jax")


def jax_dtype(case: Case) -> Any:
    import jax.numpy as jnp

    return getattr(jnp, case.dtype)  # float64, float32, float16, bfloat16: same names


def as_function(case: Case, point: Point,
                forward: Callable[[dict[str, Any]], Any] | None = None
                ) -> tuple[Callable[..., Any], list[Any], list[str]]:
    """``f(*wrt_arrays)``, its primals and their names; inputs with ``wrt: false`` closed over.

    ``forward`` maps all inputs (by name) to the output; default: the case's expression.
    Call it inside ``backends.jax_ops.x64()`` (float64 arrays).
    """
    import jax.numpy as jnp

    from gradcheck_lab.backends.jax_ops import make_backend

    dtype = jax_dtype(case)
    backend = make_backend(dtype)
    arrays = {spec.name: jnp.asarray(np.asarray(point.values[spec.name]),
                                     dtype=jnp.int64 if spec.is_integer else dtype)
              for spec in case.inputs}  # closed over: concrete, so masks of int64 inputs are
    names = [spec.name for spec in case.wrt]

    def of_expression(values: dict[str, Any]) -> Any:
        return evaluate(expression(case), backend, values)

    run = forward or of_expression

    def f(*wrt: Any) -> Any:
        return inexact(run({**arrays, **dict(zip(names, wrt, strict=True))}), dtype)

    return f, [arrays[n] for n in names], names


def inexact(out: Any, dtype: Any) -> Any:
    """``out`` as a JAX array; an integer result (argmax) is constant near the point, so
    as a float its derivatives are 0, where jax.grad and jax.jvp refuse an integer output."""
    import jax.numpy as jnp

    out = jnp.asarray(out)
    return out if jnp.issubdtype(out.dtype, jnp.inexact) else out.astype(dtype)


def reverse_mode(case: Case, f: Callable[..., Any], primals: list[Any]) -> tuple[Any, list[Any]]:
    """Output and gradient / VJP with the cotangent / full Jacobian, from one ``jax.vjp``.

    The output is the primal of the same call that gives the derivatives, never a
    separate ``f(x)``: a ``custom_jvp``/``custom_vjp`` rule whose primal output differs
    from the function's (arcsin's rule returning arccos) is then seen for every output
    shape. The full Jacobian is the pullback mapped over the output's unit basis
    (what ``jax.jacrev`` does, minus its second call of ``f``).
    """
    import jax
    import jax.numpy as jnp

    out, pullback = jax.vjp(f, *primals)
    if case.is_scalar or case.cotangent is not None:
        seed = (jnp.ones_like(out) if case.cotangent is None
                else jnp.asarray(np.asarray(case.cotangent), dtype=out.dtype))
        return out, list(pullback(seed))
    if not primals:
        return out, []
    basis = jnp.eye(out.size, dtype=out.dtype).reshape((out.size, *out.shape))
    rows = jax.vmap(pullback)(basis)
    return out, [r.reshape(out.shape + p.shape) for r, p in zip(rows, primals, strict=True)]


def forward_mode(f: Callable[..., Any], primals: list[Any]) -> tuple[Any, list[Any]]:
    """Output and full Jacobians (output shape + input shape), from one ``jax.linearize``.

    As in ``reverse_mode``, the output is the primal of the linearised call (for a
    ``custom_jvp`` function: its rule's); each Jacobian is the linear map pushed
    forward over the input's unit basis (``jax.jacfwd``'s construction).
    """
    import jax
    import jax.numpy as jnp

    out, push = jax.linearize(f, *primals)
    zeros = [jnp.zeros_like(p) for p in primals]
    jacobians = []
    for i, p in enumerate(primals):
        def along(t: Any, i: int = i) -> Any:
            return push(*[t if j == i else z for j, z in enumerate(zeros)])

        basis = jnp.eye(p.size, dtype=p.dtype).reshape((p.size, *p.shape))
        columns = jax.vmap(along)(basis).reshape((p.size, *out.shape))
        jacobians.append(jnp.moveaxis(columns, 0, -1).reshape(out.shape + p.shape))
    return out, jacobians


def flat_scalar(case: Case, f: Callable[..., Any], primals: list[Any]
                ) -> tuple[Callable[[Any], Any], Any]:
    """The checked scalar as a function of all differentiated inputs, concatenated."""
    import jax.numpy as jnp

    shapes = [p.shape for p in primals]
    bounds = np.cumsum([int(np.prod(s)) for s in shapes])[:-1].tolist()

    def g(x: Any) -> Any:
        parts = jnp.split(x, bounds)
        out = f(*[q.reshape(s) for q, s in zip(parts, shapes, strict=True)])
        if case.cotangent is None:
            return out
        return jnp.sum(jnp.asarray(np.asarray(case.cotangent), dtype=out.dtype) * out)

    return g, jnp.concatenate([jnp.ravel(p) for p in primals])


def second_order(g: Callable[[Any], Any], x: Any, forward: bool, vs: Any = None) -> Any:
    """The Hessian of the scalar ``g`` at ``x``: jax.hessian (forward over reverse) or
    jacrev(grad) (reverse over reverse); with directions ``vs`` (k, n), the products
    ``H v`` by ``jvp(grad)`` or ``vjp(grad)`` (H is symmetric). Traceable: jit it."""
    import jax

    if vs is None:
        return (jax.hessian(g) if forward else jax.jacrev(jax.grad(g)))(x)
    if forward:
        return jax.vmap(lambda v: jax.jvp(jax.grad(g), (x,), (v,))[1])(vs)
    _, pullback = jax.vjp(jax.grad(g), x)
    return jax.vmap(lambda v: pullback(v)[0])(vs)


def hessian(case: Case, f: Callable[..., Any], primals: list[Any], forward: bool,
            directions: np.ndarray | None = None) -> Any:
    """``second_order`` of the checked scalar of ``f`` at ``primals``, split per input
    pair (``H v`` per input with ``directions``); ``f`` may be eager (an implementation)."""
    import jax
    import jax.numpy as jnp

    g, x0 = flat_scalar(case, f, primals)
    vs = None if directions is None else jnp.asarray(directions, dtype=x0.dtype)
    # one compile of the whole second-order program beats eager dispatch of its many
    # small primitives (measured: Rosenbrock 2.6 s eager, 0.9 s jitted)
    options = fast_compile(case.device) if x0.size <= FAST_COMPILE_ELEMENTS else {}
    out = as_float64(jax.jit(lambda x: second_order(g, x, forward, vs), **options)(x0))
    return split_hessian(case, out) if directions is None else split_hvp(case, out)


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
    """What ``_compiled``'s program depends on: the expression's structure, the inputs'
    names, kinds and sizes, the dtype, the output's kind and the cotangent's values. Two
    cases equal in these (the same function at other values, as suites of one op over
    several domains have) share one jitted program, and JAX compiles it once per
    shape."""
    cotangent = None if case.cotangent is None else (case.cotangent.shape,
                                                     case.cotangent.tobytes())
    inputs = tuple((s.name, s.is_integer, s.wrt, np.shape(s.value)) for s in case.inputs)
    return (expression(case).structure(), inputs, case.dtype, case.device, case.is_scalar,
            cotangent)


def _compiled(case: Case, second: bool = False) -> Callable[..., Any]:
    """``(*all inputs) -> (output, derivatives of the wrt inputs)``, or with ``second``
    ``(*all inputs, directions or None) -> Hessian or H v`` (reverse over reverse), jitted
    once per ``program_key`` (int64 inputs static: one compilation per distinct value)."""
    key = (second, program_key(case))
    program = _programs.get(key)
    if program is None:
        program = _programs[key] = _program(case, second)
        if len(_programs) > PROGRAMS_KEPT:
            _programs.popitem(last=False)
    else:
        _programs.move_to_end(key)
    return program


def _program(case: Case, second: bool) -> Callable[..., Any]:
    import jax

    from gradcheck_lab.backends.jax_ops import make_backend

    dtype = jax_dtype(case)
    backend = make_backend(dtype)
    every = [spec.name for spec in case.inputs]
    wrt = [spec.name for spec in case.wrt]
    static = tuple(i for i, spec in enumerate(case.inputs) if spec.is_integer)
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

    small = sum(int(np.size(spec.value)) for spec in case.inputs) <= FAST_COMPILE_ELEMENTS
    return jax.jit(program, static_argnums=static, **(fast_compile(case.device) if small else {}))


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
    values = [Static(point.values[spec.name]) if spec.is_integer
              else jnp.asarray(np.asarray(point.values[spec.name]), dtype)
              for spec in case.inputs]
    out, grads = _compiled(case)(*values)
    second = None
    if wants_hessian(case) and case.wrt:
        directions = hessian_directions(case, point)
        vs = None if directions is None else jnp.asarray(directions, dtype)
        raw = as_float64(_compiled(case, second=True)(*values, vs))
        second = split_hessian(case, raw) if directions is None else split_hvp(case, raw)
    names = [spec.name for spec in case.wrt]
    return MethodResult(NAME, value=as_float64(out), hessian=second,
                        gradient={n: as_float64(g) for n, g in zip(names, grads, strict=True)})
