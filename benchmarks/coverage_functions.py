"""The functions of the coverage measurement (benchmarks/language_coverage.py): numpy,
scipy and torch functions that ML and scientific code differentiate, each with how it is
written in the expression language, or None and why not. Every expression is parsed and
evaluated by language_coverage.py over its INPUTS; a note says where the writing is
limited (a fixed size, a fixed parameter)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    name: str
    expr: str | None  # None: not expressible, see ``why``
    why: str = ""  # a note on the writing, or why it is not expressible


def E(name: str, expr: str | None, why: str = "") -> Entry:
    return Entry(name, expr, why)


COMPLEX, LIST, ODE = "complex numbers", "a list of outputs", "an ODE solver"

NUMPY: list[Entry] = [
    E("numpy.sin", "sin(x)"), E("numpy.cos", "cos(x)"), E("numpy.tan", "tan(x)"),
    E("numpy.arcsin", "arcsin(u)"), E("numpy.arccos", "arccos(u)"),
    E("numpy.arctan", "arctan(x)"), E("numpy.sinh", "sinh(x)"), E("numpy.cosh", "cosh(x)"),
    E("numpy.tanh", "tanh(x)"), E("numpy.arcsinh", "arcsinh(x)"),
    E("numpy.arccosh", "arccosh(1 + p)"), E("numpy.arctanh", "arctanh(u)"),
    E("numpy.exp", "exp(x)"), E("numpy.expm1", "expm1(x)"), E("numpy.exp2", "exp2(x)"),
    E("numpy.log", "log(p)"), E("numpy.log1p", "log1p(p)"), E("numpy.log2", "log2(p)"),
    E("numpy.log10", "log10(p)"), E("numpy.sqrt", "sqrt(p)"), E("numpy.cbrt", "cbrt(x)"),
    E("numpy.square", "square(x)"), E("numpy.power", "p ** y"),
    E("numpy.reciprocal", "1 / p"), E("numpy.abs", "abs(x)"), E("numpy.sign", "sign(x)"),
    E("numpy.maximum", "maximum(x, y)"), E("numpy.minimum", "minimum(x, y)"),
    E("numpy.clip", "clip(x, -0.5, 0.5)"), E("numpy.where", "where(x > 0, x, 0.1 * x)"),
    E("numpy.hypot", "hypot(x, y)"), E("numpy.arctan2", "arctan2(y, x)"),
    E("numpy.logaddexp", "logaddexp(x, y)"), E("numpy.logaddexp2", "logaddexp2(x, y)"),
    E("numpy.sinc", "sinc(x)"), E("numpy.floor", "floor(x) * x"),
    E("numpy.round", "round(x, 1) * x"), E("numpy.mod", "x % 0.75"),
    E("numpy.heaviside", "heaviside(x, 0.5) * y"), E("numpy.deg2rad", "x * pi / 180"),
    E("numpy.sum", "sum(A, axis=0)"), E("numpy.mean", "mean(A, axis=1, keepdims=True)"),
    E("numpy.prod", "prod(p)"), E("numpy.max", "max(A, axis=1)"), E("numpy.min", "min(x)"),
    E("numpy.var", "var(A, axis=0, ddof=1)"), E("numpy.std", "std(x)"),
    E("numpy.average", "sum(w * x) / sum(w)"), E("numpy.ptp", "max(x) - min(x)"),
    E("numpy.cumsum", "cumsum(A, axis=1)"), E("numpy.cumprod", "cumprod(p)"),
    E("numpy.sort", "sort(x)"), E("numpy.median", "median(x)"),
    E("numpy.quantile", "0.5 * sort(x)[1] + 0.5 * sort(x)[2]",
      "q = 0.375 of 5 values written out (fixed q and size)"),
    E("numpy.diff", "x[1:] - x[:-1]"), E("numpy.linalg.norm", "norm(x)"),
    E("numpy.concatenate", "concatenate([x, y], axis=0)"), E("numpy.stack", "stack([x, y])"),
    E("numpy.pad", "pad(x, 2, mode='reflect')"), E("numpy.flip", "flip(A, axis=0)"),
    E("numpy.roll", "roll(x, 2)"), E("numpy.tile", "tile(x, 2)"),
    E("numpy.repeat", "repeat(x, 2)"), E("numpy.tril", "tril(A)"), E("numpy.triu", "triu(A)"),
    E("numpy.diag", "diag(x)"), E("numpy.diagonal", "diagonal(A)"),
    E("numpy.squeeze", "squeeze(reshape(x, (1, 5)))"),
    E("numpy.expand_dims", "expand_dims(x, 0)"),
    E("numpy.broadcast_to", "broadcast_to(x, (2, 5))"),
    E("numpy.moveaxis", "moveaxis(T, 0, -1)"), E("numpy.swapaxes", "swapaxes(T, 0, 1)"),
    E("numpy.transpose", "transpose(T, (2, 0, 1))"), E("numpy.reshape", "reshape(T, (6, 4))"),
    E("numpy.einsum", "einsum('ij,jk->ik', A, S)"),
    E("numpy.tensordot", "tensordot(A, S, axes=1)"), E("numpy.kron", "kron(A, S)"),
    E("numpy.cross", "cross(b, A[0])"), E("numpy.trace", "trace(A, offset=1)"),
    E("numpy.outer", "outer(x, y)"), E("numpy.dot", "dot(A, b)"),
    E("numpy.matmul", "A @ S"), E("numpy.take_along_axis",
                                  "take_along_axis(Z, labels[:, None], axis=1)"),
    E("numpy.convolve", "conv1d(reshape(x, (1, 1, 5)), reshape(flip(b), (1, 1, 3)), "
                        "padding=2)[0, 0]", "mode='full' as conv1d of the flipped kernel"),
    E("numpy.interp", "where(x < 0, 0.5 + 0.5 * x, 0.5 + 2 * x)",
      "a fixed 3-knot grid (-1, 0, 1) -> (0, 0.5, 2.5), written piecewise"),
    E("numpy.linalg.det", "det(A)"), E("numpy.linalg.inv", "inv(A)"),
    E("numpy.linalg.solve", "solve(A, b)"), E("numpy.linalg.cholesky", "cholesky(S)"),
    E("numpy.linalg.slogdet", "slogdet(A)[1]"), E("numpy.linalg.eigh", "eigh(S)[1]"),
    E("numpy.linalg.eigvalsh", "eigvalsh(S)"), E("numpy.linalg.svd", "svd(M)[1]",
                                                   "the singular values only"),
    E("numpy.linalg.qr", "qr(M)[0]"), E("numpy.linalg.pinv", "pinv(M)"),
    E("numpy.linalg.matrix_power", "matrix_power(A, 3)"),
    E("numpy.linalg.lstsq", "pinv(M) @ z4", "its solution: pinv(M) @ b (full column rank)"),
    E("numpy.linalg.cond", "max(svdvals(A)) / min(svdvals(A))"),
    E("numpy.linalg.eig", None, COMPLEX), E("numpy.linalg.eigvals", None, COMPLEX),
    E("numpy.fft.fft", None, COMPLEX), E("numpy.fft.rfft", None, COMPLEX),
    E("numpy.split", None, LIST),
]

SCIPY: list[Entry] = [
    E("scipy.linalg.expm", "expm(A)"),
    E("scipy.linalg.solve_triangular", "solve(tril(A), b)"),
    E("scipy.linalg.logm", "eigh(S)[1] @ diag(log(eigh(S)[0])) @ eigh(S)[1].T",
      "of a symmetric positive definite matrix"),
    E("scipy.linalg.sqrtm", "eigh(S)[1] @ diag(sqrt(eigh(S)[0])) @ eigh(S)[1].T",
      "of a symmetric positive definite matrix"),
    E("scipy.special.erf", "erf(x)"), E("scipy.special.erfc", "erfc(x)"),
    E("scipy.special.erfinv", "erfinv(u)"), E("scipy.special.erfcx", "exp(x**2) * erfc(x)"),
    E("scipy.special.ndtr", "0.5 * erfc(-x / sqrt(2))"),
    E("scipy.special.log_ndtr", "log(0.5 * erfc(-x / sqrt(2)))"),
    E("scipy.special.ndtri", "sqrt(2) * erfinv(2 * u - 1)"),
    E("scipy.special.gammaln", "gammaln(p)"), E("scipy.special.gamma", "exp(gammaln(p))",
                                                 "positive arguments"),
    E("scipy.special.betaln", "gammaln(p) + gammaln(q) - gammaln(p + q)"),
    E("scipy.special.digamma", "digamma(p)"),
    E("scipy.special.polygamma", "polygamma(1, p)"),
    E("scipy.special.xlogy", "xlogy(u, p)"), E("scipy.special.xlog1py", "xlog1py(u, p)"),
    E("scipy.special.entr", "-xlogy(u, u)"), E("scipy.special.rel_entr", "xlogy(u, u / p)"),
    E("scipy.special.huber", "where(abs(x) <= 1, x**2 / 2, abs(x) - 0.5)", "delta = 1"),
    E("scipy.special.i0", "i0(x)"), E("scipy.special.i1", "i1(x)"),
    E("scipy.special.j0", "j0(x)"), E("scipy.special.j1", "j1(x)"),
    E("scipy.special.expit", "sigmoid(x)"), E("scipy.special.logit", "logit(u)"),
    E("scipy.special.softmax", "softmax(Z, axis=1)"),
    E("scipy.special.log_softmax", "log_softmax(Z, axis=1)"),
    E("scipy.special.logsumexp", "logsumexp(x, b=w)"),
    E("scipy.signal.lfilter", None, "an IIR filter is a recurrence (a loop with state); "
                                    "an FIR filter is conv1d"),
    E("scipy.integrate.odeint", None, ODE), E("scipy.integrate.solve_ivp", None, ODE),
    E("scipy.stats.norm.logpdf", "-(x - 0.3)**2 / (2 * p[0]**2) - log(p[0]) - "
                                 "0.5 * log(2 * pi)"),
    E("scipy.stats.multivariate_normal.logpdf",
      "-0.5 * dot(b, solve(S, b)) - 0.5 * slogdet(S)[1] - 1.5 * log(2 * pi)"),
    E("scipy.stats.poisson.logpmf", "xlogy(counts, p[0]) - p[0] - gammaln(counts + 1)"),
    E("scipy.stats.dirichlet.logpdf", "gammaln(sum(p)) - sum(gammaln(p)) + "
                                      "sum((p - 1) * log(u / sum(u)))"),
    E("scipy.stats.gamma.logpdf", "(p[0] - 1) * log(p[1]) - p[1] - gammaln(p[0])"),
    E("scipy.stats.t.logpdf", "gammaln((p[0] + 1) / 2) - gammaln(p[0] / 2) - "
                              "0.5 * log(p[0] * pi) - (p[0] + 1) / 2 * log1p(x**2 / p[0])"),
]

TORCH: list[Entry] = [
    E("F.relu", "relu(x)"), E("F.relu6", "relu6(3 * x)"),
    E("F.leaky_relu", "leaky_relu(x, negative_slope=0.2)"), E("F.elu", "elu(x)"),
    E("F.selu", "selu(x)"), E("F.celu", "where(x > 0, x, 0.5 * expm1(x / 0.5))", "alpha 0.5"),
    E("F.gelu", "gelu(x)"), E("F.gelu (tanh)", "gelu(x, approximate='tanh')"),
    E("F.silu", "silu(x)"), E("F.mish", "mish(x)"), E("F.softplus", "softplus(x)"),
    E("F.softsign", "softsign(x)"), E("F.hardtanh", "hardtanh(x)"),
    E("F.hardsigmoid", "hardsigmoid(3 * x)"), E("F.hardswish", "hardswish(3 * x)"),
    E("F.logsigmoid", "log_sigmoid(x)"), E("F.tanhshrink", "x - tanh(x)"),
    E("F.softshrink", "where(x > 0.5, x - 0.5, where(x < -0.5, x + 0.5, 0.0))"),
    E("F.hardshrink", "where(abs(x) > 0.5, x, 0.0)"),
    E("F.threshold", "where(x > 0.1, x, 20.0)"),
    E("F.glu", "A[:, :1] * sigmoid(A[:, 1:2])", "an even split written as two slices"),
    E("F.softmax", "softmax(Z, axis=-1)"), E("F.log_softmax", "log_softmax(Z, axis=-1)"),
    E("F.normalize", "A / maximum(norm(A, axis=1, keepdims=True), 1e-12)"),
    E("F.cosine_similarity", "dot(x, y) / (norm(x) * norm(y))"),
    E("F.pairwise_distance", "norm(x - y + 1e-6)"),
    E("torch.cdist", "sqrt(sum((M[:, None, :] - A[None, :, :])**2, axis=-1))"),
    E("F.linear", "M @ A.T + b"), E("F.bilinear", "einsum('i,kij,j->k', b, T[:, :3, :3], b)"),
    E("F.layer_norm", "layer_norm(A, (3,), b, b)"),
    E("F.batch_norm (training)", "(M - mean(M, axis=0)) / sqrt(var(M, axis=0) + 1e-5)"),
    E("F.group_norm", "reshape((reshape(img, (1, 2, 25)) - mean(reshape(img, (1, 2, 25)), "
                      "axis=-1, keepdims=True)) / sqrt(var(reshape(img, (1, 2, 25)), axis=-1, "
                      "keepdims=True) + 1e-5), (1, 2, 5, 5))", "2 groups of 1 channel"),
    E("F.instance_norm", "(img - mean(img, axis=(2, 3), keepdims=True)) / "
                         "sqrt(var(img, axis=(2, 3), keepdims=True) + 1e-5)"),
    E("F.rms_norm", "A / sqrt(mean(A**2, axis=-1, keepdims=True) + 1e-6) * b"),
    E("F.dropout", "x * mask / 0.8", "with a fixed mask"),
    E("F.conv1d", "conv1d(reshape(x, (1, 1, 5)), reshape(b, (1, 1, 3)), stride=2)"),
    E("F.conv2d", "conv2d(img, ker, bias, padding=1, stride=2)"),
    E("F.conv2d (depthwise)", "conv2d(img, ker[:2, :1], groups=2, dilation=2, padding=2)"),
    E("F.avg_pool2d", "avg_pool2d(img, 2)"), E("F.max_pool2d", "max_pool2d(img, 3, stride=2)"),
    E("F.adaptive_avg_pool2d", "mean(img, axis=(2, 3), keepdims=True)", "output size 1"),
    E("F.pixel_shuffle", "reshape(transpose(reshape(T, (1, 2, 2, 3, 2)), (0, 3, 1, 4, 2)), "
                         "(1, 6, 4))", "r = 2 of a (1, 4, 3, 2) input, reshape/transpose"),
    E("F.embedding", "W[labels]"), E("F.one_hot", "one_hot(labels, 3) * Z"),
    E("F.cross_entropy", "cross_entropy(Z, labels, label_smoothing=0.1)"),
    E("F.nll_loss", "nll_loss(log_softmax(Z), labels)"),
    E("F.binary_cross_entropy", "-mean(t * log(u) + (1 - t) * log(1 - u))"),
    E("F.binary_cross_entropy_with_logits", "mean(softplus(x) - t * x)"),
    E("F.mse_loss", "mean((x - y)**2)"), E("F.l1_loss", "mean(abs(x - y))"),
    E("F.smooth_l1_loss", "mean(where(abs(x - y) < 1, 0.5 * (x - y)**2, abs(x - y) - 0.5))"),
    E("F.huber_loss", "mean(where(abs(x - y) <= 1, 0.5 * (x - y)**2, abs(x - y) - 0.5))"),
    E("F.kl_div", "sum(xlogy(u, u) - u * log_softmax(x)) / 5"),
    E("F.poisson_nll_loss", "mean(exp(x) - counts * x)"),
    E("F.gaussian_nll_loss", "mean(0.5 * (log(p) + (x - y)**2 / p))"),
    E("F.margin_ranking_loss", "mean(maximum(0, -t * (x - y) + 0.1))"),
    E("F.soft_margin_loss", "mean(log1p(exp(-(2 * t - 1) * x)))"),
    E("F.multilabel_soft_margin_loss", "-mean(t * log_sigmoid(x) + (1 - t) * log_sigmoid(-x))"),
    E("F.cosine_embedding_loss", "1 - dot(x, y) / (norm(x) * norm(y))"),
    E("F.triplet_margin_loss", "maximum(norm(x - y) - norm(x - p) + 1.0, 0)"),
    E("F.ctc_loss", None, "a dynamic program over alignments (a loop with state)"),
    E("F.scaled_dot_product_attention", "softmax(Q @ K.T / sqrt(3), axis=-1) @ V"),
    E("nn.MultiheadAttention (2 heads)", "einsum('hqk,khd->qhd', softmax(einsum('qhd,khd->hqk',"
                                         " reshape(T, (2, 3, 4)), reshape(T, (2, 3, 4))), "
                                         "axis=-1), reshape(T, (2, 3, 4)))",
      "heads by reshape and einsum"),
    E("nn.RNNCell", "tanh(W @ x + A @ b + b)"),
    E("nn.LSTMCell (cell state)",
      "sigmoid(W @ x + A @ b) * b + sigmoid(W @ x - A @ b) * tanh(W @ x + b)",
      "c' = f c + i g for 3 units (h = c = b; the gates' weights shared to stay short)"),
    E("torch.logcumsumexp", "log(cumsum(exp(x)))"),
    E("torch.cummax", "stack([max(x[:1]), max(x[:2]), max(x[:3]), max(x[:4]), max(x)])",
      "a fixed size, written out"),
    E("torch.topk", "topk(x, 2)"), E("torch.kthvalue", "sort(x)[1]"),
    E("torch.lerp", "x + 0.3 * (y - x)"), E("torch.addcmul", "b + 0.5 * A[0] * A[1]"),
    E("torch.baddbmm", "T[:, :3, :3] + T[:, :3, :3] @ T[:, :3, :3]"),
    E("torch.logdet", "slogdet(S)[1]"), E("torch.linalg.matrix_norm (nuclear)",
                                          "sum(svdvals(A))"),
    E("torch.linalg.matrix_norm (2)", "svdvals(A)[0]"),
    E("torch.linalg.matrix_exp", "expm(A)"),
    E("torch.distributions.Categorical.log_prob", "take_along_axis(log_softmax(Z), "
                                                  "labels[:, None], axis=1)"),
    E("torch.distributions.Beta.log_prob", "(p[0] - 1) * log(u) + (p[1] - 1) * log1p(-u) "
                                           "- gammaln(p[0]) - gammaln(p[1]) + "
                                           "gammaln(p[0] + p[1])"),
    E("torch.stft", None, COMPLEX), E("torch.unbind", None, LIST),
    E("torchdiffeq.odeint", None, ODE),
]

ENTRIES: list[Entry] = [*NUMPY, *SCIPY, *TORCH]
