"""JSON Schema (draft 2020-12) of the case format (starter case files: ``templates.py``).

The schema is generated from the loader's own lists where it has them
(``CASE_FIELDS``, the name and ``module:attr`` patterns, the method registry,
the reserved names of the expression language, the limits), so editors
(e.g. the YAML language server) flag what the loader would refuse. It checks
structure only: whether an expression parses, shapes agree and points lie in
the domain is for ``gradcheck-lab validate``. The repository ships it as
``schema/case.schema.json``; ``gradcheck-lab schema`` prints it.
"""

from __future__ import annotations

import json
from typing import Any

from gradcheck_lab.expr.ops import RESERVED_NAMES
from gradcheck_lab.limits import DEFAULT_LIMITS
from gradcheck_lab.loader.case_builder import CASE_FIELDS
from gradcheck_lab.loader.parts import BACKEND_NAME, TOLERANCE_PARTS
from gradcheck_lab.methods.registry import BUILTIN_METHODS, PLACEABLE
from gradcheck_lab.names import (
    CLAIM_PREFIX,
    DEVICE_PATTERN,
    DEVICE_SEPARATOR,
    EXPECT_METHOD,
    IMPL_PREFIX,
    NAME_PATTERN,
    TARGET_PATTERN,
)
from gradcheck_lab.precision import DTYPES

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# YAML 1.1 reads 1e-6 (no dot) as text; the loader accepts such text as a number
FLOAT_TEXT = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"
NONNEGATIVE_TEXT = r"^\s*\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"
IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"
_SUFFIX = NAME_PATTERN.lstrip("^")
METHOD_PATTERN = f"^({CLAIM_PREFIX.rstrip(':')}|{IMPL_PREFIX.rstrip(':')}):{_SUFFIX}"
_DEVICE = DEVICE_PATTERN.strip("^$")
# torch@cuda, impl:NAME@cuda:1: a framework method placed on a device
PLACED_PATTERN = (f"^({'|'.join(PLACEABLE)}|{IMPL_PREFIX.rstrip(':')}:{_SUFFIX.rstrip('$')})"
                  f"{DEVICE_SEPARATOR}{_DEVICE}$")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def _defs() -> dict[str, Any]:
    number = {"anyOf": [{"type": "number"}, {"type": "string", "pattern": FLOAT_TEXT}]}
    method_name = {"anyOf": [{"enum": [*BUILTIN_METHODS, EXPECT_METHOD]},
                             {"type": "string", "pattern": METHOD_PATTERN},
                             {"type": "string", "pattern": PLACED_PATTERN}]}
    parts = {key: _ref("nonnegative") for key in TOLERANCE_PARTS}
    pair = {"type": "object", "additionalProperties": False, "properties": parts}
    return {
        "number": {**number, "description": "a finite number (1e-6 written without a dot is "
                                            "accepted too)"},
        "nonnegative": {"anyOf": [{"type": "number", "minimum": 0},
                                  {"type": "string", "pattern": NONNEGATIVE_TEXT}]},
        "array": {"description": "a number or a rectangular nested list of numbers",
                  "anyOf": [_ref("number"),
                            {"type": "array", "minItems": 1, "items": _ref("array")}]},
        "random": {
            "type": "object", "additionalProperties": False,
            "description": "seeded random values",
            "properties": {
                "shape": {"anyOf": [{"type": "integer", "minimum": 1},
                                    {"type": "array", "items": {"type": "integer", "minimum": 1}}]},
                "distribution": {"enum": ["normal", "uniform"], "default": "normal"},
                "low": _ref("number"), "high": _ref("number"),
                "mean": _ref("number"), "std": _ref("number"),
                "seed": {"type": "integer", "minimum": 0, "default": 0}}},
        "input": {
            "description": "a value (differentiated), or {value | random, wrt}",
            "anyOf": [_ref("array"), {
                "type": "object", "additionalProperties": False,
                "properties": {"value": _ref("array"), "random": _ref("random"),
                               "wrt": {"type": "boolean", "default": True,
                                       "description": "false holds the input constant"},
                               "dtype": {"enum": ["float64", "int64"], "default": "float64",
                                         "description": "int64: labels, indices (never "
                                                        "differentiated)"}},
                "oneOf": [{"required": ["value"]}, {"required": ["random"]}]}]},
        "expect": {
            "type": "object", "additionalProperties": False,
            "description": "numbers quoted from a source, checked against the reference",
            "properties": {"value": _ref("array"),
                           "grad": {"type": "object", "additionalProperties": _ref("array"),
                                    "propertyNames": {"pattern": IDENTIFIER}}}},
        "method": method_name,
        "tolerance": {
            "type": "object", "additionalProperties": pair,
            "description": "{rtol, atol, ntol} for all methods, or per method",
            "properties": parts,
            "propertyNames": {"anyOf": [{"enum": list(TOLERANCE_PARTS)}, method_name]}},
        "claim": {
            "type": "object", "minProperties": 1,
            "description": "input name -> gradient formula; expect: fail marks a wrong claim",
            "properties": {"expect": {"const": "fail"}},
            "additionalProperties": {"type": ["string", "number"]},
            "propertyNames": {"pattern": IDENTIFIER}},
        "implementation": {
            "type": "object", "additionalProperties": False, "required": ["name", "framework"],
            "properties": {
                "name": {"type": "string", "pattern": NAME_PATTERN},
                "framework": {"enum": ["torch", "jax", "numpy"]},
                "function": {"type": "string", "pattern": TARGET_PATTERN,
                             "description": "forward function, package.module:attr"},
                "gradient": {"type": "string", "pattern": TARGET_PATTERN,
                             "description": "numpy gradient function, package.module:attr"},
                "expect": {"const": "fail"},
                "compile": {"anyOf": [{"type": "boolean"},
                                      {"type": "string", "pattern": BACKEND_NAME}],
                            "default": False,
                            "description": "check the compiled function: torch.compile "
                                           "(true, or a backend name) or jax.jit (true)"}},
            "if": {"properties": {"framework": {"const": "numpy"}}},
            "then": {"required": ["gradient"], "not": {"required": ["function"]}},
            "else": {"required": ["function"], "not": {"required": ["gradient"]}}},
        "case": _case(),
    }


