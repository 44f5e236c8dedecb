"""The throughput suite through ``torch.autograd.gradcheck`` + ``jax.test_util.check_grads``.

What a project without gradcheck-lab would run on the same cases: at every point of every
case, ``torch.autograd.gradcheck`` (default tolerances, float64; with ``order: 2`` also
``gradgradcheck``) and ``check_grads(f, args, order=case.order, modes=["rev"])`` (float64),
one process, cases in order. The torch and JAX functions are the case's expression
evaluated by gradcheck-lab's torch and JAX op tables (the code a hand-written
``torch.sin(x).sum()`` runs), built before the clock starts for each case.

    python benchmarks/throughput_baseline.py SUITE_FOLDER --output times.json

Writes ``{"seconds": wall clock from start to end (imports included), "cases": [{name,
seconds, torch_ok, jax_ok}]}``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

START = time.perf_counter()

import jax  # noqa: E402 - the imports are part of what is timed
import torch  # noqa: E402
from jax.test_util import check_grads  # noqa: E402

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradcheck_lab.backends.jax_ops import make_backend as jax_backend  # noqa: E402
from gradcheck_lab.backends.torch_ops import make_backend as torch_backend  # noqa: E402
from gradcheck_lab.expr.evaluate import evaluate  # noqa: E402
from gradcheck_lab.loader import load_paths  # noqa: E402


def main(argv: list[str]) -> int:
    folder, output = Path(argv[0]), Path(argv[argv.index("--output") + 1])
    cases = load_paths([folder])
    tb, jb = torch_backend(torch.float64), jax_backend(jnp.float64)
    rows = []
    for case in cases:
        assert case.expr is not None
        expr = case.expr
        names = [spec.name for spec in case.wrt]
        start = time.perf_counter()
        torch_ok = jax_ok = True
        for point in case.points:
            const_t = {k: torch.tensor(np.asarray(v), dtype=torch.float64)
                       for k, v in point.values.items() if k not in names}
            const_j = {k: jnp.asarray(np.asarray(v), dtype=jnp.float64)
                       for k, v in point.values.items() if k not in names}

            def tf(*wrt: torch.Tensor, const: dict = const_t, expr: object = expr,
                   names: list[str] = names) -> torch.Tensor:
                return evaluate(expr, tb, {**const, **dict(zip(names, wrt, strict=True))})

            def jf(*wrt: jax.Array, const: dict = const_j, expr: object = expr,
                   names: list[str] = names) -> jax.Array:
                return evaluate(expr, jb, {**const, **dict(zip(names, wrt, strict=True))})

            targs = tuple(torch.tensor(np.asarray(point.values[n]), dtype=torch.float64,
                                       requires_grad=True) for n in names)
            jargs = tuple(jnp.asarray(np.asarray(point.values[n]), dtype=jnp.float64)
                          for n in names)
            try:
                torch_ok &= bool(torch.autograd.gradcheck(tf, targs, raise_exception=False))
                if case.order == 2:
                    torch_ok &= bool(torch.autograd.gradgradcheck(tf, targs,
                                                                  raise_exception=False))
            except Exception:  # noqa: BLE001 - a failure of the tool is a failed check
                torch_ok = False
            try:
                check_grads(jf, jargs, order=case.order, modes=["rev"])
            except Exception:  # noqa: BLE001
                jax_ok = False
        rows.append({"name": case.name, "seconds": time.perf_counter() - start,
                     "torch_ok": torch_ok, "jax_ok": jax_ok})
    output.write_text(json.dumps({"seconds": time.perf_counter() - START, "cases": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
