"""``compile:`` on an implementation: torch.compile and jax.jit put on trial.

torch's compiler costs seconds on a CPU (importing dynamo alone takes about 2 s, a first
inductor compile 3.6 s with its cache warm, 32 s cold), so the torch tests are marked
slow; the recording backend below shows, cheaply, that the backward went through the
compiler.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gradcheck_lab import check, verify
from gradcheck_lab.errors import CaseFileErrors
from gradcheck_lab.run import verify_case
from tests.helpers import case_from, write

CASE = """\
    name: compiled_{framework}
    inputs: {{x: [-3.0, -1.2, 0.0, 0.9, 4.5]}}
    points: [{{x: [0.1, -0.7, 1.5, -2.2, 3.3]}}]
    expr: sum(softplus(x))
    implementations:
      - {{name: right, framework: {framework}, compile: {setting},
         function: "tests.devices.specimens:{framework}_softplus_sum"}}
      - {{name: skewed, framework: {framework}, compile: {setting}, expect: fail,
         function: "tests.devices.specimens:{framework}_softplus_skewed_sum"}}
    methods: [sympy, impl:right, impl:skewed]
    """


def _run(framework: str, setting: str) -> Any:
    return verify_case(case_from(CASE.format(framework=framework, setting=setting)))


def test_jax_jit_right_passes_and_off_by_1e_2_fails() -> None:
    pytest.importorskip("jax")
    report = _run("jax", "true")
    assert report.method_status == {"sympy": "pass", "impl:right": "pass", "impl:skewed": "xfail"}
    off = [v for p in report.points for v in p.verdicts if v.method == "impl:skewed"]
    assert all(v.max_rel_error == pytest.approx(1e-2, rel=1e-9) for v in off)


@pytest.mark.slow
@pytest.mark.parametrize("setting", ["aot_eager", "true"])  # true: inductor, C++ on the CPU
def test_torch_compile_right_passes_and_off_by_1e_2_fails(setting: str) -> None:
    pytest.importorskip("torch")
    report = _run("torch", setting)
    assert report.method_status == {"sympy": "pass", "impl:right": "pass", "impl:skewed": "xfail"}
    off = [v for p in report.points for v in p.verdicts if v.method == "impl:skewed"]
    assert all(v.max_rel_error == pytest.approx(1e-2, rel=1e-9) for v in off)
    assert any(f.kind == "scale" and f.message.startswith("1.01 x the reference")
               for f in report.findings)


def _register(name: str, compiler: Any) -> None:
    from torch._dynamo import list_backends, register_backend

    if name not in list_backends(exclude_tags=()):
        register_backend(compiler_fn=compiler, name=name)


@pytest.mark.slow
def test_the_compiled_backward_is_what_runs() -> None:
    pytest.importorskip("torch")
    from functorch.compile import make_boxed_func
    from torch._dynamo.backends.common import aot_autograd

    graphs: list[str] = []

    def recorder(kind: str) -> Any:
        def compile_graph(graph: Any, inputs: Any) -> Any:
            graphs.append(kind)
            return make_boxed_func(graph.forward)
        return compile_graph

    _register("gradcheck_test_recording", aot_autograd(fw_compiler=recorder("forward"),
                                                       bw_compiler=recorder("backward")))
    report = _run("torch", "gradcheck_test_recording")
    assert report.method_status["impl:right"] == "pass"
    assert report.method_status["impl:skewed"] == "xfail"
    assert "forward" in graphs and "backward" in graphs


@pytest.mark.slow
def test_a_compiler_failure_is_an_error_with_the_compilers_message() -> None:
    pytest.importorskip("torch")

    def refuse(graph: Any, inputs: Any) -> Any:
        raise RuntimeError("this test's compiler refuses every graph")

    _register("gradcheck_test_refusing", refuse)
    report = _run("torch", "gradcheck_test_refusing")
    assert report.status == "error"
    assert report.method_status == {"sympy": "pass", "impl:right": "error", "impl:skewed": "error"}
    verdict = next(v for v in report.points[0].verdicts if v.method == "impl:right")
    assert "this test's compiler refuses every graph" in verdict.message


@pytest.mark.slow
def test_check_with_compile() -> None:
    pytest.importorskip("torch")
    from tests.devices.specimens import torch_softplus_sum

    report = check(torch_softplus_sum, expr="sum(softplus(x))", inputs={"x": [0.5, -1.0]},
                   compile="aot_eager")
    assert report.method_status["impl:function"] == "pass"


@pytest.mark.parametrize(("item", "accepted"), [
    ("{name: g, framework: numpy, gradient: 'm:g', compile: true}",
     "false, or framework torch or jax"),
    ("{name: f, framework: jax, function: 'm:f', compile: aot_eager}", "true, false"),
    ("{name: f, framework: torch, function: 'm:f', compile: 'not a name'}",
     "true, false, or a torch.compile backend name such as inductor, aot_eager"),
    ("{name: f, framework: torch, function: 'm:f', compile: 1}",
     "true, false, or a torch.compile backend name such as inductor, aot_eager"),
])
def test_bad_compile_settings_are_refused(tmp_path: Path, item: str, accepted: str) -> None:
    path = write(tmp_path, "case.yaml", f"name: a\ninputs: {{x: 1.0}}\nexpr: x\n"
                                        f"implementations:\n  - {item}\n")
    with pytest.raises(CaseFileErrors) as info:
        verify(path)
    (error,) = info.value.errors
    assert error.field == "implementations[0].compile"
    assert error.accepted == accepted