def _case() -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": {"type": "string", "pattern": NAME_PATTERN,
                 "description": "identifier, unique in the suite"},
        "description": {"type": "string"},
        "source": {"type": "string", "description": "where the formula or numbers come from"},
        "inputs": {"type": "object", "minProperties": 1, "additionalProperties": _ref("input"),
                   "propertyNames": {"pattern": IDENTIFIER,
                                     "not": {"enum": sorted(RESERVED_NAMES)}},
                   "description": "ordered mapping input name -> input spec"},
        "expr": {"type": ["string", "number"], "description": "the function, in the expression "
                 "language (parsed, never evaluated by Python)"},
        "points": {"type": "array", "maxItems": DEFAULT_LIMITS.max_points,
                   "description": "more points to check; each overrides the base values",
                   "items": {"type": "object", "properties": {"expect": _ref("expect")},
                             "additionalProperties": _ref("array"),
                             "propertyNames": {"pattern": IDENTIFIER}}},
        "cotangent": {"anyOf": [{"enum": ["ones", "random"]}, _ref("array")],
                      "description": "for a non-scalar output: check the vector-Jacobian "
                                     "product with this cotangent"},
        "order": {"enum": [1, 2], "default": 1},
        "dtype": {"enum": list(DTYPES), "default": "float64",
                  "description": "what torch, JAX and implementations compute in"},
        "device": {"type": "string", "pattern": DEVICE_PATTERN, "default": "cpu",
                   "description": "where torch, JAX and implementations run: cpu, cuda, "
                                  "cuda:N, or auto (the accelerator when present)"},
        "methods": {"description": "methods to run (default: all installed)",
                    "anyOf": [{"type": "array", "minItems": 1, "items": _ref("method")},
                              {"type": "string", "minLength": 1,
                               "description": "comma-separated method names"}]},
        "tolerance": _ref("tolerance"),
        "expect": _ref("expect"),
        "claims": {"type": "object", "additionalProperties": _ref("claim"),
                   "propertyNames": {"pattern": NAME_PATTERN},
                   "description": "claim name -> {input: formula}: hand-written gradients"},
        "implementations": {"type": "array", "items": _ref("implementation"),
                            "description": "user code put on trial"},
        "kinks": {"enum": ["allow", "fail"], "default": "allow"},
        "reference": {
            "type": "object", "additionalProperties": False,
            "required": ["framework", "function"],
            "description": "code defining the function (a slow but simple version, or a "
                           "surrogate forward): traced for the exact reference, not on trial",
            "properties": {"framework": {"enum": ["torch", "jax"]},
                           "function": {"type": "string", "pattern": TARGET_PATTERN}}},
        "let": {"type": "object", "additionalProperties": {"type": ["string", "number"]},
                "propertyNames": {"pattern": IDENTIFIER,
                                  "not": {"enum": ["e", "expect", "grad", "inf", "pi",
                                                   "result"]}},
                "description": "named subexpressions, in order: name -> expression over the "
                               "inputs and earlier names, shared once in the graph"},
        "allow_nonfinite": {"type": "boolean", "default": False,
                            "description": "inputs may be .inf, -.inf or .nan"},
    }
    missing = set(CASE_FIELDS) ^ set(fields)
    if missing:  # the loader grew or lost a field: the schema must follow
        raise RuntimeError(f"schema and loader disagree on case fields: {sorted(missing)}")
    # the function: expr, or code to trace it from (a reference, a torch/jax implementation)
    traced_code = {"required": ["implementations"], "properties": {"implementations": {
        "contains": {"required": ["framework"],
                     "properties": {"framework": {"enum": ["torch", "jax"]}}}}}}
    return {"type": "object", "required": ["name", "inputs"],
            "anyOf": [{"required": ["expr"]}, {"required": ["reference"]}, traced_code],
            "additionalProperties": False,
            "properties": {name: fields[name] for name in CASE_FIELDS}}


def case_schema() -> dict[str, Any]:
    """The JSON Schema of a case file: one case, or ``cases: [...]``."""
    return {
        "$schema": DIALECT,
        "title": "gradcheck-lab case file",
        "description": "One case (a mapping with name, inputs, expr) or several under 'cases'. "
                       "See the README section 'Writing a case'.",
        "type": "object",
        "if": {"required": ["cases"]},
        "then": {"additionalProperties": False, "properties": {
            "cases": {"type": "array", "minItems": 1,
                      "maxItems": DEFAULT_LIMITS.max_cases_per_file, "items": _ref("case")}}},
        "else": _ref("case"),
        "$defs": _defs(),
    }


def schema_text() -> str:
    """The schema as the text ``gradcheck-lab schema`` prints and the repository ships."""
    return json.dumps(case_schema(), indent=2, ensure_ascii=False) + "\n"
