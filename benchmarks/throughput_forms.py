"""Throughput cases for the ops that need a form of their own: conditionals (comparisons
and masks inside ``where``, rounding and its jumps times a smooth factor), scans, shape
ops (keywords such as ``pad_width`` or ``shift`` are required, some ops need matrices or a
last axis of 3), the integer-indexing ops (``index``, ``take_along_axis``,
``one_hot``, with ``int64`` inputs), linear algebra (square or tall matrices, far from
singular where the op has an edge there) and the neural-network ops (a conv's weight
``w``, int64 class labels ``k``).

Each row of ``FORMS`` gives the op's templates (``{x}``, ``{y}``: differentiated inputs
of one shape; ``{rank}`` and ``{shape}``: that shape's rank and sizes; ``k``: an int64
input from ``ints``), the shapes it is checked at and its domain. Per template and
shape: ``sum(sin(...))`` at two points; per op: a Jacobian, a vector-Jacobian product, an
``order: 2`` case and a float32 case of the first template. Values are drawn inside the
domain, so no point sits on a comparison's tie or a rounding's jump.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.throughput_suite import DEFAULT, Domain, Shape, _case, _values, op_cases
from gradcheck_lab.expr.ops import OpSpec

Ints = Callable[[np.random.Generator, Shape], Any]  # an int64 input's values for x's shape
ANY: tuple[Shape, ...] = ((3,), (4, 3), (2, 3, 4))
MATRICES: tuple[Shape, ...] = ((4, 3), (3, 3), (2, 3, 4))


SQUARE: tuple[Shape, ...] = ((3, 3), (2, 2), (2, 3, 3))
TALL: tuple[Shape, ...] = ((4, 3), (3, 3), (2, 4, 3))
SIGNALS: tuple[Shape, ...] = ((1, 2, 6), (2, 1, 5), (1, 3, 4))  # (N, C, L)
IMAGES: tuple[Shape, ...] = ((1, 1, 4, 4), (1, 2, 4, 6), (2, 1, 5, 5))  # (N, C, H, W)
LOGITS: tuple[Shape, ...] = ((4, 3), (2, 5), (3, 3))  # (N, classes)
Values = Callable[[np.random.Generator, Shape], Any]  # x's (and y's) values for a shape
Extra = Callable[[np.random.Generator, Shape], dict[str, Any]]  # more inputs, by x's shape


@dataclass(frozen=True)
class Form:
    templates: tuple[str, ...]
    shapes: tuple[Shape, ...] = ANY
    jacobian: Shape = (2, 2)
    vjp: Shape = (3, 4)
    domain: Domain = DEFAULT
    ints: Ints | None = None
    order2: bool = True  # False where the op has no second derivative to check (jumps)
    values: Values | None = None  # instead of uniform in the domain (matrices far from singular)
    extra: Extra | None = None  # differentiated inputs of other shapes (a conv's weight w)


def _well_conditioned(rng: np.random.Generator, shape: Shape) -> Any:
    """2 on the diagonal, off-diagonal entries in [-0.5, 0.5]: for the shapes here
    (at most 4 rows) diagonally dominant, so full rank with a positive definite
    symmetric part (cholesky, slogdet and solve stay away from their edges)."""
    return (rng.uniform(-0.5, 0.5, size=shape) + 2.0 * np.eye(shape[-2], shape[-1])).tolist()


def _conv_weight(dims: int) -> Extra:
    def weight(rng: np.random.Generator, shape: Shape) -> dict[str, Any]:
        return {"w": rng.uniform(-1.0, 1.0, size=(2, shape[1], *([2] * dims))).tolist()}
    return weight


def _scale(rng: np.random.Generator, shape: Shape) -> dict[str, Any]:
    return {"w": rng.uniform(0.5, 1.5, size=shape[-1:]).tolist()}


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
    "polygamma": Form(("polygamma(1, {x})", "polygamma(0, {x})"), domain=Domain(0.5, 3.0)),
    "matrix_power": Form(("matrix_power({x}, 2)", "matrix_power({x}, -1)"), shapes=SQUARE,
                         vjp=(3, 3), values=_well_conditioned),
    "expm": Form(("expm({x})",), shapes=SQUARE, vjp=(3, 3), domain=Domain(-1.0, 1.0)),
    "solve": Form(("solve({x}, {y})",), shapes=SQUARE, vjp=(3, 3), values=_well_conditioned),
    "cholesky": Form(("cholesky({x})", "cholesky({x} @ swapaxes({x}, axis1=-1, axis2=-2))"),
                     shapes=SQUARE, vjp=(3, 3), values=_well_conditioned),
    "slogdet": Form(("slogdet({x})[1]",), shapes=SQUARE, vjp=(3, 3), values=_well_conditioned),
    "eigh": Form(("eigh({x})[0]",), shapes=SQUARE, vjp=(3, 3)),
    "eigvalsh": Form(("eigvalsh({x})",), shapes=SQUARE, vjp=(3, 3)),
    "svd": Form(("svd({x})[1]",), shapes=TALL, vjp=(4, 3)),
    "svdvals": Form(("svdvals({x})",), shapes=TALL, vjp=(4, 3)),
    "qr": Form(("qr({x})[0]", "qr({x})[1]"), shapes=TALL, vjp=(4, 3), values=_well_conditioned),
    "pinv": Form(("pinv({x})",), shapes=TALL, vjp=(4, 3), values=_well_conditioned),
    "conv1d": Form(("conv1d({x}, w)", "conv1d({x}, w, stride=2, padding=1)"), shapes=SIGNALS,
                   jacobian=(1, 1, 4), vjp=(2, 2, 6), extra=_conv_weight(1)),
    "conv2d": Form(("conv2d({x}, w)", "conv2d({x}, w, stride=2, padding=1)"), shapes=IMAGES,
                   jacobian=(1, 1, 3, 3), vjp=(1, 2, 4, 4), extra=_conv_weight(2)),
    "avg_pool2d": Form(("avg_pool2d({x}, 2)", "avg_pool2d({x}, kernel_size=2, stride=1)"),
                       shapes=IMAGES, jacobian=(1, 1, 2, 2), vjp=(1, 2, 4, 4)),
    "max_pool2d": Form(("max_pool2d({x}, 2)",
                        "max_pool2d({x}, kernel_size=2, stride=1, padding=1)"),
                       shapes=IMAGES, jacobian=(1, 1, 2, 2), vjp=(1, 2, 4, 4)),
    "layer_norm": Form(("layer_norm({x}, ({last},))", "layer_norm({x}, ({last},), w)"),
                       shapes=((4, 3), (2, 5), (2, 3, 4)), jacobian=(2, 3), extra=_scale),
    "cross_entropy": Form(("cross_entropy({x}, k)", "cross_entropy({x}, k, label_smoothing=0.1)"),
                          shapes=LOGITS, ints=_labels),
    "nll_loss": Form(("nll_loss(log_softmax({x}), k)", "nll_loss({x}, k, reduction='sum')"),
                     shapes=LOGITS, ints=_labels),
}


def _names(template: str) -> list[str]:
    return [n for n in ("x", "y") if f"{{{n}}}" in template]


def _call(template: str, shape: Shape) -> str:
    return template.format(x="x", y="y", rank=len(shape), last=shape[-1] if shape else 1,
                           shape=", ".join(map(str, shape)))


def _draw(rng: np.random.Generator, form: Form, shape: Shape) -> Any:
    return form.values(rng, shape) if form.values is not None else _values(rng, shape,
                                                                             form.domain)


def _inputs(rng: np.random.Generator, form: Form, template: str, shape: Shape
            ) -> dict[str, Any]:
    inputs: dict[str, Any] = {n: _draw(rng, form, shape) for n in _names(template)}
    if form.extra is not None:  # only those the template uses (an unused input is refused)
        inputs.update({n: v for n, v in form.extra(rng, shape).items()
                       if re.search(rf"\b{n}\b", template)})
    if form.ints is not None:
        inputs["k"] = {"value": form.ints(rng, shape), "dtype": "int64"}
    return inputs


def form_cases(rng: np.random.Generator, name: str, form: Form) -> Iterator[dict[str, Any]]:
    for t, template in enumerate(form.templates):
        for shape in form.shapes:
            inputs = _inputs(rng, form, template, shape)
            point = {n: _draw(rng, form, shape) for n in _names(template)}
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
