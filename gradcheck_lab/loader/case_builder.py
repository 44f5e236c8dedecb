"""One raw case mapping -> a frozen :class:`Case`: fields, inputs, points, expect, cotangent.

Every error is a CaseError naming the field (``Scope.at`` adds the file and line). The
expression is evaluated with NumPy at every point (``loader.shapes``), so a shape error, an
axis out of range or a value outside the domain makes the file invalid before anything runs.
"""

from __future__ import annotations

import dataclasses
import math
import zlib
from typing import Any

import numpy as np

from gradcheck_lab.case import Case, Expect, InputSpec, Point
from gradcheck_lab.errors import CaseError
from gradcheck_lab.expr.evaluate import EvaluationError
from gradcheck_lab.expr.graph import Expression
from gradcheck_lab.expr.ops import RESERVED_NAMES
from gradcheck_lab.limits import Limits
from gradcheck_lab.loader import parts
from gradcheck_lab.loader import values as v
from gradcheck_lab.loader.inputs import input_spec, point_value
from gradcheck_lab.loader.scope import Scope
from gradcheck_lab.loader.shapes import evaluate_checked
from gradcheck_lab.loader.yaml_nodes import line_of
from gradcheck_lab.names import NAME_RE
from gradcheck_lab.precision import DTYPES

CASE_FIELDS = ("name", "description", "source", "inputs", "expr", "points", "cotangent",
               "order", "dtype", "device", "methods", "tolerance", "expect", "claims",
               "implementations", "kinks", "reference", "let", "allow_nonfinite")


