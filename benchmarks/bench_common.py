"""What every benchmark script shares: the machine line and writing the result file."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import numpy as np


def machine() -> str:
    """Cores, CPU, and the versions that the numbers depend on (imports torch, jax, sympy)."""
    import jax
    import sympy
    import torch

    return (f"{os.cpu_count()} cores {platform.machine()} CPU, Python "
            f"{platform.python_version()}, torch {torch.__version__}, jax {jax.__version__}, "
            f"sympy {sympy.__version__}, numpy {np.__version__}")


def publish(text: str, output: Path | None) -> None:
    """Print the Markdown result, and write it to ``output`` when given."""
    print(text)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text)
