"""The methods: one registry row per built-in method, one object per method of a case.

``registry`` holds the rows (``MethodSpec``: name, module, tolerance family, default,
exact) and the :class:`~gradcheck_lab.methods.registry.Method` protocol that built-in
methods, claims, implementations and ``expect`` all satisfy. Each built-in method's
module exposes ``unavailable() -> str | None`` and ``compute(case, point) -> MethodResult``
and imports its framework only when it runs.
"""

from gradcheck_lab.methods.registry import (
    BUILTIN_METHODS,
    DEFAULT_METHODS,
    SPECS,
    Method,
    MethodSpec,
    load_method,
    method_problems,
    methods_of,
)
from gradcheck_lab.names import CLAIM_PREFIX, EXPECT_METHOD, IMPL_PREFIX

__all__ = ["BUILTIN_METHODS", "CLAIM_PREFIX", "DEFAULT_METHODS", "EXPECT_METHOD",
           "IMPL_PREFIX", "SPECS", "Method", "MethodSpec", "load_method", "method_problems",
           "methods_of"]
