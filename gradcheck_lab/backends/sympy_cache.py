"""SymPy's expression cache, made large in the processes gradcheck-lab owns.

SymPy caches the construction of expressions (an LRU of ``SYMPY_CACHE_SIZE`` entries,
1,000 by default, read when SymPy is imported). The exact reference builds large DAGs
whose shared subexpressions must stay the same objects: once the cache evicts them, an
equal subexpression is built again as a new object, and SymPy compares two such copies
as trees, visiting every shared node once per path. Measured: ``sum(sin(expm(x)))`` of a
2x3x3 stack did not finish building in 300 s with the default size; with 10,000 entries
or more it takes 0.5 s. The command line and its workers set a larger size before SymPy
is imported (``own_process_cache``). A library call (``check()``, ``verify()``, the
pytest plugin) runs in the caller's process, whose environment stays as it was; when
nothing there has imported SymPy yet, the first case that runs the exact reference
imports it with the large size (``import_with_large_cache``: the variable is set around
the import only, so subprocesses see the caller's environment), since the
exact-reference budget cannot interrupt such a comparison. A caller who imported SymPy
first keeps its own size. Only ``import_with_large_cache`` imports SymPy.
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


def import_with_large_cache(environ: MutableMapping[str, str] = os.environ) -> str | None:
    """Import SymPy with ``OWN_PROCESS_SIZE`` cache entries (or the size the user set),
    leaving ``environ`` as it was. The size in use, or None when SymPy was imported
    before (its size is then the caller's)."""
    if "sympy" in sys.modules:
        return None
    given = environ.get(SIZE_ENV)
    if given is None:
        environ[SIZE_ENV] = str(OWN_PROCESS_SIZE)
    try:
        import sympy  # noqa: F401  (reads SYMPY_CACHE_SIZE now)
    finally:
        if given is None:
            environ.pop(SIZE_ENV, None)
    return given if given is not None else str(OWN_PROCESS_SIZE)
