"""Cold start: ``gradcheck-lab run`` on the seed cases against a torch + JAX checking script.

Both sides start a fresh Python process (the same interpreter) and check the same
functions at the same points:

- ours: ``gradcheck-lab run cases/seed*.yaml`` (default methods: sympy, fd, torch, jax,
  the claims and the quoted numbers), report to /dev/null;
- theirs: a standalone script, written to a temporary file, that imports torch, jax and
  sympy and runs ``torch.autograd.gradcheck`` (default slow mode, float64) and
  ``jax.test_util.check_grads(f, args, order=1, modes=["rev"])`` (float64) at every
  point of every seed case. Each seed function is written by hand in torch and in
  jax.numpy (``TORCH`` and ``JAX`` below, from the ``expr`` of the case files); the
  points are read from the case files. Before timing, the hand-written torch and JAX
  values are compared with gradcheck-lab's exact values at every point.

Wall-clock time of each subprocess, median of ``--repeats`` (5) runs, alternating
ours and theirs. Import times: ``python -c "import M"`` minus ``python -c "pass"``
(median of 5), and ``python -X importtime``'s cumulative time for M.

Run from the repository root:

    .venv/bin/python benchmarks/cold_run.py [--output benchmarks/results/cold_run.md]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_common import machine, publish  # noqa: E402 - benchmarks/ is on sys.path

from gradcheck_lab import load_cases  # noqa: E402
from gradcheck_lab.run import verify_case  # noqa: E402

TARGET = 0.6  # ours <= 0.6 x theirs

# Hand-written from each case file's `expr` (inputs as keyword arguments).
TORCH: dict[str, str] = {
    "mul_local_gradients": "x * y",
    "squared_error_backprop": "(w*x - y)**2",
    "mse_linear_regression": "torch.mean((w*X - Y)**2)",
    "mse_tutorial_manual_gradient": "torch.mean((w*X - Y)**2)",
    "affine_2x_plus_1": "2*x + 1",
    "autograd_tutorial_Q": "3*a**3 - b**2",
    "column_backward_ones": "x**2 + 2",
    "l1_norm_dim1": "torch.linalg.vector_norm(x, ord=1, dim=1)",
    "least_squares": "torch.sum((A @ x - b)**2)",
    "linear_regression_ab": "torch.mean((a + b*x - y)**2)",
    "quadratic_minimum": "(x - 2)**2 + 1",
    "random_scalar_input": "torch.sum(3*x**2 + torch.exp(x)*torch.sin(x))",
    "residual_jacobian": "A @ x - b",
    "softmax_cross_entropy": "-torch.sum(t * torch.log(torch.softmax(z, dim=0)))",
    "logsumexp_cross_entropy": "torch.logsumexp(z, dim=0) - torch.dot(t, z)",
    "softmax_jacobian": "torch.softmax(z, dim=0)",
    "tanh_mlp": "torch.sum((W2 @ torch.tanh(W1 @ x + b1) + b2 - y)**2)",
}
JAX: dict[str, str] = {
    "mul_local_gradients": "x * y",
    "squared_error_backprop": "(w*x - y)**2",
    "mse_linear_regression": "jnp.mean((w*X - Y)**2)",
    "mse_tutorial_manual_gradient": "jnp.mean((w*X - Y)**2)",
    "affine_2x_plus_1": "2*x + 1",
    "autograd_tutorial_Q": "3*a**3 - b**2",
    "column_backward_ones": "x**2 + 2",
    "l1_norm_dim1": "jnp.linalg.norm(x, ord=1, axis=1)",
    "least_squares": "jnp.sum((A @ x - b)**2)",
    "linear_regression_ab": "jnp.mean((a + b*x - y)**2)",
    "quadratic_minimum": "(x - 2)**2 + 1",
    "random_scalar_input": "jnp.sum(3*x**2 + jnp.exp(x)*jnp.sin(x))",
    "residual_jacobian": "A @ x - b",
    "softmax_cross_entropy": "-jnp.sum(t * jnp.log(jax.nn.softmax(z, axis=0)))",
    "logsumexp_cross_entropy": "jax.scipy.special.logsumexp(z, axis=0) - jnp.dot(t, z)",
    "softmax_jacobian": "jax.nn.softmax(z, axis=0)",
    "tanh_mlp": "jnp.sum((W2 @ jnp.tanh(W1 @ x + b1) + b2 - y)**2)",
}

SCRIPT = r'''
import json
import sys

import sympy  # noqa: F401  (a checking script that also wants exact derivatives)
import torch
import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
import jax.scipy.special  # noqa: F401
from jax.test_util import check_grads

CASES = json.loads(DATA)
TORCH = TORCH_EXPRS
JAX = JAX_EXPRS
values_only = "--values" in sys.argv
failed = []
values = {}
for case in CASES:
    name, wrt = case["name"], case["wrt"]
    tsrc = "lambda " + ", ".join(case["inputs"]) + ": " + TORCH[name]
    jsrc = "lambda " + ", ".join(case["inputs"]) + ": " + JAX[name]
    tf, jf = eval(tsrc), eval(jsrc)
    for k, point in enumerate(case["points"]):
        tt = {n: torch.tensor(v, dtype=torch.float64, requires_grad=n in wrt)
              for n, v in point.items()}
        jj = {n: jnp.asarray(v, dtype=jnp.float64) for n, v in point.items()}
        if values_only:
            values[f"{name}/{k}"] = [tf(**tt).detach().tolist(), jf(**jj).tolist()]
            continue

        def t_call(*args, tt=tt, tf=tf, wrt=wrt):
            return tf(**{**tt, **dict(zip(wrt, args))})

        def j_call(*args, jj=jj, jf=jf, wrt=wrt):
            return jf(**{**jj, **dict(zip(wrt, args))})

        if not torch.autograd.gradcheck(t_call, tuple(tt[n] for n in wrt),
                                        raise_exception=False):
            failed.append(f"gradcheck {name}/{k}")
        try:
            check_grads(j_call, tuple(jj[n] for n in wrt), order=1, modes=["rev"])
        except AssertionError:
            failed.append(f"check_grads {name}/{k}")
print(json.dumps(values if values_only else {"failed": failed}))
'''


def seed_files() -> list[Path]:
    return sorted((ROOT / "cases").glob("seed*.yaml"))


def case_data(files: list[Path]) -> list[dict[str, Any]]:
    """Every seed case with its inputs, differentiated inputs and every point's values."""
    out = []
    for case in load_cases([str(f) for f in files]):
        if case.name not in TORCH or case.name not in JAX:
            raise SystemExit(f"no hand-written torch/jax function for seed case {case.name}")
        out.append({
            "name": case.name,
            "inputs": [spec.name for spec in case.inputs],
            "wrt": [spec.name for spec in case.wrt],
            "points": [{k: np.asarray(v, dtype=np.float64).tolist()
                        for k, v in p.values.items()} for p in case.points],
        })
    return out


