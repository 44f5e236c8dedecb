"""Custom-gradient JAX specimens (jax.custom_jvp / jax.custom_vjp / stop_gradient tricks).

Same format as specimens_torch (see specimen_common). Forwards are dtype-agnostic; run them under
`with jax.enable_x64(True):` to get float64 (that scoped context manager exists in jax 0.10.2).
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax import lax

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _f32(a):
    return a.astype(jnp.float32).astype(a.dtype)


def _spec(name, make, reference, inputs, bugs, points=None, surrogate=False, notes=""):
    return {
        "name": name,
        "forward": make(None),
        "reference": reference,
        "inputs": inputs,
        "points": points or [],
        "bugs": [{"name": b, "kind": k, "what": w, "forward": make(b)} for b, k, w in bugs],
        "surrogate": surrogate,
        "notes": notes,
    }


# ---------------------------------------------------------------- safe log (custom_jvp)
TINY = 1e-30


def make_safe_log(bug):
    @jax.custom_jvp
    def safe_log(x):
        return jnp.log(jnp.maximum(x, TINY))

    @safe_log.defjvp
    def _jvp(primals, tangents):
        (x,), (tx,) = primals, tangents
        ok = x > TINY
        xs = jnp.where(ok, x, 1.0)
        if bug == "float32_step":
            xs = _f32(xs)
        dt = tx / xs
        if bug == "sign":
            dt = -dt
        if bug != "missing_mask":
            dt = jnp.where(ok, dt, 0.0)
        return safe_log(x), dt

    return lambda x: safe_log(x)


# ---------------------------------------------------------------- safe norm (custom_jvp)
def make_safe_norm(bug):
    @jax.custom_jvp
    def safe_norm(x):
        return jnp.sqrt(jnp.sum(x * x, axis=-1))

    @safe_norm.defjvp
    def _jvp(primals, tangents):
        (x,), (tx,) = primals, tangents
        y = safe_norm(x)
        zero = y == 0
        den = jnp.where(zero, 1.0, y)
        if bug == "scale":
            den = 2 * den  # the 1/2 of d sqrt applied twice
        if bug == "const_1e-6":
            den = den * 1.000001
        if bug == "float32_step":
            den = _f32(den)
        return y, jnp.where(zero, 0.0, jnp.sum(x * tx, axis=-1) / den)

    return lambda x: safe_norm(x)


def _safe_norm_ref(x):
    ss = jnp.sum(x * x, axis=-1)
    zero = ss == 0
    return jnp.where(zero, 0.0, jnp.sqrt(jnp.where(zero, 1.0, ss)))


# ---------------------------------------------------------------- logsumexp (custom_vjp)
def make_logsumexp(bug):
    @jax.custom_vjp
    def lse(x):
        m = jnp.max(x, axis=-1, keepdims=True)
        return (m + jnp.log(jnp.sum(jnp.exp(x - m), axis=-1, keepdims=True)))[..., 0]

    def fwd(x):
        y = lse(x)
        return y, (x, y)

    def bwd(res, g):
        x, y = res
        if bug == "wrong_axis":
            p = jax.nn.softmax(x, axis=0)
        elif bug == "float32_step":
            p = _f32(jnp.exp(x - y[..., None]))
        else:
            p = jnp.exp(x - y[..., None])
        if bug == "missing_term":
            return (p,)  # forgot to multiply by the cotangent
        return (g[..., None] * p,)

    lse.defvjp(fwd, bwd)
    return lambda x: lse(x)


# ---------------------------------------------------------------- SiLU (custom_vjp)
def make_silu(bug):
    @jax.custom_vjp
    def silu(x):
        return x * jax.nn.sigmoid(x)

    def fwd(x):
        s = jax.nn.sigmoid(x)
        return x * s, (x, s)

    def bwd(res, g):
        x, s = res
        if bug == "float32_step":
            s = _f32(s)
        if bug == "missing_term":
            return (g * s,)
        if bug == "sign":
            return (g * s * (1 - x * (1 - s)),)
        return (g * s * (1 + x * (1 - s)),)

    silu.defvjp(fwd, bwd)
    return lambda x: silu(x)


# ---------------------------------------------------------------- GELU tanh (custom_jvp)
def make_gelu_tanh(bug):
    @jax.custom_jvp
    def gelu(x):
        return jax.nn.gelu(x, approximate=True)

    @gelu.defjvp
    def _jvp(primals, tangents):
        (x,), (tx,) = primals, tangents
        c = 0.7978853 if bug == "const_1e-6" else SQRT_2_OVER_PI
        k3 = 0.044715 if bug == "missing_term" else 3 * 0.044715
        t = jnp.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x**3))
        d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + k3 * x * x)
        return gelu(x), d * tx

    return lambda x: gelu(x)


# ---------------------------------------------------------------- LayerNorm (custom_vjp)
LN_EPS = 1e-5


def _ln(x, weight, bias):
    mu = jnp.mean(x, -1, keepdims=True)
    var = jnp.var(x, -1, keepdims=True)
    return (x - mu) * lax.rsqrt(var + LN_EPS) * weight + bias


def make_layernorm(bug):
    @jax.custom_vjp
    def ln(x, w, b):
        return _ln(x, w, b)

    def fwd(x, w, b):
        return _ln(x, w, b), (x, w)

    def bwd(res, g):
        x, w = res
        n = x.shape[-1]
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        if bug == "scale":
            var = var * n / (n - 1)
        rstd = 1.0 / jnp.sqrt(var + LN_EPS)
        xhat = (x - mu) * rstd
        dxh = g * w
        corr = 0.0 if bug == "missing_term" else xhat * (dxh * xhat).mean(-1, keepdims=True)
        dx = rstd * (dxh - dxh.mean(-1, keepdims=True) - corr)
        if bug == "float32_step":
            dx = _f32(dx)
        db = g.sum(0)
        return dx, (g * xhat).sum(0), (-db if bug == "sign" else db)

    ln.defvjp(fwd, bwd)
    return lambda x, weight, bias: ln(x, weight, bias)


# ---------------------------------------------------------------- RMSNorm (custom_vjp)
RMS_EPS = 1e-6


def _rms(x, weight):
    return x * lax.rsqrt(jnp.mean(x * x, -1, keepdims=True) + RMS_EPS) * weight


def make_rmsnorm(bug):
    if bug == "detached_term":
        return lambda x, weight: x * lax.stop_gradient(
            lax.rsqrt(jnp.mean(x * x, -1, keepdims=True) + RMS_EPS)) * weight

    @jax.custom_vjp
    def rms(x, w):
        return _rms(x, w)

    def fwd(x, w):
        r = lax.rsqrt(jnp.mean(x * x, -1, keepdims=True) + RMS_EPS)
        return x * r * w, (x, w, r)

    def bwd(res, g):
        x, w, r = res
        gw = g * w
        red = ((gw * x).sum(-1, keepdims=True) if bug == "scale"
               else (gw * x).mean(-1, keepdims=True))
        if bug == "float32_step":
            r = _f32(r)
        dx = r * gw if bug == "missing_term" else r * gw - x * r**3 * red
        return dx, (g * x * r).sum(0)

    rms.defvjp(fwd, bwd)
    return lambda x, weight: rms(x, weight)


# ---------------- softmax xent with ignore (custom_vjp)
IGNORE = -100


def _xent(logits, labels):
    z, y = logits, labels
    valid = y != IGNORE
    ys = jnp.where(valid, y, 0)
    nll = -jnp.take_along_axis(jax.nn.log_softmax(z, -1), ys[:, None], axis=1)[:, 0]
    return jnp.sum(jnp.where(valid, nll, 0.0)) / jnp.sum(valid)


def make_xent(bug):
    @jax.custom_vjp
    def xent(z, y):
        return _xent(z, y)

    def fwd(z, y):
        return _xent(z, y), (z, y)

    def bwd(res, g):
        z, y = res
        valid = y != IGNORE
        p = jax.nn.softmax(_f32(z) if bug == "float32_step" else z, -1)
        d = p - jax.nn.one_hot(jnp.where(valid, y, 0), z.shape[-1], dtype=z.dtype)
        if bug != "missing_mask":
            d = d * valid[:, None]
        n = z.shape[0] if bug == "scale" else jnp.sum(valid)
        return g * d / n, None

    xent.defvjp(fwd, bwd)
    return lambda logits, labels: xent(logits, labels)


# ---------------------------------------------------------------- focal loss (custom_vjp)
GAMMA = 2.0


def _focal(logits, labels):
    z, y = logits, labels
    logpt = jnp.take_along_axis(jax.nn.log_softmax(z, -1), y[:, None], 1)[:, 0]
    return jnp.mean(-((1 - jnp.exp(logpt)) ** GAMMA) * logpt)


def make_focal(bug):
    if bug == "detached_term":
        def f(logits, labels):
            logpt = jnp.take_along_axis(jax.nn.log_softmax(logits, -1), labels[:, None], 1)[:, 0]
            return jnp.mean(-lax.stop_gradient((1 - jnp.exp(logpt)) ** GAMMA) * logpt)
        return f

    @jax.custom_vjp
    def focal(z, y):
        return _focal(z, y)

    def fwd(z, y):
        return _focal(z, y), (z, y)

    def bwd(res, g):
        z, y = res
        p = jax.nn.softmax(z, -1)
        logpt = jnp.take_along_axis(jax.nn.log_softmax(z, -1), y[:, None], 1)[:, 0]
        pt = jnp.exp(logpt)
        coef = GAMMA * (1 - pt) ** (GAMMA - 1) * pt * logpt - (1 - pt) ** GAMMA
        if bug == "sign":
            coef = -coef
        n = 1 if bug == "scale" else z.shape[0]
        return g * coef[:, None] * (jax.nn.one_hot(y, z.shape[-1], dtype=z.dtype) - p) / n, None

    focal.defvjp(fwd, bwd)
    return lambda logits, labels: focal(logits, labels)


# ---------------------------------------------------------------- attention (custom_vjp)
def _attn(q, k, v):
    return jax.nn.softmax(q @ k.T / math.sqrt(q.shape[-1]), -1) @ v


def make_attention(bug):
    @jax.custom_vjp
    def attn(q, k, v):
        return _attn(q, k, v)

    def fwd(q, k, v):
        p = jax.nn.softmax(q @ k.T / math.sqrt(q.shape[-1]), -1)
        return p @ v, (q, k, v, p)

    def bwd(res, do):
        q, k, v, p = res
        scale = 0.3535537 if bug == "const_1e-6" else 1.0 / math.sqrt(q.shape[-1])
        dv = p.T @ do
        dp = do @ v.T
        ds = p * dp if bug == "missing_term" else p * (dp - jnp.sum(dp * p, -1, keepdims=True))
        dq = ds @ k * (1.0 if bug == "scale" else scale)
        dk = (ds if bug == "transposed" else ds.T) @ q * scale
        return dq, dk, dv

    attn.defvjp(fwd, bwd)
    return lambda q, k, v: attn(q, k, v)


# ---------------- sparsemax (custom_jvp; sort + cumsum)
def _sparsemax(z):
    zs = jnp.sort(z, axis=-1)[..., ::-1]
    cs = jnp.cumsum(zs, axis=-1) - 1
    k = jnp.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    support = k * zs > cs
    kz = jnp.sum(support, axis=-1, keepdims=True)
    tau = jnp.take_along_axis(cs, kz - 1, axis=-1) / kz.astype(z.dtype)
    return jnp.maximum(z - tau, 0.0)


def make_sparsemax(bug):
    @jax.custom_jvp
    def sparsemax(z):
        return _sparsemax(z)

    @sparsemax.defjvp
    def _jvp(primals, tangents):
        (z,), (tz,) = primals, tangents
        out = sparsemax(z)
        s = (out > 0).astype(z.dtype)
        k = z.shape[-1] if bug == "scale" else jnp.sum(s, -1, keepdims=True)
        v = jnp.sum(s * tz, -1, keepdims=True) / k
        if bug == "float32_step":
            v = _f32(v)
        return out, (s * tz if bug == "missing_term" else s * (tz - v))

    return lambda z: sparsemax(z)


# ---------------- Newton sqrt with while_loop (custom_jvp)
def _newton_sqrt(a):
    def cond(state):
        i, y = state
        return jnp.logical_and(i < 100, jnp.any(jnp.abs(y * y - a) > 1e-15 * a))

    def body(state):
        i, y = state
        return i + 1, 0.5 * (y + a / y)

    return lax.while_loop(cond, body, (0, jnp.maximum(a, 1.0)))[1]


def make_newton_sqrt(bug):
    @jax.custom_jvp
    def nsqrt(a):
        return _newton_sqrt(a)

    @nsqrt.defjvp
    def _jvp(primals, tangents):
        (a,), (ta,) = primals, tangents
        y = nsqrt(a)
        d = ta / y if bug == "scale" else ta / (2 * y)
        return y, (-d if bug == "sign" else d)

    return lambda a: nsqrt(a)


# ---------------- discounted return via reverse scan (custom_vjp)
DISCOUNT = 0.9


def _discounted(r, gamma=DISCOUNT):
    def step(carry, rt):
        g = rt + gamma * carry
        return g, g

    return lax.scan(step, jnp.zeros((), r.dtype), r, reverse=True)[1]


def make_discounted(bug):
    @jax.custom_vjp
    def disc(r):
        return _discounted(r)

    def fwd(r):
        return _discounted(r), None

    def bwd(_, g):
        gamma = DISCOUNT * 1.000001 if bug == "const_1e-6" else DISCOUNT

        def step(carry, gt):
            c = gt + gamma * carry
            return c, c

        rev = bug == "transposed"  # same direction as the forward: the Jacobian, not its transpose
        return (lax.scan(step, jnp.zeros((), g.dtype), g, reverse=rev)[1],)

    disc.defvjp(fwd, bwd)
    return lambda r: disc(r)


# ---------------- lax.cond control flow (custom_vjp)
def _branchy(x, w):
    return lax.cond(jnp.sum(x) > 0, lambda x, w: x * x * w, lambda x, w: jnp.sin(x) * w, x, w)


def make_branchy(bug):
    @jax.custom_vjp
    def br(x, w):
        return _branchy(x, w)

    def fwd(x, w):
        return _branchy(x, w), (x, w)

    def bwd(res, g):
        x, w = res
        two = 1.0 if bug == "scale" else 2.0
        csign = -1.0 if bug == "wrong_branch" else 1.0
        return lax.cond(jnp.sum(x) > 0,
                        lambda: (two * x * w * g, x * x * g),
                        lambda: (csign * jnp.cos(x) * w * g, jnp.sin(x) * g))

    br.defvjp(fwd, bwd)
    return lambda x, w: br(x, w)


# ---------------- STE round (custom_vjp) vs stop_gradient trick
Q = 4.0


def make_ste_round(bug):
    @jax.custom_vjp
    def rnd(x):
        return jnp.round(x * Q) / Q

    def fwd(x):
        return rnd(x), None

    def bwd(_, g):
        return ((g * Q) if bug == "scale" else (-g if bug == "sign" else g),)

    rnd.defvjp(fwd, bwd)
    return lambda x, w: jnp.sum(rnd(x) * w)


def _ste_round_surrogate(x, w):
    return jnp.sum((x + lax.stop_gradient(jnp.round(x * Q) / Q - x)) * w)


def make_ste_sign_stopgrad(bug):
    """The custom gradient IS the stop_gradient trick (no custom rule)."""
    def f(x):
        if bug == "missing_mask":
            return x + lax.stop_gradient(jnp.sign(x) - x)
        c = jnp.clip(x, -1.0, 1.0)
        if bug == "sign":
            return -c + lax.stop_gradient(jnp.sign(x) + c)
        return c + lax.stop_gradient(jnp.sign(x) - c)

    return f


def _ste_sign_surrogate(x):
    @jax.custom_vjp
    def s(x):
        return jnp.sign(x)

    s.defvjp(lambda x: (jnp.sign(x), x), lambda x, g: (g * (jnp.abs(x) <= 1),))
    return s(x)


# ---------------------------------------------------------------- gradient reversal (custom_vjp)
LAMBDA = 0.7


def make_grl(bug):
    @jax.custom_vjp
    def grl(x):
        return x

    def bwd(_, g):
        if bug == "sign":
            return (LAMBDA * g,)
        if bug == "scale":
            return (-g,)
        return (-LAMBDA * g,)

    grl.defvjp(lambda x: (x, None), bwd)
    return lambda x, w: jnp.tanh(grl(x) * w)


def _grl_surrogate(x, w):
    return jnp.tanh((-LAMBDA * x + lax.stop_gradient((1 + LAMBDA) * x)) * w)


# ---------------------------------------------------------------- label smoothing (custom_vjp)
EPS_LS = 0.1


def _ls(logits, labels):
    z, y = logits, labels
    c = z.shape[-1]
    t = (1 - EPS_LS) * jax.nn.one_hot(y, c, dtype=z.dtype) + EPS_LS / c
    return -jnp.mean(jnp.sum(t * jax.nn.log_softmax(z, -1), -1))


def make_label_smoothing(bug):
    @jax.custom_vjp
    def ls(z, y):
        return _ls(z, y)

    def bwd(res, g):
        z, y = res
        c = z.shape[-1]
        oh = jax.nn.one_hot(y, c, dtype=z.dtype)
        smooth = (1 - EPS_LS) * (1.000001 if bug == "const_1e-6" else 1)
        a = 1.0 if bug == "missing_term" else smooth
        t = a * oh + (0.0 if bug == "missing_term" else EPS_LS / c)
        n = 1 if bug == "scale" else z.shape[0]
        return g * (jax.nn.softmax(z, -1) - t) / n, None

    ls.defvjp(lambda z, y: (_ls(z, y), (z, y)), bwd)
    return lambda logits, labels: ls(logits, labels)


# ---------------------------------------------------------------- conv2d + tanh (custom_vjp)
def _conv(x, weight, bias):
    y = lax.conv_general_dilated(x, weight, window_strides=(1, 1), padding=((1, 1), (1, 1)),
                                 dimension_numbers=("NCHW", "OIHW", "NCHW"))
    return jnp.tanh(y + bias[None, :, None, None])


def make_conv(bug):
    @jax.custom_vjp
    def conv(x, w, b):
        return _conv(x, w, b)

    def fwd(x, w, b):
        y = _conv(x, w, b)
        return y, (x, w, y)

    def bwd(res, g):
        x, w, y = res
        gy = g if bug == "missing_term" else g * (1 - y * y)

        def lin(x_, w_):
            return lax.conv_general_dilated(x_, w_, (1, 1), ((1, 1), (1, 1)),
                                            dimension_numbers=("NCHW", "OIHW", "NCHW"))

        _, vjp = jax.vjp(lin, x, w)
        dx, dw = vjp(gy)
        if bug == "float32_step":
            dx = _f32(dx)
        db = gy.sum((0, 2, 3))
        return dx, dw, (-db if bug == "sign" else db)

    conv.defvjp(fwd, bwd)
    return lambda x, weight, bias: conv(x, weight, bias)


# ---------------------------------------------------------------- the list
def _x(shape, seed, scale=1.0, offset=0.0):
    return {"shape": list(shape), "seed": seed, "scale": scale, "offset": offset}


SPECIMENS = [
    _spec("safe_log", make_safe_log, lambda x: jnp.log(jnp.maximum(x, TINY)),
          {"x": {"value": [0.5, 2.0, 0.05, -1.0, 3.5]}},
          [("missing_mask", "missing_mask", "tx/x also where x <= tiny"),
           ("sign", "sign", "-tx/x"), ("float32_step", "float32_step", "x rounded to float32")],
          notes="custom_jvp; at x <= tiny the forward is flat"),
    _spec("safe_norm", make_safe_norm, _safe_norm_ref, {"x": _x([3, 4], 30)},
          [("scale", "scale", "x.tx/(2y)"), ("const_1e-6", "const_1e-6", "y*1.000001"),
           ("float32_step", "float32_step", "y in float32")],
          points=[{"x": {"value": [[0.3, -1.0, 0.5, 2.0], [0.0, 0.0, 0.0, 0.0],
                                   [1.5, 0.2, -0.7, 0.1]]}}],
          notes="custom_jvp; point 1 has a zero row (a kink: the rule returns 0)"),
    _spec("logsumexp", make_logsumexp, lambda x: jax.nn.logsumexp(x, axis=-1),
          {"x": _x([3, 5], 31, 2.0)},
          [("wrong_axis", "transposed", "softmax over axis 0"),
           ("float32_step", "float32_step", "softmax in float32"),
           ("missing_term", "missing_term", "cotangent not multiplied in")]),
    _spec("silu", make_silu, jax.nn.silu, {"x": _x([2, 5], 32, 2.0)},
          [("missing_term", "missing_term", "drops x*s*(1-s)"), ("sign", "sign", "1 - x(1-s)"),
           ("float32_step", "float32_step", "s in float32")]),
    _spec("gelu_tanh", make_gelu_tanh, lambda x: jax.nn.gelu(x, approximate=True),
          {"x": _x([8], 33, 2.0)},
          [("const_1e-6", "const_1e-6", "sqrt(2/pi) typed as 0.7978853"),
           ("missing_term", "missing_term", "factor 3 of d(x^3) lost")]),
    _spec("layernorm", make_layernorm, _ln,
          {"x": _x([3, 6], 34, 1.5, 0.3),
           "weight": _x([6], 35, 0.5, 1.0), "bias": _x([6], 36, 0.5)},
          [("missing_term", "missing_term", "drops -xhat*mean(dxhat*xhat)"),
           ("scale", "scale", "unbiased variance in bwd"),
           ("float32_step", "float32_step", "dx in float32"), ("sign", "sign", "dbias negated")]),
    _spec("rmsnorm", make_rmsnorm, _rms, {"x": _x([3, 5], 37, 1.5),
     "weight": _x([5], 38, 0.5, 1.0)},
          [("missing_term", "missing_term", "drops correction"),
           ("scale", "scale", "sum instead of mean"),
           ("detached_term", "detached_term", "plain autodiff with stop_gradient(rsqrt(...))"),
           ("float32_step", "float32_step", "r in float32")]),
    _spec("softmax_xent_ignore", make_xent, _xent,
          {"logits": _x([4, 5], 39, 2.0), "labels": {"value": [2, IGNORE, 0, 4], "dtype": "int64"}},
          [("scale", "scale", "divides by N"),
           ("missing_mask", "missing_mask", "ignored rows get grad"),
           ("float32_step", "float32_step", "softmax in float32")]),
    _spec("focal_loss", make_focal, _focal,
          {"logits": _x([4, 3], 40, 2.0), "labels": {"value": [0, 2, 1, 1], "dtype": "int64"}},
          [("detached_term", "detached_term", "stop_gradient on (1-pt)^gamma"),
           ("sign", "sign", "coef negated"), ("scale", "scale", "sum not mean")]),
    _spec("attention", make_attention, _attn,
          {"q": _x([4, 8], 41), "k": _x([4, 8], 42), "v": _x([4, 3], 43)},
          [("scale", "scale", "dq without 1/sqrt(d)"), ("transposed", "transposed", "dk from ds"),
           ("missing_term", "missing_term", "no row-sum term"),
           ("const_1e-6", "const_1e-6", "1/sqrt(8) typed 0.3535537")]),
    _spec("sparsemax", make_sparsemax, _sparsemax,
          {"z": {"value": [[0.9, 0.1, 0.75, -0.4, 0.3], [1.2, -0.5, 0.05, 0.35, -1.0],
                           [0.2, 0.25, 0.1, 0.3, 0.0]]}},
          [("scale", "scale", "divides by C"), ("missing_term", "missing_term", "s*t"),
           ("float32_step", "float32_step", "mean in float32")]),
    _spec("newton_sqrt", make_newton_sqrt, lambda a: jnp.sqrt(a),
          {"a": {"value": [0.25, 2.0, 9.0, 0.04]}},
          [("scale", "scale", "ta/y"), ("sign", "sign", "-ta/(2y)")],
          notes="forward is a data-dependent lax.while_loop"),
    _spec("discounted_return", make_discounted, _discounted, {"r": _x([6], 44)},
          [("transposed", "transposed", "bwd scans in the forward's direction"),
           ("const_1e-6", "const_1e-6", "gamma*(1+1e-6) in bwd")],
          notes="forward is lax.scan(reverse=True)"),
    _spec("branchy", make_branchy, _branchy,
          {"x": {"value": [0.5, 1.2, -0.3]}, "w": _x([3], 45)},
          [("scale", "scale", "true branch without 2"),
           ("wrong_branch", "sign", "false branch -cos")],
          points=[{"x": {"value": [-0.5, -1.2, 0.3]}}], notes="lax.cond on sum(x) > 0"),
    _spec("ste_round", make_ste_round, _ste_round_surrogate,
          {"x": {"value": [0.31, -1.07, 0.58, 2.2]}, "w": _x([4], 46)},
          [("scale", "scale", "g*Q"), ("sign", "sign", "-g")], surrogate=True),
    _spec("ste_sign_stopgrad", make_ste_sign_stopgrad, _ste_sign_surrogate,
          {"x": {"value": [0.4, -0.3, 1.7, -2.5, 0.9]}},
          [("missing_mask", "missing_mask", "x + sg(sign(x) - x)"), ("sign", "sign", "-clip")],
          surrogate=True, notes="stop_gradient trick; reference is a custom_vjp"),
    _spec("grad_reversal", make_grl, _grl_surrogate, {"x": _x([5], 47), "w": _x([5], 48)},
          [("sign", "sign", "no neg"), ("scale", "scale", "no lambda")], surrogate=True),
    _spec("label_smoothing", make_label_smoothing, _ls,
          {"logits": _x([3, 4], 49, 2.0), "labels": {"value": [3, 0, 1], "dtype": "int64"}},
          [("missing_term", "missing_term", "one-hot target in bwd"),
           ("const_1e-6", "const_1e-6", "(1-eps)*(1+1e-6)"), ("scale", "scale", "no 1/N")]),
    _spec("conv2d_tanh", make_conv, _conv,
          {"x": _x([2, 2, 5, 5], 50),
           "weight": _x([3, 2, 3, 3], 51, 0.4), "bias": _x([3], 52, 0.3)},
          [("missing_term", "missing_term", "no tanh'"), ("float32_step", "float32_step", "dx f32"),
           ("sign", "sign", "dbias negated")]),
]

BY_NAME = {s["name"]: s for s in SPECIMENS}
