"""Shared pieces of the method modules: timing, error capture, target shapes."""

from __future__ import annotations

import dataclasses
import importlib.util
import time
from collections.abc import Callable, Mapping

import numpy as np

from gradcheck_lab.case import Case, Point
from gradcheck_lab.results import MethodResult


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
        value = detach().cpu().numpy()
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
    return {k: np.array(v, dtype=np.float64) for k, v in point.values.items()}
