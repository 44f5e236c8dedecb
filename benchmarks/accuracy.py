"""Accuracy of gradcheck-lab's fd and complex_step against the exact sympy reference.

Part 1: every case in cases/, at every point where no op sits at its kink, with
``verify_case(case, methods=["sympy", "fd", "complex_step"])``. The error of a method
at a point is the largest elementwise relative error ``|got - ref| / |ref|`` over the
gradient's elements whose exact reference is not 0 (``ref`` is sympy's value, exact and
rounded once to float64, so a correctly rounded answer can still show up to 1.1e-16);
where the reference is exactly 0, the largest ``|got|`` is listed separately. A case's
error is the largest over its smooth points. Beside it: the normwise error
``max |got - ref| / max |ref|``, and the elementwise error of float64 torch and JAX
reverse mode, which shows how well each element can be computed in float64 at all
(an element that is a sum with cancellation, or far below the others, cannot be
computed to 1e-16 relative by any float64 method). For order-2 cases the Hessian of fd is
compared the same way.

Goals (issue 5): fd <= 1e-11 on every smooth case and median <= 1e-12; complex_step
<= 1e-15.

Part 2: mean(softplus(x)) for 10 seeded normal inputs, the relative error of other
tools' difference schemes, each called as the tool calls it, in float64:

- torch.autograd.gradcheck's numerical Jacobian (central difference, eps 1e-6;
  ``torch.autograd.gradcheck._get_numerical_jacobian``, what its slow mode compares);
- jax.test_util.check_grads' scheme (``numerical_jvp``: central difference, eps 1e-4),
  along each unit vector, and along check_grads' own random tangent (a directional
  derivative: one number, compared with the exact directional derivative);
- numdifftools' ``Gradient`` (default: central differences with Richardson
  extrapolation) and ``Gradient(method="complex")``, when numdifftools is installed;
- gradcheck-lab's fd and complex_step.

Run from the repository root:

    .venv/bin/python benchmarks/accuracy.py [--output benchmarks/results/accuracy.md]
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_common import machine, publish  # noqa: E402 - benchmarks/ is on sys.path

from gradcheck_lab import load_cases  # noqa: E402
from gradcheck_lab.loader import load_document  # noqa: E402
from gradcheck_lab.loader.yaml_nodes import load_yaml  # noqa: E402
from gradcheck_lab.run import verify_case  # noqa: E402

FD_MAX, FD_MEDIAN, CS_MAX = 1e-11, 1e-12, 1e-15
METHODS = ["sympy", "fd", "complex_step"]
BASELINE = ("torch", "jax")  # float64 autodiff: how well conditioned each element is


def errors(got: Mapping[str, np.ndarray], ref: Mapping[str, np.ndarray]
           ) -> tuple[float, float, tuple[str, tuple[int, ...]] | None]:
    """(largest relative error where ref != 0, largest |got| where ref == 0, worst element)."""
    rel, at_zero, where = 0.0, 0.0, None
    for name, r in ref.items():
        r = np.asarray(r, dtype=np.float64)
        g = np.asarray(got[name], dtype=np.float64)
        nonzero = r != 0
        if np.any(nonzero):
            e = np.where(nonzero, np.abs(g - r) / np.where(nonzero, np.abs(r), 1.0), 0.0)
            e = np.where(np.isfinite(g), e, np.inf)
            k = np.unravel_index(int(np.argmax(e)), e.shape)
            if e[k] > rel or where is None:
                rel, where = float(e[k]), (name, tuple(int(i) for i in k))
        if np.any(~nonzero):
            at_zero = max(at_zero, float(np.max(np.abs(g[~nonzero]))))
    return rel, at_zero, where


def normwise(got: Mapping[str, np.ndarray], ref: Mapping[str, np.ndarray]) -> float:
    """max |got - ref| / max |ref| over all elements of all inputs (0 when ref is all 0)."""
    diff = max(float(np.max(np.abs(np.asarray(got[n], dtype=np.float64) - np.asarray(r))))
               for n, r in ref.items())
    scale = max(float(np.max(np.abs(np.asarray(r)))) for r in ref.values())
    return diff / scale if scale else diff


def fmt(x: float | None) -> str:
    if x is None:
        return "-"
    if x == 0:
        return "0"
    return f"{x:.1e}"


def part1() -> tuple[list[str], dict[str, Any]]:
    rows, fd_errs, cs_errs = [], [], []
    fd_norms: list[float] = []  # normwise errors, per case
    cs_norms: list[float] = []
    misses: list[str] = []
    hess_rows = []
    excluded = []
    coverage = [0, 0]  # fd elements checked, elements whose actual error exceeds fd's estimate
    for case in load_cases(str(ROOT / "cases")):
        report = verify_case(case, methods=METHODS + list(BASELINE))
        agg: dict[str, dict[str, Any]] = {
            m: {"rel": None, "norm": 0.0, "zero": 0.0, "status": set(), "where": None,
                "skip": None} for m in ("fd", "complex_step", *BASELINE)}
        hess = None
        smooth = 0
        for k, point in enumerate(report.points):
            if point.kinks:
                excluded.append(f"{case.name} point {k} ({', '.join(point.kinks)})")
                continue
            verdicts = {v.method: v for v in point.verdicts}
            ref = verdicts.get("sympy")
            if ref is None or ref.result.gradient == {} or ref.status != "pass":
                excluded.append(f"{case.name} point {k} (sympy {ref.status if ref else 'absent'})")
                continue
            smooth += 1
            for m in agg:
                v = verdicts[m]
                a = agg[m]
                a["status"].add(v.status)
                if v.status == "skipped":
                    a["skip"] = v.result.skipped
                    continue
                if not v.result.gradient:
                    a["status"].add("error")
                    continue
                rel, zero, where = errors(v.result.gradient, ref.result.gradient)
                if a["rel"] is None or rel > a["rel"]:
                    a["rel"], a["where"] = rel, (k, where)
                    if m == "fd" and where is not None:
                        name, index = where
                        a["detail"] = (float(np.asarray(ref.result.gradient[name])[index]),
                                       float(np.asarray(v.result.gradient[name])[index]),
                                       float(np.asarray(v.result.error_estimate[name])[index])
                                       if v.result.error_estimate else float("nan"))
                if m == "fd" and v.result.error_estimate:
                    for n, r in ref.result.gradient.items():
                        actual = np.abs(np.asarray(v.result.gradient[n]) - np.asarray(r))
                        estimate = np.asarray(v.result.error_estimate[n])
                        coverage[0] += int(actual.size)
                        coverage[1] += int(np.sum(actual > estimate))
                a["zero"] = max(a["zero"], zero)
                a["norm"] = max(a["norm"], normwise(v.result.gradient, ref.result.gradient))
            fd_h, ref_h = verdicts["fd"].result.hessian, ref.result.hessian
            if fd_h and ref_h:
                flat_fd = {f"{a}/{b}": fd_h[a][b] for a in ref_h for b in ref_h[a]}
                flat_ref = {f"{a}/{b}": ref_h[a][b] for a in ref_h for b in ref_h[a]}
                rel, zero, _ = errors(flat_fd, flat_ref)
                hess = (max(hess[0], rel), max(hess[1], zero)) if hess else (rel, zero)
        if not smooth:
            continue
        fd, cs = agg["fd"], agg["complex_step"]
        if fd["rel"] is not None:
            fd_errs.append(fd["rel"])
            fd_norms.append(fd["norm"])
        if cs["rel"] is not None:
            cs_errs.append(cs["rel"])
            cs_norms.append(cs["norm"])
        goal = []
        if fd["rel"] is None or fd["rel"] > FD_MAX:
            goal.append("fd")
        if cs["skip"] is None and (cs["rel"] is None or cs["rel"] > CS_MAX):
            goal.append("complex_step")
        if goal:
            misses.append(case.name)
        where = ""
        if fd["where"] and fd["where"][1]:
            k, (name, index) = fd["where"]
            r, g, est = fd["detail"]
            where = (f"point {k}, {name}{list(index) if index else ''}: ref {r:.3g}, "
                     f"got {g:.3g}, estimate {est:.1e}")
        cs_cell = f"skipped ({cs['skip']})" if cs["skip"] else fmt(cs["rel"])
        if case.dtype == "float32":
            base = "- (float32)"
        else:
            base = " / ".join(fmt(agg[m]["rel"]) for m in BASELINE)
        statuses = "/".join(sorted(fd["status"])) + ", " + "/".join(sorted(cs["status"]))
        rows.append(
            f"| {case.name} | {smooth}/{len(report.points)} | {fmt(fd['rel'])} | "
            f"{fmt(fd['norm'])} | {fmt(fd['zero'])} | {where} | {cs_cell} | "
            f"{fmt(cs['norm'])} | {base} | {statuses} | "
            f"{'meets' if not goal else 'misses: ' + ', '.join(goal)} |")
        if hess:
            hess_rows.append(f"| {case.name} | {fmt(hess[0])} | {fmt(hess[1])} |")
    summary = {
        "fd_max": max(fd_errs), "fd_median": statistics.median(fd_errs),
        "cs_max": max(cs_errs) if cs_errs else None,
        "cs_median": statistics.median(cs_errs) if cs_errs else None,
        "cases": len(rows), "misses": misses, "excluded": excluded,
        "fd_over": sum(e > FD_MAX for e in fd_errs),
        "fd_over_median_goal": sum(e > FD_MEDIAN for e in fd_errs),
        "cs_over": sum(e > CS_MAX for e in cs_errs),
        "fd_norm_max": max(fd_norms), "fd_norm_median": statistics.median(fd_norms),
        "cs_norm_max": max(cs_norms) if cs_norms else None,
        "coverage": coverage,
    }
    lines = [
        "Columns: max rel = largest elementwise relative error over elements whose exact "
        "value is not 0; normwise = max |got - ref| / max |ref| per point; fd |got| at 0 = "
        "largest fd value where the exact derivative is 0; fd worst element with the exact "
        "value, fd's value and fd's own error estimate there; torch / jax = the same "
        "elementwise error of float64 reverse-mode autodiff, a measure of how well "
        "conditioned the elements are in float64; status = verdicts of fd, complex_step.",
        "",
        "| case | smooth points | fd max rel | fd normwise | fd \\|got\\| at 0 "
        "| fd worst element | complex_step max rel | cs normwise | torch / jax max rel "
        "| status | goal |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|---|---|",
        *rows,
    ]
    if hess_rows:
        lines += ["", "fd Hessians (order: 2 cases), against sympy's exact Hessian:", "",
                  "| case | fd Hessian max rel | max abs where ref = 0 |", "|---|---:|---:|",
                  *hess_rows]
    return lines, summary


SOFTPLUS = """name: softplus_mean_10
inputs:
  x: {random: {shape: [10], distribution: normal, seed: 7}}
