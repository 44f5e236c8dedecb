"""The acceptance set: every custom-gradient specimen traced at its point, printed as a case
(what ``gradcheck-lab trace`` prints), read back and run four ways (sympy, fd, torch, JAX);
its correct version passes with no expression written, each injected bug fails."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gradcheck_lab import GradientMismatch, check
from gradcheck_lab.loader import load_bytes, load_mapping
from gradcheck_lab.run import verify_case
from gradcheck_lab.trace.case_text import case_text
from gradcheck_lab.trace.resolve import resolve

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")

from tests.trace_specimens import jax_specimens, torch_specimens  # noqa: E402
from tests.trace_specimens.common import point_arrays, wrt_names  # noqa: E402

FOUR_WAYS = ["sympy", "fd", "torch", "jax"]
ALL = ([("torch", s) for s in torch_specimens.SPECIMENS]
       + [("jax", s) for s in jax_specimens.SPECIMENS])
# what the language cannot write yet: these fall back to differences of the code (none
# since it has sort, cumsum, where, round and take_along_axis)
NOT_YET: set[tuple[str, str]] = set()


def _closed(framework: str, spec: dict[str, Any], fn: Any) -> tuple[Any, dict[str, Any]]:
    """The function with its integer inputs fixed, and its float inputs as case inputs."""
    arrays = point_arrays(spec)
    ints = {k: v for k, v in arrays.items() if v.dtype.kind != "f"}
    wrt = set(wrt_names(spec))
    inputs = {k: (v.tolist() if k in wrt else {"value": v.tolist(), "wrt": False})
              for k, v in arrays.items() if k not in ints}
    if not ints:
        return fn, inputs
    make = torch.as_tensor if framework == "torch" else jax.numpy.asarray
    return (lambda **kw: fn(**kw, **{k: make(v) for k, v in ints.items()})), inputs


def _traced_text(framework: str, spec: dict[str, Any]) -> tuple[str, Any]:
    fn, inputs = _closed(framework, spec, spec["forward"])
    raw = {"name": spec["name"], "inputs": inputs,
           "implementations": [{"name": spec["name"], "framework": framework,
                                "function": "gradcheck_lab.api:check"}]}
    (case,) = load_mapping(raw, "<specimen>")
    case = case.__class__(**{**case.__dict__, "implementations": (
        case.implementations[0].__class__(**{**case.implementations[0].__dict__,
                                             "callable": fn}),)})
    resolved = resolve(case, case.points)
    return case_text(resolved, inputs), resolved


@pytest.mark.slow
@pytest.mark.parametrize(("framework", "spec"), ALL,
                         ids=[f"{f}-{s['name']}" for f, s in ALL])
def test_traced_case_reads_back_and_passes_four_ways(framework: str, spec: dict[str, Any]
                                                     ) -> None:
    text, resolved = _traced_text(framework, spec)
    assert resolved.traced.exact == ((framework, spec["name"]) not in NOT_YET), \
        resolved.traced.unmapped
    if not resolved.traced.exact:
        return
    (case,) = load_bytes(text.encode(), "traced.yaml")
    report = verify_case(case, methods=FOUR_WAYS)
    assert {m: s for m, s in report.method_status.items()} == dict.fromkeys(FOUR_WAYS, "pass")


@pytest.mark.parametrize("name", ["layernorm", "attention", "branchy"])
def test_a_few_specimens_quickly(name: str) -> None:
    """Correct passes, every bug fails, no expression written (torch)."""
    spec = torch_specimens.BY_NAME[name]
    fn, inputs = _closed("torch", spec, spec["forward"])
    points = [{k: np.asarray(v).tolist() for k, v in p.items()} for p in
              [{k: point_arrays(spec, i + 1)[k] for k in o} for i, o in
               enumerate(spec["points"])]] or None
    report = check(fn, inputs=inputs, points=points, cotangent="random", name=name)
    assert report.case.reference_source.startswith("traced from")
    for bug in spec["bugs"]:
        buggy, _ = _closed("torch", spec, bug["forward"])
        with pytest.raises(GradientMismatch):
            check(buggy, inputs=inputs, points=points, cotangent="random", name=name)
