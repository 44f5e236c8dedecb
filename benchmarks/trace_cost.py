"""What tracing costs: a check with no expression against the same check with a
hand-written one.

For specimens of ``tests/trace_specimens/`` whose function the expression language can
write by hand, the same call is timed two ways, in the same process, interleaved, after
one warm-up run of each (JAX compiles primitives on first use, the same ones both ways):

* traced: ``check(forward, inputs=..., framework=...)`` (the forward traced at each point
  into the graph, then the exact method, then the code on trial);
* written: ``check(forward, expr=HAND[...], inputs=..., framework=...)``.

Both run the methods ``check()`` runs by default (``sympy`` and the implementation), with
a random cotangent for non-scalar outputs. The result is the median of ``--repeats`` runs
per way and specimen, their ratio, and the ratio of the sums of the medians. The goal
(issue 13): tracing plus the exact derivative at most 1.5x the written check.

torch runs with one intra-op thread (``--torch-threads``): on a shared, oversubscribed
machine its two-thread kernels wait for each other, and a 3x6 layer norm took 8-12 ms
instead of 5 us (measured here, load 8 on 2 cores), which would time the machine's load
(the traced way runs the function three times: trace, the moved-point check, the code on
trial; the written way once), not gradcheck-lab.

    .venv/bin/python benchmarks/trace_cost.py --output benchmarks/results/trace_cost.md
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import machine, publish  # noqa: E402

from gradcheck_lab import check  # noqa: E402
from tests.trace_specimens import jax_specimens, torch_specimens  # noqa: E402
from tests.trace_specimens.common import point_arrays  # noqa: E402

LN = ("(x - mean(x, axis=1, keepdims=True)) / sqrt(mean((x - mean(x, axis=1, keepdims=True))"
      " ** 2, axis=1, keepdims=True) + 1e-5) * weight + bias")
HAND: dict[tuple[str, str], str] = {
    ("torch", "silu"): "x * sigmoid(x)",
    ("torch", "mish"): "x * tanh(softplus(x))",
    ("torch", "gelu_tanh"): "gelu(x, approximate='tanh')",
    ("torch", "layernorm"): LN,
    ("torch", "rmsnorm"): "x / sqrt(mean(x ** 2, axis=1, keepdims=True) + 1e-6) * weight",
    ("torch", "attention"): "softmax(q @ k.T / sqrt(8), axis=1) @ v",
    ("torch", "logcosh_inplace"): "log(cosh(x))",
    ("torch", "branchy"): "x * x * w",
    ("jax", "safe_log"): "log(maximum(x, 1e-30))",
    ("jax", "safe_norm"): "sqrt(sum(x * x, axis=1))",
    ("jax", "logsumexp"): "logsumexp(x, axis=1)",
    ("jax", "silu"): "x * sigmoid(x)",
    ("jax", "gelu_tanh"): "gelu(x, approximate='tanh')",
    ("jax", "layernorm"): LN,
    ("jax", "rmsnorm"): "x / sqrt(mean(x * x, axis=1, keepdims=True) + 1e-6) * weight",
    ("jax", "attention"): "softmax(q @ k.T / sqrt(8), axis=1) @ v",
    ("jax", "newton_sqrt"): "sqrt(a)",
}


def _call(framework: str, spec: dict[str, Any], expr: str | None) -> float:
    arrays = point_arrays(spec)
    start = time.perf_counter()
    report = check(spec["forward"], inputs={k: v.tolist() for k, v in arrays.items()},
                   framework=framework, expr=expr, name=spec["name"], cotangent="random")
    seconds = time.perf_counter() - start
    if expr is None and not report.case.reference_source.startswith("traced from"):
        raise RuntimeError(f"{spec['name']}: not traced ({report.case.reference_source})")
    return seconds


def measure(repeats: int) -> list[tuple[str, str, float, float]]:
    rows = []
    by_name: dict[str, dict[str, dict[str, Any]]] = {
        "torch": torch_specimens.BY_NAME, "jax": jax_specimens.BY_NAME}
    for (framework, name), expr in HAND.items():
        spec = by_name[framework][name]
        runs: dict[str, list[float]] = {"traced": [], "written": []}
        ways: dict[str, Callable[[], float]] = {
            "traced": lambda f=framework, s=spec: _call(f, s, None),
            "written": lambda f=framework, s=spec, e=expr: _call(f, s, e)}
        for way in ways.values():
            way()  # warm-up: imports, JAX's primitive compilations
        for _ in range(repeats):
            for key, way in ways.items():
                runs[key].append(way())
        traced, written = statistics.median(runs["traced"]), statistics.median(runs["written"])
        print(f"{framework} {name}: traced {traced:.3f} s, written {written:.3f} s",
              file=sys.stderr)
        rows.append((framework, name, traced, written))
    return rows


def report(rows: list[tuple[str, str, float, float]], repeats: int, threads: int) -> str:
    traced = sum(r[2] for r in rows)
    written = sum(r[3] for r in rows)
    lines = [f"# Cost of tracing: check() without and with a hand-written expr "
             f"({datetime.date.today()})", "", machine(), "",
             f"Median of {repeats} interleaved runs per way, after one warm-up run each; "
             f"torch with {threads} intra-op thread(s). "
             f"Overall (sum of medians): traced {traced:.2f} s, written {written:.2f} s, "
             f"ratio **{traced / written:.2f}** (goal: at most 1.5).", "",
             "| framework | specimen | traced (s) | written (s) | ratio |",
             "|---|---|---:|---:|---:|"]
    for framework, name, t, w in rows:
        lines.append(f"| {framework} | {name} | {t:.3f} | {w:.3f} | {t / w:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--torch-threads", type=int, default=1)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.torch_threads)
    publish(report(measure(args.repeats), args.repeats, args.torch_threads), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
