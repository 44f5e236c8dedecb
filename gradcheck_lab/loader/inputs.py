"""Input specs of a case: a value, or ``{value | random, wrt, dtype}``; helpers of
``case_builder.py``. ``dtype: int64`` inputs (labels, indices) hold integers, are never
differentiated and reach every method as integer arrays. With the case's
``allow_nonfinite: true``, values may be ``.inf``, ``-.inf`` or ``.nan``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gradcheck_lab.case import InputSpec
from gradcheck_lab.errors import CaseError
from gradcheck_lab.limits import Limits
from gradcheck_lab.loader import values as v
from gradcheck_lab.loader.scope import Scope

RANDOM_FIELDS = ("shape", "distribution", "low", "high", "mean", "std", "seed")
INPUT_FIELDS = ("value", "random", "wrt", "dtype")
INPUT_DTYPES = ("float64", "int64")
INT64_LIMIT = 2 ** 63


def input_spec(scope: Scope, name: str, spec: Any, finite: bool = True) -> InputSpec:
    field = f"inputs.{name}"
    line = getattr(spec, "line", None)
    limit = scope.limits.max_input_elements
    if not isinstance(spec, dict):
        return InputSpec(name, v.array(spec, field, limit, finite), True, line)
    v.unknown_keys(spec, INPUT_FIELDS, field)
    if ("value" in spec) == ("random" in spec):
        raise CaseError("give exactly one of 'value' and 'random'", field=field,
                        accepted="value: NUMBER|LIST, or random: {shape, distribution, ...}")
    dtype = v.choice(spec.get("dtype", "float64"), f"{field}.dtype", INPUT_DTYPES)
    integer = dtype == "int64"
    wrt = spec.get("wrt", not integer)
    if not isinstance(wrt, bool):
        raise CaseError(f"wrt must be true or false, got {v.short(wrt)}", field=f"{field}.wrt")
    if integer and wrt:
        raise CaseError("an int64 input is never differentiated", field=f"{field}.wrt",
                        accepted="wrt: false (the default for dtype: int64)")
    if "value" in spec:
        with scope.at("value", spec, f"{field}.value"):
            value = v.array(spec["value"], f"{field}.value", limit, finite and not integer)
            if integer:
                value = integers(value, f"{field}.value")
    else:
        if integer:
            raise CaseError("an int64 input takes a value, not random", field=f"{field}.random",
                            accepted="value: an integer or a nested list of integers")
        with scope.at("random", spec, f"{field}.random"):
            value = random(spec["random"], f"{field}.random", scope.limits)
    return InputSpec(name, value, wrt, line, dtype)


def integers(value: np.ndarray, field: str) -> np.ndarray:
    """A read-only int64 array of ``value``, whose every element must be a whole number."""
    bad = ~np.isfinite(value) | (value != np.round(value)) | (np.abs(value) >= INT64_LIMIT)
    if np.any(bad):
        first = value[bad].ravel()[0]
        raise CaseError(f"an int64 input holds whole numbers, got {float(first):g}", field=field,
                        accepted="integers such as 0, 2, -100")
    out = np.asarray(value, dtype=np.int64)
    out.setflags(write=False)
    return out


def point_value(raw: Any, spec: InputSpec, field: str, limits: Limits, finite: bool
                ) -> np.ndarray:
    """A point's value for input ``spec``: its shape and dtype."""
    arr = v.array(raw, field, limits.max_input_elements, finite and not spec.is_integer)
    if arr.shape != spec.shape:
        raise CaseError(f"shape {arr.shape} differs from the input's shape {spec.shape}",
                        accepted=f"an array of shape {spec.shape}")
    return integers(arr, field) if spec.is_integer else arr


def random(raw: Any, field: str, limits: Limits) -> np.ndarray:
    data = v.mapping(raw, field)
    v.unknown_keys(data, RANDOM_FIELDS, field)
    shape_raw = data.get("shape", [])
    shape_list = shape_raw if isinstance(shape_raw, list) else [shape_raw]
    if not all(type(s) is int and s >= 1 for s in shape_list):
        raise CaseError(f"shape must be a list of positive integers, got "
                        f"{v.short(shape_raw)}", field=f"{field}.shape")
    if len(shape_list) > v.MAX_DIMENSIONS:
        raise CaseError(f"shape has {len(shape_list)} dimensions, more than "
                        f"{v.MAX_DIMENSIONS}", field=f"{field}.shape")
    shape = tuple(shape_list)
    size = math.prod(shape)  # exact: np.prod wraps around at 2**63
    if size > limits.max_input_elements:
        raise CaseError(f"shape {v.short(list(shape))} has {size} elements, more than the "
                        f"limit of {limits.max_input_elements}", field=f"{field}.shape")
    dist = v.choice(data.get("distribution", "normal"), f"{field}.distribution",
                    ("normal", "uniform"))
    seed = data.get("seed", 0)
    if type(seed) is not int or seed < 0:
        raise CaseError(f"seed must be a non-negative integer, got {v.short(seed)}",
                        field=f"{field}.seed")
    rng = np.random.default_rng(seed)
    if dist == "uniform":
        low = v.number(data.get("low", 0.0), f"{field}.low")
        high = v.number(data.get("high", 1.0), f"{field}.high")
        if not low < high:
            raise CaseError(f"low ({low}) must be below high ({high})", field=field)
        if not math.isfinite(float(high) - float(low)):
            raise CaseError(f"high - low is beyond float64 ({low} to {high})", field=field)
        value = rng.uniform(low, high, size=shape)
    else:
        mean = v.number(data.get("mean", 0.0), f"{field}.mean")
        std = v.number(data.get("std", 1.0), f"{field}.std")
        if std < 0:
            raise CaseError(f"std must be >= 0, got {std}", field=f"{field}.std")
        value = rng.normal(mean, std, size=shape)
    out = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise CaseError("the random values are not all finite (mean or std too large?)",
                        field=field)
    out.setflags(write=False)
    return out
