"""The exact reference traced from code, on the custom-gradient specimens, against gradcheck.

Every specimen of ``tests/trace_specimens/`` (17 torch, 19 JAX: activations, norms, losses
with integer labels, attention, a convolution, Python and ``lax`` control flow, loops,
straight-through estimators, a gradient reversal) is checked with no expression written:
``gradcheck_lab.check(forward, inputs=..., framework=...)``, the reference traced from the
forward itself. The straight-through estimators and the gradient reversal, whose intended
gradient is not the derivative of their forward, are checked against a ``reference=``
giving the surrogate forward (same value, the intended gradient: ``SURROGATES``); without
it they fail, as the table says. For each specimen: how the reference was obtained
(exact, or numeric and why), the verdict on the correct version, and on every injected bug
(scale, sign, a missing term, a constant 1e-6 off, a detached term, a float32 step, a
transposed product, a missing mask, the wrong branch); beside it, the verdict of
``torch.autograd.gradcheck`` (torch) or ``jax.test_util.check_grads`` (JAX) at their
default tolerances on the same functions and points. Integer inputs (labels) are held
fixed in the function (closed over).

    .venv/bin/python benchmarks/trace_specimens.py --output benchmarks/results/trace_specimens.md
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from bench_common import machine, publish  # noqa: E402

from gradcheck_lab import GradientMismatch, check  # noqa: E402
from tests.trace_specimens import jax_specimens, torch_specimens  # noqa: E402
from tests.trace_specimens.common import n_points, point_arrays, wrt_names  # noqa: E402


def _surrogates() -> dict[tuple[str, str], Callable[..., Any]]:
    """Surrogate forwards: the specimen's value, the intended gradient as the ordinary
    derivative (a gradient cut where the surrogate differs from the forward)."""
    import jax
    import jax.numpy as jnp
    import torch

    def torch_sign(x: Any) -> Any:
        c = torch.clamp(x, -1.0, 1.0)
        return c + (torch.sign(x) - c).detach()

    def jax_sign(x: Any) -> Any:
        c = jnp.clip(x, -1.0, 1.0)
        return c + jax.lax.stop_gradient(jnp.sign(x) - c)

    return {("torch", "ste_round"): torch_specimens._ste_round_surrogate,
            ("torch", "ste_sign"): torch_sign,
            ("torch", "grad_reversal"): torch_specimens._grl_surrogate,
            ("jax", "ste_round"): jax_specimens._ste_round_surrogate,
            ("jax", "ste_sign_stopgrad"): jax_sign,
            ("jax", "grad_reversal"): jax_specimens._grl_surrogate}


@dataclass
class Row:
    framework: str
    name: str
    reference: str = ""
    correct: str = ""
    without_reference: str = ""
    bugs: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, ours, theirs)
    theirs_correct: str = ""
    seconds: float = 0.0


def _split(spec: dict[str, Any], point: int) -> tuple[dict[str, np.ndarray],
                                                      dict[str, np.ndarray]]:
    arrays = point_arrays(spec, point)
    floats = {k: v for k, v in arrays.items() if v.dtype.kind == "f"}
    return floats, {k: v for k, v in arrays.items() if v.dtype.kind != "f"}


def _closed(framework: str, fn: Callable[..., Any], ints: dict[str, np.ndarray]
            ) -> Callable[..., Any]:
    """``fn`` with its integer inputs fixed (torch tensors / JAX arrays made per call)."""
    if not ints:
        return fn
    if framework == "torch":
        import torch

        return lambda **kw: fn(**kw, **{k: torch.as_tensor(v) for k, v in ints.items()})
    import jax.numpy as jnp

    return lambda **kw: fn(**kw, **{k: jnp.asarray(v) for k, v in ints.items()})


def _ours(framework: str, spec: dict[str, Any], fn: Callable[..., Any],
          reference: Callable[..., Any] | None) -> tuple[str, str]:
    """(status, how the reference was obtained: "exact", or "numeric: " and the operations
    not mapped) of check() with no expression."""
    floats, ints = _split(spec, 0)
    wrt = set(wrt_names(spec))
    inputs = {k: (v.tolist() if k in wrt else {"value": v.tolist(), "wrt": False})
              for k, v in floats.items()}
    points = [{k: v.tolist() for k, v in _split(spec, p)[0].items()}
              for p in range(1, n_points(spec))]
    scalar = _scalar_output(framework, _closed(framework, fn, ints), floats)
    try:
        report = check(_closed(framework, fn, ints), inputs=inputs, framework=framework,
                       points=points or None, cotangent=None if scalar else "random",
                       reference=None if reference is None else _closed(
                           framework, reference, ints), name=spec["name"])
        status = report.status
    except GradientMismatch as exc:
        report, status = exc.report, exc.report.status
    traced = report.case.traced
    assert traced is not None
    return status, "exact" if traced.exact else "numeric: " + "; ".join(traced.unmapped)


def _scalar_output(framework: str, fn: Callable[..., Any], arrays: dict[str, np.ndarray]
                   ) -> bool:
    if framework == "torch":
        import torch

        return tuple(fn(**{k: torch.as_tensor(v) for k, v in arrays.items()}).shape) == ()
    import jax
    import jax.numpy as jnp

    with jax.enable_x64(True):
        return tuple(fn(**{k: jnp.asarray(v) for k, v in arrays.items()}).shape) == ()


def _theirs(framework: str, spec: dict[str, Any], fn: Callable[..., Any]) -> str:
    """torch.autograd.gradcheck / jax.test_util.check_grads at default tolerances, every
    point: pass, or fail."""
    for p in range(n_points(spec)):
        floats, ints = _split(spec, p)
        names = list(floats)
        closed = _closed(framework, fn, ints)
        wrt = set(wrt_names(spec))

        def positional(*a: Any, closed: Callable[..., Any] = closed,
                       names: list[str] = names) -> Any:
            return closed(**dict(zip(names, a, strict=True)))

        if framework == "torch":
            import torch

            tensors = [torch.tensor(floats[n], requires_grad=n in wrt) for n in names]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ok = torch.autograd.gradcheck(positional, tuple(tensors),
                                              raise_exception=False)
        else:
            import jax
            from jax.test_util import check_grads

            with jax.enable_x64(True):
                args = [jax.numpy.asarray(floats[n]) for n in names]
                try:
                    check_grads(positional, tuple(args), order=1, modes=("rev",))
                    ok = True
                except AssertionError:
                    ok = False
        if not ok:
            return "fail"
    return "pass"


def run(framework: str, specimens: list[dict[str, Any]]) -> list[Row]:
    surrogates = _surrogates()
    rows = []
    for spec in specimens:
        start = time.perf_counter()
        row = Row(framework, spec["name"])
        reference = surrogates.get((framework, spec["name"]))
        row.correct, row.reference = _ours(framework, spec, spec["forward"], reference)
        if reference is not None:
            row.without_reference, _ = _ours(framework, spec, spec["forward"], None)
        row.theirs_correct = _theirs(framework, spec, spec["forward"])
        for bug in spec["bugs"]:
            ours, _ = _ours(framework, spec, bug["forward"], reference)
            row.bugs.append((bug["kind"], ours, _theirs(framework, spec, bug["forward"])))
        row.seconds = time.perf_counter() - start
        print(f"{framework} {spec['name']}: {row.correct}, bugs {row.bugs} "
              f"({row.seconds:.1f} s)", file=sys.stderr)
        rows.append(row)
    return rows


def _reference_cell(text: str) -> str:
    return text.replace("|", "/")


def report(rows: list[Row]) -> str:
    caught = sum(1 for r in rows for _, ours, _ in r.bugs if ours == "fail")
    errors = sum(1 for r in rows for _, ours, _ in r.bugs if ours == "error")
    theirs = sum(1 for r in rows for _, _, t in r.bugs if t == "fail")
    bugs = sum(len(r.bugs) for r in rows)
    exact = sum(1 for r in rows if r.reference == "exact")
    numeric = [f"{r.framework} {r.name} ({r.reference})" for r in rows if r.reference != "exact"]
    fallback = (f"the others fall back to finite differences of the code: {'; '.join(numeric)}"
                if numeric else "none falls back to finite differences")
    surrogate = [r for r in rows if r.without_reference]
    plain = [r for r in rows if not r.without_reference]
    alarms = sum(1 for r in plain if r.theirs_correct != "pass")
    ours_alarms = sum(1 for r in plain if r.correct not in ("pass", "kink"))
    lines = [f"# Traced exact reference on the custom-gradient specimens "
             f"({datetime.date.today()})", "", machine(), "",
             f"{len(rows)} specimens ({sum(r.framework == 'torch' for r in rows)} torch, "
             f"{sum(r.framework == 'jax' for r in rows)} JAX), checked with no expression "
             f"written. Exact reference recovered for {exact} of {len(rows)}; {fallback}.",
             "",
             f"Bugs caught (fail): gradcheck-lab {caught} / {bugs}"
             f"{f' (and {errors} reported as error: no reference)' if errors else ''}; "
             f"gradcheck or check_grads {theirs} / {bugs}.", "",
             f"Correct versions: of the {len(plain)} whose backward is the derivative of "
             f"their forward, gradcheck-lab fails {ours_alarms} and gradcheck/check_grads "
             f"{alarms}. The {len(surrogate)} surrogate-gradient ones (straight-through "
             f"estimators, gradient reversal) fail both tools when checked against their own "
             f"forward, as they should; given the surrogate as `reference=`, gradcheck-lab "
             f"passes {sum(r.correct in ('pass', 'kink') for r in surrogate)} of them "
             f"(gradcheck has no way to be given the intended gradient).", "",
             "| framework | specimen | reference | correct version | bugs caught "
             "(gradcheck-lab) | gradcheck: correct | gradcheck: bugs caught | bugs |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ours = sum(1 for _, o, _ in r.bugs if o == "fail")
        theirs_n = sum(1 for _, _, t in r.bugs if t == "fail")
        correct = r.correct + (f" (without reference: {r.without_reference})"
                               if r.without_reference else "")
        kinds = ", ".join(f"{k}: {o}/{t}" for k, o, t in r.bugs)
        lines.append(f"| {r.framework} | {r.name} | {_reference_cell(r.reference)} | "
                     f"{correct} | {ours} / {len(r.bugs)} | {r.theirs_correct} | "
                     f"{theirs_n} / {len(r.bugs)} | {kinds} |")
    lines += ["", "Bug cells: kind: gradcheck-lab's verdict / gradcheck's verdict. A "
              "specimen marked 'without reference: fail' is a straight-through estimator or "
              "gradient reversal: its backward is not the derivative of its forward, so "
              "checked against its own forward it fails, by design; with `reference=` "
              "(the surrogate forward) it is checked against the intended gradient. "
              "'kink': a point lies on a kink of the function (safe_norm's zero row), where "
              "the rule's value is one of the admissible one-sided derivatives: accepted, "
              "not a failure."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path)
    parser.add_argument("--only", choices=("torch", "jax"))
    args = parser.parse_args(argv)
    rows: list[Row] = []
    if args.only != "jax":
        rows += run("torch", torch_specimens.SPECIMENS)
    if args.only != "torch":
        rows += run("jax", jax_specimens.SPECIMENS)
    publish(report(rows), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
