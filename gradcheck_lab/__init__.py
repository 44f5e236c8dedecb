"""gradcheck-lab: verify gradients four ways (SymPy, finite differences, torch, JAX).

Public API::

    from gradcheck_lab import verify, load_cases
    report = verify("cases/")            # RunReport
    report.exit_code                     # 0, or 1 when a case fails or errors

Importing this package imports neither torch nor jax; each method imports its
framework when it runs.
"""

from __future__ import annotations

from gradcheck_lab.errors import CaseError, CaseFileErrors, GradcheckError, UsageError
from gradcheck_lab.run import load_cases, verify

__version__ = "0.1.0"
__all__ = ["CaseError", "CaseFileErrors", "GradcheckError", "UsageError", "load_cases",
           "verify", "__version__"]
