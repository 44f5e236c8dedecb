"""Case files (YAML) -> Case. The only module that sees raw YAML.

Every validation message lives here (and in ``loader_values.py``): each names
the file, the line, the field and what would have been accepted.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import numpy as np

from gradcheck_lab import loader_values as v
from gradcheck_lab.case import (
    ALL_METHODS_KEY,
    Case,
    Claim,
    Expect,
    Implementation,
    InputSpec,
    Point,
    ToleranceOverride,
)
from gradcheck_lab.errors import CaseError, CaseFileErrors, UsageError
from gradcheck_lab.expr.evaluate import EvaluationError, evaluate
from gradcheck_lab.expr.graph import Expression
from gradcheck_lab.expr.ops import RESERVED_NAMES
from gradcheck_lab.expr.parse import parse_expression
from gradcheck_lab.limits import DEFAULT_LIMITS, Limits
from gradcheck_lab.methods import BUILTIN_METHODS, CLAIM_PREFIX, EXPECT_METHOD, IMPL_PREFIX
from gradcheck_lab.yaml_nodes import line_of, load_yaml

CASE_FIELDS = ("name", "description", "source", "inputs", "expr", "points", "cotangent",
               "order", "dtype", "methods", "tolerance", "expect", "claims",
               "implementations", "kinks")
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
TARGET_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_.]*$")
SUFFIXES = (".yaml", ".yml")


def discover(paths: Sequence[str | Path]) -> list[Path]:
    """Case files named by ``paths``: files as given, folders searched recursively."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES
                                and p.is_file() and not any(part.startswith(".")
                                                            for part in p.parts)))
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"{raw}: no such file or folder")
    return files


def load_paths(paths: Sequence[str | Path], limits: Limits = DEFAULT_LIMITS) -> list[Case]:
    """Load every case under ``paths``; raise CaseFileErrors listing every problem."""
    cases: list[Case] = []
    errors: list[CaseError] = []
    for file in discover(paths):
        try:
            cases.extend(load_file(file, limits))
        except CaseFileErrors as exc:
            errors.extend(exc.errors)
    seen: dict[str, Case] = {}
    for case in cases:
        if case.name in seen:
            first = seen[case.name]
            errors.append(CaseError(f"duplicate case name '{case.name}' (first in {first.file}"
                                    f":{first.line})", file=case.file, line=case.line,
                                    field="name", accepted="a name unique in the suite"))
        seen[case.name] = case
    if errors:
        raise CaseFileErrors(errors)
    return cases


