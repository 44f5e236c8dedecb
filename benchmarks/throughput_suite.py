"""The throughput suite: about 1,100 small cases generated from the op rows.

Every row of ``gradcheck_lab.expr.ops`` (``OPS``) enters the suite through its category:
elementwise functions and operators over shapes from a scalar to 10x10 (broadcasting
pairs for two arguments), reductions over each axis choice and keyword, linear algebra
over its shape combinations (``det``/``inv`` from 1x1 to 4x4), as a scalar loss, a full
Jacobian and a vector-Jacobian product, in float64 and float32, with an ``order: 2``
subset; then composite models (MLP layers, cross-entropies, a multivariate normal pdf
with a 2x2 to 4x4 covariance, least squares, layer norm, attention). A new op enters the
suite by its row: an elementwise or reduction row needs nothing here (keywords of kind
``choice`` and ``ord`` are enumerated from the row); an op that needs a domain (positive
inputs, |x| < 1) or a syntax of its own gets an entry in ``DOMAINS`` or ``TEMPLATES``.
``missing_ops`` lists ops the suite does not reach.

Values are drawn from a seeded generator inside each op's domain, so no point sits at
a kink (ties and exact zeros have probability 0) and every case passes when the
methods are right.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck_lab.expr.ops import OpSpec

Shape = tuple[int, ...]
SEED = 20261124


@dataclass(frozen=True)
class Domain:
    """Where an op's arguments are drawn from (uniform in [low, high]); ``far``: also
    a variant at a large offset (checks a relative step)."""

    low: float = -2.0
    high: float = 2.0
    far: bool = True


DEFAULT = Domain()
# per-op domains: ops whose arguments must stay inside an interval
DOMAINS: dict[str, Domain] = {
    "sqrt": Domain(0.2, 3.0), "log": Domain(0.2, 3.0), "log1p": Domain(-0.7, 3.0),
    "arcsin": Domain(-0.9, 0.9, far=False), "arccos": Domain(-0.9, 0.9, far=False),
    "tan": Domain(-1.2, 1.2, far=False), "exp": Domain(-3.0, 3.0, far=False),
    "expm1": Domain(-3.0, 3.0, far=False), "sinh": Domain(-3.0, 3.0, far=False),
    "cosh": Domain(-3.0, 3.0, far=False), "div": Domain(0.3, 2.0), "pow": Domain(0.3, 2.0),
    "prod": Domain(0.5, 1.5), "inv": Domain(-0.3, 0.3), "det": Domain(-0.3, 0.3),
}
# syntax for rows that are not called by name (operators come from OpSpec.syntax)
TEMPLATES: dict[str, tuple[str, ...]] = {
    "getitem": ("{x}[1]", "{x}[0:2]", "{x}[-1]", "{x}[::2]"),
    "T": ("{x}.T",),
    "stack": ("[{x}, {y}]", "[{x}, 2 * {y}, {x} * {y}]"),
    "reshape": ("reshape({x}, (-1,))", "reshape({x}, (1, -1))"),
    "transpose": ("transpose({x})",),
}
ELEMENT_SHAPES: tuple[Shape, ...] = ((), (3,), (2, 3), (10,), (3, 3), (4, 4), (2, 3, 4),
                                     (10, 10))
PAIR_SHAPES: tuple[tuple[Shape, Shape], ...] = (
    ((), ()), ((3,), (3,)), ((2, 3), (3,)), ((), (4, 4)), ((4, 1), (1, 4)), ((10,), (10,)),
    ((3, 3), (3, 3)), ((2, 3, 4), (4,)), ((3, 1), (3,)), ((10, 10), (10, 10)))
REDUCE_SHAPES: tuple[Shape, ...] = ((5,), (3, 4), (4, 4), (10, 10), (2, 3, 4))


def _values(rng: np.random.Generator, shape: Shape, domain: Domain, offset: float = 0.0
            ) -> Any:
    value = rng.uniform(domain.low, domain.high, size=shape) + offset
    return value.tolist() if shape else float(value)


def _case(name: str, expr: str, inputs: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"name": name, "expr": expr, "inputs": inputs, **fields}


def _with_points(rng: np.random.Generator, case: dict[str, Any], domain: Domain,
                 shapes: dict[str, Shape]) -> dict[str, Any]:
    """One more point besides the base values, drawn from the same domain."""
    point = {n: _values(rng, s, domain) for n, s in shapes.items()
             if not isinstance(case["inputs"][n], dict)}
    return {**case, "points": [point]} if point else case


def _keyword_variants(spec: OpSpec) -> list[str]:
    """Keyword suffixes enumerated from the row: every choice and ord value."""
    out = [""]
    for key, param in spec.keywords.items():
        if param.kind == "choice":
            out += [f", {key}={c!r}" for c in param.choices if c != param.default]
        if param.kind == "ord":
            out += [f", {key}={o}" for o in ("1", "inf")]
    return out


def _unary(rng: np.random.Generator, spec: OpSpec) -> Iterator[dict[str, Any]]:
    domain = DOMAINS.get(spec.name, DEFAULT)
    for kw in _keyword_variants(spec):
        tag = spec.name + kw.replace(", ", "_").replace("=", "").replace("'", "")
        call = f"{spec.name}(x{kw})" if spec.callable_by_user else (
            (spec.syntax or "-a").replace("a", "x"))
        for shape in ELEMENT_SHAPES:
            case = _case(f"{tag}_sum_{'x'.join(map(str, shape)) or 's'}", f"sum({call})",
                         {"x": _values(rng, shape, domain)})
            yield _with_points(rng, case, domain, {"x": shape})
        yield _with_points(rng, _case(f"{tag}_jacobian", call, {"x": _values(rng, (3,), domain)}),
                           domain, {"x": (3,)})
        yield _case(f"{tag}_vjp", call, {"x": _values(rng, (2, 3), domain)}, cotangent="random")
        yield _with_points(rng, _case(f"{tag}_order2", f"sum({call})",
                                      {"x": _values(rng, (3,), domain)}, order=2),
                           domain, {"x": (3,)})
        for shape in ((4,), (3, 3)):
            yield _case(f"{tag}_float32_{'x'.join(map(str, shape))}", f"mean({call})",
                        {"x": _values(rng, shape, domain)}, dtype="float32")
        yield _case(f"{tag}_squared", f"sum({call} ** 2)", {"x": _values(rng, (4,), domain)})
        yield _case(f"{tag}_weighted", f"sum(w * {call})",
                    {"x": _values(rng, (5,), domain), "w": {"value": _values(
                        rng, (5,), DEFAULT), "wrt": False}})
        if domain.far:
            yield _case(f"{tag}_offset", f"mean({call})", {"x": _values(rng, (3,), domain, 0.0)},
                        points=[{"x": _values(rng, (3,), Domain(1.0, 1.5))}])


def _binary(rng: np.random.Generator, spec: OpSpec) -> Iterator[dict[str, Any]]:
    domain = DOMAINS.get(spec.name, DEFAULT)
    call = (spec.syntax.replace("a", "{x}").replace("b", "{y}") if spec.syntax
            else f"{spec.name}({{x}}, {{y}})").format(x="x", y="y")
    for sx, sy in PAIR_SHAPES:
        tag = f"{spec.name}_{'x'.join(map(str, sx)) or 's'}_{'x'.join(map(str, sy)) or 's'}"
        shapes = {"x": sx, "y": sy}
        case = _case(tag, f"sum({call})", {n: _values(rng, s, domain) for n, s in shapes.items()})
        yield _with_points(rng, case, domain, shapes)
    yield _case(f"{spec.name}_const_y", f"sum({call})",
                {"x": _values(rng, (6,), domain),
                 "y": {"value": _values(rng, (6,), domain), "wrt": False}})
    yield _case(f"{spec.name}_jacobian", call,
                {"x": _values(rng, (3,), domain), "y": _values(rng, (3,), domain)})
    yield _case(f"{spec.name}_vjp", call, {"x": _values(rng, (2, 3), domain),
                                           "y": _values(rng, (3,), domain)}, cotangent="random")
    pair = {"x": _values(rng, (2,), domain), "y": _values(rng, (2,), domain)}
    yield _with_points(rng, _case(f"{spec.name}_order2", f"sum({call})", pair, order=2),
                       domain, {"x": (2,), "y": (2,)})
    yield _case(f"{spec.name}_float32", f"mean({call})",
                {"x": _values(rng, (4,), domain), "y": _values(rng, (4,), domain)},
                dtype="float32")


def _reduction(rng: np.random.Generator, spec: OpSpec) -> Iterator[dict[str, Any]]:
    domain = DOMAINS.get(spec.name, DEFAULT)
    has_axis = "axis" in spec.keywords
    for kw in _keyword_variants(spec):
        tag = spec.name + kw.replace(", ", "_").replace("=", "")
        for shape in REDUCE_SHAPES:
            axes: list[str] = ["None"]
            if has_axis:
                axes += ["0", "-1"] + (["(0, 2)"] if len(shape) == 3 else [])
            for axis in axes:
                call = f"{spec.name}(x{kw}" + ("" if axis == "None" else f", axis={axis}") + ")"
                out = "sum(" + call + " ** 2)" if axis != "None" else call
                label = f"{tag}_{'x'.join(map(str, shape))}_ax{axis.strip('()').replace(', ', '')}"
                yield _with_points(rng, _case(label, out, {"x": _values(rng, shape, domain)}),
                                   domain, {"x": shape})
        if has_axis and "keepdims" in spec.keywords:
            yield _case(f"{tag}_keepdims_jac", f"{spec.name}(x{kw}, axis=1, keepdims=True)",
                        {"x": _values(rng, (2, 3), domain)})
            yield _case(f"{tag}_vjp", f"{spec.name}(x{kw}, axis=0)",
                        {"x": _values(rng, (4, 3), domain)}, cotangent="random")
        yield _with_points(rng, _case(f"{tag}_order2", f"{spec.name}(x{kw})",
                                      {"x": _values(rng, (4,), domain)}, order=2),
                           domain, {"x": (4,)})
        yield _case(f"{tag}_float32", f"{spec.name}(x{kw})", {"x": _values(rng, (6,), domain)},
                    dtype="float32")


def _square(rng: np.random.Generator, n: int, domain: Domain) -> list[list[float]]:
    """A well-conditioned n x n matrix: 2 I plus small entries."""
    return (2.0 * np.eye(n) + rng.uniform(domain.low, domain.high, size=(n, n))).tolist()


def _linalg(rng: np.random.Generator, spec: OpSpec) -> Iterator[dict[str, Any]]:
    """Shape combinations per linear-algebra row (``det``/``inv``: 1x1 to 4x4)."""
    domain = DOMAINS.get(spec.name, DEFAULT)
    name = spec.name
    if name in ("det", "inv"):
        wrap = "{}" if name == "det" else "sum({} ** 2)"
        for n in (1, 2, 3, 4):
            for k in range(3):
                a = _square(rng, n, domain)
                yield _case(f"{name}_{n}x{n}_{k}", wrap.format(f"{name}(A)"), {"A": a},
                            points=[{"A": _square(rng, n, domain)}])
            yield _case(f"{name}_{n}x{n}_float32", wrap.format(f"{name}(A)"),
                        {"A": _square(rng, n, domain)}, dtype="float32")
        for n in (2, 3):
            yield _case(f"{name}_{n}x{n}_order2", wrap.format(f"{name}(A)"),
                        {"A": _square(rng, n, domain)}, order=2)
        yield _case(f"{name}_jacobian", f"{name}(A)", {"A": _square(rng, 2, domain)})
        yield _case(f"{name}_solve", f"sum({name}(A) @ b)" if name == "inv" else
                    f"log(abs({name}(A)))", {"A": _square(rng, 3, domain),
                                             "b": _values(rng, (3,), DEFAULT)})
        return
    if name in ("dot", "matmul"):
        op = "{x} @ {y}" if name == "matmul" else "dot({x}, {y})"
        for sx, sy in (((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((3, 4), (4, 2)),
                       ((10, 10), (10,)), ((4, 4), (4, 4)), ((10, 10), (10, 10))):
            tag = f"{name}_{'x'.join(map(str, sx))}_{'x'.join(map(str, sy))}"
            shapes = {"x": sx, "y": sy}
            call = op.format(x="x", y="y")
            out = call if len(sx) + len(sy) == 2 else f"sum(({call}) ** 2)"
            yield _with_points(rng, _case(tag, out, {n: _values(rng, s, domain)
                                                     for n, s in shapes.items()}),
                               domain, shapes)
        yield _case(f"{name}_jacobian", op.format(x="x", y="y"),
                    {"x": _values(rng, (2, 3), domain), "y": _values(rng, (3,), domain)})
        yield _case(f"{name}_vjp", op.format(x="x", y="y"),
                    {"x": _values(rng, (3, 4), domain), "y": _values(rng, (4, 2), domain)},
                    cotangent="random")
        yield _case(f"{name}_order2", f"sum(({op.format(x='x', y='y')}) ** 2)",
                    {"x": _values(rng, (2, 2), domain), "y": _values(rng, (2,), domain)},
                    order=2)
        yield _case(f"{name}_float32", f"mean({op.format(x='x', y='y')})",
                    {"x": _values(rng, (3, 3), domain), "y": _values(rng, (3,), domain)},
                    dtype="float32")
        return
    if name == "outer":
        for sx, sy in (((3,), (3,)), ((2,), (4,)), ((2, 2), (3,)), ((10,), (10,))):
            shapes = {"x": sx, "y": sy}
            yield _with_points(rng, _case(
                f"outer_{'x'.join(map(str, sx))}_{'x'.join(map(str, sy))}",
                "sum(outer(x, y) ** 2)", {n: _values(rng, s, domain) for n, s in shapes.items()}),
                domain, shapes)
        yield _case("outer_jacobian", "outer(x, y)",
                    {"x": _values(rng, (2,), domain), "y": _values(rng, (2,), domain)})
        return
    if name == "trace":
        for shape in ((2, 2), (3, 3), (4, 4), (2, 3), (10, 10)):
            yield _with_points(rng, _case(f"trace_{'x'.join(map(str, shape))}",
                                          "trace(x @ x.T)" if shape[0] != shape[1]
                                          else "trace(x) ** 2", {"x": _values(rng, shape, domain)}),
                               domain, {"x": shape})
        return
    yield from _structure(rng, spec)


def _structure(rng: np.random.Generator, spec: OpSpec) -> Iterator[dict[str, Any]]:
    """Rows with a syntax of their own (``TEMPLATES``), or ``name(x)`` by default."""
    domain = DOMAINS.get(spec.name, DEFAULT)
    templates = TEMPLATES.get(spec.name, (f"{spec.name}({{x}})",))
    for t, template in enumerate(templates):
        for shape in ((3,), (4, 3), (2, 3, 4)):
            if spec.name == "getitem" and "::" in template and len(shape) > 1:
                continue
            call = template.format(x="x", y="y")
            inputs = {"x": _values(rng, shape, domain)}
            if "{y}" in template:
                inputs["y"] = _values(rng, shape, domain)
            label = f"{spec.name}{t}_{'x'.join(map(str, shape))}"
            yield _case(label, f"sum(sin({call}))", inputs,
                        points=[{n: _values(rng, np.shape(v), domain) for n, v in inputs.items()}])
            if shape == (4, 3):
                yield _case(label + "_jacobian", call, {n: _values(rng, (2, 2), domain)
                                                        for n in inputs})
        yield _case(f"{spec.name}{t}_vjp", template.format(x="x", y="y"),
                    {n: _values(rng, (3, 4), domain) for n in ("x", "y")
                     if f"{{{n}}}" in template}, cotangent="random")


def _softmax(rng: np.random.Generator, spec: OpSpec) -> Iterator[dict[str, Any]]:
    for shape, axes in (((4,), ("None",)), ((3, 4), ("None", "0", "1")), ((10, 10), ("1",))):
        for axis in axes:
            kw = "" if axis == "None" else f", axis={axis}"
            yield _case(f"{spec.name}_{'x'.join(map(str, shape))}_ax{axis}",
                        f"-sum(t * log({spec.name}(z{kw})))",
                        {"z": _values(rng, shape, DEFAULT),
                         "t": {"value": _values(rng, shape, Domain(0.0, 1.0)), "wrt": False}},
                        points=[{"z": _values(rng, shape, DEFAULT)}])
    yield _case(f"{spec.name}_jacobian", f"{spec.name}(z)", {"z": _values(rng, (4,), DEFAULT)})
    yield _case(f"{spec.name}_vjp", f"{spec.name}(z, axis=1)",
                {"z": _values(rng, (3, 4), DEFAULT)}, cotangent="random")
    yield _case(f"{spec.name}_order2", f"sum(w * {spec.name}(z))",
                {"z": _values(rng, (3,), DEFAULT),
                 "w": {"value": _values(rng, (3,), DEFAULT), "wrt": False}}, order=2)
    yield _case(f"{spec.name}_float32", f"sum(w * {spec.name}(z))",
                {"z": _values(rng, (5,), DEFAULT),
                 "w": {"value": _values(rng, (5,), DEFAULT), "wrt": False}}, dtype="float32")


def op_cases(rng: np.random.Generator, spec: OpSpec) -> Iterator[dict[str, Any]]:
    """The cases of one op row, by its category and arity."""
    if spec.category in ("elementwise", "operator") and spec.max_args == 1:
        return _unary(rng, spec)
    if spec.category in ("elementwise", "operator") and spec.max_args == 2:
        return _binary(rng, spec)
    if spec.category == "reduction":
        return _reduction(rng, spec)
    if spec.name == "softmax" or (spec.category == "other" and "axis" in spec.keywords
                                  and spec.name not in TEMPLATES):
        return _softmax(rng, spec)
    return _linalg(rng, spec)
