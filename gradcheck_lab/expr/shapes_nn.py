"""Shape rules of the neural-network ops (torch.nn.functional's conventions: NCL / NCHW
inputs, OIL / OIHW weights). Besides the output size, each convolution or pooling counts
its work (output elements x window size): a small input with a huge kernel, or many
channels, is refused before the exact method builds millions of nodes."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from gradcheck_lab.errors import ShapeProblem
from gradcheck_lab.expr.shapes import Params, Shape

MAX_WINDOW_WORK = 10_000_000  # multiplications (or comparisons) of one conv or pool


def pairs(value: Any, n: int, what: str) -> tuple[int, ...]:
    """An int or a tuple of n ints (torch's ``stride=2`` or ``stride=(2, 1)``)."""
    out = (value,) * n if isinstance(value, int) else tuple(value)
    if len(out) != n:
        raise ShapeProblem(f"{what} {value} needs {n} value(s)")
    return out


def _window_out(size: int, kernel: int, stride: int, pad: int, dilation: int) -> int:
    span = dilation * (kernel - 1) + 1
    room = size + 2 * pad - span
    if room < 0:
        raise ShapeProblem(f"the window ({span}) is larger than the padded input "
                           f"({size + 2 * pad})")
    return room // stride + 1


def _check_positive(**values: tuple[int, ...]) -> None:
    for name, vals in values.items():
        low = 0 if name == "padding" else 1
        if any(v < low for v in vals):
            raise ShapeProblem(f"{name} {vals} must be >= {low}")


def conv(dims: int) -> Callable[[Sequence[Shape], Params], Shape]:
    def rule(shapes: Sequence[Shape], params: Params) -> Shape:
        x, w = shapes[0], shapes[1]
        if len(x) != dims + 2 or len(w) != dims + 2:
            raise ShapeProblem(f"conv{dims}d needs input (N, C, {'L' if dims == 1 else 'H, W'})"
                               f" and weight (C_out, C_in / groups, "
                               f"{'K' if dims == 1 else 'kH, kW'}), got {x} and {w}")
        groups = params["groups"]
        stride, pad, dil = (pairs(params[k], dims, k) for k in ("stride", "padding",
                                                                 "dilation"))
        _check_positive(stride=stride, padding=pad, dilation=dil, groups=(groups,))
        if x[1] % groups or w[0] % groups or x[1] // groups != w[1]:
            raise ShapeProblem(f"{x[1]} input channels and weight {w} do not fit groups="
                               f"{groups}")
        if len(shapes) > 2 and shapes[2] not in ((w[0],), ()):
            raise ShapeProblem(f"bias of shape {shapes[2]} needs shape ({w[0]},)")
        out = tuple(_window_out(n, k, s, p, d) for n, k, s, p, d in zip(
            x[2:], w[2:], stride, pad, dil, strict=True))
        work = x[0] * w[0] * math.prod(out) * w[1] * math.prod(w[2:])
        if work > MAX_WINDOW_WORK:
            raise ShapeProblem(f"this conv{dims}d takes {work:,} multiplications, more than "
                               f"{MAX_WINDOW_WORK:,}")
        return (x[0], w[0]) + out
    return rule


def pool2d(shapes: Sequence[Shape], params: Params) -> Shape:
    x = shapes[0]
    if len(x) != 4:
        raise ShapeProblem(f"needs input (N, C, H, W), got shape {x}")
    kernel = pairs(params["kernel_size"], 2, "kernel_size")
    stride = pairs(params["stride"] if params["stride"] is not None else kernel, 2, "stride")
    pad = pairs(params["padding"], 2, "padding")
    dil = pairs(params.get("dilation", 1), 2, "dilation")
    _check_positive(kernel_size=kernel, stride=stride, padding=pad, dilation=dil)
    if any(p > k // 2 for p, k in zip(pad, kernel, strict=True)):
        raise ShapeProblem(f"padding {pad} must be at most half the kernel {kernel} "
                           "(torch's rule)")
    out = tuple(_window_out(n, k, s, p, d) for n, k, s, p, d in zip(
        x[2:], kernel, stride, pad, dil, strict=True))
    work = x[0] * x[1] * math.prod(out) * math.prod(kernel)
    if work > MAX_WINDOW_WORK:
        raise ShapeProblem(f"this pooling takes {work:,} comparisons, more than "
                           f"{MAX_WINDOW_WORK:,}")
    return x[:2] + out


def layer_norm(shapes: Sequence[Shape], params: Params) -> Shape:
    x, norm = shapes[0], tuple(params["normalized_shape"])
    if not norm or x[len(x) - len(norm):] != norm:
        raise ShapeProblem(f"normalized_shape {norm} must be the last axes of shape {x}")
    for s in shapes[1:]:
        if s not in (norm, ()):
            raise ShapeProblem(f"weight and bias need shape {norm}, got {s}")
    return x


def cross_entropy(shapes: Sequence[Shape], params: Params) -> Shape:
    x, target = shapes[0], shapes[1]
    if len(x) not in (1, 2) or target != x[:-1]:
        raise ShapeProblem(f"needs input (N, C) and class indices (N,) (or (C,) and ()), got "
                           f"{x} and {target}")
    if len(shapes) > 2 and shapes[2] != x[-1:]:
        raise ShapeProblem(f"weight of shape {shapes[2]} needs shape ({x[-1]},)")
    smoothing = params.get("label_smoothing", 0.0)
    if not 0.0 <= smoothing <= 1.0:
        raise ShapeProblem(f"label_smoothing {smoothing} must lie in [0, 1]")
    return target if params["reduction"] == "none" else ()
