"""The function's own value at the point, computed by JAX from its jaxpr.

``jax.core.eval_jaxpr`` binds every equation eagerly; a ``while``, ``scan``, ``cond`` or
nested call bound eagerly is compiled by XLA first, keyed on its inner jaxprs, which are
new objects at every trace: a data-dependent ``lax.while_loop`` cost 50 ms of compilation
per point (measured on the Newton square root specimen, 2 cores). Here those structures
are walked in Python, as ``trace.jax`` walks them, and only the primitives inside are
bound: JAX caches their eager kernels by primitive, parameters and shapes, so they are
compiled once per process. The values are JAX's own, which is what the traced graph is
checked against (``trace.result``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

CALLS = ("jit", "pjit", "closed_call", "core_call", "remat", "remat2", "checkpoint",
         "custom_jvp_call", "custom_vjp_call", "custom_vjp_call_jaxpr")  # inlined calls


def evaluate(jaxpr: Any, consts: Sequence[Any], args: Sequence[Any]) -> list[Any]:
    """``jaxpr`` applied to ``args`` (JAX arrays), float64 enabled by the caller."""
    from jax.extend.core import DropVar, Literal

    env: dict[Any, Any] = {}

    def read(var: Any) -> Any:
        return var.val if isinstance(var, Literal) else env[var]

    env.update(zip(jaxpr.constvars, consts, strict=True))
    env.update(zip(jaxpr.invars, args, strict=True))
    for eqn in jaxpr.eqns:
        outs = _apply(eqn, [read(v) for v in eqn.invars])
        for var, out in zip(eqn.outvars, outs, strict=True):
            if not isinstance(var, DropVar):
                env[var] = out
    return [read(v) for v in jaxpr.outvars]


def _closed(closed: Any, args: Sequence[Any]) -> list[Any]:
    return evaluate(getattr(closed, "jaxpr", closed), getattr(closed, "consts", ()), args)


def _apply(eqn: Any, ins: list[Any]) -> list[Any]:
    import jax.numpy as jnp

    name, p = eqn.primitive.name, eqn.params
    if name in CALLS:
        return _closed(p.get("call_jaxpr") or p.get("jaxpr") or p.get("fun_jaxpr"), ins)
    if name == "cond":
        branches = p["branches"]
        taken = min(max(int(ins[0]), 0), len(branches) - 1)
        return _closed(branches[taken], ins[1:])
    if name == "while":
        cn, bn = p["cond_nconsts"], p["body_nconsts"]
        carry = ins[cn + bn:]
        while bool(_closed(p["cond_jaxpr"], ins[:cn] + carry)[0]):
            carry = _closed(p["body_jaxpr"], ins[cn:cn + bn] + carry)
        return carry
    if name == "scan":
        nc, nk, n = p["num_consts"], p["num_carry"], p["length"]
        consts, carry, xs = ins[:nc], ins[nc:nc + nk], ins[nc + nk:]
        steps: list[list[Any]] = [[] for _ in range(n)]
        for i in (range(n - 1, -1, -1) if p["reverse"] else range(n)):
            out = _closed(p["jaxpr"], consts + carry + [x[i] for x in xs])
            carry, steps[i] = out[:nk], out[nk:]
        if n == 0:
            return carry + [jnp.zeros(v.aval.shape, v.aval.dtype)
                            for v in eqn.outvars[nk:]]
        return carry + [jnp.stack([s[j] for s in steps]) for j in range(len(steps[0]))]
    with eqn.ctx.manager:
        out = eqn.primitive.bind(*ins, **eqn.primitive.get_bind_params(p))
    return list(out) if eqn.primitive.multiple_results else [out]
