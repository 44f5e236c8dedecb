"""Throughput cases for the ops that need a form of their own: conditionals (comparisons
and masks inside ``where``, rounding and its jumps times a smooth factor), scans, shape
ops (keywords such as ``pad_width`` or ``shift`` are required, some ops need matrices or a
last axis of 3), and the integer-indexing ops (``index``, ``take_along_axis``,
``one_hot``, with ``int64`` inputs).

Each row of ``FORMS`` gives the op's templates (``{x}``, ``{y}``: differentiated inputs
of one shape; ``{rank}`` and ``{shape}``: that shape's rank and sizes; ``k``: an int64
input from ``ints``), the shapes it is checked at and its domain. Per template and
shape: ``sum(sin(...))`` at two points; per op: a Jacobian, a vector-Jacobian product, an
``order: 2`` case and a float32 case of the first template. Values are drawn inside the
domain, so no point sits on a comparison's tie or a rounding's jump.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.throughput_suite import DEFAULT, Domain, Shape, _case, _values, op_cases
from gradcheck_lab.expr.ops import OpSpec

Ints = Callable[[np.random.Generator, Shape], Any]  # an int64 input's values for x's shape
ANY: tuple[Shape, ...] = ((3,), (4, 3), (2, 3, 4))
MATRICES: tuple[Shape, ...] = ((4, 3), (3, 3), (2, 3, 4))


@dataclass(frozen=True)
class Form:
    templates: tuple[str, ...]
    shapes: tuple[Shape, ...] = ANY
    jacobian: Shape = (2, 2)
    vjp: Shape = (3, 4)
    domain: Domain = DEFAULT
    ints: Ints | None = None
    order2: bool = True  # False where the op has no second derivative to check (jumps)


def _rows(rng: np.random.Generator, shape: Shape) -> Any:
    """Indices along the first axis (every shape here has at least 2 there)."""
    return rng.integers(0, 2, size=4).tolist()


def _along_last(rng: np.random.Generator, shape: Shape) -> Any:
    return rng.integers(0, shape[-1], size=shape).tolist()


def _labels(rng: np.random.Generator, shape: Shape) -> Any:
    return rng.integers(0, shape[-1], size=shape[:-1]).tolist()


COMPARE = "where({op}({{x}}, {{y}}), sin({{x}}) * {{y}}, {{x}} - {{y}} ** 2)"
LOGICAL = "where({op}({{x}} > 0, {{y}} > 0), {{x}} * {{y}}, {{x}} + {{y}})"
ROUNDING = "{{x}} * {op}(3 * {{x}})"
TEST = "where({op}({{x}}), {{x}} ** 2, {{x}})"

FORMS: dict[str, Form] = {
    **{op: Form((COMPARE.format(op=op),)) for op in (
        "less", "less_equal", "greater", "greater_equal", "equal", "not_equal")},
    **{op: Form((LOGICAL.format(op=op),)) for op in ("logical_and", "logical_or",
                                                     "logical_xor")},
    **{op: Form((ROUNDING.format(op=op),), order2=False) for op in (
        "floor", "ceil", "trunc", "round")},
    **{op: Form((TEST.format(op=op),)) for op in ("isfinite", "isnan", "isinf")},
    "logical_not": Form(("where(logical_not({x} > 0), {x} ** 2, {x})",)),
    "where": Form(("where({x} > {y}, {x} * {y}, {y} - {x})",)),
    "clip": Form(("clip({x}, -0.5, 0.5)", "clip({x}, {y})")),
    "mod": Form(("mod({x}, 0.7) * {y}",), order2=False),
    "floor_divide": Form(("{x} * floor_divide({x}, 0.5)",), order2=False),
    "heaviside": Form(("{x} * heaviside({x}, 0.5)",)),
    "astype": Form(("{x} * astype(3 * {x}, dtype='int64')", "astype({x}, dtype='float64')"),
                   order2=False),
    "topk": Form(("topk({x}, k=2)",)),
    "argsort": Form(("{x} * argsort({x})",)),
    "cumprod": Form(("cumprod({x})",), domain=Domain(0.5, 1.5)),
    "concatenate": Form(("concatenate([{x}, {y}])", "concatenate([{x}, 2 * {y}], axis=-1)")),
    "pad": Form(("pad({x}, pad_width=1)", "pad({x}, pad_width=1, mode='edge')",
                 "pad({x}, pad_width=1, mode='reflect')")),
    "roll": Form(("roll({x}, shift=1)", "roll({x}, shift=-2, axis=0)")),
    "tile": Form(("tile({x}, reps=2)",)),
    "repeat": Form(("repeat({x}, repeats=2)", "repeat({x}, repeats=2, axis=0)")),
    "tril": Form(("tril({x})", "tril({x}, k=-1)"), shapes=MATRICES),
    "triu": Form(("triu({x})", "triu({x}, k=1)"), shapes=MATRICES),
    "diagonal": Form(("diagonal({x})", "diagonal({x}, offset=1)"), shapes=MATRICES),
    "diag": Form(("diag({x})",), shapes=((3,), (4, 3), (3, 3))),
    "expand_dims": Form(("expand_dims({x}, axis=0)",)),
    "broadcast_to": Form(("broadcast_to({x}, shape=(2, {shape}))",)),
    "moveaxis": Form(("moveaxis({x}, source=0, destination=-1)",)),
    "swapaxes": Form(("swapaxes({x}, axis1=0, axis2=-1)",)),
    "einsum": Form(("einsum('...i,...i->...', {x}, {y})", "einsum('ij,kj->ik', {x}, {y})"),
                   shapes=((4, 3), (3, 3), (2, 5))),
    "tensordot": Form(("tensordot({x}, {y}, axes={rank})",)),
    "kron": Form(("kron({x}, {y})",)),
    "cross": Form(("cross({x}, {y})",), shapes=((3,), (4, 3), (2, 2, 3)), jacobian=(3,),
                  vjp=(4, 3)),
    "index": Form(("{x}[k]", "{x}[k] * {x}[k]"), ints=_rows),
    "take_along_axis": Form(("take_along_axis({x}, k, axis=-1)",), ints=_along_last),
    "one_hot": Form(("{x} * one_hot(k, num_classes={last})",), ints=_labels),
}


def _names(template: str) -> list[str]:
    return [n for n in ("x", "y") if f"{{{n}}}" in template]


def _call(template: str, shape: Shape) -> str:
    return template.format(x="x", y="y", rank=len(shape), last=shape[-1] if shape else 1,
                           shape=", ".join(map(str, shape)))


def _inputs(rng: np.random.Generator, form: Form, template: str, shape: Shape
            ) -> dict[str, Any]:
    inputs: dict[str, Any] = {n: _values(rng, shape, form.domain) for n in _names(template)}
    if form.ints is not None:
        inputs["k"] = {"value": form.ints(rng, shape), "dtype": "int64"}
    return inputs


def form_cases(rng: np.random.Generator, name: str, form: Form) -> Iterator[dict[str, Any]]:
    for t, template in enumerate(form.templates):
        for shape in form.shapes:
            inputs = _inputs(rng, form, template, shape)
            point = {n: _values(rng, shape, form.domain) for n in _names(template)}
            yield _case(f"{name}{t}_{'x'.join(map(str, shape))}",
                        f"sum(sin({_call(template, shape)}))", inputs, points=[point])
    first = form.templates[0]
    yield _case(f"{name}_jacobian", _call(first, form.jacobian),
                _inputs(rng, form, first, form.jacobian))
    yield _case(f"{name}_vjp", _call(first, form.vjp), _inputs(rng, form, first, form.vjp),
                cotangent="random")
    if form.order2:
        yield _case(f"{name}_order2", f"sum(sin({_call(first, form.shapes[0])}))",
                    _inputs(rng, form, first, form.shapes[0]), order=2)
    yield _case(f"{name}_float32", f"mean(sin({_call(first, form.shapes[0])}))",
                _inputs(rng, form, first, form.shapes[0]), dtype="float32")


def cases_for(rng: np.random.Generator, spec: OpSpec) -> Iterator[dict[str, Any]]:
    """The cases of one op row: its form here, or its category's generator."""
    form = FORMS.get(spec.name)
    return form_cases(rng, spec.name, form) if form is not None else op_cases(rng, spec)
