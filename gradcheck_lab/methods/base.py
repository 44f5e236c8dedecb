"""Shared pieces of the method modules: timing, error capture, target shapes."""

from __future__ import annotations

import dataclasses
import importlib.util
import time
import zlib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradcheck_lab.case import Case, Point
from gradcheck_lab.expr.graph import Expression
from gradcheck_lab.results import MethodResult


def expression(case: Case) -> Expression:
    """The case's expression (a method that needs one runs only when it exists: the
    runner skips it for a function whose reference is numeric, see ``MethodSpec``)."""
    if case.expr is None:
        raise ValueError(f"case {case.name} has no expression: {case.reference_source}")
    return case.expr


def missing_module(module: str, extra: str) -> str | None:
    """A skip reason when ``module`` cannot be imported, else None (nothing is imported)."""
    if importlib.util.find_spec(module) is None:
        return f"{module} is not installed (pip install 'gradcheck-lab[{extra}]')"
    return None


def timed(method: str, compute: Callable[[], MethodResult]) -> MethodResult:
    """Run ``compute``; an exception becomes an ``error`` result carrying its message."""
    start = time.perf_counter()
    try:
        result = compute()
    except Exception as exc:  # noqa: BLE001 - a crash of one method is a result, not a crash
        message = f"{type(exc).__name__}: {exc}".strip()
        return MethodResult(method, error=message[:2000], seconds=time.perf_counter() - start)
    return dataclasses.replace(result, method=method, seconds=time.perf_counter() - start)


def as_float64(value: object) -> np.ndarray:
    """A float64 numpy copy of a number, numpy array, torch tensor or jax array."""
    detach = getattr(value, "detach", None)
    if detach is not None:  # torch: np.array(tensor) warns about __array__'s copy keyword
        tensor: Any = detach().cpu()
        if tensor.is_floating_point() and tensor.element_size() == 2:
            tensor = tensor.float()  # float16, bfloat16 (numpy has none): widen, exactly
        # force: a derivative that is identically zero may come back as a ZeroTensor (the
        # double backward of abs), which numpy() refuses without it
        value = tensor.numpy(force=True)
    return np.array(value, dtype=np.float64)


def jacobian_to_target(case: Case, jacobian: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Turn full Jacobians (output shape + input shape) into what the case checks."""
    out = {}
    for name, jac in jacobian.items():
        if case.cotangent is not None and not case.is_scalar:
            axes = tuple(range(len(case.output_shape)))
            out[name] = np.tensordot(case.cotangent, jac, axes=(axes, axes))
        elif case.cotangent is not None:
            out[name] = float(case.cotangent) * jac
        else:
            out[name] = jac
    return out


def wants_hessian(case: Case) -> bool:
    """``order: 2`` on a scalar output (or a cotangent, which makes it one)."""
    return case.order == 2 and (case.is_scalar or case.cotangent is not None)


HVP_ABOVE = 200  # differentiated elements above which order 2 checks Hessian-vector products
HVP_DIRECTIONS = 3
HVP_KEY = "·v{}"  # the Hessian "column" of direction j: hessian[a]["·v0"] = (H v_0)[a]


def hessian_directions(case: Case, point: Point) -> np.ndarray | None:
    """Seeded random directions (k, n) for Hessian-vector products, or None (full Hessian).

    Above ``HVP_ABOVE`` differentiated elements a full Hessian (n^2 entries, n
    reverse sweeps) is too costly, so every method computes ``H v`` for the same
    ``HVP_DIRECTIONS`` standard normal directions over the concatenated inputs,
    seeded from the case name and the point: a wrong entry of H changes ``H v``
    with probability 1.
    """
    if not uses_hvp(case):
        return None
    rng = np.random.default_rng([zlib.crc32(case.name.encode()), point.index])
    return rng.standard_normal((HVP_DIRECTIONS, wrt_size(case)))


def wrt_size(case: Case) -> int:
    """Differentiated input elements, all inputs together."""
    return sum(spec.value.size for spec in case.wrt)


def uses_hvp(case: Case) -> bool:
    """Order 2 checked through Hessian-vector products (above ``HVP_ABOVE`` elements)."""
    return wants_hessian(case) and wrt_size(case) > HVP_ABOVE


def split_hvp(case: Case, products: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """(k, n) products ``H v_j`` -> ``{input: {"·v0": part of H v_0 in the input's shape}}``."""
    out: dict[str, dict[str, np.ndarray]] = {}
    offset = 0
    for spec in case.wrt:
        size = int(np.prod(spec.shape)) if spec.shape else 1
        out[spec.name] = {HVP_KEY.format(j): row[offset:offset + size].reshape(spec.shape)
                          for j, row in enumerate(products)}
        offset += size
    return out


def split_hessian(case: Case, matrix: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """An (n, n) Hessian over the concatenated differentiated inputs, per input pair."""
    shapes = {s.name: s.shape for s in case.wrt}
    starts, offset = {}, 0
    for name, shape in shapes.items():
        starts[name] = offset
        offset += int(np.prod(shape)) if shape else 1
    out: dict[str, dict[str, np.ndarray]] = {}
    for a, sa in shapes.items():
        na = int(np.prod(sa)) if sa else 1
        out[a] = {}
        for b, sb in shapes.items():
            nb = int(np.prod(sb)) if sb else 1
            block = matrix[starts[a]:starts[a] + na, starts[b]:starts[b] + nb]
            out[a][b] = block.reshape(sa + sb)
    return out


def point_arrays(point: Point) -> dict[str, np.ndarray]:
    """Copies of the point's values: float64, and int64 for integer inputs."""
    return {k: np.array(v, dtype=np.int64 if np.asarray(v).dtype.kind in "iu" else np.float64)
            for k, v in point.values.items()}
