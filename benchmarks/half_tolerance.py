"""How the float16 and bfloat16 tolerance rows fit correct torch and JAX code.

Every case of ``cases/`` and of the zoo's correct entries (``tests/zoo/correct.yaml``),
plus the expressions below (an MLP, a layer norm, attention, a logistic loss, a chain of
sines, and 18 elementwise and reduction ops with a cotangent, ones and random), is run
in float16 and in bfloat16 by the built-in ``torch`` and ``jax`` methods, on the CPU,
through ``verify_case`` (inputs and cotangent rounded once, the exact reference at those
numbers). For every element the ratio ``|got - ref| / bound`` is taken with the default
row (``tolerances.default_tolerance`` at the case's depth): below 1 passes. Points at a
kink, cases whose inputs overflow the format, and results that a framework could not
compute (skipped) are left out and counted.

A 1e-2 relative error is then injected: each computed element is multiplied by 1.01 and
rounded to the format, as a backward 1% off would return it; a computation counts as
caught when one element of it leaves the bound. Run from the repository root:

    .venv/bin/python benchmarks/half_tolerance.py --output benchmarks/results/half_tolerance.md
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from bench_common import machine, publish  # noqa: E402

from gradcheck_lab.case import Case  # noqa: E402
from gradcheck_lab.loader import load_document, load_paths, load_yaml  # noqa: E402
from gradcheck_lab.precision import FORMATS, round_to  # noqa: E402
from gradcheck_lab.run import verify_case  # noqa: E402
from gradcheck_lab.tolerances import expression_depth  # noqa: E402

DTYPES = ("float16", "bfloat16")
FRAMEWORKS = ("torch", "jax")
MODELS = {
    "mlp_gelu": ("sum(V * gelu(W @ x))", {"W": "[6, 5]", "V": "[6]"}, {"x": "[5]"}),
    "layer_norm": ("sum((x - mean(x)) / sqrt(mean((x - mean(x))**2) + 1e-5) * g)",
                   {"x": "[8]"}, {"g": "[8]"}),
    "attention": ("sum(softmax(K @ q / 2) * v)", {"q": "[4]", "K": "[5, 4]"}, {"v": "[5]"}),
    "sin_chain": ("sum(sin(cos(sin(cos(x)))))", {"x": "[6]"}, {}),
    "logistic": ("-mean(y * log(sigmoid(X @ w)) + (1 - y) * log(1 - sigmoid(X @ w)))",
                 {"w": "[4]"}, {"X": "[7, 4]", "y": "[7]"}),
    "tanh_mlp": ("sum(tanh(W2 @ tanh(W1 @ x))**2)", {"W1": "[5, 4]", "W2": "[3, 5]"},
                 {"x": "[4]"}),
}
OPS = ["softplus(x)", "sigmoid(x)", "gelu(x)", "gelu(x, approximate='tanh')", "tanh(x)",
       "softmax(x)", "exp(x)", "log1p(x*x)", "sin(x)", "x*x", "erf(x)",
       "logsumexp(A, axis=1)", "norm(A, axis=1)", "softmax(A, axis=0)", "sqrt(x*x+1)",
       "arctan(x)", "expm1(x)", "cosh(x)"]


def synthetic() -> list[Case]:
    """The models (seeded normal inputs, std 0.5) and the ops (two cotangents each)."""
    texts = []
    for i, (name, (expr, wrt, const)) in enumerate(MODELS.items()):
        inputs = {**{k: f"{{random: {{shape: {s}, seed: {10 * i + j}, std: 0.5}}}}"
                     for j, (k, s) in enumerate(wrt.items())},
                  **{k: f"{{random: {{shape: {s}, seed: {10 * i + 5 + j}}}, wrt: false}}"
                     for j, (k, s) in enumerate(const.items())}}
        texts.append(f"- name: {name}\n  expr: \"{expr}\"\n  inputs: {{"
                     + ", ".join(f"{k}: {v}" for k, v in inputs.items()) + "}\n")
    for i, expr in enumerate(OPS):
        for cotangent in ("ones", "random"):
            texts.append(f"- name: op{i}_{cotangent}\n  expr: \"{expr}\"\n  cotangent: "
                         f"{cotangent}\n  inputs: {{x: {{random: {{shape: [16], seed: {i}, "
                         f"std: 2}}}}, A: {{random: {{shape: [4, 5], seed: {i + 50}, "
                         "std: 2}}}\n")
    return load_document(load_yaml("cases:\n" + "".join(texts), "synthetic.yaml"),
                         "synthetic.yaml")


def representable(case: Case, dtype: str) -> bool:
    return all(np.all(np.isfinite(round_to(v, dtype)))
               for p in case.points for v in p.values.values())


def measure(case: Case, dtype: str) -> dict[str, list[tuple[float, bool, str]]]:
    """Per framework, per computation at a smooth point: (largest ratio to the bound,
    whether a 1% error would leave the bound, what kind of computation: ``overflow`` when
    a result is infinite where the reference is finite, ``zero`` when it fails only on a
    quantity whose reference is 0 up to the computed numbers' round-off (no scale for the
    floor), else ``ordinary``)."""
    placed = dataclasses.replace(case, dtype=dtype)
    report = verify_case(placed, methods=["sympy", *FRAMEWORKS])
    out: dict[str, list[tuple[float, bool, str]]] = {f: [] for f in FRAMEWORKS}
    for point in report.points:
        ref = next((v.result for v in point.verdicts if v.method == "sympy"), None)
        if point.kinks or ref is None or ref.error is not None:
            continue
        for v in point.verdicts:
            if v.method not in FRAMEWORKS or v.status in ("skipped", "error"):
                continue
            worst, caught = {"ordinary": 0.0, "zero": 0.0}, False
            overflow = False
            for name, got in [("value", v.result.value), *v.result.gradient.items()]:
                want = ref.value if name == "value" else ref.gradient.get(name)
                if got is None or want is None:
                    continue
                want = np.asarray(want, dtype=np.float64)
                got = np.asarray(got, dtype=np.float64)
                overflow |= bool(np.any(~np.isfinite(got) & np.isfinite(want)))
                bound = v.tolerance.bound(np.where(np.isfinite(want), want, 0.0))
                err = np.abs(got - want)
                ratio = float(np.max(np.where(bound > 0, err / bound, np.inf)))
                # a reference below the round-off of the computed numbers (the gradient of
                # sum(softmax(x)) is 0): no scale for the floor
                scale = FORMATS[dtype].unit_roundoff * float(np.max(np.abs(got), initial=0))
                part = "zero" if np.max(np.abs(want), initial=0) <= scale else "ordinary"
                worst[part] = max(worst[part], ratio)
                skewed = round_to(got * 1.01, dtype)
                caught |= bool(np.any((np.abs(skewed - want) > bound) & (want != 0)))
            kind = ("overflow" if overflow else "zero"
                    if worst["zero"] > 1 >= worst["ordinary"] else "ordinary")
            worst_ratio = max(worst.values()) if kind != "ordinary" else worst["ordinary"]
            out[v.method].append((worst_ratio, caught, kind))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    cases = load_paths([ROOT / "cases", ROOT / "tests" / "zoo" / "correct.yaml"]) + synthetic()
    start = time.perf_counter()
    results: dict[tuple[str, str], list[tuple[float, bool, str, str, int]]] = {}
    overflow = 0
    for case in cases:
        for dtype in DTYPES:
            if not representable(case, dtype):
                overflow += 1
                continue
            for framework, found in measure(case, dtype).items():
                results.setdefault((dtype, framework), []).extend(
                    (ratio, caught, kind, case.name, expression_depth(case.expr))
                    for ratio, caught, kind in found)
    lines = ["| dtype | framework | computations | within the bound | overflow / zero "
             "reference | worst three other ratios (case, depth) | median ratio | 1e-2 "
             "injected: caught |", "|---|---|---:|---:|---:|---|---:|---:|"]
    for (dtype, framework), found in sorted(results.items()):
        within = sum(r <= 1 for r, *_ in found)
        special = [sum(k == kind for _, _, k, *_ in found) for kind in ("overflow", "zero")]
        ordinary = [item for item in found if item[2] == "ordinary"]
        worst = ", ".join(f"{r:.2f} ({name}, {depth})" for r, _, _, name, depth in
                          sorted(ordinary, reverse=True)[:3])
        caught = sum(c for _, c, k, *_ in ordinary)
        lines.append(f"| {dtype} (u = {FORMATS[dtype].unit_roundoff:.2g}) | {framework} | "
                     f"{len(found)} | {within} | {special[0]} / {special[1]} | {worst} | "
                     f"{statistics.median(r for r, *_ in ordinary):.2f} | {caught} of "
                     f"{len(ordinary)} |")
    over = sorted((r, d, f, kind, name, depth) for (d, f), found in results.items()
                  for r, _, kind, name, depth in found if r > 1)
    tail = ["", "Computations outside the bound:", ""]
    tail += [f"- {name} ({d}, {f}, depth {depth}): {r:.3g}"
             + ("" if kind == "ordinary" else f" ({kind})")
             for r, d, f, kind, name, depth in reversed(over)] or ["- none"]
    text = "\n".join([
        f"# float16 and bfloat16 tolerance rows against correct code "
        f"({datetime.date.today().isoformat()})", "",
        f"{machine()}; `benchmarks/half_tolerance.py`, {time.perf_counter() - start:.0f} s, "
        f"{len(cases)} cases ({overflow} case-format pairs left out: inputs beyond the "
        "format). A computation is one method's value and gradients at one smooth point; "
        "its ratio is the largest `|got - ref| / bound` over its elements (rows: `rtol = 2 "
        "sqrt(d) u`, `ntol = 8 sqrt(d) u`). \"Caught\": a 1.01 factor on every element, "
        "rounded to the format, leaves the bound somewhere.", "", *lines, *tail]) + "\n"
    publish(text, args.output)


if __name__ == "__main__":
    main()
