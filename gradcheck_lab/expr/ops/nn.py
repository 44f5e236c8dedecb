"""Rows of the neural-network ops, torch.nn.functional's names, signatures and defaults:
``conv1d``, ``conv2d`` (stride, padding, dilation, groups), ``avg_pool2d``,
``max_pool2d`` (ties inside a window are kinks), ``layer_norm``, ``cross_entropy``
(integer class indices, ignore_index, weights, label smoothing, reduction), ``nll_loss``.
Small sizes: every window's work is counted and bounded (``shapes_nn``)."""

from __future__ import annotations

import numpy as np

from gradcheck_lab.expr import shapes_nn as rules
from gradcheck_lab.expr.opspec import Arrays, OpSpec, Params
from gradcheck_lab.expr.params import Param

STEP = Param(1, "nested")
REDUCTION = Param("mean", "choice", ("mean", "sum", "none"))


def _windows(args: Arrays, params: Params) -> np.ndarray:
    """Every pooling window's values, (N, C, out_h, out_w, window), -inf in the padding."""
    x = np.real(np.asarray(args[0], dtype=np.complex128 if np.iscomplexobj(args[0])
                           else np.float64))
    k = rules.pairs(params["kernel_size"], 2, "kernel_size")
    s = rules.pairs(params["stride"] if params["stride"] is not None else k, 2, "stride")
    p = rules.pairs(params["padding"], 2, "padding")
    d = rules.pairs(params.get("dilation", 1), 2, "dilation")
    x = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=-np.inf)
    oh = (x.shape[2] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (x.shape[3] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    parts = [x[:, :, i * d[0]: i * d[0] + s[0] * (oh - 1) + 1: s[0],
               j * d[1]: j * d[1] + s[1] * (ow - 1) + 1: s[1]]
             for i in range(k[0]) for j in range(k[1])]
    return np.stack(parts, axis=-1)


def _pool_kink(args: Arrays, params: Params) -> bool:
    w = _windows(args, params)
    best = np.max(w, axis=-1, keepdims=True)
    return bool(np.any(np.sum(w == best, axis=-1) > 1))


def _pool_guard(args: Arrays, params: Params) -> np.ndarray:
    return np.ravel(np.argmax(_windows(args, params), axis=-1))


CONV_KEYWORDS = {"stride": STEP, "padding": Param(0, "nested"), "dilation": STEP,
                 "groups": Param(1, "int")}
POOL_KEYWORDS = {"kernel_size": Param(None, "nested"), "stride": Param(None, "nested"),
                 "padding": Param(0, "nested")}

ROWS: list[OpSpec] = [
    OpSpec("conv1d", 2, 3, "1-D convolution (cross-correlation) of input (N, C_in, L) with "
                           "weight (C_out, C_in / groups, K), bias (C_out,) optional",
           rules.conv(1), CONV_KEYWORDS, "nn", arrays=("input", "weight", "bias")),
    OpSpec("conv2d", 2, 3, "2-D convolution of input (N, C_in, H, W) with weight (C_out, "
                           "C_in / groups, kH, kW); stride, padding, dilation: an int or a pair",
           rules.conv(2), CONV_KEYWORDS, "nn", arrays=("input", "weight", "bias")),
    OpSpec("avg_pool2d", 1, 1, "mean over kernel_size windows (stride: kernel_size by "
                               "default; zero padding counted, as torch's default)",
           rules.pool2d, POOL_KEYWORDS, "nn", static_positional=("kernel_size",),
           arrays=("input",)),
    OpSpec("max_pool2d", 1, 1, "largest element of each kernel_size window (ties in a window "
                               "are kinks)", rules.pool2d,
           {**POOL_KEYWORDS, "dilation": STEP}, "nn", static_positional=("kernel_size",),
           arrays=("input",), kink=_pool_kink, guard=_pool_guard, analytic=True),
    OpSpec("layer_norm", 1, 3, "(x - mean) / sqrt(var + eps) over the last axes "
                               "normalized_shape, times weight plus bias (both optional)",
           rules.layer_norm, {"normalized_shape": Param(None, "ints"),
                              "eps": Param(1e-5, "number")}, "nn",
           arrays=("input", "weight", "bias"), defaults={"weight": 1.0},
           order=("input", "normalized_shape", "weight", "bias"),
           static_positional=("normalized_shape",)),
    OpSpec("cross_entropy", 2, 3, "torch's cross_entropy(input, target): input logits (N, C), "
                                  "target int64 class indices (N,); weight (C,), "
                                  "ignore_index, reduction, label_smoothing as in torch",
           rules.cross_entropy, {"ignore_index": Param(-100, "int"), "reduction": REDUCTION,
                                 "label_smoothing": Param(0.0, "number")}, "nn",
           arrays=("input", "target", "weight")),
    OpSpec("nll_loss", 2, 3, "torch's nll_loss(input, target): input log-probabilities (N, C), "
                             "target int64 class indices (N,); weight, ignore_index, reduction",
           rules.cross_entropy, {"ignore_index": Param(-100, "int"), "reduction": REDUCTION},
           "nn", arrays=("input", "target", "weight")),
]
