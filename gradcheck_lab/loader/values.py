"""Checked conversion of raw YAML values into numbers, arrays and names.

Helpers of ``loader.py``: each raises CaseError naming the field and what is
accepted; the loader fills in file and line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

import numpy as np

from gradcheck_lab.errors import CaseError
from gradcheck_lab.suggest import did_you_mean

MAX_DIMENSIONS = 32  # NumPy stops at 64; no case needs more than a few
_FLOAT_TEXT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def number(value: Any, field: str, finite: bool = True) -> float:
    """A finite real number (also inf and NaN unless ``finite``). Accepts ``1e-6`` written
    without a dot (YAML reads it as text)."""
    if isinstance(value, bool):
        raise CaseError(f"expected a number, got {value!r}", field=field)
    if isinstance(value, str) and len(value) < 400 and _FLOAT_TEXT.match(value.strip()):
        value = float(value)
    if not isinstance(value, (int, float)):
        raise CaseError(f"expected a number, got {_kind(value)}", field=field,
                        accepted="a finite number such as 1, 0.5, 1.0e-6")
    try:
        finite_value = math.isfinite(float(value))
    except OverflowError:  # an integer beyond float64, e.g. 0xfff...f
        finite_value = False
    if not finite_value and (finite or isinstance(value, int)):
        raise CaseError(f"expected a finite number, got {short(value)}", field=field)
    return float(value) if isinstance(value, float) else int(value)


def array(value: Any, field: str, max_elements: int, finite: bool = True) -> np.ndarray:
    """A number or a rectangular nested list of numbers, as a read-only float64 array
    (with inf and NaN allowed unless ``finite``)."""
    shape = _shape(value, field, finite)
    if len(shape) > MAX_DIMENSIONS:
        raise CaseError(f"the array has {len(shape)} dimensions, more than {MAX_DIMENSIONS}",
                        field=field)
    size = math.prod(shape)
    if size > max_elements:
        raise CaseError(f"the array has {size} elements, more than the limit of {max_elements}",
                        field=field)
    flat: list[float] = []
    _flatten(value, flat, field, finite)
    out = np.asarray(flat, dtype=np.float64).reshape(shape)
    out.setflags(write=False)
    return out


def _shape(value: Any, field: str, finite: bool = True) -> tuple[int, ...]:
    if isinstance(value, list):
        if not value:
            raise CaseError("an empty list has no values", field=field)
        shapes = {_shape(v, field, finite) for v in value}
        if len(shapes) > 1:
            raise CaseError(f"ragged nested list: rows have shapes {sorted(shapes)}", field=field,
                            accepted="a rectangular nested list of numbers")
        return (len(value),) + shapes.pop()
    number(value, field, finite)
    return ()


def _flatten(value: Any, out: list[float], field: str, finite: bool = True) -> None:
    if isinstance(value, list):
        for v in value:
            _flatten(v, out, field, finite)
    else:
        out.append(float(number(value, field, finite)))


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
    """``value`` if it is one of ``options``, of the same type (``yes`` is not ``1``)."""
    options = list(options)
    if not any(type(value) is type(o) and value == o for o in options):
        names = [str(o) for o in options]
        hint = did_you_mean(value, names, 1) if isinstance(value, str) else ""
        raise CaseError(f"{short(value)} is not accepted{hint}", field=field,
                        accepted=", ".join(names))
    return value


def unknown_keys(data: dict[Any, Any], allowed: Iterable[str], where: str) -> None:
    """Raise for the first key of ``data`` not in ``allowed``, with a did-you-mean."""
    allowed = list(allowed)
    for key in data:
        if key not in allowed:
            suggestion = did_you_mean(str(key), allowed)
            name = str(key) if len(str(key)) <= 100 else str(key)[:97] + "..."
            field = f"{where}.{name}" if where else name
            err = CaseError(f"unknown field '{name}'{suggestion}", field=field,
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
    return f"{type(value).__name__} {short(value)}"


def short(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to about ``limit`` characters: a name may be a megabyte long."""
    if isinstance(value, (list, dict)) and len(value) > 10:
        return f"a {type(value).__name__} of {len(value)} items"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"an integer of {len(hex(value)) - 2} hex digits"
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."
