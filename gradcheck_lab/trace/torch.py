"""Tracing a torch function (placeholder until the recorder lands)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from gradcheck_lab.trace.core import Unmapped
from gradcheck_lab.trace.result import Recording


def record(fn: Callable[..., Any], values: Mapping[str, np.ndarray], wrt: Sequence[str]
           ) -> Recording:
    raise Unmapped("torch", "not traced yet")
