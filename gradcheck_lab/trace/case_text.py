"""A traced function written out as a ready case file (``gradcheck-lab trace``).

The case holds the inputs as given, the traced formula as ``expr`` (shared
subexpressions as ``let`` bindings where the case format has them, written inline
otherwise), and the traced code as an implementation, so the case keeps putting that code
on trial; an output of more than ``FULL_JACOBIAN`` elements gets ``cotangent: random``
(the vector-Jacobian product with seeded random weights is checked, not every element).
Numbers are written as the shortest decimal that reads back as the same float64.
Before it is returned, the text is read back by the loader: what ``trace`` prints is a
valid case.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from gradcheck_lab.case import Case
from gradcheck_lab.errors import CaseFileErrors
from gradcheck_lab.loader import CASE_FIELDS, load_bytes
from gradcheck_lab.trace.printer import Formula, formula

UNSHARED = 10 ** 9  # no subexpression is long enough to be named: everything inline
FULL_JACOBIAN = 16  # output elements above which the case checks a random VJP instead


def case_text(case: Case, given: Mapping[str, Any]) -> str:
    """The YAML text of ``case`` (resolved, see ``trace.resolve``) with its inputs as
    ``given`` (the input specs as the user wrote them)."""
    code = case.definition
    assert code is not None and case.traced is not None
    lines = [f"# traced by gradcheck-lab from {case.traced.source} at the point below"]
    lines += [f"# note: {note}" for note in case.traced.notes]
    lines += [f"name: {case.name}", "inputs:"]
    lines += [f"  {name}: {_flow(spec)}" for name, spec in given.items()]
    if case.expr is not None:
        lines += _expression_lines(case)
    else:
        reason = "; ".join(case.traced.unmapped)
        lines += [f"# not traced ({reason}): without expr, the reference is finite "
                  "differences of the implementation below"]
    if case.cotangent_kind is not None or int(np.prod(case.output_shape)) > FULL_JACOBIAN:
        kind = case.cotangent_kind if case.cotangent_kind in ("ones", "random") else "random"
        lines.append(f"cotangent: {kind}  # the output has shape "
                     f"{list(case.output_shape)}: its vector-Jacobian product is checked")
    lines += ["implementations:",
              f"  - {{name: {code.name if code.name != 'reference' else case.name}, "
              f"framework: {code.framework}, function: {json.dumps(code.target)}}}"]
    text = "\n".join(lines) + "\n"
    try:
        load_bytes(text.encode(), "<trace>")
    except CaseFileErrors as exc:  # a bug of the printer, said as such
        raise ValueError(f"the traced case does not read back: {exc}") from None
    return text


def _expression_lines(case: Case) -> list[str]:
    assert case.expr is not None
    names = [spec.name for spec in case.inputs]
    if "let" in CASE_FIELDS:
        shown = formula(case.expr.root, names)
        lines = (["let:"] + [f"  {n}: {_scalar(t)}" for n, t in shown.bindings]
                 if shown.bindings else [])
        return lines + [f"expr: {_scalar(shown.body)}"]
    inline: Formula = formula(case.expr.root, names, min_named=UNSHARED)
    return [f"expr: {_scalar(inline.body)}"]


def _scalar(text: str) -> str:
    """A formula as a YAML value: double-quoted (JSON's escaping is YAML's)."""
    return json.dumps(text)


def _flow(value: Any) -> str:
    """An input spec in YAML flow style (JSON is YAML; floats are shortest round-trip)."""
    return json.dumps(value)
