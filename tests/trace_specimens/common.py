"""Shared pieces for the specimen modules (numpy only; no torch/jax import here).

A specimen is a dict:
    name         identifier
    forward      callable(**inputs) -> tensor/array (the CORRECT version: custom backward inside)
    reference    callable(**inputs) -> same value, differentiated by plain autodiff; for a
                 surrogate-gradient specimen (STE, gradient reversal) this is the function whose
                 true gradient is the intended backward, NOT the traced forward
    inputs       {name: spec}; spec = {"shape": [...], "seed": int, "scale": float, "offset": float}
                 or {"value": nested list, "dtype": "int64"|"float64"}; "wrt": bool (default: True
                 for floats, False for ints)
    points       optional list of {name: spec} overrides (one more point each)
    bugs         list of {"name", "kind", "forward", "what"}; kind in
                 scale | sign | missing_term | const_1e-6 | detached_term |
                 float32_step | transposed
    surrogate    True when the intended gradient is NOT the derivative of the forward
    notes        free text
"""
from __future__ import annotations

import numpy as np

BUG_KINDS = ("scale", "sign", "missing_term", "const_1e-6", "detached_term", "float32_step",
             "transposed", "missing_mask", "wrong_branch")


def materialize(spec: dict) -> np.ndarray:
    if "value" in spec:
        return np.asarray(spec["value"], dtype=spec.get("dtype", "float64"))
    rng = np.random.default_rng(spec.get("seed", 0))
    a = rng.standard_normal(spec["shape"]) * spec.get("scale", 1.0) + spec.get("offset", 0.0)
    return a.astype(spec.get("dtype", "float64"))


def point_arrays(specimen: dict, point: int = 0) -> dict[str, np.ndarray]:
    """numpy arrays of the inputs at point 0 (base) or point k (k-th override, 1-based)."""
    specs = dict(specimen["inputs"])
    if point:
        specs.update(specimen["points"][point - 1])
    return {k: materialize(v) for k, v in specs.items()}


def n_points(specimen: dict) -> int:
    return 1 + len(specimen.get("points", []))


def wrt_names(specimen: dict) -> list[str]:
    out = []
    for k, v in specimen["inputs"].items():
        is_float = v.get("dtype", "float64").startswith("float")
        if v.get("wrt", is_float):
            out.append(k)
    return out


def cotangent_like(shape, seed=1234) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def rel_err(got: np.ndarray, ref: np.ndarray) -> float:
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    den = max(float(np.max(np.abs(ref))) if ref.size else 0.0, 1e-300)
    return float(np.max(np.abs(got - ref))) / den if ref.size else 0.0