expr: mean(softplus(x))
"""


def part2() -> list[str]:
    import torch

    case = load_document(load_yaml(SOFTPLUS, "accuracy.yaml"), "accuracy.yaml")[0]
    x = np.asarray(case.points[0].values["x"], dtype=np.float64)
    report = verify_case(case, methods=METHODS)
    verdicts = {v.method: v for v in report.points[0].verdicts}
    ref = np.asarray(verdicts["sympy"].result.gradient["x"], dtype=np.float64)

    def rel(g: Any) -> float:
        return float(np.max(np.abs(np.asarray(g, dtype=np.float64) - ref) / np.abs(ref)))

    rows: list[tuple[str, str, float]] = []
    gc = importlib.import_module("torch.autograd.gradcheck")
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)

    def tf(v: Any) -> Any:
        return torch.mean(torch.nn.functional.softplus(v))

    jac = gc._get_numerical_jacobian(lambda v: tf(v), (xt,), eps=1e-6)[0][0]
    rows.append(("torch.autograd.gradcheck (central difference, eps 1e-6)", "per element",
                 rel(jac.detach().numpy().reshape(-1))))

    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax._src.public_test_util import EPS, numerical_jvp, rand_like

    def jf(v: Any) -> Any:
        return jnp.mean(jax.nn.softplus(v))

    xj = jnp.asarray(x)
    basis = np.eye(x.size)
    per_element = [float(numerical_jvp(jf, (xj,), (jnp.asarray(e),), eps=EPS)) for e in basis]
    rows.append((f"jax check_grads' scheme (numerical_jvp, central, eps {EPS:g})",
                 "per element (unit tangents)", rel(per_element)))
    tangent = rand_like(np.random.RandomState(0), x)  # check_grads' own tangent
    directional = float(numerical_jvp(jf, (xj,), (jnp.asarray(tangent),), eps=EPS))
    exact_dir = float(np.dot(ref, tangent))
    rows.append((f"jax check_grads' scheme (numerical_jvp, central, eps {EPS:g})",
                 "its random direction (one number)",
                 abs(directional - exact_dir) / abs(exact_dir)))
    try:
        import numdifftools as nd
    except ImportError:
        rows.append(("numdifftools", "not installed", float("nan")))
    else:
        def nf(v: np.ndarray) -> Any:
            return np.mean(np.logaddexp(0.0, v))

        rows.append((f"numdifftools {nd.__version__} Gradient (default: central, Richardson)",
                     "per element", rel(nd.Gradient(nf)(x))))

        def nf_complex(v: np.ndarray) -> Any:
            return np.mean(np.log1p(np.exp(v)))

        rows.append((f"numdifftools {nd.__version__} Gradient(method='complex')", "per element",
                     rel(nd.Gradient(nf_complex, method="complex")(x))))
    for m in ("fd", "complex_step"):
        rows.append((f"gradcheck-lab {m}", "per element", rel(verdicts[m].result.gradient["x"])))
    lines = [
        f"x = seeded normal (seed 7), 10 elements, in [{x.min():.2f}, {x.max():.2f}]; "
        "reference: gradcheck-lab's sympy (exact, rounded to float64).",
        "",
        "| scheme | what is compared | max rel error |",
        "|---|---|---:|",
    ]
    lines += [f"| {name} | {what} | {fmt(e)} |" for name, what, e in rows]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    table, s = part1()
    command = "python benchmarks/accuracy.py " + " ".join(argv if argv is not None
                                                          else sys.argv[1:])
    cs_max = "-" if s["cs_max"] is None else fmt(s["cs_max"])
    cs_median = "-" if s["cs_median"] is None else fmt(s["cs_median"])
    fd_norm_ok = s["fd_norm_max"] <= FD_MAX and s["fd_norm_median"] <= FD_MEDIAN
    lines = [
        "# Accuracy of fd and complex_step against the exact reference",
        "",
        f"Date {date.today().isoformat()}; {machine()}.",
        f"Command: `{command.strip()}`.",
        "",
        f"## Every case in cases/ ({s['cases']} cases with smooth points), "
        "methods sympy, fd, complex_step",
        "",
        *table,
        "",
        f"fd: max {fmt(s['fd_max'])}, median {fmt(s['fd_median'])} over cases (goal: max <= "
        f"{FD_MAX:g}, median <= {FD_MEDIAN:g}); {s['fd_over']} case(s) over {FD_MAX:g}, "
        f"{s['fd_over_median_goal']} over {FD_MEDIAN:g}.",
        f"complex_step: max {cs_max}, median {cs_median} (goal <= {CS_MAX:g}); "
        f"{s['cs_over']} case(s) over {CS_MAX:g}.",
        f"fd's own error estimate against its actual error: exceeded at {s['coverage'][1]} of "
        f"{s['coverage'][0]} gradient elements (smooth points of every case).",
        "Cases missing a goal: " + (", ".join(s["misses"]) if s["misses"] else "none") + ".",
        "",
        f"Normwise (max |got - ref| / max |ref| per point, worst point per case): fd max "
        f"{fmt(s['fd_norm_max'])}, median {fmt(s['fd_norm_median'])} (goal max <= {FD_MAX:g}, "
        f"median <= {FD_MEDIAN:g}: "
        f"{'meets' if fd_norm_ok else 'misses'}"
        f"); complex_step max "
        f"{'-' if s['cs_norm_max'] is None else fmt(s['cs_norm_max'])} (goal <= {CS_MAX:g}: "
        f"{'meets' if s['cs_norm_max'] is not None and s['cs_norm_max'] <= CS_MAX else 'misses'}"
        "). Elementwise misses come from elements that float64 cannot resolve from the "
        "function's value: a gradient element of 8.5e-19 inside a sum of O(1) terms (no "
        "difference quotient of the sum can see it), and elements that are sums with "
        "cancellation, where torch's and JAX's float64 autodiff show errors of the same size.",
        "",
        "Points left out (an op at its kink, or no exact reference): "
        + ("; ".join(s["excluded"]) if s["excluded"] else "none") + ".",
        "",
        "## mean(softplus(x)), 10 inputs: other tools' difference schemes",
        "",
        *part2(),
    ]
    text = "\n".join(lines) + "\n"
    publish(text, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