def load_file(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> list[Case]:
    file = str(path)
    try:
        raw_bytes = Path(path).read_bytes()
    except OSError as exc:
        raise CaseFileErrors([CaseError(f"cannot read the file: {exc.strerror}", file=file)]) \
            from None
    try:
        text = raw_bytes.decode("utf-8")
        if "\x00" in text:
            raise UnicodeDecodeError("utf-8", raw_bytes, 0, 1, "NUL byte")
    except UnicodeDecodeError:
        raise CaseFileErrors([CaseError("not a text file (expected UTF-8 YAML)",
                                        file=file)]) from None
    try:
        data = load_yaml(text, file)
    except CaseError as exc:
        raise CaseFileErrors([exc]) from None
    return load_document(data, file, str(Path(path).resolve().parent), limits)


def load_document(data: Any, file: str, base_dir: str = ".",
                  limits: Limits = DEFAULT_LIMITS) -> list[Case]:
    """Cases of one parsed document: one case (a mapping with ``name``) or ``cases: [...]``."""
    if isinstance(data, dict) and "cases" in data:
        extra = [k for k in data if k != "cases"]
        if extra:
            raise CaseFileErrors([CaseError(
                f"a file with 'cases:' holds nothing else, found '{extra[0]}'", file=file,
                line=_key_line(data, extra[0]), field=str(extra[0]), accepted="cases")])
        raws = data["cases"]
        if not isinstance(raws, list) or not raws:
            raise CaseFileErrors([CaseError("'cases' must be a non-empty list of cases",
                                            file=file, line=_key_line(data, "cases"),
                                            field="cases")])
        if len(raws) > limits.max_cases_per_file:
            raise CaseFileErrors([CaseError(
                f"{len(raws)} cases, more than the limit of {limits.max_cases_per_file}",
                file=file, field="cases")])
    elif isinstance(data, dict):
        raws = [data]
    else:
        raise CaseFileErrors([CaseError("a case file holds one case (a mapping with 'name') or "
                                        "'cases: [...]'", file=file,
                                        line=getattr(data, "line", 1))])
    cases, errors = [], []
    for index, raw in enumerate(raws):
        prefix = f"cases[{index}]." if len(raws) > 1 or "cases" in data else ""
        try:
            cases.append(_CaseBuilder(raw, file, base_dir, limits, prefix).build())
        except CaseError as exc:
            errors.append(exc.located(file=file, line=getattr(raw, "line", None)
                                      or _line_of_key(raws, index)))
    if errors:
        raise CaseFileErrors(errors)
    return cases


class _CaseBuilder:
    def __init__(self, raw: Any, file: str, base_dir: str, limits: Limits, prefix: str):
        if not isinstance(raw, dict):
            raise CaseError("a case must be a mapping with name, inputs and expr",
                            file=file, field=prefix.rstrip(".") or None)
        self.raw, self.file, self.base_dir, self.limits, self.prefix = (
            raw, file, base_dir, limits, prefix)

    @contextmanager
    def at(self, key: str | int, data: Any = None, path: str | None = None) -> Iterator[None]:
        """Fill in the line and field of errors raised inside, for ``key`` of ``data``."""
        data = self.raw if data is None else data
        where = self.prefix + (path or str(key))
        try:
            yield
        except CaseError as exc:
            if exc.field and not exc.field.startswith(self.prefix):  # cases[i]. in a list
                inner = exc.field
                exc = exc.located()
                exc.field = self.prefix + inner
            line = None
            if exc.line is None and exc.field and exc.field.startswith(where):
                # the error names a field below this one: take that field's own line
                line = _line_below(data, key, exc.field[len(where):])
            line = line or _line_of_key(data, key) or getattr(data, "line", None)
            raise exc.located(file=self.file, line=line, field=where) from None

    def build(self) -> Case:
        raw = self.raw
        v.unknown_keys(raw, CASE_FIELDS, self.prefix.rstrip("."))
        for required in ("name", "inputs", "expr"):
            if required not in raw:
                raise CaseError(f"missing required field '{required}'", file=self.file,
                                line=getattr(raw, "line", None), field=self.prefix + required,
                                accepted=", ".join(CASE_FIELDS))
        with self.at("name"):
            name = v.text(raw["name"], "name")
            if not NAME_RE.match(name):
                raise CaseError(f"invalid case name {name!r}", accepted="[A-Za-z0-9_.-]+")
        with self.at("inputs"):
            inputs = self.inputs(raw["inputs"])
        names = [i.name for i in inputs]
        with self.at("expr"):
            expr = parse_expression(v.text(raw["expr"], "expr"), names)
        with self.at("expect"):
            base_expect = self.expect(raw["expect"], "expect") if "expect" in raw else None
        points = [Point(0, {i.name: i.value for i in inputs}, base_expect, line_of(raw))]
        with self.at("points"):
            points += self.points(raw.get("points", []), inputs)
        output_shape = self.check_shapes(expr, points)
        case_kwargs: dict[str, Any] = {}
        for key in ("description", "source"):
            if key in raw:
                with self.at(key):
                    case_kwargs[key] = v.text(raw[key], key)
        if "cotangent" in raw:
            with self.at("cotangent"):
                case_kwargs["cotangent_kind"], case_kwargs["cotangent"] = self.cotangent(
                    raw["cotangent"], output_shape, name)
        for key, options in (("order", (1, 2)), ("dtype", ("float64", "float32")),
                             ("kinks", ("allow", "fail"))):
            if key in raw:
                with self.at(key):
                    case_kwargs[key] = v.choice(raw[key], key, options)
        if "claims" in raw:
            with self.at("claims"):
                case_kwargs["claims"] = self.claims(raw["claims"], names)
        if "implementations" in raw:
            with self.at("implementations"):
                case_kwargs["implementations"] = self.implementations(raw["implementations"])
        case = Case(name=name, file=self.file, line=line_of(raw), inputs=inputs, expr=expr,
                    points=tuple(points), output_shape=output_shape, **case_kwargs)
        if "methods" in raw:
            with self.at("methods"):
                case = _replace(case, methods=self.methods(raw["methods"], case))
        if "tolerance" in raw:
            with self.at("tolerance"):
                case = _replace(case, tolerance=self.tolerance(raw["tolerance"], case))
        self.check_against(case)
        return case

    def inputs(self, raw: Any) -> tuple[InputSpec, ...]:
        data = v.mapping(raw, "inputs")
        if not data:
            raise CaseError("a case needs at least one input", field="inputs")
        specs = []
        for name, spec in data.items():
            with self.at(name, data, f"inputs.{name}"):
                if not isinstance(name, str) or not name.isidentifier():
                    raise CaseError(f"input name {name!r} is not an identifier",
                                    accepted="letters, digits and _, not starting with a digit")
                if name in RESERVED_NAMES or name.startswith("__"):
                    raise CaseError(f"input name '{name}' shadows a function or constant",
                                    accepted="any identifier outside the op list, pi, e, inf, "
                                             "expect")
                specs.append(self.input_spec(name, spec))
        return tuple(specs)

    def input_spec(self, name: str, spec: Any) -> InputSpec:
        field = f"inputs.{name}"
        line = getattr(spec, "line", None)
        if not isinstance(spec, dict):
            return InputSpec(name, v.array(spec, field, self.limits.max_input_elements), True,
                             line)
        v.unknown_keys(spec, ("value", "random", "wrt"), field)
        if ("value" in spec) == ("random" in spec):
            raise CaseError("give exactly one of 'value' and 'random'", field=field,
                            accepted="value: NUMBER|LIST, or random: {shape, distribution, ...}")
        wrt = spec.get("wrt", True)
        if not isinstance(wrt, bool):
            raise CaseError(f"wrt must be true or false, got {wrt!r}", field=f"{field}.wrt")
        if "value" in spec:
            with self.at("value", spec, f"{field}.value"):
                value = v.array(spec["value"], f"{field}.value", self.limits.max_input_elements)
        else:
            with self.at("random", spec, f"{field}.random"):
                value = self.random(spec["random"], f"{field}.random")
        return InputSpec(name, value, wrt, line)

    def random(self, raw: Any, field: str) -> np.ndarray:
        data = v.mapping(raw, field)
        v.unknown_keys(data, ("shape", "distribution", "low", "high", "mean", "std", "seed"),
                       field)
        shape_raw = data.get("shape", [])
        shape_list = shape_raw if isinstance(shape_raw, list) else [shape_raw]
        if not all(type(s) is int and s >= 1 for s in shape_list):
            raise CaseError(f"shape must be a list of positive integers, got {shape_raw!r}",
                            field=f"{field}.shape")
        shape = tuple(shape_list)
        size = int(np.prod(shape)) if shape else 1
        if size > self.limits.max_input_elements:
            raise CaseError(f"shape {list(shape)} has {size} elements, more than the limit of "
                            f"{self.limits.max_input_elements}", field=f"{field}.shape")
        dist = v.choice(data.get("distribution", "normal"), f"{field}.distribution",
                        ("normal", "uniform"))
        seed = data.get("seed", 0)
        if type(seed) is not int or seed < 0:
            raise CaseError(f"seed must be a non-negative integer, got {seed!r}",
                            field=f"{field}.seed")
        rng = np.random.default_rng(seed)
        if dist == "uniform":
            low = v.number(data.get("low", 0.0), f"{field}.low")
            high = v.number(data.get("high", 1.0), f"{field}.high")
            if not low < high:
                raise CaseError(f"low ({low}) must be below high ({high})", field=field)
            value = rng.uniform(low, high, size=shape)
        else:
            mean = v.number(data.get("mean", 0.0), f"{field}.mean")
            std = v.number(data.get("std", 1.0), f"{field}.std")
            value = rng.normal(mean, std, size=shape)
        out = np.asarray(value, dtype=np.float64)
        out.setflags(write=False)
        return out

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
                        arr = v.array(value, f"{path}.{key}", self.limits.max_input_elements)
                        if arr.shape != by_name[key].shape:
                            raise CaseError(f"shape {arr.shape} differs from the input's shape "
                                            f"{by_name[key].shape}",
                                            accepted=f"an array of shape {by_name[key].shape}")
                        values[key] = arr
                points.append(Point(index, values, expect, getattr(item, "line", None)))
        return points

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
        from gradcheck_lab.backends.numpy_ops import make_backend

        backend = make_backend()
        shape: tuple[int, ...] | None = None
        for point in points:
            line = point.line if point.index else getattr(self.raw, "lines", {}).get("expr")
            try:
                with np.errstate(all="ignore"):
                    out = evaluate(expr, backend, dict(point.values))
            except EvaluationError as exc:
                raise CaseError(f"the expression cannot be evaluated: {exc.message}",
                                field=self.prefix + "expr", line=line,
                                detail=_caret(expr.text, exc.node.pos[1])) from None
            shape = tuple(np.shape(out)) if shape is None else shape
            if not np.all(np.isfinite(out)):
                raise CaseError(f"the expression is not finite at point {point.index} "
                                f"(value {np.asarray(out).tolist()})", field=self.prefix + "expr",
                                line=line, accepted="points inside the function's domain")
        assert shape is not None
        return shape

    def cotangent(self, raw: Any, shape: tuple[int, ...], name: str
                  ) -> tuple[str, np.ndarray]:
        if raw == "ones":
            out = np.ones(shape)
        elif raw == "random":
            # deterministic per case name, so reruns and shards agree
            out = np.random.default_rng(zlib.crc32(name.encode())).normal(size=shape)
        else:
            if isinstance(raw, str):
                raise CaseError(f"{raw!r} is not accepted",
                                accepted="ones, random, or a nested list of the output's shape")
            out = v.array(raw, "cotangent", self.limits.max_input_elements)
            if out.shape != shape:
                raise CaseError(f"cotangent shape {out.shape} differs from the output shape "
                                f"{shape}", accepted=f"ones, random, or an array of shape {shape}")
        out.setflags(write=False)
        return ("explicit" if not isinstance(raw, str) else raw), out

    def claims(self, raw: Any, names: list[str]) -> tuple[Claim, ...]:
        data = v.mapping(raw, "claims")
        claims = []
        for cname, body in data.items():
            path = f"claims.{cname}"
            with self.at(cname, data, path):
                if not isinstance(cname, str) or not NAME_RE.match(cname):
                    raise CaseError(f"invalid claim name {cname!r}", accepted="[A-Za-z0-9_.-]+")
                body = v.mapping(body, path)
                v.unknown_keys(body, names + ["expect"], path)
                expect_fail = False
                formulas = {}
                for key, value in body.items():
                    with self.at(key, body, f"{path}.{key}"):
                        if key == "expect":
                            v.choice(value, f"{path}.expect", ("fail",))
                            expect_fail = True
                        else:
                            formulas[key] = parse_expression(v.text(value, key), names)
                if not formulas:
                    raise CaseError("a claim gives a formula for at least one input",
                                    accepted=", ".join(names))
                claims.append(Claim(cname, formulas, expect_fail, getattr(body, "line", None)))
        return tuple(claims)

    def implementations(self, raw: Any) -> tuple[Implementation, ...]:
        if not isinstance(raw, list):
            raise CaseError("implementations must be a list of {name, framework, function} or "
                            "{name, framework: numpy, gradient}")
        impls = []
        for index, item in enumerate(raw):
            path = f"implementations[{index}]"
            with self.at(index, raw, path):
                data = v.mapping(item, path)
                v.unknown_keys(data, ("name", "framework", "function", "gradient", "expect"),
                               path)
                name = v.text(data.get("name"), f"{path}.name")
                if not NAME_RE.match(name):
                    raise CaseError(f"invalid name {name!r}", accepted="[A-Za-z0-9_.-]+")
                framework = v.choice(data.get("framework"), f"{path}.framework",
                                     ("torch", "jax", "numpy"))
                kind: Literal["function", "gradient"] = (
                    "gradient" if framework == "numpy" else "function")
                other = "function" if kind == "gradient" else "gradient"
                if other in data or kind not in data:
                    raise CaseError(f"framework {framework} takes '{kind}: module:attr'",
                                    field=f"{path}.{kind}", accepted=f"{kind}: package.module:attr")
                target = v.text(data[kind], f"{path}.{kind}")
                if not TARGET_RE.match(target):
                    raise CaseError(f"{target!r} is not 'module:attr'", field=f"{path}.{kind}",
                                    accepted="package.module:attr")
                expect_fail = "expect" in data and v.choice(
                    data["expect"], f"{path}.expect", ("fail",)) == "fail"
                impls.append(Implementation(name, framework, target, kind, expect_fail,
                                            self.base_dir, getattr(item, "line", None)))
        return tuple(impls)

    def methods(self, raw: Any, case: Case) -> tuple[str, ...]:
        items = [m.strip() for m in raw.split(",")] if isinstance(raw, str) else raw
        if not isinstance(items, list) or not items:
            raise CaseError("methods must be a non-empty list of method names")
        known = list(BUILTIN_METHODS) + [EXPECT_METHOD]
        known += [CLAIM_PREFIX + c.name for c in case.claims]
        known += [IMPL_PREFIX + i.name for i in case.implementations]
        for item in items:
            v.choice(item, "methods", known)
        return tuple(dict.fromkeys(items))

    def tolerance(self, raw: Any, case: Case) -> dict[str, ToleranceOverride]:
        data = v.mapping(raw, "tolerance")
        known = list(BUILTIN_METHODS) + [EXPECT_METHOD]
        known += [CLAIM_PREFIX + c.name for c in case.claims]
        known += [IMPL_PREFIX + i.name for i in case.implementations]
        v.unknown_keys(data, ["rtol", "atol"] + known, "tolerance")
        out: dict[str, ToleranceOverride] = {}
        top = {k: data[k] for k in ("rtol", "atol") if k in data}
        if top:
            out[ALL_METHODS_KEY] = self.tolerance_pair(top, "tolerance")
        for key, value in data.items():
            if key not in ("rtol", "atol"):
                with self.at(key, data, f"tolerance.{key}"):
                    pair = v.mapping(value, f"tolerance.{key}")
                    v.unknown_keys(pair, ("rtol", "atol"), f"tolerance.{key}")
                    out[key] = self.tolerance_pair(pair, f"tolerance.{key}")
        return out

    @staticmethod
    def tolerance_pair(data: dict[str, Any], field: str) -> ToleranceOverride:
        parts = {}
        for key in ("rtol", "atol"):
            if key in data:
                value = v.number(data[key], f"{field}.{key}")
                if value < 0:
                    raise CaseError(f"{key} must be >= 0, got {value}", field=f"{field}.{key}")
                parts[key] = float(value)
        return ToleranceOverride(**parts)

    def check_against(self, case: Case) -> None:
        """Shapes of expect gradients and claims must match what is checked."""
        from gradcheck_lab.backends.numpy_ops import make_backend

        wrt = {i.name for i in case.wrt}
        for point in case.points:
            if point.expect is None:
                continue
            field = "expect" if point.index == 0 else f"points[{point.index - 1}].expect"
            exp = point.expect
            if exp.value is not None and exp.value.shape != case.output_shape:
                raise CaseError(f"value has shape {exp.value.shape}, the output has "
                                f"{case.output_shape}", field=self.prefix + field + ".value",
                                line=exp.line)
            for name, grad in exp.grad.items():
                if name not in wrt:
                    raise CaseError(f"'{name}' is not a differentiated input",
                                    field=self.prefix + field + ".grad", line=exp.line,
                                    accepted=", ".join(sorted(wrt)))
                want = case.gradient_shape(name)
                if grad.shape != want:
                    raise CaseError(f"gradient of '{name}' has shape {grad.shape}, expected "
                                    f"{want}", field=self.prefix + field + f".grad.{name}",
                                    line=exp.line)
        backend = make_backend()
        for claim in case.claims:
            for name, formula in claim.formulas.items():
                field = self.prefix + f"claims.{claim.name}.{name}"
                if name not in wrt:
                    raise CaseError(f"'{name}' is not a differentiated input", field=field,
                                    line=claim.line, accepted=", ".join(sorted(wrt)))
                try:
                    with np.errstate(all="ignore"):
                        shape = np.shape(evaluate(formula, backend, dict(case.points[0].values)))
                except EvaluationError as exc:
                    raise CaseError(f"the formula cannot be evaluated: {exc.message}",
                                    field=field, line=claim.line) from None
                if shape != case.gradient_shape(name):
                    raise CaseError(f"the formula has shape {shape}, the gradient of '{name}' "
                                    f"has shape {case.gradient_shape(name)}", field=field,
                                    line=claim.line)


def _line_of_key(data: Any, key: Any) -> int | None:
    lines = getattr(data, "lines", None)  # a dict for a YMap, a list for a YList
    if isinstance(lines, dict):
        return lines.get(key)
    if isinstance(lines, list) and isinstance(key, int) and 0 <= key < len(lines):
        return lines[key]
    return None


_FIELD_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def _line_below(data: Any, key: Any, rest: str) -> int | None:
    """Line of the field ``key`` + ``rest`` (e.g. ``.random.seed``) inside ``data``, as deep
    as the raw data goes (None when ``rest`` is not a path into it)."""
    line = _line_of_key(data, key)
    try:
        value = data[key]
    except (KeyError, IndexError, TypeError):
        return line
    pos = 0
    while pos < len(rest):
        step = _FIELD_STEP.match(rest, pos)
        if step is None:
            return None
        pos = step.end()
        part: Any = step.group(1) if step.group(1) is not None else int(step.group(2))
        found = _line_of_key(value, part)
        if found is None:
            break
        line, value = found, value[part]
    return line


def _key_line(data: Any, key: Any) -> int | None:
    return getattr(data, "lines", {}).get(key)


def _caret(text: str, column: int) -> str:
    first = text.splitlines()[0] if text else ""
    return f"    {first}\n    {' ' * max(column - 1, 0)}^"


def _replace(case: Case, **changes: Any) -> Case:
    import dataclasses

    return dataclasses.replace(case, **changes)
