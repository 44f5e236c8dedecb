"""The parts of a case that put things on trial or tune the run: ``claims``,
``implementations``, ``methods``, ``tolerance``, and the checks of ``expect`` and claims
against the built case. Helpers of ``case_builder.py``; errors name the field.

Nothing here imports or runs user code: an implementation is only its ``module:attr``
text until a method runs it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from gradcheck_lab.case import (
    ALL_METHODS_KEY,
    Case,
    Claim,
    Implementation,
    Point,
    ToleranceOverride,
)
from gradcheck_lab.errors import CaseError
from gradcheck_lab.expr.evaluate import EvaluationError
from gradcheck_lab.expr.graph import Node
from gradcheck_lab.loader import values as v
from gradcheck_lab.loader.scope import Scope, line_of_key
from gradcheck_lab.loader.shapes import evaluate_checked
from gradcheck_lab.methods.registry import accepted_methods, case_methods, find_method
from gradcheck_lab.names import DEVICE_RE, DEVICES_ACCEPTED, NAME_RE, TARGET_RE
from gradcheck_lab.precision import FORMATS, round_to

# rtol and atol (the contract), ntol: times the largest reference element (case.Tolerance)
TOLERANCE_PARTS = ("rtol", "atol", "ntol")
IMPL_FIELDS = ("name", "framework", "function", "gradient", "expect", "compile")
# torch.compile backends are named like this (inductor, aot_eager, ...); the name is
# checked by torch when the implementation runs
BACKEND_NAME = r"^[A-Za-z_][A-Za-z0-9_.]*$"

GRAD = "grad"  # in a claim: the cotangent (1 for a scalar output)
CLAIM_NAMES = ("grad", "result")
LET_RESERVED = frozenset(CLAIM_NAMES) | {"pi", "e", "inf", "expect"}


def lets(scope: Scope, raw: Any, names: list[str], points: list[Point]) -> dict[str, Node]:
    """``let:``: name -> expression, in order; each may use the inputs and earlier names.
    A name refers to its expression's node itself, so the graph holds it once. Each is
    evaluated at every point here, so its errors point into its own text."""
    data = v.mapping(raw, "let")
    out: dict[str, Node] = {}
    for name, _ in data.items():
        with scope.at(name, data, f"let.{name}"):
            if not isinstance(name, str) or not name.isidentifier() or name.startswith("__"):
                raise CaseError(f"let name {v.short(name)} is not an identifier",
                                accepted="letters, digits and _, not starting with a digit")
            if name in names or name in LET_RESERVED:
                raise CaseError(f"let name '{name}' shadows an input or a reserved name",
                                accepted="a new name (a function's name is fine: var, mean)")
            expr = scope.expression(data, name, names, out)
            for point in points:
                try:
                    evaluate_checked(expr, point.values, scope.limits.max_expression_elements)
                except EvaluationError as exc:
                    where = f" at point {point.index}" if point.index else ""
                    raise scope.evaluation_error(
                        f"the expression cannot be evaluated{where}: {exc.message}", expr,
                        exc.node.pos, field=f"let.{name}", line=point.line if point.index
                        else None, data=data, key=name, point=point.index) from None
            out[name] = expr.root
    return out


def claims(scope: Scope, raw: Any, names: list[str],
           lets: Mapping[str, Node] | None = None) -> tuple[Claim, ...]:
    """Claims: per input, a formula over the inputs, the lets, ``result`` (the value of
    ``expr``) and ``grad`` (the cotangent: 1 for a scalar output), as PyTorch's derivative
    formulas write them."""
    data = v.mapping(raw, "claims")
    scope_names = names + ([GRAD] if GRAD not in names else [])
    known = {k: n for k, n in (lets or {}).items() if k not in names}
    out = []
    for cname, body in data.items():
        path = f"claims.{cname}"
        with scope.at(cname, data, path):
            if not isinstance(cname, str) or not NAME_RE.match(cname):
                raise CaseError(f"invalid claim name {v.short(cname)}",
                                accepted="[A-Za-z0-9_.-]+")
            body = v.mapping(body, path)
            v.unknown_keys(body, names + ["expect"], path)
            expect_fail = False
            formulas = {}
            for key, value in body.items():
                with scope.at(key, body, f"{path}.{key}"):
                    if key == "expect":
                        v.choice(value, f"{path}.expect", ("fail",))
                        expect_fail = True
                    else:
                        formulas[key] = scope.expression(body, key, scope_names, known)
            if not formulas:
                raise CaseError("a claim gives a formula for at least one input",
                                accepted=", ".join(names))
            out.append(Claim(cname, formulas, expect_fail, getattr(body, "line", None)))
    return tuple(out)


def implementations(scope: Scope, raw: Any) -> tuple[Implementation, ...]:
    if not isinstance(raw, list):
        raise CaseError("implementations must be a list of {name, framework, function} or "
                        "{name, framework: numpy, gradient}")
    impls = []
    for index, item in enumerate(raw):
        path = f"implementations[{index}]"
        with scope.at(index, raw, path):
            data = v.mapping(item, path)
            v.unknown_keys(data, IMPL_FIELDS, path)
            name = v.text(data.get("name"), f"{path}.name")
            if not NAME_RE.match(name):
                raise CaseError(f"invalid name {v.short(name)}", accepted="[A-Za-z0-9_.-]+")
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
                raise CaseError(f"{v.short(target)} is not 'module:attr'", field=f"{path}.{kind}",
                                accepted="package.module:attr")
            expect_fail = "expect" in data and v.choice(
                data["expect"], f"{path}.expect", ("fail",)) == "fail"
            compiled = _compile(data.get("compile", False), framework, f"{path}.compile")
            impls.append(Implementation(name, framework, target, kind, expect_fail,
                                        scope.base_dir, getattr(item, "line", None),
                                        compile=compiled))
    return tuple(impls)


def _compile(raw: Any, framework: str, field: str) -> bool | str:
    """``compile: true | false`` (torch and JAX), or a torch.compile backend name (torch)."""
    if isinstance(raw, bool):
        if raw and framework == "numpy":
            raise CaseError("compile is for torch and jax implementations", field=field,
                            accepted="false, or framework torch or jax")
        return raw
    if framework == "torch" and isinstance(raw, str) and re.match(BACKEND_NAME, raw):
        return raw
    raise CaseError(f"{v.short(raw)} is not accepted", field=field,
                    accepted="true, false" + (", or a torch.compile backend name such as "
                                              "inductor, aot_eager" if framework == "torch"
                                              else ""))


def device(raw: Any, field: str) -> str:
    """Where torch, JAX and implementations run."""
    if not isinstance(raw, str) or not DEVICE_RE.match(raw):
        raise CaseError(f"{v.short(raw)} is not accepted", field=field,
                        accepted=DEVICES_ACCEPTED)
    return raw


def reference(scope: Scope, raw: Any) -> Implementation:
    """``reference: {framework: torch|jax, function: module:attr}``: code that defines the
    function (traced for the exact reference), not put on trial."""
    data = v.mapping(raw, "reference")
    v.unknown_keys(data, ("framework", "function"), "reference")
    framework = v.choice(data.get("framework"), "reference.framework", ("torch", "jax"))
    if "function" not in data:
        raise CaseError("a reference names its function", field="reference.function",
                        accepted="function: package.module:attr")
    target = v.text(data["function"], "reference.function")
    if not TARGET_RE.match(target):
        raise CaseError(f"{v.short(target)} is not 'module:attr'", field="reference.function",
                        accepted="package.module:attr")
    return Implementation("reference", framework, target, "function", False, scope.base_dir,
                          getattr(raw, "line", None))


def _known_methods(case: Case) -> list[str]:
    return list(case_methods(case))


def _method_name(item: Any, case: Case, field: str) -> str:
    """A method of the case (``NAME@DEVICE`` for one that runs on a device)."""
    if isinstance(item, str) and find_method(case_methods(case), item) is not None:
        return item
    if isinstance(item, str) and "@" in item:
        raise CaseError(f"{v.short(item)} is not accepted", field=field,
                        accepted=accepted_methods()[-1])
    return str(v.choice(item, field, _known_methods(case)))


def methods(raw: Any, case: Case) -> tuple[str, ...]:
    items = [m.strip() for m in raw.split(",")] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items:
        raise CaseError("methods must be a non-empty list of method names")
    return tuple(dict.fromkeys(_method_name(item, case, "methods") for item in items))


def tolerance(scope: Scope, raw: Any, case: Case) -> dict[str, ToleranceOverride]:
    data = v.mapping(raw, "tolerance")
    placed = [k for k in data if isinstance(k, str) and "@" in k
              and _method_name(k, case, f"tolerance.{k}")]
    v.unknown_keys(data, [*TOLERANCE_PARTS, *_known_methods(case), *placed], "tolerance")
    out: dict[str, ToleranceOverride] = {}
    top = {k: data[k] for k in TOLERANCE_PARTS if k in data}
    if top:
        out[ALL_METHODS_KEY] = tolerance_pair(top, "tolerance")
    for key, value in data.items():
        if key not in TOLERANCE_PARTS:
            with scope.at(key, data, f"tolerance.{key}"):
                pair = v.mapping(value, f"tolerance.{key}")
                v.unknown_keys(pair, TOLERANCE_PARTS, f"tolerance.{key}")
                out[key] = tolerance_pair(pair, f"tolerance.{key}")
    return out


def tolerance_pair(data: dict[str, Any], field: str) -> ToleranceOverride:
    parts = {}
    for key in TOLERANCE_PARTS:
        if key in data:
            value = v.number(data[key], f"{field}.{key}")
            if value < 0:
                raise CaseError(f"{key} must be >= 0, got {value}", field=f"{field}.{key}")
            parts[key] = float(value)
    return ToleranceOverride(**parts)


def check_representable(scope: Scope, case: Case) -> None:
    """Every input value is finite in the case's dtype (float16 stops at 65504); values
    that are not finite to begin with (``allow_nonfinite``) are the case's own."""
    fmt = FORMATS[case.dtype]
    for point in case.points:
        for name, value in point.values.items():
            big = ~np.isfinite(round_to(value, case.dtype)) & np.isfinite(value)
            if np.any(big):
                where = "inputs" if point.index == 0 else f"points[{point.index - 1}]"
                raw = scope.raw.get("inputs") if point.index == 0 else None
                line = line_of_key(raw, name) if isinstance(raw, dict) else point.line
                raise CaseError(f"{name} = {np.asarray(value)[big].flat[0]:g} overflows "
                                f"{case.dtype} (largest finite {fmt.max_value:g})",
                                file=scope.file, line=line, field=f"{scope.prefix}{where}.{name}",
                                accepted=f"values within +/-{fmt.max_value:g}, or another dtype")


