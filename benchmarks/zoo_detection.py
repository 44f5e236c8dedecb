"""Detection on the zoo: gradcheck-lab against torch.autograd.gradcheck, side by side.

The zoo (tests/zoo/, table in tests/zoo/catalog.py) holds deliberately wrong
custom backward rules and correct ones at hard places. Both tools judge the
same torch forward functions at the same inputs:

- gradcheck-lab: ``verify`` on the zoo's case files; the verdict is the status
  of the entry's ``impl:torch_fn`` method (``kink`` counts as no alarm);
- torch.autograd.gradcheck with its defaults (eps 1e-6, atol 1e-5, rtol 1e-3),
  ``raise_exception=False``, at every point of the case, in float64; for the
  float32 entries on float32 inputs, as a user of a float32 model would call it.

Times are the median of 3 runs per entry, after one warm-up run of everything.
gradcheck-lab is timed twice: as the case file runs it (sympy, fd, torch, jax and
the implementation) and with only what its verdict needs (sympy and the
implementation). Run from the repository root:

    .venv/bin/python benchmarks/zoo_detection.py [--output benchmarks/results/zoo_detection.md]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from gradcheck_lab import verify  # noqa: E402
from gradcheck_lab.run import verify_case  # noqa: E402
from tests.zoo.catalog import CASE_FILES, IMPL, Loaded, entries  # noqa: E402

REPEATS = 3
FLAGGED = ("fail", "error")


@dataclass
class Row:
    loaded: Loaded
    lab: str  # impl:torch_fn status (all methods)
    lab_min: str  # impl:torch_fn status with only sympy and the implementation
    lab_detail: str
    torch: str  # pass / fail / error
    torch_detail: str
    lab_s: float
    lab_min_s: float
    torch_s: float


def _median_time(fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _gradcheck_inputs(loaded: Loaded, point: dict[str, torch.Tensor], float64: bool
                     ) -> tuple[Any, ...]:
    dtype = torch.float32 if loaded.dtype == "float32" and not float64 else torch.float64
    return tuple(point[n].detach().to(dtype).requires_grad_(n in loaded.wrt)
                 for n in loaded.names)


def run_gradcheck(loaded: Loaded, float64: bool = False) -> tuple[str, str]:
    """torch.autograd.gradcheck at every point: ('pass'|'fail'|'error', detail).

    In the case's dtype, or in float64 with ``float64=True``.
    """
    func = loaded.positional()
    failed, notes = [], set()
    for k, point in enumerate(loaded.points):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                ok = torch.autograd.gradcheck(func, _gradcheck_inputs(loaded, point, float64),
                                              eps=1e-6, atol=1e-5, rtol=1e-3,
                                              raise_exception=False)
            except Exception as exc:  # noqa: BLE001 - a crash is a verdict here
                return "error", f"point {k}: {type(exc).__name__}: {str(exc)[:80]}"
        if any("double precision" in str(w.message) for w in caught):
            notes.add("warns: not double precision")
        if not ok:
            failed.append(k)
    detail = "; ".join(sorted(notes))
    if failed:
        return "fail", f"fails at point(s) {', '.join(map(str, failed))}" + (
            f"; {detail}" if detail else "")
    return "pass", detail


def _lab_detail(case_report: Any) -> str:
    verdicts = [v for p in case_report.points for v in p.verdicts if v.method == IMPL]
    worst_rel = max((v.max_rel_error or 0.0) for v in verdicts)
    worst_abs = max((v.max_abs_error or 0.0) for v in verdicts)
    if not np.isfinite(worst_abs):
        return "non-finite gradient"
    return f"max abs err {worst_abs:.2g}, rel {worst_rel:.2g}"


def collect() -> tuple[list[Row], float, float]:
    """Rows, and the cold (first) run times of gradcheck-lab and gradcheck on the zoo."""
    zoo = entries()
    start = time.perf_counter()
    report = verify(list(CASE_FILES))  # warm-up of everything, and the verdicts
    lab_cold = time.perf_counter() - start
    by_name = {c.case.name: c for c in report.cases}
    start = time.perf_counter()
    for loaded in zoo:  # warm-up of gradcheck
        run_gradcheck(loaded)
    torch_cold = time.perf_counter() - start
    rows = []
    for loaded in zoo:
        case_report = by_name[loaded.entry.name]
        status = case_report.method_status[IMPL]
        tg_status, tg_detail = run_gradcheck(loaded)
        if loaded.dtype == "float32":
            tg_detail += f"; in float64: {run_gradcheck(loaded, float64=True)[0]}"
        case = loaded.case
        minimal = verify_case(case, methods=["sympy", IMPL]).method_status[IMPL]
        rows.append(Row(
            loaded, status, minimal, _lab_detail(case_report), tg_status, tg_detail,
            _median_time(partial(verify_case, case)),
            _median_time(partial(verify_case, case, methods=["sympy", IMPL])),
            _median_time(partial(run_gradcheck, loaded))))
    return rows, lab_cold, torch_cold


def _outcome(truth: str, status: str) -> str:
    flagged = status in FLAGGED
    if truth == "bug":
        return f"{status} (caught)" if flagged else f"**{status} (MISSED)**"
    return f"**{status} (FALSE ALARM)**" if flagged else status


def _totals(rows: list[Row], pick: Callable[[Row], str]) -> tuple[int, int, int, int]:
    bugs = [r for r in rows if r.loaded.entry.truth == "bug"]
    good = [r for r in rows if r.loaded.entry.truth == "correct"]
    caught = sum(pick(r) in FLAGGED for r in bugs)
    alarms = sum(pick(r) in FLAGGED for r in good)
    return caught, len(bugs), alarms, len(good)


def render(rows: list[Row], lab_cold: float, torch_cold: float) -> str:
    lines = [
        "# Zoo detection: gradcheck-lab vs torch.autograd.gradcheck",
        "",
        f"Date {datetime.date.today().isoformat()}; {os.cpu_count()} cores, CPU "
        f"({platform.machine()}), Python {platform.python_version()}, torch {torch.__version__}. "
        f"Times: median of {REPEATS} runs, in ms.",
        "",
        "Command: `.venv/bin/python benchmarks/zoo_detection.py`",
        "",
        "| entry | kind | truth | gradcheck-lab | torch.autograd.gradcheck | gradcheck-lab ms "
        "(all methods / sympy+impl) | gradcheck ms | gradcheck-lab numbers | gradcheck note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        e = r.loaded.entry
        name = e.name + (" (float32)" if r.loaded.dtype == "float32" else "")
        lines.append(
            f"| {name} | {e.kind} | {e.truth} | {_outcome(e.truth, r.lab)} | "
            f"{_outcome(e.truth, r.torch)} | {1e3 * r.lab_s:.0f} / {1e3 * r.lab_min_s:.0f} | "
            f"{1e3 * r.torch_s:.1f} | {r.lab_detail} | {r.torch_detail} |")
    lines += ["", "| tool | bugs caught | false alarms | total time (s) |", "|---|---|---|---|"]
    for label, pick, seconds in (
            ("gradcheck-lab (all methods)", lambda r: r.lab, sum(r.lab_s for r in rows)),
            ("gradcheck-lab (sympy + impl only)", lambda r: r.lab_min,
             sum(r.lab_min_s for r in rows)),
            ("torch.autograd.gradcheck", lambda r: r.torch, sum(r.torch_s for r in rows))):
        caught, bugs, alarms, good = _totals(rows, pick)
        lines.append(f"| {label} | {caught} / {bugs} | {alarms} / {good} | {seconds:.2f} |")
    lines += [
        "",
        f"Cold first run over the whole zoo, in a fresh process: gradcheck-lab {lab_cold:.1f} s "
        f"(imports of SymPy and JAX, JAX compilation, SymPy derivatives, which later runs "
        f"reuse), torch.autograd.gradcheck {torch_cold:.2f} s.",
        "",
        "Verdicts: gradcheck-lab's is the status of the entry's `impl:torch_fn` (`kink` is not "
        "an alarm); torch.autograd.gradcheck's is `fail` when it returns False at any point of "
        "the case, `error` when it raises. Known problems of gradcheck-lab are listed in "
        "tests/zoo/catalog.py (`known_issue`) and are xfail(strict) in tests/test_zoo.py.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path,
                        default=ROOT / "benchmarks" / "results" / "zoo_detection.md")
    args = parser.parse_args(argv)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        text = render(*collect())
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
