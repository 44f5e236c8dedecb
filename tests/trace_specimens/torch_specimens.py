"""Custom-gradient torch specimens (re-implemented in the style of common public code).

Each specimen's forward takes keyword tensors and returns a tensor. The correct version has a
correct custom backward; every bug variant is the same function with one injected bug in the
gradient (usually in the backward). `SPECIMENS` is the list; see specimen_common for the format.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from tests.trace_specimens.common import materialize  # noqa: F401  (re-exported)

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _f32(t):
    """a float32 step inside a float64 computation (the 'float32_step' bug)."""
    return t.float().double()


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


# ---------------------------------------------------------------- SiLU
def make_silu(bug):
    class SiLU(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            s = torch.sigmoid(x)
            ctx.save_for_backward(x, s)
            return x * s

        @staticmethod
        def backward(ctx, g):
            x, s = ctx.saved_tensors
            if bug == "float32_step":
                s = _f32(torch.sigmoid(x))
            if bug == "missing_term":
                return g * s
            if bug == "sign":
                return g * s * (1 - x * (1 - s))
            return g * s * (1 + x * (1 - s))

    return lambda x: SiLU.apply(x)


# ---------------------------------------------------------------- Mish
def make_mish(bug):
    class Mish(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * torch.tanh(F.softplus(x))

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            t = torch.tanh(F.softplus(x))
            one = 1.000001 if bug == "const_1e-6" else 1.0
            sech2 = one - t * t
            if bug == "missing_term":
                return g * t
            second = x * sech2 * torch.sigmoid(x)
            if bug == "sign":
                return g * (t - second)
            return g * (t + second)

    return lambda x: Mish.apply(x)


# ---------------------------------------------------------------- GELU (tanh approximation)
def make_gelu_tanh(bug):
    class GeluTanh(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return F.gelu(x, approximate="tanh")

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            c = 0.7978853 if bug == "const_1e-6" else SQRT_2_OVER_PI  # typo'd sqrt(2/pi)
            k3 = 0.044715 if bug == "missing_term" else 3 * 0.044715  # forgot the 3 of d(x^3)
            u = SQRT_2_OVER_PI * (x + 0.044715 * x**3)
            t = torch.tanh(u)
            half = 1.0 if bug == "scale" else 0.5
            return g * (0.5 * (1 + t) + half * x * (1 - t * t) * c * (1 + k3 * x * x))

    return lambda x: GeluTanh.apply(x)


# ---------------------------------------------------------------- LayerNorm
LN_EPS = 1e-5


def make_layernorm(bug):
    class LayerNormFn(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, w, b):
            y = F.layer_norm(x, (x.shape[-1],), w, b, LN_EPS)
            ctx.save_for_backward(x, w)
            return y

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            n = x.shape[-1]
            mu = x.mean(-1, keepdim=True)
            var = ((x - mu) ** 2).mean(-1, keepdim=True)
            if bug == "scale":  # Bessel-corrected variance in the backward only
                var = var * n / (n - 1)
            rstd = 1.0 / torch.sqrt(var + LN_EPS)
            xhat = (x - mu) * rstd
            dxhat = g * w
            if bug == "missing_term":
                dx = rstd * (dxhat - dxhat.mean(-1, keepdim=True))
            else:
                dx = rstd * (dxhat - dxhat.mean(-1, keepdim=True)
                             - xhat * (dxhat * xhat).mean(-1, keepdim=True))
            if bug == "float32_step":
                dx = _f32(dx)
            dw = (g * xhat).sum(0)
            db = g.sum(0)
            if bug == "sign":
                db = -db
            return dx, dw, db

    return lambda x, weight, bias: LayerNormFn.apply(x, weight, bias)


def _layernorm_ref(x, weight, bias):
    return F.layer_norm(x, (x.shape[-1],), weight, bias, LN_EPS)


# ---------------------------------------------------------------- RMSNorm
RMS_EPS = 1e-6


def make_rmsnorm(bug):
    if bug == "detached_term":  # plain autograd with the rms detached "for stability"
        def fwd(x, weight):
            r = torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + RMS_EPS).detach()
            return x * r * weight
        return fwd

    class RMSNormFn(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, w):
            r = torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + RMS_EPS)
            ctx.save_for_backward(x, w, r)
            return x * r * w

        @staticmethod
        def backward(ctx, g):
            x, w, r = ctx.saved_tensors
            gw = g * w
            if bug == "float32_step":
                r = _f32(r)
            red = ((gw * x).sum(-1, keepdim=True) if bug == "scale"
                   else (gw * x).mean(-1, keepdim=True))
            dx = r * gw if bug == "missing_term" else r * gw - x * r ** 3 * red
            dw = (g * x * r).sum(0)
            return dx, dw

    return lambda x, weight: RMSNormFn.apply(x, weight)


def _rmsnorm_ref(x, weight):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + RMS_EPS) * weight


# ---------------- softmax cross-entropy, ignore_index
IGNORE = -100


def make_xent(bug):
    class XentFn(torch.autograd.Function):
        @staticmethod
        def forward(ctx, z, y):
            ctx.save_for_backward(z, y)
            return F.cross_entropy(z, y, ignore_index=IGNORE)

        @staticmethod
        def backward(ctx, g):
            z, y = ctx.saved_tensors
            valid = (y != IGNORE)
            p = torch.softmax(_f32(z) if bug == "float32_step" else z, dim=-1)
            onehot = F.one_hot(y.clamp(min=0), z.shape[-1]).to(z.dtype)
            d = p - onehot
            if bug != "missing_mask":
                d = d * valid[:, None].to(z.dtype)
            n = z.shape[0] if bug == "scale" else valid.sum()  # 'scale': mean over all rows
            return g * d / n, None

    return lambda logits, labels: XentFn.apply(logits, labels)


def _xent_ref(logits, labels):
    return F.cross_entropy(logits, labels, ignore_index=IGNORE)


# ---------------------------------------------------------------- focal loss
GAMMA = 2.0


def make_focal(bug):
    if bug == "detached_term":  # modulating factor detached (a common shortcut)
        def fwd(logits, labels):
            logpt = F.log_softmax(logits, -1).gather(1, labels[:, None]).squeeze(1)
            mod = (1 - logpt.exp()).pow(GAMMA).detach()
            return (-mod * logpt).mean()
        return fwd

    class FocalFn(torch.autograd.Function):
        @staticmethod
        def forward(ctx, z, y):
            logp = F.log_softmax(z, -1)
            logpt = logp.gather(1, y[:, None]).squeeze(1)
            pt = logpt.exp()
            ctx.save_for_backward(z, y, logpt)
            return (-(1 - pt).pow(GAMMA) * logpt).mean()

        @staticmethod
        def backward(ctx, g):
            z, y, logpt = ctx.saved_tensors
            pt = logpt.exp()
            p = torch.softmax(z, -1)
            onehot = F.one_hot(y, z.shape[-1]).to(z.dtype)
            coef = GAMMA * (1 - pt).pow(GAMMA - 1) * pt * logpt - (1 - pt).pow(GAMMA)
            if bug == "sign":
                coef = -coef
            n = 1 if bug == "scale" else z.shape[0]  # 'scale': gradient of the sum
            return g * coef[:, None] * (onehot - p) / n, None

    return lambda logits, labels: FocalFn.apply(logits, labels)


def _focal_ref(logits, labels):
    logpt = F.log_softmax(logits, -1).gather(1, labels[:, None]).squeeze(1)
    return (-(1 - logpt.exp()).pow(GAMMA) * logpt).mean()


# ---------------------------------------------------------------- straight-through round
Q = 4.0


def make_ste_round(bug):
    class RoundSTE(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return torch.round(x * Q) / Q

        @staticmethod
        def backward(ctx, g):
            if bug == "scale":
                return g * Q  # forgot that the 1/Q cancels the Q
            if bug == "sign":
                return -g
            return g

    return lambda x, w: (RoundSTE.apply(x) * w).sum()


def _ste_round_surrogate(x, w):
    xq = x + (torch.round(x * Q) / Q - x).detach()  # value round(4x)/4, gradient identity
    return (xq * w).sum()


# ---------------- straight-through sign (hardtanh STE)
def make_ste_sign(bug):
    class SignSTE(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.sign(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            if bug == "missing_mask":
                return g
            mask = (x.abs() <= 1).to(g.dtype)
            return (-g if bug == "sign" else g) * mask

    return lambda x: SignSTE.apply(x)


def _ste_sign_surrogate(x):
    return torch.clamp(x, -1.0, 1.0)


# ---------------------------------------------------------------- gradient reversal
LAMBDA = 0.7


def make_grl(bug):
    class GradReverse(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, lam):
            ctx.lam = lam
            return x.view_as(x)

        @staticmethod
        def backward(ctx, g):
            if bug == "sign":
                return g * ctx.lam, None
            if bug == "scale":
                return -g, None
            return g.neg() * ctx.lam, None

    return lambda x, w: torch.tanh(GradReverse.apply(x, LAMBDA) * w)


def _grl_surrogate(x, w):
    xs = -LAMBDA * x + ((1 + LAMBDA) * x).detach()  # value x, gradient -lambda
    return torch.tanh(xs * w)


# ---------------------------------------------------------------- attention block
def make_attention(bug):
    class Attention(torch.autograd.Function):
        @staticmethod
        def forward(ctx, q, k, v):
            scale = 1.0 / math.sqrt(q.shape[-1])
            p = torch.softmax(q @ k.transpose(-2, -1) * scale, dim=-1)
            ctx.save_for_backward(q, k, v, p)
            return p @ v

        @staticmethod
        def backward(ctx, do):
            q, k, v, p = ctx.saved_tensors
            scale = 0.3535537 if bug == "const_1e-6" else 1.0 / math.sqrt(q.shape[-1])
            dv = p.transpose(-2, -1) @ do
            dp = do @ v.transpose(-2, -1)
            ds = p * dp if bug == "missing_term" else p * (dp - (dp * p).sum(-1, keepdim=True))
            dq = ds @ k * (1.0 if bug == "scale" else scale)
            dk = (ds if bug == "transposed" else ds.transpose(-2, -1)) @ q * scale
            return dq, dk, dv

    return lambda q, k, v: Attention.apply(q, k, v)


def _attention_ref(q, k, v):
    return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1) @ v


# ---------------------------------------------------------------- conv2d + tanh
def make_conv(bug):
    class ConvTanh(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, w, b):
            y = torch.tanh(F.conv2d(x, w, b, stride=1, padding=1))
            ctx.save_for_backward(x, w, y)
            return y

        @staticmethod
        def backward(ctx, g):
            x, w, y = ctx.saved_tensors
            gy = g if bug == "missing_term" else g * (1 - y * y)
            dx = torch.nn.grad.conv2d_input(x.shape, w, gy, stride=1, padding=1)
            if bug == "float32_step":
                dx = torch.nn.grad.conv2d_input(x.shape, w.float(), gy.float(), stride=1,
                                                padding=1).double()
            dw = torch.nn.grad.conv2d_weight(x, w.shape, gy, stride=1, padding=1)
            db = gy.sum((0, 2, 3))
            if bug == "sign":
                db = -db
            return dx, dw, db

    return lambda x, weight, bias: ConvTanh.apply(x, weight, bias)


def _conv_ref(x, weight, bias):
    return torch.tanh(F.conv2d(x, weight, bias, stride=1, padding=1))


# ---------------------------------------------------------------- Python control flow
def make_branchy(bug):
    class Branchy(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, w):
            ctx.save_for_backward(x, w)
            if x.sum() > 0:
                return x * x * w
            return torch.sin(x) * w

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            if x.sum() > 0:
                two = 1.0 if bug == "scale" else 2.0
                return two * x * w * g, x * x * g
            c = -torch.cos(x) if bug == "wrong_branch" else torch.cos(x)
            return c * w * g, torch.sin(x) * g

    return lambda x, w: Branchy.apply(x, w)


def _branchy_ref(x, w):
    if x.sum() > 0:
        return x * x * w
    return torch.sin(x) * w


# ---------------------------------------------------------------- label smoothing
EPS_LS = 0.1


def make_label_smoothing(bug):
    class LabelSmoothingCE(torch.autograd.Function):
        @staticmethod
        def forward(ctx, z, y):
            c = z.shape[-1]
            target = (1 - EPS_LS) * F.one_hot(y, c).to(z.dtype) + EPS_LS / c
            ctx.save_for_backward(z, target)
            return -(target * F.log_softmax(z, -1)).sum(-1).mean()

        @staticmethod
        def backward(ctx, g):
            z, target = ctx.saved_tensors
            c = z.shape[-1]
            if bug == "missing_term":  # forgot the smoothing in the backward
                target = (target - EPS_LS / c) / (1 - EPS_LS)
            if bug == "const_1e-6":
                target = (target - EPS_LS / c) * (1.000001) + EPS_LS / c
            n = 1 if bug == "scale" else z.shape[0]
            return g * (torch.softmax(z, -1) - target) / n, None

    return lambda logits, labels: LabelSmoothingCE.apply(logits, labels)


def _label_smoothing_ref(logits, labels):
    return F.cross_entropy(logits, labels, label_smoothing=EPS_LS)


# ---------------------------------------------------------------- sparsemax (sort + cumsum)
def _sparsemax_fwd(z):
    zs, _ = torch.sort(z, dim=-1, descending=True)
    cs = zs.cumsum(-1) - 1
    k = torch.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    support = k * zs > cs
    kz = support.sum(-1, keepdim=True)
    tau = cs.gather(-1, kz - 1) / kz.to(z.dtype)
    return torch.clamp(z - tau, min=0)


def make_sparsemax(bug):
    class Sparsemax(torch.autograd.Function):
        @staticmethod
        def forward(ctx, z):
            out = _sparsemax_fwd(z)
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, g):
            (out,) = ctx.saved_tensors
            s = (out > 0).to(g.dtype)
            k = torch.full_like(s.sum(-1, keepdim=True), s.shape[-1]) if bug == "scale" \
                else s.sum(-1, keepdim=True)
            v = (g * s).sum(-1, keepdim=True) / k
            if bug == "float32_step":
                v = _f32(v)
            if bug == "missing_term":
                return s * g
            return s * (g - v)

    return lambda z: Sparsemax.apply(z)


# ---------------------------------------------------------------- in-place ops inside forward
def make_logcosh(bug):
    class LogCosh(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            a = x.abs()
            out = a.clone()
            out.add_(torch.log1p(torch.exp(-2 * a)))
            out.sub_(math.log(2.0))
            return out

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            if bug == "missing_term":  # derivative of |x| taken as 1
                return g * torch.tanh(x.abs())
            if bug == "float32_step":
                return g * _f32(torch.tanh(x))
            return g * torch.tanh(x)

    return lambda x: LogCosh.apply(x)


def _logcosh_ref(x):
    return torch.log(torch.cosh(x))


COL_SCALE = 2.0


def make_inplace_relu(bug):
    class ReluColScale(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            y = x.clone()
            y[y < 0] = 0.0  # index_put_ with a boolean mask
            y[:, 0] *= COL_SCALE  # in-place on a view (select + mul_)
            return y

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            d = g * (x > 0).to(g.dtype)
            if bug != "missing_term":
                d[:, 0] *= COL_SCALE
            return -d if bug == "sign" else d

    return lambda x: ReluColScale.apply(x)


def _inplace_relu_ref(x):
    y = torch.relu(x)
    scale = torch.ones(x.shape[-1], dtype=x.dtype)
    scale[0] = COL_SCALE
    return y * scale


# ---------------------------------------------------------------- the list
def _x(shape, seed, scale=1.0, offset=0.0):
    return {"shape": list(shape), "seed": seed, "scale": scale, "offset": offset}


SPECIMENS = [
    _spec("silu", make_silu, lambda x: F.silu(x), {"x": _x([2, 5], 1, 2.0)},
          [("missing_term", "missing_term", "drops x*s*(1-s)"),
           ("sign", "sign", "1 - x(1-s) instead of 1 + x(1-s)"),
           ("float32_step", "float32_step", "sigmoid recomputed in float32")]),
    _spec("mish", make_mish, lambda x: F.mish(x), {"x": _x([7], 2, 2.0)},
          [("missing_term", "missing_term", "drops x*sech^2(sp)*sigmoid"),
           ("sign", "sign", "second term subtracted"),
           ("const_1e-6", "const_1e-6", "1.000001 - tanh^2")]),
    _spec("gelu_tanh", make_gelu_tanh, lambda x: F.gelu(x, approximate="tanh"),
          {"x": _x([8], 3, 2.0)},
          [("const_1e-6", "const_1e-6", "sqrt(2/pi) typed as 0.7978853 in the backward"),
           ("missing_term", "missing_term", "d(x^3)/dx written as x^2 (factor 3 lost)"),
           ("scale", "scale", "second term not halved")]),
    _spec("layernorm", make_layernorm, _layernorm_ref,
          {"x": _x([3, 6], 4, 1.5, 0.3), "weight": _x([6], 5, 0.5, 1.0), "bias": _x([6], 6, 0.5)},
          [("missing_term", "missing_term", "drops -xhat*mean(dxhat*xhat)"),
           ("scale", "scale", "unbiased variance in the backward"),
           ("float32_step", "float32_step", "dx rounded to float32"),
           ("sign", "sign", "dbias negated")]),
    _spec("rmsnorm", make_rmsnorm, _rmsnorm_ref,
          {"x": _x([3, 5], 7, 1.5), "weight": _x([5], 8, 0.5, 1.0)},
          [("missing_term", "missing_term", "drops -x r^3 mean(g w x)"),
           ("scale", "scale", "sum instead of mean in the correction term"),
           ("detached_term", "detached_term", "plain autograd with rms.detach()"),
           ("float32_step", "float32_step", "rsqrt saved in float32")]),
    _spec("softmax_xent_ignore", make_xent, _xent_ref,
          {"logits": _x([4, 5], 9, 2.0),
           "labels": {"value": [2, IGNORE, 0, 4], "dtype": "int64"}},
          [("scale", "scale", "divides by N, counting ignored rows"),
           ("missing_mask", "missing_mask", "ignored rows get a gradient"),
           ("float32_step", "float32_step", "softmax in float32")],
          notes="integer labels, ignore_index=-100"),
    _spec("focal_loss", make_focal, _focal_ref,
          {"logits": _x([4, 3], 10, 2.0), "labels": {"value": [0, 2, 1, 1], "dtype": "int64"}},
          [("detached_term", "detached_term", "(1-pt)^gamma detached, plain autograd"),
           ("sign", "sign", "coefficient negated"),
           ("scale", "scale", "gradient of the sum, not the mean")]),
    _spec("ste_round", make_ste_round, _ste_round_surrogate,
          {"x": {"value": [0.31, -1.07, 0.58, 2.2]}, "w": _x([4], 11)},
          [("scale", "scale", "returns g*Q"), ("sign", "sign", "returns -g")],
          surrogate=True,
          notes="straight-through: forward round(4x)/4 has derivative 0 a.e.; intended "
                "gradient is identity"),
    _spec("ste_sign", make_ste_sign, _ste_sign_surrogate,
          {"x": {"value": [0.4, -0.3, 1.7, -2.5, 0.9]}},
          [("missing_mask", "missing_mask", "identity everywhere (no |x|<=1 mask)"),
           ("sign", "sign", "negated")],
          surrogate=True, notes="BinaryConnect sign with hardtanh backward"),
    _spec("grad_reversal", make_grl, _grl_surrogate, {"x": _x([5], 12), "w": _x([5], 13)},
          [("sign", "sign", "forgot the neg"), ("scale", "scale", "forgot lambda")],
          surrogate=True, notes="forward identity (x.view_as(x)); intended gradient -lambda"),
    _spec("attention", make_attention, _attention_ref,
          {"q": _x([4, 8], 14), "k": _x([4, 8], 15), "v": _x([4, 3], 16)},
          [("scale", "scale", "dq without 1/sqrt(d)"),
           ("transposed", "transposed", "dk from ds instead of ds^T"),
           ("missing_term", "missing_term", "softmax backward without the row-sum term"),
           ("const_1e-6", "const_1e-6", "1/sqrt(8) typed as 0.3535537")]),
    _spec("conv2d_tanh", make_conv, _conv_ref,
          {"x": _x([2, 2, 5, 5], 17), "weight": _x([3, 2, 3, 3], 18, 0.4),
           "bias": _x([3], 19, 0.3)},
          [("missing_term", "missing_term", "no tanh' factor"),
           ("float32_step", "float32_step", "dx computed in float32"),
           ("sign", "sign", "dbias negated")]),
    _spec("branchy", make_branchy, _branchy_ref,
          {"x": {"value": [0.5, 1.2, -0.3]}, "w": _x([3], 20)},
          [("scale", "scale", "if-branch: dx without the factor 2"),
           ("wrong_branch", "sign", "else-branch: -cos")],
          points=[{"x": {"value": [-0.5, -1.2, 0.3]}}],
          notes="if x.sum() > 0 inside Function.forward; point 0 takes the if, point 1 the else"),
    _spec("label_smoothing", make_label_smoothing, _label_smoothing_ref,
          {"logits": _x([3, 4], 21, 2.0), "labels": {"value": [3, 0, 1], "dtype": "int64"}},
          [("missing_term", "missing_term", "one-hot target in the backward"),
           ("const_1e-6", "const_1e-6", "(1-eps) off by 1e-6"),
           ("scale", "scale", "no 1/N")]),
    _spec("sparsemax", make_sparsemax, None,  # reference filled below (autograd of _sparsemax_fwd)
          {"z": {"value": [[0.9, 0.1, 0.75, -0.4, 0.3], [1.2, -0.5, 0.05, 0.35, -1.0],
                           [0.2, 0.25, 0.1, 0.3, 0.0]]}},
          [("scale", "scale", "divides by C instead of |support|"),
           ("missing_term", "missing_term", "s*g (no -mean)"),
           ("float32_step", "float32_step", "mean in float32")]),
    _spec("logcosh_inplace", make_logcosh, _logcosh_ref, {"x": _x([6], 22, 2.0)},
          [("missing_term", "missing_term", "tanh(|x|): derivative of |x| dropped"),
           ("float32_step", "float32_step", "tanh in float32")],
          notes="forward uses add_/sub_ on a clone"),
    _spec("inplace_relu_colscale", make_inplace_relu, _inplace_relu_ref, {"x": _x([3, 4], 23)},
          [("missing_term", "missing_term", "column scale forgotten"),
           ("sign", "sign", "negated")],
          notes="forward uses index_put_ (boolean mask) and mul_ on a select view"),
]

# sparsemax reference: autograd through the sort/cumsum forward itself is exact a.e.
SPECIMENS[[s["name"] for s in SPECIMENS].index("sparsemax")]["reference"] = _sparsemax_fwd

BY_NAME = {s["name"]: s for s in SPECIMENS}
