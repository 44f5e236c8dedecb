"""Checked conversion of raw YAML values into numbers, arrays and names.

Helpers of ``loader.py``: each raises CaseError naming the field and what is
accepted; the loader fills in file and line.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from typing import Any

import numpy as np

from gradcheck_lab.errors import CaseError

_FLOAT_TEXT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def number(value: Any, field: str) -> float:
    """A finite real number. Accepts ``1e-6`` written without a dot (YAML reads it as text)."""
    if isinstance(value, bool):
        raise CaseError(f"expected a number, got {value!r}", field=field)
    if isinstance(value, str) and _FLOAT_TEXT.match(value.strip()):
        value = float(value)
    if not isinstance(value, (int, float)):
        raise CaseError(f"expected a number, got {_kind(value)}", field=field,
                        accepted="a finite number such as 1, 0.5, 1.0e-6")
    if not math.isfinite(float(value)):
        raise CaseError(f"expected a finite number, got {value!r}", field=field)
    return float(value) if isinstance(value, float) else int(value)


def array(value: Any, field: str, max_elements: int) -> np.ndarray:
    """A number or a rectangular nested list of numbers, as a read-only float64 array."""
    shape = _shape(value, field)
    size = math.prod(shape)
    if size > max_elements:
        raise CaseError(f"the array has {size} elements, more than the limit of {max_elements}",
                        field=field)
    flat: list[float] = []
    _flatten(value, flat, field)
    out = np.asarray(flat, dtype=np.float64).reshape(shape)
    out.setflags(write=False)
    return out


def _shape(value: Any, field: str) -> tuple[int, ...]:
    if isinstance(value, list):
        if not value:
            raise CaseError("an empty list has no values", field=field)
        shapes = {_shape(v, field) for v in value}
        if len(shapes) > 1:
            raise CaseError(f"ragged nested list: rows have shapes {sorted(shapes)}", field=field,
                            accepted="a rectangular nested list of numbers")
        return (len(value),) + shapes.pop()
    number(value, field)
    return ()


def _flatten(value: Any, out: list[float], field: str) -> None:
    if isinstance(value, list):
        for v in value:
            _flatten(v, out, field)
    else:
        out.append(float(number(value, field)))


def mapping(value: Any, field: str) -> dict[Any, Any]:
    if not isinstance(value, dict):
        raise CaseError(f"expected a mapping, got {_kind(value)}", field=field)
    return value


def text(value: Any, field: str) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise CaseError(f"expected text, got {_kind(value)}", field=field)
    return value


def choice(value: Any, field: str, options: Iterable[Any]) -> Any:
    options = list(options)
    if value not in options:
        raise CaseError(f"{value!r} is not accepted", field=field,
                        accepted=", ".join(str(o) for o in options))
    return value


def unknown_keys(data: dict[Any, Any], allowed: Iterable[str], where: str) -> None:
    """Raise for the first key of ``data`` not in ``allowed``, with a did-you-mean."""
    allowed = list(allowed)
    for key in data:
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), allowed, n=1)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
            field = f"{where}.{key}" if where else str(key)
            err = CaseError(f"unknown field '{key}'{suggestion}", field=field,
                            accepted=", ".join(allowed))
            err.line = getattr(data, "lines", {}).get(key)
            raise err


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"
