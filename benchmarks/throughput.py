"""Throughput: a generated suite of about 1,760 cases, timed whole, against a
``torch.autograd.gradcheck`` + ``jax.test_util.check_grads`` loop over the same cases.

The suite (``throughput_suite.py``, ``throughput_forms.py``, ``throughput_models.py``) is
generated from the op rows, so every op of the language is in it, across shapes, domains,
dtypes and the order-2 subset. It is written to a temporary folder and run as a user runs
it, each run a fresh process: ``gradcheck-lab run SUITE --format json`` with ``--jobs 1``
and JAX's persistent compilation cache off (a first run), with ``--jobs 2`` filling a
fresh cache (a first run on two workers), again reading it (a later run: a CI job that
keeps the cache), then ``throughput_baseline.py`` (gradcheck + check_grads; or its output
from an earlier run over the same suite, ``--baseline``). For each: the 1-minute load
average, wall clock, CPU seconds (user + system of the process and its workers: on a
shared machine this is what the run cost, whatever else runs), cases per CPU second (per
core), the slowest cases, seconds per method and per step (the report's ``timings``).

    .venv/bin/python benchmarks/throughput.py [--output benchmarks/results/throughput.md]
        [--sample N] [--skip-baseline | --baseline THEIRS.json] [--write-suite FOLDER]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_common import machine, publish  # noqa: E402

from benchmarks.throughput_models import build_suite, missing_ops  # noqa: E402

GOAL_PER_CORE = 10.0  # cases per CPU second
GOAL_SLOWEST = 10.0  # seconds, any case
GOAL_RATIO = 5.0  # theirs / ours, CPU seconds per case


def timed(command: list[str], env: dict[str, str]
          ) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall and CPU seconds (the process and every process it waited for) of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done


def run_ours(folder: Path, jobs: int, cache: str) -> dict[str, Any]:
    out = folder.parent / f"ours_{jobs}_{Path(cache).name}.json"
    env = dict(os.environ, PYTHONWARNINGS="ignore", GRADCHECK_LAB_CACHE=cache)
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    cli = str(Path(sys.executable).parent / "gradcheck-lab")
    load = os.getloadavg()[0]
    wall, cpu, done = timed([cli, "run", str(folder), "--format", "json", "--output", str(out),
                             "--jobs", str(jobs)], env)
    load = max(load, os.getloadavg()[0])
    if not out.exists():
        raise SystemExit(f"gradcheck-lab run failed: {done.stderr[-2000:]}")
    report = json.loads(out.read_text())
    cases = report["cases"]
    methods: Counter[str] = Counter()
    steps: Counter[str] = Counter()
    for case in cases:
        for step, seconds in case.get("timings", {}).items():
            (methods if step.startswith("method:") else steps)[step] += seconds or 0.0
    slowest = sorted(cases, key=lambda c: c["seconds"])[-3:][::-1]
    return {"jobs": jobs, "cache": cache, "wall": wall, "cpu": cpu, "cases": len(cases),
            "status": Counter(c["status"] for c in cases), "methods": methods,
            "not_passing": sorted(f"{c['name']} ({c['status']})" for c in cases
                                  if c["status"] != "pass"),
            "steps": steps, "slowest": [(c["name"], c["seconds"]) for c in slowest],
            "load": load, "overhead": report["summary"].get("overhead", {}),
            "summary": done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""}


def run_theirs(folder: Path, given: Path | None) -> dict[str, Any]:
    """The baseline's run, or ``given``: its output from an earlier run over the same suite
    (``throughput_baseline.py`` records its own wall clock and CPU seconds)."""
    out = given or folder.parent / "theirs.json"
    load = os.getloadavg()[0]
    if given is None:
        env = dict(os.environ, PYTHONWARNINGS="ignore")
        wall, cpu, done = timed([sys.executable, str(ROOT / "benchmarks" /
                                 "throughput_baseline.py"), str(folder), "--output", str(out)],
                                env)
        if not out.exists():
            raise SystemExit(f"baseline failed: {done.stderr[-2000:]}")
    while not out.exists():  # the baseline may still be running in another process
        time.sleep(10)
    time.sleep(1)
    data = json.loads(out.read_text())
    if given is not None:
        wall, cpu, load = data["seconds"], data["cpu"], data.get("load", float("nan"))
    rows = data["cases"]
    slowest = sorted(rows, key=lambda r: r["seconds"])[-3:][::-1]
    return {"wall": wall, "cpu": cpu, "cases": len(rows), "load": load,
            "torch_false": [r["name"] for r in rows if not r["torch_ok"]],
            "jax_false": [r["name"] for r in rows if not r["jax_ok"]],
            "slowest": [(r["name"], r["seconds"]) for r in slowest]}


def _row(label: str, run: dict[str, Any]) -> str:
    per_core = run["cases"] / run["cpu"]
    slowest = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in run["slowest"])
    return (f"| {label} | {run['load']:.1f} | {run['wall']:.1f} | {run['cpu']:.1f} "
            f"| {run['cases'] / run['wall']:.1f} | **{per_core:.1f}** "
            f"| {1000 * run['cpu'] / run['cases']:.0f} | {slowest} |")


def render(suite: dict[str, Any], ours: list[dict[str, Any]], theirs: dict[str, Any] | None,
           loads: tuple[tuple[float, ...], tuple[float, ...]], elapsed: float) -> str:
    lines = [
        "# Throughput: a generated suite of small cases, timed whole",
        "",
        f"Date {date.today().isoformat()}; {machine()}. Load average (1, 5, 15 min) "
        f"{', '.join(f'{x:.1f}' for x in loads[0])} at the start, "
        f"{', '.join(f'{x:.1f}' for x in loads[1])} at the end: the machine is shared, so "
        "wall clocks are inflated; CPU seconds (user + system of the run and its workers) "
        "are what each run cost.",
        f"Command: `python benchmarks/throughput.py --output benchmarks/results/throughput.md` "
        f"({elapsed / 60:.0f} min in all).",
        "",
        f"Suite: {suite['cases']} cases, {suite['points']} points, every op of the language "
        f"({suite['ops']} ops; not reached: {suite['missing'] or 'none'}), "
        f"{suite['order2']} with `order: 2`, {suite['float32']} in float32, arrays up to 10x10, "
        "det/inv from 1x1 to 4x4.",
        "",
        "| run | load (1 min) | wall (s) | CPU (s) | cases / s (wall) | cases / CPU s (per core) "
        "| CPU ms per case | slowest cases (wall) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in ours:
        lines.append(_row(f"gradcheck-lab, --jobs {run['jobs']}, {run['label']}", run))
    if theirs is not None:
        lines.append(_row("gradcheck + check_grads loop", theirs))
    lines += ["", "Statuses: " + "; ".join(
        f"--jobs {r['jobs']} ({r['label']}): "
        + ", ".join(f"{k} {v}" for k, v in sorted(r["status"].items())) for r in ours)]
    lines += ["", f"Not passing (--jobs {ours[0]['jobs']}, {ours[0]['label']}): "
              + (", ".join(ours[0]["not_passing"]) or "none")]
    lines += ["", "Not in the per-step times (import and JAX compilation, summed over "
              "workers): " + "; ".join(f"--jobs {r['jobs']} ({r['label']}): " + ", ".join(
                  f"{k} {v:.1f} s" for k, v in r["overhead"].items()) for r in ours)]
    if theirs is not None:
        lines.append(f"gradcheck returned False on {len(theirs['torch_false'])} cases, "
                     f"check_grads raised on {len(theirs['jax_false'])} "
                     f"(examples: {', '.join((theirs['torch_false'] + theirs['jax_false'])[:6])}).")
    first = ours[0]
    total = sum(first["methods"].values()) + sum(first["steps"].values())
    lines += ["", f"## Where the time goes (--jobs {first['jobs']}, no JAX cache; wall seconds "
              "summed over cases, from the report's `timings`)", "",
              "| step | seconds | share |", "|---|---:|---:|"]
    for step, seconds in (first["methods"] + first["steps"]).most_common():
        lines.append(f"| {step} | {seconds:.1f} | {100 * seconds / total:.0f}% |")
    lines += ["", "## Goals", ""]
    slowest = max(s for r in ours for _, s in r["slowest"])
    for run in ours:
        rate = run["cases"] / run["cpu"]
        lines.append(f"- cases per CPU second, --jobs {run['jobs']} {run['label']}: {rate:.1f} "
                     f"(goal {GOAL_PER_CORE:g} per core: "
                     f"{'meets' if rate >= GOAL_PER_CORE else 'misses'} it)")
    lines.append(f"- slowest case: {slowest:.2f} s wall (goal: none over {GOAL_SLOWEST:g} s: "
                 f"{'meets' if slowest <= GOAL_SLOWEST else 'misses'} it)")
    if theirs is not None:
        for run in ([ours[0], ours[-1]] if len(ours) > 1 else ours):
            ratio = (theirs["cpu"] / theirs["cases"]) / (run["cpu"] / run["cases"])
            lines.append(f"- CPU per case, gradcheck + check_grads / gradcheck-lab (--jobs "
                         f"{run['jobs']}, {run['label']}): {ratio:.1f}x (goal {GOAL_RATIO:g}x: "
                         f"{'meets' if ratio >= GOAL_RATIO else 'misses'} it)")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path)
    parser.add_argument("--sample", type=int, help="only the first N cases (a quick look)")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--baseline", type=Path, help="throughput_baseline.py's output from an "
                        "earlier run over the same suite (write it with --write-suite)")
    parser.add_argument("--write-suite", type=Path, help="only write the suite's files here")
    args = parser.parse_args(argv)
    start, load_start = time.perf_counter(), os.getloadavg()
    cases = build_suite()[:args.sample] if args.sample else build_suite()
    if args.write_suite is not None:
        _write(cases, args.write_suite)
        return 0
    with tempfile.TemporaryDirectory(prefix="gradcheck_throughput_") as tmp:
        folder = Path(tmp) / "suite"
        _write(cases, folder)
        suite = {"cases": len(cases), "points": sum(1 + len(c.get("points", [])) for c in cases),
                 "ops": len({op for op in _ops(cases)}), "missing": ", ".join(sorted(
                     missing_ops(cases))), "order2": sum(c.get("order") == 2 for c in cases),
                 "float32": sum(c.get("dtype") == "float32" for c in cases)}
        cache = str(Path(tmp) / "jax_cache")
        # a first run (no JAX cache), the same with 2 workers filling a fresh cache, and a
        # later run reading it (a CI job that keeps the cache between pushes)
        ours = [{**run_ours(folder, 1, "off"), "label": "first run (no JAX cache)"},
                {**run_ours(folder, 2, cache), "label": "first run (fills the JAX cache)"},
                {**run_ours(folder, 2, cache), "label": "later run (JAX cache kept)"}]
        theirs = None if args.skip_baseline else run_theirs(folder, args.baseline)
    publish(render(suite, ours, theirs, (load_start, os.getloadavg()),
                   time.perf_counter() - start), args.output)
    return 0


def _write(cases: list[dict[str, Any]], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(0, len(cases), 100):
        (folder / f"throughput_{k // 100:03d}.yaml").write_text(
            json.dumps({"cases": cases[k:k + 100]}))


def _ops(cases: list[dict[str, Any]]) -> set[str]:
    from gradcheck_lab.loader import load_mapping

    return {op.op for c in cases for loaded in load_mapping(c, "throughput")
            if loaded.expr is not None for op in loaded.expr.ops()}


if __name__ == "__main__":
    sys.exit(main())
