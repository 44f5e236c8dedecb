"""Shape rules of the decompositions and matrix functions (batches of matrices: the last
two axes). Ops whose numpy form returns a tuple take ``output`` (``eigh(A)[1]`` is
``eigh(A, output=1)``); without it the rule says how to pick one."""

from __future__ import annotations

from collections.abc import Sequence

from gradcheck_lab.errors import ShapeProblem
from gradcheck_lab.expr.shapes import Params, Shape, square


def _matrix(shape: Shape) -> Shape:
    if len(shape) < 2:
        raise ShapeProblem(f"needs matrices (shape (..., m, n)), got shape {shape}")
    return shape


def _pick(params: Params, name: str, outputs: tuple[str, ...]) -> int:
    k = params.get("output")
    if k is None:
        raise ShapeProblem(f"{name} returns ({', '.join(outputs)}), as numpy's does: pick one, "
                           f"e.g. {name}(A)[0]")
    return int(k)


def solve(shapes: Sequence[Shape], params: Params) -> Shape:
    a, b = square(shapes[:1], params), shapes[1]
    n = a[-1]
    if len(b) == 1 and b[0] == n and len(a) == 2:  # a vector right-hand side
        return b
    if len(b) < 2 or b[-2] != n or b[:-2] != a[:-2]:
        raise ShapeProblem(f"solve needs b of shape ({n},) or (..., {n}, k) matching a's "
                           f"batch, got a {a} and b {b}")
    return b


def slogdet(shapes: Sequence[Shape], params: Params) -> Shape:
    _pick(params, "slogdet", ("sign", "logabsdet"))
    return square(shapes, params)[:-2]


def eigh(shapes: Sequence[Shape], params: Params) -> Shape:
    a = square(shapes, params)
    return a[:-1] if _pick(params, "eigh", ("eigenvalues", "eigenvectors")) == 0 else a


def eigvalsh(shapes: Sequence[Shape], params: Params) -> Shape:
    return square(shapes, params)[:-1]


def svd(shapes: Sequence[Shape], params: Params) -> Shape:
    a = _matrix(shapes[0])
    if params.get("compute_uv", True) and params.get("output") != 1:
        raise ShapeProblem("the language has the singular values only: svd(A)[1], "
                           "svd(A, compute_uv=False) or svdvals(A)")
    return a[:-2] + (min(a[-2:]),)


def svdvals(shapes: Sequence[Shape], params: Params) -> Shape:
    a = _matrix(shapes[0])
    return a[:-2] + (min(a[-2:]),)


def qr(shapes: Sequence[Shape], params: Params) -> Shape:
    a = _matrix(shapes[0])
    m, n = a[-2:]
    k = min(m, n)
    return a[:-2] + ((m, k) if _pick(params, "qr", ("Q", "R")) == 0 else (k, n))


def pinv(shapes: Sequence[Shape], params: Params) -> Shape:
    a = _matrix(shapes[0])
    return a[:-2] + (a[-1], a[-2])
