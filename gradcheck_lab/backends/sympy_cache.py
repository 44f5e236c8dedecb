"""SymPy's expression cache, made large in the processes gradcheck-lab owns.

SymPy caches the construction of expressions (an LRU of ``SYMPY_CACHE_SIZE`` entries,
1,000 by default, read when SymPy is imported). The exact reference builds large DAGs
whose shared subexpressions must stay the same objects: once the cache evicts them, an
equal subexpression is built again as a new object, and SymPy compares two such copies
as trees, visiting every shared node once per path. Measured: ``sum(sin(expm(x)))`` of a
2x3x3 stack did not finish building in 300 s with the default size; with 10,000 entries
or more it takes 0.5 s. The command line and its workers set a larger size before SymPy
is imported (``own_process_cache``); a library call (``check()``, ``verify()``, the pytest
plugin) leaves the caller's process as it is, and its exact-reference budget cannot
interrupt such a comparison. Nothing here imports SymPy.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

SIZE_ENV = "SYMPY_CACHE_SIZE"  # SymPy's own setting: a size the user gave wins
OWN_PROCESS_SIZE = 50_000


def own_process_cache(environ: MutableMapping[str, str] = os.environ) -> str | None:
    """Give this process (ours: the CLI or a worker) a large SymPy cache, unless the user
    set one or SymPy is already imported (too late: it has read its setting). Worker
    processes inherit the setting. Returns the size in use, or None when too late."""
    if "sympy" in sys.modules:
        return None
    environ.setdefault(SIZE_ENV, str(OWN_PROCESS_SIZE))
    return environ[SIZE_ENV]
