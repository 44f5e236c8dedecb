"""Method registry: method name -> module (imported only when the method runs).

Each module exposes ``unavailable() -> str | None`` (a reason to skip, e.g. the
framework is not installed) and ``compute(case, point) -> MethodResult``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# name -> module path; order is the report's column order
BUILTIN_METHODS: dict[str, str] = {
    "sympy": "gradcheck_lab.methods.symbolic",
    "fd": "gradcheck_lab.methods.fd",
    "complex_step": "gradcheck_lab.methods.complex_step",
    "torch": "gradcheck_lab.methods.torch_reverse",
    "torch_forward": "gradcheck_lab.methods.torch_forward",
    "jax": "gradcheck_lab.methods.jax_reverse",
    "jax_forward": "gradcheck_lab.methods.jax_forward",
}
EXPECT_METHOD = "expect"
CLAIM_PREFIX = "claim:"
IMPL_PREFIX = "impl:"
# run when a case names no methods (complex_step and the forward modes are opt-in)
DEFAULT_METHODS: tuple[str, ...] = ("sympy", "fd", "torch", "jax")


def load_method(name: str) -> ModuleType:
    return importlib.import_module(BUILTIN_METHODS[name])
