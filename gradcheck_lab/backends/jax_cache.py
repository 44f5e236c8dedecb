"""Where JAX keeps compiled programs between runs, turned on only in processes we own.

JAX's persistent compilation cache is one per process: once a program is compiled
with it, every later compilation in that process (the user's own too) reads and
writes that folder, whatever the user sets afterwards. So gradcheck-lab turns it on
only where the process is its own: the command line and its worker processes
(``own_process_cache``, called before JAX is imported). A library call
(``check()``, ``verify()``, the pytest plugin) runs in the caller's process and leaves
JAX's settings as they are. Nothing here imports JAX.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, MutableMapping

CACHE_ENV = "GRADCHECK_LAB_CACHE"  # a folder, or off / 0 / no / false
_OFF = ("off", "0", "no", "false")
JAX_DIR_ENV = "JAX_COMPILATION_CACHE_DIR"  # JAX's own setting: wins when set
JAX_MIN_TIME_ENV = "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"


def cache_folder(environ: Mapping[str, str] = os.environ) -> str | None:
    """Where JAX keeps compiled programs between runs; None when the user said off.

    Every case compiles one small XLA program; keeping them on disk saves a cold
    run over the seed cases about 0.6 s of its 3.5 s here. An unwritable folder
    only means nothing is cached (JAX ignores write errors).
    """
    setting = environ.get(CACHE_ENV, "")
    if setting.lower() in _OFF:
        return None
    if setting:
        return os.path.join(setting, "jax")
    home = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(home, "gradcheck-lab", "jax")


def own_process_cache(environ: MutableMapping[str, str] = os.environ) -> str | None:
    """Turn the persistent cache on for this process (ours: the CLI or a worker).

    Sets JAX's environment variables, which JAX reads when it is imported, so it
    must run before that; worker processes inherit them. A folder the user gave in
    ``JAX_COMPILATION_CACHE_DIR`` is kept. Returns the folder in use, or None.
    """
    if environ.get(JAX_DIR_ENV):
        return environ[JAX_DIR_ENV]
    folder = cache_folder(environ)
    if folder is None or "jax" in sys.modules:  # too late: JAX has read its settings
        return None
    environ[JAX_DIR_ENV] = folder
    environ.setdefault(JAX_MIN_TIME_ENV, "0")  # our programs compile in well under 1 s
    return folder
