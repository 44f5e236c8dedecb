"""The README's op table, generated from the OpSpec rows (``make docs`` rewrites it).

``python -m gradcheck_lab.expr.doc README.md`` replaces the text between the markers
``<!-- ops:start -->`` and ``<!-- ops:end -->``; a test fails when the README's table
differs from the rows.
"""

from __future__ import annotations

import sys
from pathlib import Path

from gradcheck_lab.expr.ops import OPS
from gradcheck_lab.expr.opspec import OpSpec

START, END = "<!-- ops:start -->", "<!-- ops:end -->"
_TITLES = {"operator": "Operators", "structure": "Indexing and structure",
           "conditional": "Conditionals and piecewise functions",
           "elementwise": "Elementwise", "special": "Further functions (numpy, scipy.special)",
           "activation": "Activations (torch.nn.functional)", "reduction": "Reductions",
           "scan": "Scans and order statistics", "shape": "Shape ops",
           "linalg": "Linear algebra", "nn": "Neural-network ops (torch.nn.functional)",
           "other": "Other"}


def _call(spec: OpSpec) -> str:
    if not spec.callable_by_user:
        return spec.syntax or spec.name
    if spec.syntax:  # an operator that may also be called by its numpy name
        return f"{spec.syntax}`, `{spec.signature()}"
    return spec.signature()


def _notes(spec: OpSpec) -> str:
    notes = []
    if spec.boolean or spec.integer:
        notes.append("boolean result" if spec.boolean else "integer result")
    if spec.kink is not None:
        notes.append("jumps" if spec.jump else "kinks")
    if spec.guard is not None and spec.kink is None:
        notes.append("domain edges")
    if spec.analytic is False:
        notes.append("no complex step")
    elif callable(spec.analytic):
        notes.append("complex step for some keywords")
    return ", ".join(notes)


def op_table() -> str:
    """Markdown: one table per category, one line per op."""
    parts = []
    for category, title in _TITLES.items():
        rows = [spec for spec in OPS.values() if spec.category == category]
        if not rows:
            continue
        parts.append(f"**{title}**\n\n| op | meaning | non-smooth points |\n|---|---|---|")
        for spec in rows:
            call, doc = (_escape(text) for text in (_call(spec), spec.doc))
            parts[-1] += f"\n| `{call}` | {doc} | {_notes(spec)} |"
    return "\n\n".join(parts)


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def rewrite(text: str) -> str:
    """``text`` with the block between the markers replaced by the current table."""
    head, start, rest = text.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"the markers {START} and {END} are missing")
    return f"{head}{START}\n{op_table()}\n{END}{tail}"


if __name__ == "__main__":  # python -m gradcheck_lab.expr.doc README.md
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    path.write_text(rewrite(path.read_text(encoding="utf-8")), encoding="utf-8")
