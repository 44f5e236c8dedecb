"""The user's own function called in float64, for tracing and for finite differences.

torch: tensors in float64 (integer inputs as int64), under ``torch.no_grad()``.
JAX: arrays made and the function run under ``jax.enable_x64(True)``, a scoped setting,
so the user's own JAX configuration (float32 by default) is left as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradcheck_lab.case import Case, Implementation


def load(code: Implementation) -> Callable[..., Any]:
    """The callable of an implementation (given directly, or imported from ``module:attr``)."""
    if code.callable is not None:
        return code.callable
    from gradcheck_lab.methods.implementations import import_target

    return import_target(code.target, code.base_dir)


def describe(code: Implementation) -> str:
    """How a report names the code: ``module:attr`` or the callable's name, and framework."""
    if code.callable is not None:
        qualified = getattr(code.callable, "__qualname__", None) or type(code.callable).__name__
        module = getattr(code.callable, "__module__", None)
        label = f"{module}:{qualified}" if module and module != "__main__" else qualified
    else:
        label = code.target
    return f"{label} ({code.framework})"


def call_float64(fn: Callable[..., Any], framework: str, values: Mapping[str, np.ndarray]
                 ) -> np.ndarray:
    """``fn(**values)`` run in float64; its output as a numpy array (its own dtype)."""
    if framework == "torch":
        import torch

        with torch.no_grad():
            out = fn(**{k: torch.as_tensor(np.asarray(v)) for k, v in values.items()})
        if not isinstance(out, torch.Tensor):
            raise TypeError(f"expected a torch.Tensor, got {type(out).__name__}")
        return np.asarray(out.detach().cpu().numpy())
    import jax
    import jax.numpy as jnp

    with jax.enable_x64(True):
        out = fn(**{k: jnp.asarray(v) for k, v in values.items()})
        if not hasattr(out, "shape"):
            raise TypeError(f"expected a jax array, got {type(out).__name__}")
        return np.asarray(out)


def function_of(case: Case) -> Callable[[Mapping[str, np.ndarray]], np.ndarray]:
    """The case's function from its code, float64 in and out (finite differences use it
    when no expression of it exists)."""
    code = case.definition
    if code is None:
        raise ValueError(f"case {case.name} has neither an expression nor code to run")
    fn = load(code)

    def evaluate(values: Mapping[str, np.ndarray]) -> np.ndarray:
        return np.asarray(call_float64(fn, code.framework, values), dtype=np.float64)

    return evaluate


def refuses_float64(out: np.ndarray) -> str:
    """A note when the function answered float64 inputs with a narrower float."""
    dtype = np.asarray(out).dtype
    if dtype.kind == "f" and dtype.itemsize < 8:
        return (f"the function returns {dtype.name} for float64 inputs (it computes in "
                f"{dtype.name} inside): values and differences of it are only good to about "
                f"{np.finfo(dtype).eps:.0e} relative")
    return ""
