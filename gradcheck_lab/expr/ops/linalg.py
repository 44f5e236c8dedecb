"""Rows of linear algebra: products, transposes, determinants, inverses, decompositions."""

from __future__ import annotations

import numpy as np

from gradcheck_lab.expr import shapes
from gradcheck_lab.expr.opspec import OpSpec
from gradcheck_lab.expr.params import Param

ROWS: list[OpSpec] = [
    OpSpec("dot", 2, 2, "numpy.dot: inner product, matrix product, sum over the last axis "
                        "of x and the second-to-last of y", shapes.dot, category="linalg"),
    OpSpec("matmul", 2, 2, "matrix product with numpy's 1-D and batch rules; also a @ b",
           shapes.matmul, category="linalg", written="'@'"),
    OpSpec("transpose", 1, 1, "axes permuted (reversed by default)", shapes.transpose,
           {"axes": Param(None, "axes")}, "linalg"),
    OpSpec("outer", 2, 2, "outer product of the flattened x and y", shapes.outer,
           category="linalg"),
    OpSpec("trace", 1, 1, "sum of the offset-th diagonal (first two axes)", shapes.trace,
           {"offset": Param(0, "int")}, category="linalg"),
    OpSpec("det", 1, 1, "determinant of square matrices", shapes.square_to_batch,
           category="linalg"),
    OpSpec("inv", 1, 1, "inverse of square matrices", shapes.square, category="linalg",
           guard=lambda a, p: np.sign(np.linalg.det(np.real(a[0])))),
]
