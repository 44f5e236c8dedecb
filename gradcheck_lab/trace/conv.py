"""2-D convolutions (NCHW input, OIHW weight) as graph ops, shared by both tracers.

With a ``conv2d`` op in the expression language it is that op (its padding is the same
on both sides of an axis). Otherwise the
convolution is written as what it is, a matrix product with the input's patches
(im2col): every patch element is an element of the input or a zero of the padding, whose
position is known from the shapes alone (``Builder.pick``), and the weight reshaped to
(out channels, in channels x kernel) multiplies them. Exact, and only as large as the
patches (``MAX_PICKED_ELEMENTS`` elements).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gradcheck_lab.expr.ops import OPS
from gradcheck_lab.trace.builder import Builder, Unmapped, Value


def conv2d(b: Builder, x: Value, w: Value, *, stride: Sequence[int],
           padding: Sequence[tuple[int, int]], dilation: Sequence[int],
           groups: int = 1) -> Value:
    """Cross-correlation of ``x`` (N, C, H, W) with ``w`` (O, C/groups, KH, KW);
    ``padding``: (low, high) per spatial axis."""
    symmetric = all(lo == hi for lo, hi in padding)
    if "conv2d" in OPS and symmetric:
        return b.op("conv2d", x, w, stride=tuple(stride),
                    padding=tuple(lo for lo, _ in padding), dilation=tuple(dilation),
                    groups=groups)
    if groups != 1:
        raise Unmapped("convolution", f"groups={groups} with padding other than conv2d's")
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh = (h + sum(padding[0]) - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd + sum(padding[1]) - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    nn, cc, ii, jj, yy, xx = np.indices((n, c, kh, kw, oh, ow))
    row = yy * stride[0] + ii * dilation[0] - padding[0][0]
    col = xx * stride[1] + jj * dilation[1] - padding[1][0]
    inside = (row >= 0) & (row < h) & (col >= 0) & (col < wd)
    where = np.where(inside, ((nn * c + cc) * h + np.clip(row, 0, h - 1)) * wd
                     + np.clip(col, 0, wd - 1), x.shape[0] * c * h * wd)
    # patches as (C * KH * KW, N * OH * OW): axes (c, i, j) then (n, y, x)
    where = np.transpose(where, (1, 2, 3, 0, 4, 5)).reshape(c * kh * kw, n * oh * ow)
    sources = [x, b.constant(0.0)] if not inside.all() else [x]
    patches = b.pick(sources, where, "convolution (as patches and a matrix product)")
    out = b.op("matmul", b.reshape(w, (o, c * kh * kw)), patches)
    return b.transpose(b.reshape(out, (o, n, oh, ow)), (1, 0, 2, 3))
