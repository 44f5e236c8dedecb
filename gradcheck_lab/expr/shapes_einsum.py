"""Shape rules of ``einsum`` and ``tensordot``: the index strings parsed and checked against
the operands, the output shape, and the work counted (the product of every index's size:
a contraction over many large indices is refused even when its result is small)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from gradcheck_lab.errors import ShapeProblem
from gradcheck_lab.expr.shapes import Params, Shape

MAX_EINSUM_WORK = 10_000_000  # multiplications of one einsum (every index's size, multiplied)


def _axis(axis: int, ndim: int) -> int:
    if not -ndim <= axis < ndim:
        raise ShapeProblem(f"axis {axis} is out of range for {ndim} dimensions")
    return axis % ndim


def parse_einsum(subscripts: str, shapes: Sequence[Shape]) -> tuple[list[str], str]:
    """Explicit operand and output index strings (``...`` expanded to capital-free letters
    not used elsewhere), checked against the operands' shapes."""
    inputs, arrow, output = subscripts.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ShapeProblem(f"the einsum string has {len(terms)} operand(s), "
                           f"{len(shapes)} were given")
    if subscripts.count("->") > 1 or "." in subscripts.replace("...", ""):
        raise ShapeProblem(f"malformed einsum string {subscripts!r}")
    used = set(subscripts) - set(",->.")
    spare = [c for c in "ZYXWVUTSRQPONMLKJIHGFEDCBA" if c not in used]
    ell = 0
    for t, s in zip(terms, shapes, strict=True):
        if "..." in t:
            ell = max(ell, len(s) - (len(t) - 3))
    fill = "".join(spare[:ell][::-1])
    terms = [t.replace("...", fill[len(fill) - (len(s) - (len(t) - 3)):] if "..." in t else "")
             for t, s in zip(terms, shapes, strict=True)]
    if arrow:
        output = output.replace("...", fill)
    else:
        letters = "".join(terms)
        output = fill + "".join(sorted(c for c in set(letters) - set(fill)
                                       if letters.count(c) == 1))
    return terms, output


def einsum(shapes: Sequence[Shape], params: Params) -> Shape:
    terms, output = parse_einsum(params["subscripts"], shapes)
    sizes: dict[str, int] = {}
    for t, s in zip(terms, shapes, strict=True):
        if len(t) != len(s):
            raise ShapeProblem(f"operand {t!r} has {len(s)} dimensions, shape {s}")
        for c, n in zip(t, s, strict=True):
            if sizes.setdefault(c, n) != n and n != 1 and sizes[c] != 1:
                raise ShapeProblem(f"index {c!r} has sizes {sizes[c]} and {n}")
            sizes[c] = max(sizes[c], n)
    if set(output) - set(sizes) or len(set(output)) != len(output):
        raise ShapeProblem(f"the output {output!r} names an index twice or one no operand has")
    work = math.prod(sizes.values())
    if work > MAX_EINSUM_WORK:
        raise ShapeProblem(f"this einsum takes {work:,} multiplications, more than "
                           f"{MAX_EINSUM_WORK:,}")
    return tuple(sizes[c] for c in output)


def tensordot(shapes: Sequence[Shape], params: Params) -> Shape:
    a, b = shapes
    axes = params["axes"]
    if isinstance(axes, int):
        if axes < 0 or axes > min(len(a), len(b)):
            raise ShapeProblem(f"axes={axes} does not fit shapes {a} and {b}")
        left, right = list(range(len(a) - axes, len(a))), list(range(axes))
    else:
        left, right = (list(x) if isinstance(x, tuple) else [x] for x in axes)
    left = [_axis(x, len(a)) for x in left]
    right = [_axis(x, len(b)) for x in right]
    if len(left) != len(right) or any(a[i] != b[j] for i, j in zip(left, right, strict=True)):
        raise ShapeProblem(f"tensordot axes {axes} do not match shapes {a} and {b}")
    return tuple(n for d, n in enumerate(a) if d not in left) + tuple(
        n for d, n in enumerate(b) if d not in right)


def tensordot_axes(ndim_a: int, ndim_b: int, axes: Any) -> str:
    """numpy's tensordot ``axes`` as an einsum string."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    if isinstance(axes, int):
        left, right = list(range(ndim_a - axes, ndim_a)), list(range(axes))
    else:
        left, right = (list(x) if isinstance(x, tuple) else [x] for x in axes)
    left, right = [x % ndim_a for x in left], [x % ndim_b for x in right]
    ta, tb = list(letters[:ndim_a]), list(letters[ndim_a:ndim_a + ndim_b])
    for i, j in zip(left, right, strict=True):
        tb[j] = ta[i]
    out = [c for d, c in enumerate(ta) if d not in left] + [c for d, c in enumerate(tb)
                                                             if d not in right]
    return f"{''.join(ta)},{''.join(tb)}->{''.join(out)}"
