"""Tracing a JAX function: its jaxpr at the point's shapes, walked with the point's values.

``jax.make_jaxpr`` runs under ``jax.enable_x64(True)`` (a scoped setting: the user's own
JAX configuration is left as it was), so the jaxpr is in float64. The interpreter then
maps each equation onto the graph (``jax_table.TABLE``) with the values at the point:

* nested jaxprs are inlined (``jit``, ``closed_call``, ``remat``/``checkpoint``);
  ``custom_jvp_call`` and ``custom_vjp_call`` contribute their primal body
  (``call_jaxpr``), never their rule: the rule is what is on trial;
* ``cond`` takes the branch the point takes; ``while`` and ``scan`` are unrolled (up to
  ``MAX_UNROLLED`` iterations);
* an equation none of whose inputs depends on an input is run by JAX itself
  (``primitive.bind``) and becomes a constant;
* element moves (``SELECTIONS``: gather, sort, rev, concatenate, pad ...) are run on
  element positions to learn where each element goes;
* an integer or boolean result that cannot be mapped is piecewise constant, so it is
  taken at the point (a constant); a floating one is unmapped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from gradcheck_lab.trace.builder import Builder, Unmapped, Value
from gradcheck_lab.trace.jax_eval import CALLS, evaluate
from gradcheck_lab.trace.jax_table import SELECTIONS, TABLE
from gradcheck_lab.trace.result import Recording

MAX_UNROLLED = 10_000  # loop iterations (while, scan) unrolled in one trace
VALUE_ORDERED = ("sort", "top_k")  # element moves that depend on the values themselves


def record(fn: Callable[..., Any], values: Mapping[str, np.ndarray], wrt: Sequence[str],
           keep_cuts: bool = False) -> Recording:
    """Trace ``fn(**values)`` at the point; ``wrt``: the differentiated inputs;
    ``keep_cuts``: gradient cuts are part of the function (``Builder.cut``)."""
    import jax
    import jax.numpy as jnp

    names = list(values)

    def flat(*args: Any) -> Any:
        return fn(**dict(zip(names, args, strict=True)))

    builder = Builder(keep_cuts)
    with jax.enable_x64(True):
        arrays = [jnp.asarray(values[n]) for n in names]
        closed = jax.make_jaxpr(flat)(*arrays)
        # the function's own value: its jaxpr run by JAX (no second Python trace)
        real = evaluate(closed.jaxpr, closed.consts, arrays)[0]
        if len(closed.jaxpr.outvars) != 1:
            raise Unmapped("output", f"the function returns {len(closed.jaxpr.outvars)} "
                                     "arrays; one is checked")
        interpreter = _Interpreter(builder)
        ins = [builder.input(n, np.asarray(values[n]), n in wrt) for n in names]
        (out,) = interpreter.run(closed.jaxpr, closed.consts, ins)
    return Recording(builder, out, np.asarray(real, dtype=np.float64),
                     tuple(dict.fromkeys(interpreter.unmapped)))


class _Interpreter:
    def __init__(self, builder: Builder) -> None:
        self.b = builder
        self.unmapped: list[str] = []
        self.unrolled = 0

    def run(self, jaxpr: Any, consts: Sequence[Any], args: Sequence[Value]) -> list[Value]:
        from jax.extend.core import DropVar, Literal

        env: dict[Any, Value] = {}

        def read(var: Any) -> Value:
            if isinstance(var, Literal):
                aval: Any = var.aval
                return self.b.constant(np.asarray(var.val, dtype=aval.dtype))
            return env[var]

        for var, const in zip(jaxpr.constvars, consts, strict=True):
            env[var] = self.b.constant(np.asarray(const))
        env.update(zip(jaxpr.invars, args, strict=True))
        for eqn in jaxpr.eqns:
            outs = self.apply(eqn, [read(v) for v in eqn.invars])
            for var, out in zip(eqn.outvars, outs, strict=True):
                if not isinstance(var, DropVar):
                    env[var] = _checked(eqn, var.aval, out)
        return [read(v) for v in jaxpr.outvars]

    def apply(self, eqn: Any, ins: list[Value]) -> list[Value]:
        name, p = eqn.primitive.name, eqn.params
        if name in CALLS:
            sub = p.get("call_jaxpr") or p.get("jaxpr") or p.get("fun_jaxpr")
            return self.run(getattr(sub, "jaxpr", sub), getattr(sub, "consts", ()), ins)
        integers = all(np.dtype(v.aval.dtype).kind in "biu" for v in eqn.outvars)
        if all(v.constant for v in ins) or integers and not any(v.varies for v in ins):
            # constants, and integers of inputs that are not differentiated (labels)
            pinned = any(v.pinned or not v.constant for v in ins)
            return [self.b.constant(o, pinned=pinned)
                    for o in _bind(eqn, [v.array() for v in ins])]
        if name == "cond":
            return self.cond(p, ins)
        if name == "stop_gradient":
            return [self.b.cut(ins[0], library=_from_library(eqn))]
        if name in ("while", "scan"):
            return self.while_loop(p, ins) if name == "while" else self.scan(eqn, ins)
        try:
            handler = TABLE.get(name)
            try:
                if handler is None:
                    raise Unmapped(name)
                out = handler(self.b, ins, dict(p))
            except Unmapped:
                if name not in SELECTIONS:
                    raise
                return self.select(eqn, ins)  # an element move: resolved at the point
            return out if isinstance(out, list) else [out]
        except Unmapped as missing:
            real = _bind(eqn, [v.array() for v in ins])
            if all(np.asarray(r).dtype.kind in "biu" for r in real):
                self.b.note(f"{name} (integer or boolean) taken at the point")
                return [self.b.constant(r, pinned=True) for r in real]
            self.unmapped.append(f"{name} ({missing.why})" if missing.why else name)
            return [self.b.opaque(name, np.asarray(r)) for r in real]

    def cond(self, p: dict[str, Any], ins: list[Value]) -> list[Value]:
        branches = p["branches"]
        taken = min(max(int(ins[0].array()), 0), len(branches) - 1)
        if ins[0].pinned or not ins[0].constant:
            self.b.note(f"lax.cond takes branch {taken} of {len(branches)} at this point")
        branch = branches[taken]
        return self.run(branch.jaxpr, branch.consts, ins[1:])

    def count(self, what: str) -> None:
        self.unrolled += 1
        if self.unrolled > MAX_UNROLLED:
            raise Unmapped(what, f"more than {MAX_UNROLLED} loop iterations to unroll")

    def while_loop(self, p: dict[str, Any], ins: list[Value]) -> list[Value]:
        cn, bn = p["cond_nconsts"], p["body_nconsts"]
        cond_consts, body_consts, carry = ins[:cn], ins[cn:cn + bn], ins[cn + bn:]
        test, body = p["cond_jaxpr"], p["body_jaxpr"]
        trips = 0
        while bool(self.run(test.jaxpr, test.consts, cond_consts + carry)[0].array()):
            self.count("while")
            carry = self.run(body.jaxpr, body.consts, body_consts + carry)
            trips += 1
        self.b.note(f"a while loop runs {trips} times at this point (unrolled)")
        return carry

    def scan(self, eqn: Any, ins: list[Value]) -> list[Value]:
        p = eqn.params
        nc, nk, n = p["num_consts"], p["num_carry"], p["length"]
        consts, carry, xs = ins[:nc], ins[nc:nc + nk], ins[nc + nk:]
        steps: list[list[Value]] = [[] for _ in range(n)]
        for i in (range(n - 1, -1, -1) if p["reverse"] else range(n)):
            self.count("scan")
            out = self.run(p["jaxpr"].jaxpr, p["jaxpr"].consts,
                           consts + carry + [self.b.getitem(x, (i,)) for x in xs])
            carry, steps[i] = out[:nk], out[nk:]
        ys = []
        for j, var in enumerate(eqn.outvars[nk:]):
            ys.append(self.b.op("stack", *[s[j] for s in steps]) if n else
                      self.b.constant(np.zeros(var.aval.shape, var.aval.dtype)))
        return carry + ys

    def select(self, eqn: Any, ins: list[Value]) -> list[Value]:
        """An element move: where each output element comes from, found by running the
        primitive on element positions (or, for sort/top_k, on the values)."""
        name, p = eqn.primitive.name, dict(eqn.params)
        if name in VALUE_ORDERED:
            return self.ordered(eqn, ins)
        moved = _moved_operands(name, len(ins))
        sources, arrays, start = [], [], 0
        for i, v in enumerate(ins):
            if i in moved:
                size = int(np.prod(v.shape))
                arrays.append(np.arange(start, start + size, dtype=np.int64).reshape(v.shape))
                sources.append(v)
                start += size
            else:
                arrays.append(v.array())
        if name == "gather":
            p["fill_value"] = -1
        outs = _bind(eqn, arrays, p)
        if any(np.any(np.asarray(o) < 0) for o in outs):
            raise Unmapped(name, "indices out of bounds at this point (filled or dropped)")
        return [self.b.pick(sources, np.asarray(o), name) for o in outs]

    def ordered(self, eqn: Any, ins: list[Value]) -> list[Value]:
        """sort and top_k: the permutation at the point, from the values themselves."""
        name, p = eqn.primitive.name, eqn.params
        x = ins[0]
        if name == "top_k":
            _, order = _bind(eqn, [x.array()])
            rows = np.arange(int(np.prod(x.shape[:-1]))).reshape(x.shape[:-1])
            where = rows[..., None] * x.shape[-1] + np.asarray(order)
            return [self.b.pick([x], where, name), self.b.constant(order)]
        keys = int(p["num_keys"])
        positions = np.arange(int(np.prod(x.shape)), dtype=np.int64).reshape(x.shape)
        order = _bind(eqn, [v.array() for v in ins[:keys]] + [positions],
                      {**p, "num_keys": keys})[-1]
        return [self.b.pick([v], order, name) for v in ins]


def _from_library(eqn: Any) -> bool:
    """The equation was made by JAX's own code (the caller of ``lax.stop_gradient``)."""
    traceback = getattr(eqn.source_info, "traceback", None)
    frames = list(traceback.frames) if traceback is not None else []
    for before, frame in zip(frames, frames[1:], strict=False):
        if before.function_name == "stop_gradient":
            return "/jax/_src/" in frame.file_name.replace("\\", "/")
    return False


