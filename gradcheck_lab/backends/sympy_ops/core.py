"""SymPy rows of the syntax's operators, indexing and structure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck_lab.backends.sympy_ops.common import (
    add,
    div,
    elementwise,
    mul,
    neg,
    obj,
    power,
    sub,
)


def _stack(*xs: Any, axis: int = 0) -> np.ndarray:
    arrays = np.broadcast_arrays(*[obj(x) for x in xs])
    return np.stack(arrays, axis=axis).astype(object)


TABLE: dict[str, Callable[..., Any]] = {
    "add": elementwise(add, 2), "sub": elementwise(sub, 2), "mul": elementwise(mul, 2),
    "div": elementwise(div, 2), "pow": elementwise(power, 2), "neg": elementwise(neg),
    "getitem": lambda a, index: obj(obj(a)[index]),
    "T": lambda a: obj(np.transpose(obj(a))),
    "stack": _stack,
    "reshape": lambda a, shape: obj(np.reshape(obj(a), shape)),
}