def check_against(scope: Scope, case: Case) -> None:
    """Shapes of expect gradients and claims must match what is checked."""
    prefix = scope.prefix
    wrt = {i.name for i in case.wrt}
    for point in case.points:
        if point.expect is None:
            continue
        field = "expect" if point.index == 0 else f"points[{point.index - 1}].expect"
        exp = point.expect
        if exp.value is not None and exp.value.shape != case.output_shape:
            raise CaseError(f"value has shape {exp.value.shape}, the output has "
                            f"{case.output_shape}", field=prefix + field + ".value",
                            line=exp.line)
        for name, grad in exp.grad.items():
            if name not in wrt:
                raise CaseError(f"{v.short(name)} is not a differentiated input",
                                field=prefix + field + ".grad", line=exp.line,
                                accepted=", ".join(sorted(wrt)))
            want = case.gradient_shape(name)
            if grad.shape != want:
                raise CaseError(f"gradient of '{name}' has shape {grad.shape}, expected "
                                f"{want}", field=prefix + field + f".grad.{name}",
                                line=exp.line)
    raw_claims = scope.raw.get("claims")
    for claim in case.claims:
        body = raw_claims.get(claim.name) if isinstance(raw_claims, dict) else {}
        for name, formula in claim.formulas.items():
            field = f"claims.{claim.name}.{name}"
            if name not in wrt:
                raise CaseError(f"'{name}' is not a differentiated input", field=prefix + field,
                                line=claim.line, accepted=", ".join(sorted(wrt)))
            if ("grad" in formula.input_names and "grad" not in case.input
                    and case.cotangent_value() is None):
                raise CaseError("'grad' (the cotangent) needs a scalar output or a cotangent; "
                                "this case checks the full Jacobian", field=prefix + field,
                                line=claim.line, accepted="cotangent: ones (or random)")
            try:
                shape = np.shape(evaluate_checked(formula, case.claim_values(case.points[0]),
                                                  scope.limits.max_expression_elements))
            except EvaluationError as exc:
                raise scope.evaluation_error(
                    f"the formula cannot be evaluated: {exc.message}", formula, exc.node.pos,
                    field=field, line=claim.line, data=body, key=name) from None
            if shape != case.gradient_shape(name):
                raise CaseError(f"the formula has shape {shape}, the gradient of '{name}' "
                                f"has shape {case.gradient_shape(name)}", field=prefix + field,
                                line=claim.line)
