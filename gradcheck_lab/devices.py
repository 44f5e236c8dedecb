"""Where torch and JAX run: a case's ``device``, ``--device``, ``torch@cuda``.

A device is ``cpu``, ``cuda`` (the current CUDA device), ``cuda:N`` or ``auto`` (the
accelerator when the framework sees one, else the CPU). Only the framework methods and
implementations run there; the exact reference and finite differences stay on the CPU in
float64. A device the framework cannot see makes those methods ``skipped`` with a one-line
reason, so one suite runs on a laptop and on a GPU runner alike.

The framework is imported only to answer for a device other than ``cpu`` (the method
that asks is about to import it anyway).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from gradcheck_lab.names import DEVICE_RE, DEVICES_ACCEPTED

CPU = "cpu"
AUTO = "auto"
FRAMEWORKS = ("torch", "jax")


def check_device(device: str) -> str:
    """``device`` if it is one of the accepted forms, else ValueError saying what is."""
    if not isinstance(device, str) or not DEVICE_RE.match(device):
        raise ValueError(f"unknown device {device!r} (accepted: {DEVICES_ACCEPTED})")
    return device


def _index(device: str) -> int:
    return int(device.split(":", 1)[1]) if ":" in device else 0


def _torch_cuda_count() -> int:
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def _jax_gpus() -> list[Any]:
    import jax

    try:
        return list(jax.devices("gpu"))
    except RuntimeError:  # no GPU backend in this jaxlib
        return []


def resolve(framework: str, device: str) -> str:
    """``auto`` made concrete for ``framework`` (``cuda`` when it sees one, else ``cpu``)."""
    if device != AUTO:
        return device
    count = _torch_cuda_count() if framework == "torch" else len(_jax_gpus())
    return "cuda" if count else CPU


def unavailable(framework: str, device: str) -> str | None:
    """Why ``framework`` cannot run on ``device`` (one line), or None when it can."""
    device = resolve(framework, check_device(device))
    if device == CPU:
        return None
    index = _index(device)
    if framework == "torch":
        count = _torch_cuda_count()
        if count == 0:
            import torch

            build = f"torch {torch.__version__}"
            return (f"device {device}: torch sees no CUDA device "
                    f"(torch.cuda.is_available() is False; {build})")
    else:
        count = len(_jax_gpus())
        if count == 0:
            return f"device {device}: JAX sees no GPU (jax.devices('gpu') is empty or fails)"
    if index >= count:
        return (f"device {device}: {framework} sees {count} CUDA device(s), "
                f"cuda:0 to cuda:{count - 1}")
    return None


def torch_device(device: str) -> Any:
    """The ``torch.device`` for ``device`` (``auto`` resolved)."""
    import torch

    return torch.device(resolve("torch", device))


def jax_device(device: str) -> Any:
    """The JAX device object for ``device`` (``auto`` resolved): CPU 0, or GPU N."""
    import jax

    device = resolve("jax", device)
    if device == CPU:
        return jax.devices(CPU)[0]
    return _jax_gpus()[_index(device)]


@contextmanager
def running_on(framework: str, device: str) -> Iterator[None]:
    """Arrays and tensors made inside are made on ``device``; restored on leaving.

    torch: ``torch.device(...)`` as a context (the default device of factory functions:
    the inputs, the expression's constants, the cotangent, and tensors the user's code
    makes); on the CPU nothing is changed. JAX: ``jax.default_device``, also for the CPU,
    where a JAX with a GPU would otherwise put arrays on the GPU.
    """
    if framework == "torch":
        if resolve(framework, device) == CPU:
            yield
            return

        with torch_device(device):
            yield
        return
    import jax

    with jax.default_device(jax_device(device)):
        yield


def label(framework: str, device: str) -> str:
    """What a report shows as where a method ran: ``cpu``, ``cuda:0``, ..."""
    device = resolve(framework, device)
    if device == CPU or ":" in device:
        return device
    if framework == "torch":
        import torch

        return f"cuda:{torch.cuda.current_device()}"
    return "cuda:0"
