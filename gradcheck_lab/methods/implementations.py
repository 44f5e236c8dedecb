"""Methods ``impl:NAME``: user code on trial.

``framework: torch`` / ``jax``: a forward function called with every input as
a keyword argument (a tensor/array in the case's dtype); its gradient comes
from that framework's reverse mode, so a custom backward
(``torch.autograd.Function``, ``jax.custom_vjp``) is what is tested.
``framework: numpy``: a hand-written gradient function called with float64
arrays, returning an array (one differentiated input) or a mapping.
A crash or a wrong shape is an ``error`` result with the message.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from gradcheck_lab.case import Case, Implementation, Point
from gradcheck_lab.devices import running_on
from gradcheck_lab.errors import ImplementationError
from gradcheck_lab.methods.base import (
    as_float64,
    hessian_directions,
    missing_module,
    point_arrays,
    timed,
    wants_hessian,
)
from gradcheck_lab.methods.compiled import compiled
from gradcheck_lab.names import IMPL_PREFIX
from gradcheck_lab.results import MethodResult


def unavailable(impl: Implementation) -> str | None:
    if impl.framework == "numpy":
        return None
    return missing_module(impl.framework, impl.framework)


def _provided_by(module: Any, base_dir: str) -> bool:
    file = getattr(module, "__file__", None)
    return file is not None and Path(file).resolve().is_relative_to(Path(base_dir).resolve())


def import_target(target: str, base_dir: str) -> Callable[..., Any]:
    """``package.module:attr``, importing from ``base_dir`` first, then ``sys.path``."""
    module_name, attr = target.split(":", 1)
    root = module_name.split(".")[0]
    local = (Path(base_dir) / f"{root}.py").is_file() or (Path(base_dir) / root).is_dir()
    cached = sys.modules.get(module_name)
    if local and cached is not None and not _provided_by(cached, base_dir):
        for name in [m for m in sys.modules if m == root or m.startswith(root + ".")]:
            del sys.modules[name]  # a same-named module from another case folder
    sys.path.insert(0, base_dir)
    try:
        obj: Any = importlib.import_module(module_name)
    finally:
        sys.path.remove(base_dir)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise ImplementationError(f"{target} is not callable")
    return obj


def _check_shapes(case: Case, grads: Mapping[str, np.ndarray]) -> None:
    for name, grad in grads.items():
        if grad.shape != case.gradient_shape(name):
            raise ImplementationError(f"gradient of '{name}' has shape {grad.shape}, expected "
                                      f"{case.gradient_shape(name)}")


def _check_output(case: Case, shape: tuple[int, ...]) -> None:
    if shape != case.output_shape:
        raise ImplementationError(f"the function returned shape {shape}, the expression's "
                                  f"output has shape {case.output_shape}")


Outcome = tuple[Any, dict[str, Any], dict[str, dict[str, np.ndarray]] | None]


def _torch(case: Case, point: Point, fn: Callable[..., Any]) -> Outcome:
    import torch

    from gradcheck_lab.methods.torch_reverse import (
        double_backward_hessian,
        grad_enabled,
        leaves,
        reverse_gradients,
    )

    with grad_enabled(case.device):
        values = leaves(case, point)
        out = fn(**values)  # the value and the graph its gradient comes from: one call
        if not isinstance(out, torch.Tensor):
            raise ImplementationError(f"expected a torch.Tensor, got {type(out).__name__}")
        _check_output(case, tuple(out.shape))
        names = [spec.name for spec in case.wrt]
        wrt = [values[n] for n in names]
        hessian = double_backward_hessian(case, out, wrt, hessian_directions(case, point)) \
            if wants_hessian(case) and out.requires_grad else None
        grads = reverse_gradients(case, out, wrt)
    return as_float64(out), dict(zip(names, grads, strict=True)), hessian


def _jax(case: Case, point: Point, fn: Callable[..., Any]) -> Outcome:
    from gradcheck_lab.backends.jax_ops import x64
    from gradcheck_lab.methods.jax_autodiff import as_function, hessian, reverse_mode

    def evaluate_user(arrays: Mapping[str, Any]) -> Any:
        out = fn(**arrays)
        if not hasattr(out, "shape"):
            raise ImplementationError(f"expected a jax array, got {type(out).__name__}")
        _check_output(case, tuple(out.shape))
        return out

    # float64 for our calls only, on the case's device; the caller's settings are restored
    with x64(), running_on("jax", case.device):
        f, primals, names = as_function(case, point, evaluate_user)
        out, grads = reverse_mode(case, f, primals)  # value and gradient from one jax.vjp
        second = hessian(case, f, primals, forward=False,
                         directions=hessian_directions(case, point)) \
            if wants_hessian(case) and primals else None
        return (as_float64(out), {n: as_float64(g) for n, g in zip(names, grads, strict=True)},
                second)


def _numpy(case: Case, point: Point, fn: Callable[..., Any]) -> Outcome:
    returned = fn(**point_arrays(point))
    wrt = [spec.name for spec in case.wrt]
    if isinstance(returned, Mapping):
        unknown = set(returned) - set(wrt)
        if unknown:
            raise ImplementationError(f"returned gradients for {sorted(unknown)}, which are not "
                                      f"differentiated inputs ({', '.join(wrt)})")
        grads = {str(k): as_float64(g) for k, g in returned.items()}
    elif len(wrt) == 1:
        grads = {wrt[0]: as_float64(returned)}
    else:
        raise ImplementationError(f"returned one array, but the case differentiates "
                                  f"{', '.join(wrt)}: return a mapping input name -> array")
    return None, grads, None


_RUNNERS = {"torch": _torch, "jax": _jax, "numpy": _numpy}


def compute(case: Case, point: Point, impl: Implementation) -> MethodResult:
    name = IMPL_PREFIX + impl.name

    def run() -> MethodResult:
        fn = impl.callable or import_target(impl.target, impl.base_dir)
        if impl.compile is not False:
            fn = compiled(fn, impl.framework, impl.compile)
        value, grads, hessian = _RUNNERS[impl.framework](case, point, fn)
        _check_shapes(case, grads)
        return MethodResult(name, value=value, gradient=grads, hessian=hessian)

    return timed(name, run)
