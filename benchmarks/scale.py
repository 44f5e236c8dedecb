"""Scale: gradcheck-lab against torch.autograd.gradcheck and jax check_grads, n = 10 .. 10^4.

Two functions of a differentiated vector x (seeded normal), in float64:

- f1 = mean(log(1 + exp(2*x - 1)))
- f2 = sum((A @ x - b)**2) with constant A (min(n, 100) x n, seeded normal) and b

For each size n and function, the times of:

- gradcheck-lab's exact reference alone: ``verify_case(case, methods=["sympy"])``;
- the whole four-way run: ``verify_case(case, methods=["sympy", "fd", "torch", "jax"])``;
- ``torch.autograd.gradcheck(f, (x,))`` in its default slow mode and with ``fast_mode=True``;
- ``jax.test_util.check_grads(f, (x,), order=1, modes=["rev"])``.

Each measurement runs in its own subprocess: one warm-up call of the same tool on
the n = 10 version of the function (imports, first dispatch, excluded), then up to
``--repeats`` timed calls, each on a freshly loaded case (gradcheck-lab caches the
symbolic model per Case object). The median is reported; a call over 30 s is not
repeated. A call is stopped after ``--cap`` seconds (300; 60 for gradcheck's slow
mode at n = 10^4) and reported as "> cap". The cases are built from YAML text with
``random:`` inputs, so torch and JAX get exactly the values gradcheck-lab checks.

Run from the repository root (takes several minutes; 2 cores):

    .venv/bin/python benchmarks/scale.py [--output benchmarks/results/scale.md]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench_common import machine, publish  # benchmarks/ is the script's folder

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = {
    "f1": "mean(log(1 + exp(2*x - 1)))",
    "f2": "sum((A @ x - b)**2)",
}
TOOLS = ("sympy", "four", "gc_slow", "gc_fast", "cg")
TOOL_NAMES = {
    "sympy": "ours: sympy alone",
    "four": "ours: sympy+fd+torch+jax",
    "gc_slow": "gradcheck (slow)",
    "gc_fast": "gradcheck (fast_mode)",
    "cg": "check_grads (rev)",
}
REPEAT_BELOW_S = 30.0
SLOW_MODE_CAP_AT_10K = 60.0


def case_yaml(func: str, n: int) -> str:
    """A case file for f1 or f2 at size n, with seeded random inputs."""
    text = f"name: {func}_n{n}\ninputs:\n"
    if func == "f2":
        rows = min(n, 100)
        text += (f"  A: {{random: {{shape: [{rows}, {n}], distribution: normal, seed: 2}}, "
                 "wrt: false}\n"
                 f"  b: {{random: {{shape: [{rows}], distribution: normal, seed: 3}}, "
                 "wrt: false}\n")
    text += f"  x: {{random: {{shape: [{n}], distribution: normal, seed: 1}}}}\n"
    return text + f"expr: {FUNCTIONS[func]}\n"


def load_case(func: str, n: int) -> Any:
    from gradcheck_lab.loader import load_document
    from gradcheck_lab.loader.yaml_nodes import load_yaml

    return load_document(load_yaml(case_yaml(func, n), "bench.yaml"), "bench.yaml")[0]


# ---------------------------------------------------------------- worker (one subprocess)

def _ours(methods: list[str]) -> Any:
    from gradcheck_lab.run import verify_case

    def prepare(func: str, n: int) -> Any:
        return load_case(func, n)

    def call(case: Any) -> dict[str, Any]:
        report = verify_case(case, methods=methods)
        by_method = {}
        for name in report.methods:
            seconds = sum(v.result.seconds for p in report.points for v in p.verdicts
                          if v.method == name)
            notes = {v.result.note or v.result.skipped or "" for p in report.points
                     for v in p.verdicts if v.method == name}
            by_method[name] = {"status": report.method_status[name], "seconds": seconds,
                               "note": "; ".join(sorted(n for n in notes if n))}
        return {"status": report.status, "methods": by_method}

    return prepare, call


def _torch_function(func: str, values: dict[str, Any]) -> Any:
    import torch

    if func == "f1":
        return lambda x: torch.mean(torch.log(1 + torch.exp(2 * x - 1)))
    a = torch.tensor(values["A"], dtype=torch.float64)
    b = torch.tensor(values["b"], dtype=torch.float64)
    return lambda x: torch.sum((a @ x - b) ** 2)


def _gradcheck(fast: bool) -> Any:
    import torch

    def prepare(func: str, n: int) -> Any:
        values = load_case(func, n).points[0].values
        x = torch.tensor(values["x"], dtype=torch.float64, requires_grad=True)
        return _torch_function(func, values), x

    def call(prepared: Any) -> dict[str, Any]:
        f, x = prepared
        ok = torch.autograd.gradcheck(f, (x,), fast_mode=fast, raise_exception=False)
        return {"status": "pass" if ok else "fail"}

    return prepare, call


def _check_grads() -> Any:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax.test_util import check_grads

    def prepare(func: str, n: int) -> Any:
        values = load_case(func, n).points[0].values
        x = jnp.asarray(values["x"], dtype=jnp.float64)
        if func == "f1":
            return (lambda v: jnp.mean(jnp.log(1 + jnp.exp(2 * v - 1)))), x
        a = jnp.asarray(values["A"], dtype=jnp.float64)
        b = jnp.asarray(values["b"], dtype=jnp.float64)
        return (lambda v: jnp.sum((a @ v - b) ** 2)), x

    def call(prepared: Any) -> dict[str, Any]:
        f, x = prepared
        try:
            check_grads(f, (x,), order=1, modes=["rev"])
        except AssertionError:
            return {"status": "fail"}
        return {"status": "pass"}

    return prepare, call


class _Timeout(BaseException):  # not Exception: the methods turn those into results
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


def worker(tool: str, func: str, n: int, repeats: int, cap: float) -> None:
    """Warm up on n = 10, then time up to ``repeats`` calls; one JSON line per call."""
    if tool == "sympy":
        prepare, call = _ours(["sympy"])
    elif tool == "four":
        prepare, call = _ours(["sympy", "fd", "torch", "jax"])
    elif tool in ("gc_slow", "gc_fast"):
        prepare, call = _gradcheck(fast=tool == "gc_fast")
    else:
        prepare, call = _check_grads()
    call(prepare(func, 10))  # warm-up: imports, first dispatch
    signal.signal(signal.SIGALRM, _alarm)
    for i in range(repeats):
        prepared = prepare(func, n)
        signal.setitimer(signal.ITIMER_REAL, cap)
        start = time.perf_counter()
        try:
            info = call(prepared)
        except _Timeout:
            print(json.dumps({"timeout": cap}), flush=True)
            return
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        seconds = time.perf_counter() - start
        print(json.dumps({"run": i, "seconds": seconds, **info}), flush=True)
        if seconds > REPEAT_BELOW_S:
            return


# ---------------------------------------------------------------- parent

def measure(tool: str, func: str, n: int, repeats: int, cap: float,
            threads: int | None = None) -> dict[str, Any]:
    if tool == "gc_slow" and n >= 10_000:
        cap = min(cap, SLOW_MODE_CAP_AT_10K)
    command = [sys.executable, __file__, "--worker", tool, func, str(n),
               "--repeats", str(repeats), "--cap", str(cap)]
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    try:
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env,
                              timeout=cap * repeats + 180)
        out, err = done.stdout, done.stderr
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = "hard timeout"
    runs, timeout = [], None
    for line in out.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            if "timeout" in row:
                timeout = row["timeout"]
            else:
                runs.append(row)
    result: dict[str, Any] = {"tool": tool, "func": func, "n": n, "cap": cap, "runs": runs,
                              "timeout": timeout}
    if not runs and timeout is None:
        result["error"] = err.strip().splitlines()[-1] if err.strip() else "no output"
    return result


def median(result: dict[str, Any]) -> float | None:
    if not result["runs"]:
        return None
    return statistics.median(r["seconds"] for r in result["runs"])


def fmt_time(result: dict[str, Any]) -> str:
    if result.get("error"):
        return "error"
    m = median(result)
    if m is None:
        return f"> {result['cap']:.0f} s"
    text = f"{m:.3g} s" if m >= 0.01 else f"{m * 1000:.2g} ms"
    if result["runs"][-1]["status"] == "skipped":
        return f"skipped ({text})"
    if len(result["runs"]) == 1:
        text += " (1 run)"
    return text


def fmt_status(result: dict[str, Any]) -> str:
    if not result["runs"]:
        return "-"
    last = result["runs"][-1]
    status = last["status"]
    methods = last.get("methods")
    if methods:
        odd = [f"{m} {v['status']}" for m, v in methods.items() if v["status"] != "pass"]
        if odd:
            status += " (" + ", ".join(odd) + ")"
    return status


def fmt_ratio(a: dict[str, Any], b: dict[str, Any]) -> str:
    if a["runs"] and a["runs"][-1]["status"] == "skipped":
        return "- (skipped)"
    ma, mb = median(a), median(b)
    if ma is None and mb is None:
        return "-"
    if ma is None:
        return f"> {a['cap'] / mb:.3g}" if mb else "-"
    if mb is None:
        return f"< {ma / b['cap']:.3g}"
    return f"{ma / mb:.3g}"


def render(results: dict[tuple[str, str, int], dict[str, Any]], sizes: list[int],
           command: str, seconds: float, threads: int | None = None) -> str:
    lines = [
        "# Scale: gradcheck-lab vs torch.autograd.gradcheck vs jax check_grads",
        "",
        f"Date {date.today().isoformat()}; {machine()}; other jobs were running "
        "on the machine, so times are noisy.",
        f"Command: `{command}` ({seconds:.0f} s in all). OMP_NUM_THREADS: "
        f"{os.environ.get('OMP_NUM_THREADS', 'unset') if threads is None else threads}.",
        "",
        "f1 = mean(log(1 + exp(2*x - 1))); f2 = sum((A @ x - b)**2) with A of "
        "min(n, 100) x n and b constant; x seeded normal; float64 everywhere. "
        "Median of 3 calls after a warm-up on n = 10 in the same process (1 call when it "
        "took over 30 s); each measurement in its own process.",
        "",
        "## Times",
        "",
        "| f | n | " + " | ".join(TOOL_NAMES[t] for t in TOOLS) + " |",
        "|---|---:|" + "---:|" * len(TOOLS),
    ]
    for func in FUNCTIONS:
        for n in sizes:
            cells = [fmt_time(results[(t, func, n)]) for t in TOOLS]
            lines.append(f"| {func} | {n} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Ratios (median time of ours / median time of theirs; < 1: ours is faster)",
        "",
        "| f | n | sympy / gradcheck | 4-way / gradcheck | 4-way / gradcheck fast "
        "| sympy / check_grads | 4-way / check_grads |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for func in FUNCTIONS:
        for n in sizes:
            r = {t: results[(t, func, n)] for t in TOOLS}
            lines.append(f"| {func} | {n} | {fmt_ratio(r['sympy'], r['gc_slow'])} | "
                         f"{fmt_ratio(r['four'], r['gc_slow'])} | "
                         f"{fmt_ratio(r['four'], r['gc_fast'])} | "
                         f"{fmt_ratio(r['sympy'], r['cg'])} | {fmt_ratio(r['four'], r['cg'])} |")
    lines += [
        "",
        "## Where the four-way run spends its time (last timed call), and verdicts",
        "",
        "| f | n | sympy | fd | torch | jax | 4-way status | sympy-alone status "
        "| gradcheck slow / fast | check_grads |",
        "|---|---:|---:|---:|---:|---:|---|---|---|---|",
    ]
    for func in FUNCTIONS:
        for n in sizes:
            r = {t: results[(t, func, n)] for t in TOOLS}
            methods = r["four"]["runs"][-1].get("methods", {}) if r["four"]["runs"] else {}
            cells = []
            for m in ("sympy", "fd", "torch", "jax"):
                info = methods.get(m)
                cells.append("-" if info is None or info["status"] == "skipped"
                             else f"{info['seconds']:.3g} s")
            lines.append(f"| {func} | {n} | " + " | ".join(cells) + f" | {fmt_status(r['four'])} "
                         f"| {fmt_status(r['sympy'])} | {fmt_status(r['gc_slow'])} / "
                         f"{fmt_status(r['gc_fast'])} | {fmt_status(r['cg'])} |")
    lines += [
        "",
        "## First timed call at each size (no repeat: includes JAX's compilation for the new "
        "shape, which the medians above mostly do not)",
        "",
        "| f | n | " + " | ".join(TOOL_NAMES[t] for t in TOOLS) + " |",
        "|---|---:|" + "---:|" * len(TOOLS),
    ]
    for func in FUNCTIONS:
        for n in sizes:
            cells = []
            for t in TOOLS:
                res = results[(t, func, n)]
                cells.append(fmt_time({**res, "runs": res["runs"][:1]}).replace(" (1 run)", ""))
            lines.append(f"| {func} | {n} | " + " | ".join(cells) + " |")
    method_notes = set()
    for (_tool, func, n), res in results.items():
        for m, info in (res["runs"][-1].get("methods", {}) if res["runs"] else {}).items():
            if info.get("note"):
                method_notes.add(f"- {func}, n = {n}, {m}: {info['note']}")
    if method_notes:
        lines += ["", "## Notes from the methods", ""] + sorted(method_notes)
    notes = []
    for (tool, func, n), res in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][2])):
        if res.get("error"):
            notes.append(f"- {TOOL_NAMES[tool]}, {func}, n = {n}: error: {res['error']}")
        elif res["timeout"] is not None and not res["runs"]:
            notes.append(f"- {TOOL_NAMES[tool]}, {func}, n = {n}: stopped after "
                         f"{res['timeout']:.0f} s, not measured")
    if notes:
        lines += ["", "## Not measured", ""] + notes
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000,10000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cap", type=float, default=300.0)
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=None,
                        help="OMP_NUM_THREADS for every measurement (default: unset, torch's "
                             "default of one thread per core)")
    parser.add_argument("--worker", nargs=3, metavar=("TOOL", "FUNC", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        tool, func, n = args.worker
        worker(tool, func, int(n), args.repeats, args.cap)
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    start = time.perf_counter()
    results = {}
    for n in sizes:
        for func in FUNCTIONS:
            for tool in TOOLS:
                res = measure(tool, func, n, args.repeats, args.cap, args.threads)
                results[(tool, func, n)] = res
                print(f"# {func} n={n} {tool}: {fmt_time(res)} {fmt_status(res)}",
                      file=sys.stderr, flush=True)
    command = "python benchmarks/scale.py " + " ".join(argv if argv is not None
                                                       else sys.argv[1:])
    text = render(results, sizes, command.strip(), time.perf_counter() - start, args.threads)
    publish(text, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
