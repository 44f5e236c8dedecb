"""gradcheck-lab: verify gradients four ways (SymPy, finite differences, torch, JAX).

Public API::

    from gradcheck_lab import verify, load_cases
    report = verify("cases/")            # RunReport
    report.exit_code                     # 0, or 1 when a case fails or errors

    from gradcheck_lab import check        # inside a pytest test
    check(my_softplus, expr="log(1 + exp(x))", inputs={"x": [-3.0, 0.0, 2.0]},
          framework="torch")             # raises GradientMismatch with the report

Importing this package imports neither torch nor jax; each method imports its
framework when it runs.
"""

from __future__ import annotations

from gradcheck_lab.api import check
from gradcheck_lab.errors import (
    CaseError,
    CaseFileErrors,
    GradcheckError,
    GradientMismatch,
    UsageError,
)
from gradcheck_lab.run import load_cases, verify

__version__ = "0.1.0"
__all__ = ["CaseError", "CaseFileErrors", "GradcheckError", "GradientMismatch", "UsageError",
           "check", "load_cases", "verify", "__version__"]
