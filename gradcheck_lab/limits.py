"""Limits that keep a hostile or mistaken case file from eating the machine.

Case files come from strangers' pull requests and run in CI, so every size a
case file controls has a cap here. One :class:`Limits` object is passed down
from the caller (``load_paths(paths, limits)``, ``verify(..., limits=...)``);
nothing reads a module constant. Every limit is documented in the README
("Limits") and can be changed from the command line as ``--limit NAME=VALUE``
with the field names below (:func:`parse_limit_options`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from gradcheck_lab.errors import UsageError


@dataclass(frozen=True)
class Limits:
    # files
    max_file_bytes: int = 10_000_000          # size of one case file
    max_yaml_nodes: int = 2_000_000           # YAML nodes once aliases are expanded
    max_yaml_depth: int = 200                 # nesting of YAML lists and mappings
    # cases
    max_cases_per_file: int = 1_000
    max_points: int = 1_000                   # entries of `points` per case
    max_input_elements: int = 1_000_000       # per array: an input (literal or random), an
    #                                           expect value, a cotangent
    max_case_elements: int = 10_000_000       # input elements summed over a case's points
    max_expression_elements: int = 10_000_000  # largest array the expression builds at a step
    max_jacobian_elements: int = 10_000_000   # output x differentiated input elements, when
    #                                           the full Jacobian is checked (no cotangent)
    # expressions
    max_expression_chars: int = 20_000
    max_expression_depth: int = 200           # nesting of the expression's syntax tree
    max_constant_exponent: int = 1_000        # |c| of a constant exponent, multiplied along
    #                                           nested powers: (x**40)**30 counts 1200
    # methods
    max_symbolic_elements: int = 20_000       # above this, sympy is skipped and fd is the reference
    max_symbolic_seconds: int = 20            # the exact reference's time per case: above it,
    #                                           sympy says so and fd is the reference
    max_symbolic_nodes: int = 3_000_000       # nodes of the exact reference's SymPy graph

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if type(value) is not int or value < 1:
                raise UsageError(f"limit {f.name} must be a positive integer, got {value!r}")

    def replace(self, **changes: int) -> Limits:
        return dataclasses.replace(self, **changes)


DEFAULT_LIMITS = Limits()
LIMIT_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Limits))


def parse_limit_options(options: Iterable[str], base: Limits = DEFAULT_LIMITS) -> Limits:
    """``["max_points=10", "max_file_bytes=1e6"]`` (the CLI's ``--limit NAME=VALUE``) -> Limits.

    Raises UsageError naming the option and listing the accepted names. Values are positive
    integers; ``1e6`` and ``1_000_000`` are accepted.
    """
    changes: dict[str, int] = {}
    for option in options:
        name, sep, text = option.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in LIMIT_NAMES:
            raise UsageError(f"--limit {option!r}: expected NAME=VALUE with NAME one of "
                             f"{', '.join(LIMIT_NAMES)}")
        value = _positive_int(text.strip())
        if value is None:
            raise UsageError(f"--limit {option!r}: the value must be a positive integer "
                             "(e.g. 1000, 1e6, 1_000_000)")
        changes[name] = value
    return base.replace(**changes) if changes else base


def _positive_int(text: str) -> int | None:
    if len(text) > 30:
        return None
    try:
        value = int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            return None
        if not number.is_integer() or not 1 <= number <= 2 ** 62:
            return None
        value = int(number)
    return value if 1 <= value <= 2 ** 62 else None