def _moved_operands(name: str, count: int) -> set[int]:
    """Which operands of an element move are data (the others are indices, sizes)."""
    return {"gather": {0}, "rev": {0}, "concatenate": set(range(count)),
            "dynamic_slice": {0}, "dynamic_update_slice": {0, 1}, "pad": {0, 1},
            "scatter": {0, 2}}.get(name, {0})


def _bind(eqn: Any, arrays: Sequence[Any], params: dict[str, Any] | None = None
          ) -> list[np.ndarray]:
    """Run the equation's primitive with JAX on ``arrays`` (float64 enabled by the caller)."""
    import jax.numpy as jnp

    args = [jnp.asarray(a) for a in arrays]
    out = eqn.primitive.bind(*args, **(params if params is not None else eqn.params))
    outs = out if eqn.primitive.multiple_results else [out]
    return [np.asarray(o) for o in outs]


def _checked(eqn: Any, aval: Any, out: Value) -> Value:
    shape = tuple(aval.shape)
    if out.shape != shape:
        raise Unmapped(eqn.primitive.name, f"traced shape {out.shape} differs from JAX's "
                                           f"{shape}")
    dtype = np.dtype(aval.dtype)
    if out.dtype != dtype:
        out = dataclasses.replace(out, dtype=dtype)
    return out
