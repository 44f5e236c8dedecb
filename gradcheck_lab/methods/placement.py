"""Framework methods on a device: ``NAME@DEVICE`` names, per-device cases, device labels.

A framework method (torch, torch_forward, jax, jax_forward, a torch or JAX
implementation) runs on its case's device; ``torch@cuda`` is the same method placed on
``cuda`` (``registry.Method.placed``). The method modules read the device from the case
they are given, so a placed method hands them ``on_device(case, device)``.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

from gradcheck_lab import devices
from gradcheck_lab.case import Case
from gradcheck_lab.names import DEVICE_SEPARATOR
from gradcheck_lab.results import MethodResult


def split_device(name: str) -> tuple[str, str | None]:
    """``torch@cuda`` -> (``torch``, ``cuda``); a name without ``@`` -> (name, None)."""
    base, separator, device = name.rpartition(DEVICE_SEPARATOR)
    return (base, device) if separator else (name, None)


def placed_name(name: str, device: str | None) -> str:
    """``NAME@device``, or ``NAME`` for a method on its case's device (``device`` None)."""
    return name if device is None else f"{name}{DEVICE_SEPARATOR}{device}"


@lru_cache(maxsize=64)
def on_device(case: Case, device: str) -> Case:
    """``case`` with its framework methods on ``device``: one object per (case, device), so
    what a method caches per case (JAX's compiled program) is kept across points."""
    return case if case.device == device else dataclasses.replace(case, device=device)


def labelled(result: MethodResult | None, name: str, framework: str, device: str
             ) -> MethodResult | None:
    """The result under the method's own name, with the device it ran on (``cuda:0``)."""
    if result is None:
        return None
    where = None if result.skipped is not None else devices.label(framework, device)
    return dataclasses.replace(result, method=name, device=where)
