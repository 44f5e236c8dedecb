"""torch forwards recorded as aten calls and mapped onto the graph: custom Functions,
Python branches, views and in-place writes, values that leave torch, check()."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck_lab import GradientMismatch, check
from gradcheck_lab.case import Implementation
from gradcheck_lab.trace.resolve import trace_point

torch = pytest.importorskip("torch")
F = torch.nn.functional


def traced(fn, wrt=("x",), **values):  # type: ignore[no-untyped-def]
    code = Implementation("f", "torch", "t:f", "function", callable=fn)
    return trace_point(code, {k: np.asarray(v) for k, v in values.items()}, list(wrt))


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):  # type: ignore[no-untyped-def, override]
        ctx.save_for_backward(x)
        if x.sum() > 0:  # a Python branch on a tensor value, inside the Function
            return x * x
        return torch.sin(x)

    @staticmethod
    def backward(ctx, g):  # type: ignore[no-untyped-def, override]
        (x,) = ctx.saved_tensors
        return g * x  # wrong for x * x (the factor 2 is missing)


def test_a_custom_function_forward_is_traced_through_the_branch_taken() -> None:
    up = traced(lambda x: Square.apply(x).sum(), x=[1.0, 2.0])
    assert up.expression is not None and up.expression.text == "sum(x * x)"
    down = traced(lambda x: Square.apply(x).sum(), x=[-1.0, 0.5])
    assert down.expression is not None and down.expression.text == "sum(sin(x))"
    assert any("taken at this point" in n for n in down.notes)


def test_library_composites_read_like_the_maths() -> None:
    t = traced(lambda x, w, b: F.layer_norm(x, (3,), w, b, 1e-5), wrt=("x", "w", "b"),
               x=[[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]], w=[1.0, 0.5, 2.0], b=[0.0, 0.1, 0.2])
    assert t.expression is not None
    assert t.expression.text == ("v1 = x - mean(x, axis=1, keepdims=True)\n"
                                 "v1 * (1.0 / sqrt(mean(v1 ** 2, axis=1, keepdims=True) + "
                                 "1e-05)) * w + b")
    t = traced(lambda z, y: F.cross_entropy(z, y, ignore_index=-100), wrt=("z",),
               z=[[1.0, 2.0, 0.5], [0.3, 0.1, -1.0], [2.0, 0.0, 1.0]], y=[2, -100, 0])
    assert t.expression is not None
    assert t.expression.text == ("v1 = log_softmax(z, axis=1)\n"
                                 "-sum([v1[0, 2], v1[2, 0]]) / 2.0")


def test_views_and_in_place_writes_become_single_assignments() -> None:
    def log_cosh(x):  # type: ignore[no-untyped-def]
        a = x.abs()
        out = a.clone()
        out.add_(torch.log1p(torch.exp(-2 * a)))
        out.sub_(0.5)
        return out

    t = traced(log_cosh, x=[0.5, -2.0])
    assert t.expression is not None
    assert t.expression.text == "abs(x) + log1p(exp(abs(x) * -2.0)) - 0.5"

    def column_scale(x):  # type: ignore[no-untyped-def]
        y = x.clone()
        y[:, 0] *= 2.0  # select + mul_ + copy_ through a view
        return y

    t = traced(column_scale, x=[[1.0, 2.0], [3.0, 4.0]])
    assert t.expression is not None
    assert t.expression.text == ("v1 = x[:, 0] * 2.0\n"
                                 "reshape([v1[0], x[0, 1], v1[1], x[1, 1]], (2, 2))")


def test_a_value_that_leaves_torch_makes_the_reference_numeric() -> None:
    def via_item(x):  # type: ignore[no-untyped-def]
        return torch.exp(x - x.max().item()).sum()  # the max is a constant to the trace

    t = traced(via_item, x=[0.5, 1.5, -0.3])
    assert t.expression is None
    (reason,) = t.unmapped
    assert reason.startswith("the traced graph (at inputs moved by 1e-07: gives values up to")

    def via_numpy(x):  # type: ignore[no-untyped-def]
        return (torch.from_numpy(np.tanh(x.numpy())) * x).sum()

    assert traced(via_numpy, x=[0.5, 1.5]).expression is None


def test_float32_inside_is_said_and_integer_inputs_are_taken_at_the_point() -> None:
    t = traced(lambda x: (x.float() ** 2).double().sum(), x=[0.5, 1.5])
    assert t.expression is not None and t.expression.text == "sum(x ** 2)"
    assert t.notes == ("the function rounds to float32 inside (aten._to_copy); the exact "
                       "reference treats that rounding as exact",)
    t = traced(lambda x, i: (x[i] * x.index_select(0, i)).sum(), x=[0.5, -1.5, 0.3],
               i=np.array([2, 0]))
    assert t.expression is not None and t.expression.text == "v1 = [x[2], x[0]]\nsum(v1 * v1)"


def test_a_detached_term_in_code_on_trial_is_found() -> None:
    """x * rms(x).detach(): the cut is a backward bug, not part of the function."""
    def rms_norm(x):  # type: ignore[no-untyped-def]
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6).detach()

    with pytest.raises(GradientMismatch) as info:
        check(rms_norm, inputs={"x": [[0.5, -1.0, 2.0]]}, cotangent="ones", name="rms")
    assert "traced formula: x * (1.0 / sqrt(mean(x ** 2, axis=1, keepdims=True) + 1e-06))" \
        in str(info.value)


def test_an_unmapped_aten_op_is_named() -> None:
    t = traced(lambda x: torch.fft.fft(x).abs().sum(), x=[1.0, 2.0, 0.5])
    assert t.expression is None
    assert any(u.startswith("aten._fft") for u in t.unmapped), t.unmapped


def test_check_without_expr_catches_a_missing_factor_in_a_custom_backward() -> None:
    with pytest.raises(GradientMismatch) as info:
        check(lambda x: Square.apply(x).sum(), inputs={"x": [1.0, 2.0]}, name="square")
    text = str(info.value)
    assert "reference: traced from" in text and "traced formula: sum(x * x)" in text
    assert "0.5 x the reference" in text
    # the other branch: d sin(x) = cos(x), the backward's g * x is wrong there too
    with pytest.raises(GradientMismatch):
        check(lambda x: Square.apply(x).sum(), inputs={"x": [-1.0, 0.5]}, name="square")
    report = check(lambda x: (x * x).sum(), inputs={"x": [1.0, 2.0]}, name="plain")
    assert report.case.expr is not None and report.case.expr.text == "sum(x * x)"


def test_sort_maps_onto_the_languages_sort() -> None:
    t = traced(lambda x: torch.sort(x, descending=True).values[:2] * 3.0, x=[0.2, 0.9, -1.0])
    assert t.expression is not None
    assert t.expression.text == "flip(sort(x, axis=0), axis=0)[:2] * 3.0"
    t = traced(lambda x: torch.sort(x, dim=0, stable=True)[0] * 3.0, x=[0.2, 0.9, -1.0])
    assert t.expression is not None and t.expression.text == "sort(x, axis=0) * 3.0"