class CaseBuilder(Scope):
    def __init__(self, raw: Any, file: str, base_dir: str, limits: Limits, prefix: str):
        if not isinstance(raw, dict):
            raise CaseError("a case must be a mapping with name, inputs and expr",
                            file=file, field=prefix.rstrip(".") or None)
        super().__init__(raw, file, base_dir, limits, prefix)

    def build(self) -> Case:
        raw = self.raw
        v.unknown_keys(raw, CASE_FIELDS, self.prefix.rstrip("."))
        for required in ("name", "inputs"):
            if required not in raw:
                raise CaseError(f"missing required field '{required}'", file=self.file,
                                line=getattr(raw, "line", None), field=self.prefix + required,
                                accepted=", ".join(CASE_FIELDS))
        code = self.code(raw)
        if "expr" not in raw and not code:
            raise CaseError("missing required field 'expr'", file=self.file,
                            line=getattr(raw, "line", None), field=self.prefix + "expr",
                            accepted="expr, or code to trace the function from: a reference "
                                     "or an implementation with framework torch or jax")
        with self.at("name"):
            name = v.text(raw["name"], "name")
            if not NAME_RE.match(name):
                raise CaseError(f"invalid case name {v.short(name)}", accepted="[A-Za-z0-9_.-]+")
        self.finite = True
        if "allow_nonfinite" in raw:
            with self.at("allow_nonfinite"):
                self.finite = not v.choice(raw["allow_nonfinite"], "allow_nonfinite",
                                           (True, False))
        with self.at("inputs"):
            inputs = self.inputs(raw["inputs"])
        names = [i.name for i in inputs]
        if "expr" in raw:
            with self.at("expr"):
                v.text(raw["expr"], "expr")
        with self.at("expect"):
            base_expect = self.expect(raw["expect"], "expect") if "expect" in raw else None
        points = [Point(0, {i.name: i.value for i in inputs}, base_expect, line_of(raw))]
        with self.at("points"):
            points += self.points(raw.get("points", []), inputs)
        with self.at("points" if len(points) > 1 else "inputs"):
            self.check_case_size(points)
        lets = {}
        if "let" in raw:
            with self.at("let"):
                lets = parts.lets(self, raw["let"], names, points)
        expr = None
        if "expr" in raw:
            with self.at("expr"):
                expr = self.expression(raw, "expr", names, lets)
        # a function given by code: its output shape is known once it is traced (runner)
        output_shape = self.check_shapes(expr, points) if expr is not None else ()
        kwargs: dict[str, Any] = {**code}
        for key in ("description", "source"):
            if key in raw:
                with self.at(key):
                    kwargs[key] = v.text(raw[key], key)
        if "cotangent" in raw:
            with self.at("cotangent"):
                kwargs["cotangent_kind"], kwargs["cotangent"] = self.cotangent(
                    raw["cotangent"], output_shape if expr is not None else None, name)
        elif expr is not None:
            with self.at("expr"):
                self.check_jacobian(inputs, output_shape)
        for key, options in (("order", (1, 2)), ("dtype", DTYPES), ("kinks", ("allow", "fail"))):
            if key in raw:
                with self.at(key):
                    kwargs[key] = v.choice(raw[key], key, options)
        if "device" in raw:
            with self.at("device"):
                kwargs["device"] = parts.device(raw["device"], "device")
        if "claims" in raw:
            with self.at("claims"):
                kwargs["claims"] = parts.claims(self, raw["claims"], names, {
                    **lets, **({"result": expr.root} if expr is not None else {})})
        case = Case(name=name, file=self.file, line=line_of(raw), inputs=inputs, expr=expr,
                    points=tuple(points), output_shape=output_shape,
                    symbolic_limit=self.limits.max_symbolic_elements,
                    symbolic_seconds=self.limits.max_symbolic_seconds,
                    symbolic_nodes=self.limits.max_symbolic_nodes,
                    allow_nonfinite=not self.finite, **kwargs)
        if "methods" in raw:
            with self.at("methods"):
                case = dataclasses.replace(case, methods=parts.methods(raw["methods"], case))
        if "tolerance" in raw:
            with self.at("tolerance"):
                case = dataclasses.replace(case, tolerance=parts.tolerance(
                    self, raw["tolerance"], case))
        if expr is not None:
            parts.check_against(self, case)  # shapes of expect and claims need the output's
        parts.check_representable(self, case)
        return case

    def code(self, raw: Any) -> dict[str, Any]:
        """``implementations`` and ``reference``, read first: without ``expr`` the function
        is traced from them (the reference, else the first torch/JAX implementation)."""
        out: dict[str, Any] = {}
        if "implementations" in raw:
            with self.at("implementations"):
                out["implementations"] = parts.implementations(self, raw["implementations"])
        if "reference" in raw:
            with self.at("reference"):
                out["reference"] = parts.reference(self, raw["reference"])
        if out.get("reference") or any(i.kind == "function"
                                       for i in out.get("implementations", ())):
            return out
        return out if "expr" in raw else {}
    def inputs(self, raw: Any) -> tuple[InputSpec, ...]:
        data = v.mapping(raw, "inputs")
        if not data:
            raise CaseError("a case needs at least one input", field="inputs")
        specs = []
        for name, spec in data.items():
            with self.at(name, data, f"inputs.{name}"):
                if not isinstance(name, str) or not name.isidentifier():
                    raise CaseError(f"input name {v.short(name)} is not an identifier",
                                    accepted="letters, digits and _, not starting with a digit")
                if name in RESERVED_NAMES or name.startswith("__"):
                    raise CaseError(f"input name '{name}' shadows a function or constant",
                                    accepted="any identifier outside the op list, pi, e, inf, "
                                             "expect")
                specs.append(self.input_spec(name, spec))
        return tuple(specs)

    def input_spec(self, name: str, spec: Any) -> InputSpec:
        return input_spec(self, name, spec, self.finite)

    def points(self, raw: Any, inputs: tuple[InputSpec, ...]) -> list[Point]:
        if not isinstance(raw, list):
            raise CaseError("points must be a list of mappings input name -> value")
        if len(raw) > self.limits.max_points:
            raise CaseError(f"{len(raw)} points, more than the limit of {self.limits.max_points}")
        by_name = {i.name: i for i in inputs}
        points = []
        for index, item in enumerate(raw, start=1):
            path = f"points[{index - 1}]"
            with self.at(index - 1, raw, path):
                data = v.mapping(item, path)
                v.unknown_keys(data, list(by_name) + ["expect"], path)
                values = {name: spec.value for name, spec in by_name.items()}
                expect = None
                for key, value in data.items():
                    with self.at(key, data, f"{path}.{key}"):
                        if key == "expect":
                            expect = self.expect(value, f"{path}.expect")
                            continue
                        values[key] = point_value(value, by_name[key], f"{path}.{key}",
                                                  self.limits, self.finite)
                points.append(Point(index, values, expect, getattr(item, "line", None)))
        return points

    def check_case_size(self, points: list[Point]) -> None:
        total = sum(int(a.size) for p in points for a in p.values.values())
        limit = self.limits.max_case_elements
        if total > limit:
            raise CaseError(f"the inputs have {total} elements over the case's {len(points)} "
                            f"point{'s' * (len(points) != 1)}, more than the limit of {limit} "
                            "(max_case_elements)", accepted="fewer points or smaller inputs")

    def check_jacobian(self, inputs: tuple[InputSpec, ...], output: tuple[int, ...]) -> None:
        if not output:
            return
        size = math.prod(output) * sum(int(i.value.size) for i in inputs if i.wrt)
        limit = self.limits.max_jacobian_elements
        if size > limit:
            raise CaseError(f"the full Jacobian (output shape {output} x the differentiated "
                            f"inputs) has {size} elements, more than the limit of {limit} "
                            "(max_jacobian_elements)",
                            accepted="cotangent: ones (or random) to check a vector-Jacobian "
                                     "product instead")

    def expect(self, raw: Any, field: str) -> Expect:
        data = v.mapping(raw, field)
        v.unknown_keys(data, ("value", "grad"), field)
        value = None
        if "value" in data:
            with self.at("value", data, f"{field}.value"):
                value = v.array(data["value"], f"{field}.value", self.limits.max_input_elements)
        grads: dict[str, np.ndarray] = {}
        if "grad" in data:
            with self.at("grad", data, f"{field}.grad"):
                for name, g in v.mapping(data["grad"], f"{field}.grad").items():
                    with self.at(name, data["grad"], f"{field}.grad.{name}"):
                        grads[str(name)] = v.array(g, f"{field}.grad.{name}",
                                                   self.limits.max_input_elements)
        return Expect(value, grads, getattr(raw, "line", None))

    def check_shapes(self, expr: Expression, points: list[Point]) -> tuple[int, ...]:
        """Evaluate at every point with numpy: shape errors surface here, before anything runs."""
        shape: tuple[int, ...] | None = None
        for point in points:
            line = point.line if point.index else getattr(self.raw, "lines", {}).get("expr")
            try:
                out = evaluate_checked(expr, point.values, self.limits.max_expression_elements)
            except EvaluationError as exc:
                where = f" at point {point.index}" if point.index else ""
                raise self.evaluation_error(
                    f"the expression cannot be evaluated{where}: {exc.message}", expr,
                    exc.node.pos, field="expr", line=line, data=self.raw, key="expr",
                    point=point.index) from None
            if shape is not None and tuple(np.shape(out)) != shape:
                raise CaseError(f"the output has shape {tuple(np.shape(out))} at point "
                                f"{point.index}, {shape} at point 0 (a boolean mask that "
                                "selects another number of elements?)",
                                field=self.prefix + "expr", line=line,
                                accepted="points where the output has one shape")
            shape = tuple(np.shape(out)) if shape is None else shape
            if self.finite and not np.all(np.isfinite(out)):
                raise CaseError(f"the expression is not finite at point {point.index} "
                                f"(value {_values(out)})", field=self.prefix + "expr",
                                line=line, accepted="points inside the function's domain")
        assert shape is not None
        return shape

    def cotangent(self, raw: Any, shape: tuple[int, ...] | None, name: str
                  ) -> tuple[str, np.ndarray | None]:
        """``shape`` None: the output's shape is known only once the code is traced, which
        then makes ``ones`` and ``random`` (an explicit one is checked by the methods)."""
        if raw in ("ones", "random") and shape is None:
            return raw, None
        if raw == "ones" and shape is not None:
            out = np.ones(shape)
        elif raw == "random" and shape is not None:
            # deterministic per case name, so reruns and shards agree
            out = np.random.default_rng(zlib.crc32(name.encode())).normal(size=shape)
        else:
            if isinstance(raw, str):
                raise CaseError(f"{v.short(raw)} is not accepted",
                                accepted="ones, random, or a nested list of the output's shape")
            out = v.array(raw, "cotangent", self.limits.max_input_elements)
            if shape is not None and out.shape != shape:
                raise CaseError(f"cotangent shape {out.shape} differs from the output shape "
                                f"{shape}", accepted=f"ones, random, or an array of shape {shape}")
        out.setflags(write=False)
        return ("explicit" if not isinstance(raw, str) else raw), out


def _values(out: Any) -> str:
    arr = np.asarray(out)
    if arr.size <= 10:
        return str(arr.tolist())
    bad = int(np.sum(~np.isfinite(arr)))
    return f"{bad} of {arr.size} elements not finite, e.g. {arr[~np.isfinite(arr)][0]}"
