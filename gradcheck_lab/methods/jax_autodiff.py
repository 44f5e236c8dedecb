"""JAX autodiff pieces shared by the ``jax`` and ``jax_forward`` methods and by JAX
implementations on trial: the case's function as JAX sees it, one ``jax.vjp`` or
``jax.jvp`` sweep, and second derivatives (reverse over reverse, or forward over reverse).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck_lab.case import Case, Point
from gradcheck_lab.expr.evaluate import evaluate
from gradcheck_lab.methods.base import as_float64, expression, split_hessian, split_hvp
from gradcheck_lab.methods.jax_compile import fast_compile

FAST_COMPILE_ELEMENTS = 4096  # input elements up to which compile time outweighs run time


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
