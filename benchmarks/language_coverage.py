"""How much numpy/scipy/torch code the expression language can write (issue 12).

Each entry of ``coverage_functions.py`` is parsed by the language's own parser and
evaluated by its numpy backend over the fixed inputs below; an entry counts as
expressible only if both succeed (so the table cannot claim what the parser refuses).
The same check runs a second time, in a fresh interpreter, against the package as it was
at the commit before issue 12's work (``BEFORE``, extracted with ``git archive``): that is
the "before" column. Usage, from the repository root:

    .venv/bin/python benchmarks/language_coverage.py --output benchmarks/results/coverage.md
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import publish  # noqa: E402
from coverage_functions import ENTRIES  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "6bc6329f0880efaa527d03aa601cedaacb31a02f"  # parent of cd94f99, issue 12's first

# the inputs every expression may use: name -> value (float64 unless listed in INTEGER)
INPUTS: dict[str, Any] = {
    "x": [0.3, -0.7, 1.2, 0.5, -1.5], "y": [0.5, 0.2, -0.4, 1.1, -0.3],
    "p": [0.3, 0.7, 1.2, 2.0, 0.9], "q": [1.5, 0.4, 2.2, 0.6, 1.0],  # positive
    "u": [0.2, 0.45, 0.6, 0.8, 0.35],  # in (0, 1): probabilities
    "w": [0.1, 0.2, 0.3, 0.25, 0.15], "t": [1.0, 0.0, 1.0, 1.0, 0.0],
    "mask": [1.0, 1.0, 0.0, 1.0, 1.0], "counts": [0.0, 1.0, 3.0, 2.0, 5.0],
    "A": [[2.0, 0.5, -0.3], [0.2, 1.5, 0.45], [-0.6, 0.1, 1.8]],
    "S": [[2.5, 0.3, -0.2], [0.3, 1.8, 0.4], [-0.2, 0.4, 1.2]],  # symmetric positive definite
    "b": [1.0, -2.0, 0.5], "bias": [0.1, -0.2, 0.3], "z4": [0.5, -1.0, 2.0, 0.3],
    "M": [[1.0, 0.2, -0.5], [0.3, -1.2, 0.8], [0.7, 0.4, 1.1], [-0.6, 0.9, 0.2]],
    "Z": [[2.0, -1.0, 0.5], [0.1, 0.2, -0.3], [1.5, 1.4, -2.0], [0.0, 3.0, 1.0]],
    "Q": [[0.1, 0.2, 0.3], [0.4, -0.5, 0.6], [-0.7, 0.8, 0.9], [1.0, -1.1, 0.2]],
    "K": [[0.3, -0.1, 0.2], [0.5, 0.5, -0.6], [0.1, 0.8, 0.4], [-0.2, 0.3, 0.7]],
    "V": [[1.0, 0.0, 0.5], [0.2, 0.3, -0.4], [0.6, -0.8, 0.1], [0.9, 0.4, 0.3]],
    "W": [[0.2, -0.1, 0.4, 0.3, 0.0], [0.5, 0.1, -0.3, 0.2, 0.6], [-0.4, 0.3, 0.1, 0.0, 0.2]],
    "T": np.linspace(-1.0, 1.0, 24).reshape(2, 3, 4).tolist(),
    "img": np.sin(np.arange(50.0)).reshape(1, 2, 5, 5).tolist(),
    "ker": np.cos(np.arange(54.0)).reshape(3, 2, 3, 3).tolist(),
    "labels": [0, 2, 1, 2],
}
INTEGER = {"labels"}


def check(entries: list[tuple[str, str]]) -> dict[str, str]:
    """name -> "" where the expression parses and evaluates to finite numbers, else why not
    (runs against whichever ``gradcheck_lab`` this interpreter imports)."""
    from gradcheck_lab.backends import numpy_ops
    from gradcheck_lab.expr import parse_expression
    from gradcheck_lab.expr.evaluate import evaluate

    values = {k: np.asarray(v, dtype=np.int64 if k in INTEGER else np.float64)
              for k, v in INPUTS.items()}
    out = {}
    for name, text in entries:
        try:
            expr = parse_expression(text, list(INPUTS))
            with np.errstate(all="ignore"):
                result = np.asarray(evaluate(expr, numpy_ops.make_backend(), values))
            finite = np.all(np.isfinite(result.astype(np.float64)))
            out[name] = "" if finite else "not finite at the inputs"
        except Exception as exc:  # noqa: BLE001 - every refusal is a finding here
            out[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    return out


def check_before(entries: list[tuple[str, str]]) -> tuple[dict[str, str], str]:
    """``check`` in a fresh interpreter importing the package as of ``BEFORE``."""
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "before.tar"
        subprocess.run(["git", "archive", "-o", str(archive), BEFORE, "gradcheck_lab"],
                       cwd=ROOT, check=True)
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")
        env = dict(os.environ, PYTHONPATH=folder)
        run = subprocess.run([sys.executable, __file__, "--check"], input=json.dumps(entries),
                             capture_output=True, text=True, env=env, cwd=folder, check=True)
        answer = json.loads(run.stdout)
        if not answer["package"].startswith(folder):
            raise RuntimeError(f"the old package was not imported: {answer['package']}")
        return answer["results"], answer["ops"]


def table(after: dict[str, str], before: dict[str, str], old_ops: str) -> str:
    entries = [(e, e.expr is not None and not after[e.name]) for e in ENTRIES]
    yes_after = sum(ok for _, ok in entries)
    yes_before = sum(1 for e in ENTRIES if e.expr is not None and not before[e.name])
    refused = [e for e, ok in entries if not ok]
    lines = [
        "# Coverage of the expression language (issue 12)", "",
        f"{date.today()}, `benchmarks/language_coverage.py` (numpy {np.__version__}).", "",
        f"{len(ENTRIES)} numpy, scipy and torch functions that ML and scientific code "
        "differentiate (`benchmarks/coverage_functions.py`), each written in the "
        "language. An entry counts only if the language's parser accepts the expression "
        "and its numpy backend evaluates it to finite numbers on the script's inputs. "
        f"\"Before\" runs the same check against the package at commit `{BEFORE[:7]}`, "
        f"the last before issue 12's work ({old_ops}).", "",
        "| | before | after |", "|---|---:|---:|",
        f"| expressible | {yes_before} / {len(ENTRIES)} | {yes_after} / {len(ENTRIES)} |",
        "", f"Not expressible after ({len(refused)}): "
        + "; ".join(f"`{e.name}` ({e.why or after[e.name]})" for e in refused) + ".", "",
        "| function | written as | before | after | note |", "|---|---|:-:|:-:|---|"]
    for e in ENTRIES:
        written = f"`{e.expr.replace('|', chr(92) + '|')}`" if e.expr else "-"
        was = "yes" if e.expr and not before[e.name] else "no"
        now = "yes" if e.expr and not after[e.name] else "no"
        note = e.why or (after[e.name] if e.expr else "")
        lines.append(f"| `{e.name}` | {written} | {was} | {now} | {note} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.check:  # the child of check_before: entries on stdin, results on stdout
        import gradcheck_lab
        from gradcheck_lab.expr.ops import OPS

        results = check([tuple(pair) for pair in json.loads(sys.stdin.read())])
        print(json.dumps({"package": gradcheck_lab.__file__, "results": results,
                          "ops": f"{len(OPS)} ops: {', '.join(sorted(OPS))}"}))
        return
    written = [(e.name, e.expr) for e in ENTRIES if e.expr is not None]
    after = check(written)
    before, old_ops = check_before(written)
    publish(table(after, before, old_ops), args.output)


if __name__ == "__main__":
    main()