def write_script(data: list[dict[str, Any]]) -> Path:
    text = (SCRIPT.replace("DATA", repr(json.dumps(data)))
            .replace("TORCH_EXPRS", repr(TORCH)).replace("JAX_EXPRS", repr(JAX)))
    handle, name = tempfile.mkstemp(prefix="gradcheck_baseline_", suffix=".py")
    with os.fdopen(handle, "w") as f:
        f.write(text)
    return Path(name)


def check_values(script: Path, files: list[Path]) -> int:
    """Hand-written torch/JAX values against gradcheck-lab's exact values, at every point."""
    done = subprocess.run([sys.executable, str(script), "--values"], capture_output=True,
                          text=True, check=True, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    theirs = json.loads(done.stdout.strip().splitlines()[-1])
    checked = 0
    for case in load_cases([str(f) for f in files]):
        report = verify_case(case, methods=["sympy"])
        for k, point in enumerate(report.points):
            exact = np.asarray(point.value, dtype=np.float64)
            for got in theirs[f"{case.name}/{k}"]:
                if not np.allclose(np.asarray(got), exact, rtol=1e-12, atol=1e-12):
                    raise SystemExit(f"{case.name} point {k}: hand-written value {got} "
                                     f"differs from the case's {exact.tolist()}")
            checked += 1
    return checked


def wall(command: list[str], extra_env: dict[str, str] | None = None
         ) -> tuple[float, int, str]:
    env = dict(os.environ, PYTHONWARNINGS="ignore", **(extra_env or {}))
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    return time.perf_counter() - start, done.returncode, done.stdout[-400:] + done.stderr[-400:]


def import_times(repeats: int) -> list[tuple[str, float, float]]:
    """(module, wall-clock import time in s, -X importtime cumulative in s)."""
    base = statistics.median(wall([sys.executable, "-c", "pass"])[0] for _ in range(repeats))
    rows = []
    for module in ("numpy", "sympy", "torch", "jax", "gradcheck_lab", "gradcheck_lab.cli"):
        times = [wall([sys.executable, "-c", f"import {module}"])[0] for _ in range(repeats)]
        cumulative = []
        for _ in range(repeats):
            done = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                                  capture_output=True, text=True, cwd=ROOT)
            for line in done.stderr.splitlines():
                parts = [p.strip() for p in line.split("|")]
                if len(parts) == 3 and parts[2] == module:
                    cumulative.append(int(parts[1]) / 1e6)
        rows.append((module, statistics.median(times) - base,
                     statistics.median(cumulative) if cumulative else float("nan")))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    files = seed_files()
    data = case_data(files)
    script = write_script(data)
    npoints = sum(len(c["points"]) for c in data)
    cache = tempfile.mkdtemp(prefix="gradcheck_lab_cache_")
    try:
        checked = check_values(script, files)
        cli = str(Path(sys.executable).parent / "gradcheck-lab")
        rel = [str(f.relative_to(ROOT)) for f in files]
        # "ours" never sees a JAX compilation cache (as on a fresh CI machine); the
        # "warm cache" row keeps one between runs, as a developer's machine or a CI cache
        no_cache = {"GRADCHECK_LAB_CACHE": "off"}
        warm_cache = {"GRADCHECK_LAB_CACHE": cache}
        variants = {
            "ours": ([cli, "run", *rel], no_cache),
            "ours, JAX compilation cache kept between runs": ([cli, "run", *rel], warm_cache),
            "ours, no frameworks (--methods sympy,fd,claim:*,expect)":
                ([cli, "run", "--methods", "sympy,fd,claim:*,expect", *rel], no_cache),
            "theirs": ([sys.executable, str(script)], None),
        }
        wall([cli, "run", *rel], warm_cache)  # fills the cache of the warm-cache row
        times: dict[str, list[float]] = {k: [] for k in variants}
        notes: dict[str, str] = {}
        for _ in range(args.repeats):  # interleaved, so load changes hit both alike
            for key, (command, extra_env) in variants.items():
                seconds, code, tail = wall(command, extra_env)
                times[key].append(seconds)
                if key == "theirs" and code == 0:
                    notes[key] = tail.strip().splitlines()[-1]
                else:
                    notes[key] = f"exit {code}: " + (tail.strip().splitlines() or [""])[-1]
        imports = import_times(args.repeats)
    finally:
        script.unlink()
        shutil.rmtree(cache, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["ours"] / med["theirs"]
    command = "python benchmarks/cold_run.py " + " ".join(argv if argv is not None
                                                          else sys.argv[1:])
    lines = [
        "# Cold run: gradcheck-lab vs a torch.autograd.gradcheck + jax check_grads script",
        "",
        f"Date {date.today().isoformat()}; {machine()}; other jobs were running on the "
        "machine, so times are noisy.",
        f"Command: `{command.strip()}`.",
        "",
        f"Seed cases: {len(files)} files (`cases/seed*.yaml`), {len(data)} cases, "
        f"{npoints} points; the hand-written torch and JAX functions agree with the cases' "
        f"exact values at all {checked} points. Median of {args.repeats} cold runs "
        "(fresh process each), ours and theirs alternating.",
        "",
        "| run | median | runs (s) | last output |",
        "|---|---:|---|---|",
    ]
    for key in variants:
        runs = ", ".join(f"{t:.2f}" for t in times[key])
        lines.append(f"| {key} | {med[key]:.2f} s | {runs} | {notes[key][:120]} |")
    verdict = "meets" if ratio <= TARGET else "misses"
    lines += [
        "",
        f"**ours / theirs = {ratio:.2f}** (target <= {TARGET}: {verdict} it; "
        f"{TARGET} x theirs = {TARGET * med['theirs']:.2f} s). Without torch and JAX, "
        f"ours / theirs = {med[list(variants)[2]] / med['theirs']:.2f}; with the JAX "
        f"compilation cache kept, {med[list(variants)[1]] / med['theirs']:.2f}.",
        "",
        "## Import times",
        "",
        "| module | wall clock (s) | -X importtime cumulative (s) |",
        "|---|---:|---:|",
    ]
    for module, seconds, cumulative in imports:
        lines.append(f"| {module} | {seconds:.2f} | {cumulative:.2f} |")
    lines += ["", "Wall clock: median of `python -c \"import M\"` minus median of "
              "`python -c \"pass\"`."]
    text = "\n".join(lines) + "\n"
    publish(text, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
