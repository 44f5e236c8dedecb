"""JAX forwards traced into the expression graph: formulas, control flow, fallback, check()."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck_lab import GradientMismatch, check
from gradcheck_lab.case import Implementation
from gradcheck_lab.expr import parse_expression
from gradcheck_lab.expr.evaluate import evaluate
from gradcheck_lab.trace.resolve import trace_point

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
lax = jax.lax


def traced(fn, keep_cuts=False, **values):  # type: ignore[no-untyped-def]
    code = Implementation("f", "jax", "t:f", "function", callable=fn)
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in values.items()}
    return trace_point(code, arrays, list(arrays), keep_cuts)


def test_formulas_read_like_hand_written_ones() -> None:
    t = traced(lambda x, w: jnp.sum(jnp.tanh(x @ w) ** 2) + jnp.mean(x * x) / 3,
               x=[[1.0, 2.0], [3.0, 4.0]], w=[[0.5], [-1.0]])
    assert t.expression is not None
    assert t.expression.text == "sum(tanh(x @ w) ** 2) + mean(x * x) / 3.0"

    def layer_norm(x):  # type: ignore[no-untyped-def]
        mu = jnp.mean(x, -1, keepdims=True)
        return (x - mu) * lax.rsqrt(jnp.var(x, -1, keepdims=True) + 1e-5)

    t = traced(layer_norm, x=[[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]])
    assert t.expression is not None
    assert t.expression.text == (
        "v1 = x - mean(x, axis=1, keepdims=True)\n"
        "v1 * (1.0 / sqrt(mean(v1 ** 2, axis=1, keepdims=True) + 1e-05))")


def test_custom_rules_contribute_their_primal_not_their_rule() -> None:
    @jax.custom_jvp
    def f(x):  # type: ignore[no-untyped-def]
        return jnp.sin(x) * 2.0

    f.defjvp(lambda p, t: (f(p[0]), 99.0 * t[0]))  # a wrong rule: what is on trial

    @jax.custom_vjp
    def g(x):  # type: ignore[no-untyped-def]
        return jnp.exp(x)

    g.defvjp(lambda x: (g(x), x), lambda x, ct: (0.0 * ct,))
    t = traced(lambda x: jnp.sum(f(x) + g(x)), x=[0.1, 0.2])
    assert t.expression is not None and t.expression.text == "sum(sin(x) * 2.0 + exp(x))"


def test_cond_takes_the_branch_of_the_point_and_loops_unroll() -> None:
    def branchy(x):  # type: ignore[no-untyped-def]
        return lax.cond(jnp.sum(x) > 0, lambda x: x * x, lambda x: jnp.sin(x), x)

    assert traced(branchy, x=[1.0, 2.0]).expression.text == "x * x"  # type: ignore[union-attr]
    below = traced(branchy, x=[-1.0, 0.5])
    assert below.expression is not None and below.expression.text == "sin(x)"
    assert "lax.cond takes branch 0 of 2 at this point" in below.notes

    def newton_sqrt(a):  # type: ignore[no-untyped-def]
        def body(state):  # type: ignore[no-untyped-def]
            i, y = state
            return i + 1, 0.5 * (y + a / y)
        return lax.while_loop(lambda s: s[0] < 3, body, (0, a))[1]

    t = traced(newton_sqrt, a=2.0)
    assert t.expression is not None
    assert t.expression.text == ("v1 = 0.5 * (a + a / a)\nv2 = 0.5 * (v1 + a / v1)\n"
                                 "0.5 * (v2 + a / v2)")
    assert "a while loop runs 3 times at this point (unrolled)" in t.notes

    def discounted(r):  # type: ignore[no-untyped-def]
        step = lambda c, x: (x + 0.5 * c, x + 0.5 * c)  # noqa: E731
        return lax.scan(step, 0.0, r, reverse=True)[1]

    t = traced(discounted, r=[1.0, 2.0, 3.0])
    assert t.expression is not None
    assert t.expression.text == "v1 = r[1] + 0.5 * r[2]\n[r[0] + 0.5 * v1, v1, r[2]]"
    np.testing.assert_allclose(_value(t, r=[1.0, 2.0, 3.0]), [2.75, 3.5, 3.0])


def test_gradient_cuts_belong_to_the_reference_not_to_code_on_trial() -> None:
    ste = lambda x: x + lax.stop_gradient(jnp.sign(x) - x)  # noqa: E731
    on_trial = traced(ste, x=[0.4, -2.0])
    assert on_trial.expression is not None and on_trial.expression.text == "x + (sign(x) - x)"
    assert any(n.startswith("a gradient cut (stop_gradient, detach)") for n in on_trial.notes)
    reference = traced(ste, keep_cuts=True, x=[0.4, -2.0])
    assert reference.expression is not None
    assert reference.expression.text == "x + stop_gradient(sign(x) - x)"
    # JAX's own cuts (the max shift of log_softmax) change no derivative: no note
    quiet = traced(lambda x: jnp.sum(jax.nn.log_softmax(x)), x=[0.4, -2.0])
    assert quiet.notes == ()


def test_element_moves_map_onto_the_language_where_it_has_them() -> None:
    t = traced(lambda x: jnp.sort(x)[::-1][:2] * 3.0, x=[0.2, 0.9, -1.0])
    assert t.expression is not None
    assert t.expression.text == "flip(sort(x, axis=0), axis=0)[:2] * 3.0"
    np.testing.assert_allclose(_value(t, x=[0.2, 0.9, -1.0]), [2.7, 0.6])


def test_the_traced_graph_parses_back_to_the_same_function() -> None:
    fn = lambda x, y: jnp.sum(jnp.exp(-x) / (1 + y ** 2)) - jnp.max(x * y)  # noqa: E731
    values = {"x": np.array([0.3, -1.2]), "y": np.array([2.0, 0.5])}
    t = traced(fn, **values)
    assert t.expression is not None and "\n" not in t.expression.text
    again = parse_expression(t.expression.text, ["x", "y"])
    from gradcheck_lab.backends.numpy_ops import make_backend

    x, y = values["x"], values["y"]
    want = np.sum(np.exp(-x) / (1 + y ** 2)) - np.max(x * y)
    assert float(evaluate(again, make_backend(), values)) == pytest.approx(want, rel=1e-15)


def test_an_operation_without_a_mapping_is_named() -> None:
    t = traced(lambda x: jnp.sum(jnp.fft.fft(x).real), x=[1.0, 2.0, 0.5])
    assert t.expression is None
    assert any(u.startswith("fft") for u in t.unmapped), t.unmapped
    assert float(t.value) == pytest.approx(3.0)  # the sum of the DFT is n * x[0]


def test_tracing_leaves_the_users_jax_configuration_alone() -> None:
    before = jax.config.jax_enable_x64
    t = traced(lambda x: jnp.sum(x ** 2), x=[1.0, 2.0])
    assert t.expression is not None
    assert jax.config.jax_enable_x64 == before


def test_check_without_expr_catches_a_wrong_custom_vjp() -> None:
    def make(factor):  # type: ignore[no-untyped-def]
        @jax.custom_vjp
        def silu(x):  # type: ignore[no-untyped-def]
            return x * jax.nn.sigmoid(x)

        def bwd(x, g):  # type: ignore[no-untyped-def]
            s = jax.nn.sigmoid(x)
            return (g * s * (1 + factor * x * (1 - s)),)

        silu.defvjp(lambda x: (silu(x), x), bwd)
        return lambda x: jnp.sum(silu(x))

    inputs = {"x": [0.5, -1.5, 2.0]}
    report = check(make(1.0), inputs=inputs, framework="jax", name="silu")
    assert report.status == "pass"
    assert report.case.reference_source.startswith("traced from ")
    assert report.case.expr is not None and report.case.expr.text == "sum(x * sigmoid(x))"
    with pytest.raises(GradientMismatch) as info:
        check(make(-1.0), inputs=inputs, framework="jax", name="silu")
    text = str(info.value)
    assert "reference: traced from" in text and "traced formula: sum(x * sigmoid(x))" in text


def test_check_falls_back_to_differences_of_the_code_and_says_so() -> None:
    @jax.custom_vjp
    def spectrum(x):  # type: ignore[no-untyped-def]
        return jnp.sum(jnp.abs(jnp.fft.fft(x)) ** 2)  # = n * sum(x**2) (Parseval)

    spectrum.defvjp(lambda x: (spectrum(x), x), lambda x, g: (g * 2.0 * 3 * x,))
    report = check(spectrum, inputs={"x": [1.0, -2.0, 0.5]}, framework="jax", name="parseval")
    assert report.status == "pass"
    assert report.case.reference_source.startswith("numeric: finite differences of ")
    assert "fft" in report.case.reference_source
    assert [p.reference for p in report.points] == ["fd"]
    spectrum.defvjp(lambda x: (spectrum(x), x), lambda x, g: (g * 2.0 * x,))
    with pytest.raises(GradientMismatch) as info:
        check(spectrum, inputs={"x": [1.0, -2.0, 0.5]}, framework="jax", name="parseval")
    assert "reference: numeric: finite differences of" in str(info.value)


def _value(t, **values):  # type: ignore[no-untyped-def]
    from gradcheck_lab.backends.numpy_ops import make_backend

    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in values.items()}
    return np.asarray(evaluate(t.expression, make_backend(), arrays))


def test_the_functions_own_value_walks_loops_branches_and_calls() -> None:
    """jax_eval.evaluate gives what eval_jaxpr gives, with while, scan, cond and a jit."""
    from gradcheck_lab.trace.jax_eval import evaluate as own_value

    def fn(a, r):  # type: ignore[no-untyped-def]
        y = lax.while_loop(lambda s: s[0] < 5, lambda s: (s[0] + 1, 0.5 * (s[1] + a / s[1])),
                           (0, jnp.maximum(a, 1.0)))[1]
        ret = lax.scan(lambda c, x: (x + 0.5 * c, x + 0.5 * c), 0.0, r, reverse=True)[1]
        branch = lax.cond(jnp.sum(r) > 0, lambda v: v * 2.0, lambda v: -v, ret)
        return jnp.sum(jax.jit(jnp.tanh)(y)) + jnp.sum(branch)

    with jax.enable_x64(True):
        args = [jnp.asarray([0.25, 9.0]), jnp.asarray([1.0, 2.0, 3.0])]
        closed = jax.make_jaxpr(fn)(*args)
        (got,) = own_value(closed.jaxpr, closed.consts, args)
        (want,) = jax.core.eval_jaxpr(closed.jaxpr, closed.consts, *args)
    # sqrt(0.25) and sqrt(9) after five Newton steps; returns [2.75, 3.5, 3.0] doubled
    assert float(got) == pytest.approx(np.tanh(0.5) + np.tanh(3.0) + 18.5, rel=1e-12)
    assert float(got) == float(want)


def test_convolutions_land_on_conv2d_or_on_patches_when_padded_unevenly() -> None:
    x = np.random.default_rng(3).standard_normal((1, 2, 4, 4))
    w = np.random.default_rng(4).standard_normal((3, 2, 2, 2))

    def conv(padding):  # type: ignore[no-untyped-def]
        return lambda x, w: jnp.tanh(lax.conv_general_dilated(x, w, (1, 1), padding))

    even = traced(conv([(1, 1), (1, 1)]), x=x, w=w)
    assert even.expression is not None
    assert even.expression.text == "tanh(conv2d(x, w, stride=(1, 1), padding=(1, 1), " \
                                   "dilation=(1, 1)))"
    uneven = traced(conv([(0, 1), (1, 0)]), x=x, w=w)
    assert uneven.expression is not None and "conv2d" not in uneven.expression.text
    with jax.enable_x64(True):
        want = np.asarray(conv([(0, 1), (1, 0)])(jnp.asarray(x), jnp.asarray(w)))
    np.testing.assert_allclose(_value(uneven, x=x, w=w), want, rtol=1e-12)
