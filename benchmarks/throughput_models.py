"""Composite models of the throughput suite, and the whole suite written to files.

The models are the kinds of functions a library's gradient tests check: layers with
their activations, losses, a multivariate normal density with a 2x2 to 4x4 covariance
(``det`` and ``inv`` of the covariance), least squares, layer norm, attention. Each comes
at several sizes and seeds; ``build_suite`` adds them to the op cases of
``throughput_suite`` and ``write_suite`` writes the whole suite as case files.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.throughput_suite import DEFAULT, SEED, Domain, _case, _values, op_cases
from gradcheck_lab.expr.ops import OPS

ACTIVATIONS = ("tanh", "sigmoid", "relu", "softplus", "gelu", "sin")


def _const(value: Any) -> dict[str, Any]:
    return {"value": value, "wrt": False}


def _spd(rng: np.random.Generator, n: int) -> list[list[float]]:
    """A symmetric positive definite covariance: B B^T + n I, scaled."""
    b = rng.normal(size=(n, n))
    return ((b @ b.T + n * np.eye(n)) / n).tolist()


def models(rng: np.random.Generator) -> Iterator[dict[str, Any]]:
    """Composite cases (about 150)."""
    for k, act in enumerate(ACTIVATIONS * 5):
        n_in, n_hidden = ((2, 3), (3, 4), (4, 8), (3, 10), (10, 10))[k // 6]
        yield _case(f"mlp_{act}_{n_in}x{n_hidden}_{k}",
                    f"mean((W2 @ {act}(W1 @ x + b1) - y) ** 2)",
                    {"W1": _values(rng, (n_hidden, n_in), DEFAULT),
                     "b1": _values(rng, (n_hidden,), DEFAULT),
                     "W2": _values(rng, (2, n_hidden), DEFAULT),
                     "x": _const(_values(rng, (n_in,), DEFAULT)),
                     "y": _const(_values(rng, (2,), DEFAULT))},
                    points=[{"x": _values(rng, (n_in,), DEFAULT)}])
    for n in (2, 3, 4):
        for k in range(8):
            yield _case(f"mvn_pdf_{n}x{n}_{k}",
                        "exp(-0.5 * dot(x - mu, inv(S) @ (x - mu))) / sqrt(det(2 * pi * S))",
                        {"x": _values(rng, (n,), DEFAULT), "mu": _values(rng, (n,), DEFAULT),
                         "S": _spd(rng, n)}, points=[{"x": _values(rng, (n,), DEFAULT)}])
            yield _case(f"mvn_logpdf_{n}x{n}_{k}",
                        "-0.5 * dot(x - mu, inv(S) @ (x - mu)) - 0.5 * log(det(2 * pi * S))",
                        {"x": _const(_values(rng, (n,), DEFAULT)),
                         "mu": _values(rng, (n,), DEFAULT), "S": _spd(rng, n)})
    for k in range(16):
        classes, batch = (3, 2) if k < 8 else (5, 4)
        z = _values(rng, (batch, classes), DEFAULT)
        t = np.eye(classes)[rng.integers(0, classes, size=batch)].tolist()
        yield _case(f"softmax_xent_{batch}x{classes}_{k}",
                    "-mean(sum(t * log(softmax(z, axis=1)), axis=1))",
                    {"z": z, "t": _const(t)})
        yield _case(f"logsumexp_xent_{batch}x{classes}_{k}",
                    "mean(logsumexp(z, axis=1) - sum(t * z, axis=1))", {"z": z, "t": _const(t)})
    for k in range(10):
        n, d = (4, 2) if k < 5 else (10, 3)
        x = _values(rng, (n, d), DEFAULT)
        y = rng.integers(0, 2, size=n).astype(float).tolist()
        yield _case(f"logistic_{n}x{d}_{k}", "mean(softplus(X @ w) - y * (X @ w))",
                    {"w": _values(rng, (d,), DEFAULT), "X": _const(x), "y": _const(y)},
                    order=2 if k % 2 else 1)
        yield _case(f"least_squares_{n}x{d}_{k}", "sum((X @ w - y) ** 2)",
                    {"w": _values(rng, (d,), DEFAULT), "X": _const(x), "y": _const(y)})
        yield _case(f"ridge_{n}x{d}_{k}", "sum((X @ w - y) ** 2) + 0.1 * norm(w) ** 2",
                    {"w": _values(rng, (d,), DEFAULT), "X": _const(x), "y": _const(y)})
    for k in range(12):
        n = 4 if k < 6 else 10
        yield _case(f"layernorm_{n}_{k}",
                    "sum(g * (x - mean(x)) / sqrt(mean((x - mean(x)) ** 2) + 1e-5))",
                    {"x": _values(rng, (n,), DEFAULT), "g": _const(_values(rng, (n,), DEFAULT))})
        yield _case(f"attention_{k}", "sum(softmax(Q @ K.T / 2, axis=1) @ V)",
                    {"Q": _values(rng, (2, 3), DEFAULT), "K": _values(rng, (3, 3), DEFAULT),
                     "V": _const(_values(rng, (3, 2), DEFAULT))})
        yield _case(f"huber_{n}_{k}",
                    "mean(minimum(abs(x - y), 1) * (abs(x - y) - 0.5 * minimum(abs(x - y), 1)))",
                    {"x": _values(rng, (n,), Domain(-3, 3)), "y": _const(_values(rng, (n,),
                                                                                  DEFAULT))})
        yield _case(f"hinge_{n}_{k}", "mean(relu(1 - y * (X @ w)))",
                    {"w": _values(rng, (3,), DEFAULT), "X": _const(_values(rng, (n, 3), DEFAULT)),
                     "y": _const(rng.choice([-1.0, 1.0], size=n).tolist())})
        yield _case(f"rosenbrock_{k}",
                    "sum(100 * (p[1:] - p[:-1] ** 2) ** 2 + (1 - p[:-1]) ** 2)",
                    {"p": _values(rng, (n,), DEFAULT)}, order=2 if n == 4 else 1)
        yield _case(f"maxpool_like_{k}", "sum(max(reshape(x, (2, -1)), axis=1) ** 2)",
                    {"x": _values(rng, (8,), DEFAULT)})
        yield _case(f"mixture_{k}", "logsumexp(log(p) - 0.5 * (x - m) ** 2)",
                    {"x": _values(rng, (), DEFAULT), "m": _values(rng, (3,), DEFAULT),
                     "p": _const(_values(rng, (3,), Domain(0.2, 1.0)))})
    for k in range(12):
        n = (3, 5, 10)[k % 3]
        yield _case(f"cosine_similarity_{n}_{k}", "dot(x, y) / (norm(x) * norm(y))",
                    {"x": _values(rng, (n,), DEFAULT), "y": _values(rng, (n,), DEFAULT)})
        yield _case(f"rbf_kernel_{n}_{k}", "sum(exp(-sum((X - c) ** 2, axis=1) / 2))",
                    {"X": _const(_values(rng, (4, n), DEFAULT)), "c": _values(rng, (n,), DEFAULT)})
        yield _case(f"normalize_{n}_{k}", "x / norm(x)", {"x": _values(rng, (n,), DEFAULT)},
                    cotangent="random")
        yield _case(f"rnn_two_steps_{k}", "sum(tanh(W @ tanh(W @ h + U @ a) + U @ b))",
                    {"W": _values(rng, (3, 3), Domain(-0.5, 0.5)), "h": _values(rng, (3,), DEFAULT),
                     "U": _values(rng, (3, 2), DEFAULT), "a": _const(_values(rng, (2,), DEFAULT)),
                     "b": _const(_values(rng, (2,), DEFAULT))})


def build_suite(seed: int = SEED) -> list[dict[str, Any]]:
    """Every case of the suite, as case-file mappings (names unique)."""
    rng = np.random.default_rng(seed)
    cases = [case for spec in OPS.values() for case in op_cases(rng, spec)]
    cases += list(models(rng))
    names = [c["name"] for c in cases]
    if len(set(names)) != len(names):
        raise ValueError("duplicate case names in the throughput suite")
    return cases


def missing_ops(cases: list[dict[str, Any]]) -> set[str]:
    """Ops of ``OPS`` that no case of the suite uses (after parsing)."""
    from gradcheck_lab.loader import load_mapping

    used: set[str] = set()
    for case in cases:
        for loaded in load_mapping(case, "throughput"):
            used.update(op.op for op in loaded.expr.ops())
    return set(OPS) - used


def write_suite(folder: Path, seed: int = SEED, per_file: int = 100) -> int:
    """The suite as case files (JSON is YAML) under ``folder``; the number of cases."""
    cases = build_suite(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(cases), per_file):
        chunk = cases[start:start + per_file]
        (folder / f"throughput_{start // per_file:03d}.yaml").write_text(
            json.dumps({"cases": chunk}))
    return len(cases)
