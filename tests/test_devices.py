"""Devices on a machine without a GPU: cpu explicitly, auto falling back, cuda skipped.

What needs a GPU runs in ``benchmarks/device_check.py``; here the device logic itself:
the case field, ``torch@cuda``-style method names, the skip reasons, ``--device`` /
``verify(device=)`` / ``check(device=)``, and the device counting with a simulated GPU.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gradcheck_lab import check, devices, verify
from gradcheck_lab.errors import CaseFileErrors, UsageError
from gradcheck_lab.methods.registry import method_problems, methods_of
from gradcheck_lab.options import RunOptions
from gradcheck_lab.run import verify_case
from tests.helpers import case_from, write

torch = pytest.importorskip("torch")
pytest.importorskip("jax")
NO_GPU = not torch.cuda.is_available()
needs_no_gpu = pytest.mark.skipif(not NO_GPU, reason="this machine has a GPU")

SOFTPLUS = """\
    name: softplus_on_{device_name}
    inputs: {{x: [-3.0, 0.5, 2.0]}}
    expr: sum(softplus(x))
    device: {device}
    methods: [sympy, torch, jax, impl:mine{extra}]
    implementations:
      - {{name: mine, framework: torch, function: "tests.devices.specimens:torch_softplus_sum"}}
    """


def _case(device: str, extra: str = "") -> str:
    return SOFTPLUS.format(device=device, device_name=device.replace(":", "_"), extra=extra)


def _by_method(report) -> dict:  # type: ignore[no-untyped-def]
    return {v.method: v for v in report.points[0].verdicts}


def test_device_cpu_runs_every_framework_method_on_the_cpu() -> None:
    report = verify_case(case_from(_case("cpu")))
    assert report.status == "pass"
    verdicts = _by_method(report)
    for method in ("torch", "jax", "impl:mine"):
        assert verdicts[method].status == "pass"
        assert verdicts[method].result.device == "cpu"
    assert verdicts["sympy"].result.device is None  # the exact reference is no framework's


@needs_no_gpu
def test_device_auto_falls_back_to_the_cpu() -> None:
    report = verify_case(case_from(_case("auto")))
    assert report.status == "pass"
    assert {v.result.device for v in report.points[0].verdicts if v.method != "sympy"} == {"cpu"}


@needs_no_gpu
def test_device_cuda_is_skipped_with_a_one_line_reason() -> None:
    report = verify_case(case_from(_case("cuda")))
    verdicts = _by_method(report)
    assert verdicts["sympy"].status == "pass"  # the reference still runs, on the CPU
    for method in ("torch", "impl:mine"):
        assert verdicts[method].status == "skipped"
        assert verdicts[method].message.startswith("device cuda: torch sees no CUDA device")
    assert verdicts["jax"].message.startswith("device cuda: JAX sees no GPU")
    assert all("\n" not in v.message for v in verdicts.values())
    # skipped methods never make an error; the code on trial could not run, and a case with
    # code on trial is about that code (issue 10, item 8): nothing to judge it by
    assert report.status == "skipped"
    assert report.method_status["torch"] == "skipped"


@needs_no_gpu
def test_torch_at_cpu_next_to_torch_at_cuda() -> None:
    case = case_from(_case("cpu", ", torch@cpu, torch@cuda:1, impl:mine@cuda, jax@cuda"))
    assert [m.name for m in methods_of(case)] == [
        "sympy", "torch", "jax", "impl:mine", "torch@cpu", "torch@cuda:1", "impl:mine@cuda",
        "jax@cuda"]
    report = verify_case(case)
    verdicts = _by_method(report)
    assert verdicts["torch@cpu"].status == "pass"
    assert verdicts["torch@cpu"].result.device == "cpu"
    assert verdicts["torch@cpu"].result.method == "torch@cpu"
    # the same computation, so the same numbers as the unqualified method on the cpu
    assert verdicts["torch@cpu"].result.gradient["x"].tolist() == \
        verdicts["torch"].result.gradient["x"].tolist()
    for method in ("torch@cuda:1", "impl:mine@cuda", "jax@cuda"):
        assert verdicts[method].status == "skipped", method
    assert report.methods[-4:] == ("torch@cpu", "torch@cuda:1", "impl:mine@cuda", "jax@cuda")


def test_placed_methods_take_the_plain_methods_tolerance_unless_named() -> None:
    case = case_from(_case("cpu", ", torch@cpu") +
                     "tolerance: {torch: {rtol: 1.0e-3}, torch@cpu: {atol: 1.0e-4}}\n")
    from gradcheck_lab.tolerances import Family, tolerance_for

    assert tolerance_for(case, "torch", Family.AUTODIFF).rtol == 1e-3
    placed = tolerance_for(case, "torch@cpu", Family.AUTODIFF)
    assert (placed.rtol, placed.atol) == (1e-3, 1e-4)


@pytest.mark.parametrize(("text", "field", "accepted"), [
    ("device: gpu\n", "device", "cpu, cuda, cuda:N (N = 0, 1, ...), auto"),
    ("device: 0\n", "device", "cpu, cuda, cuda:N (N = 0, 1, ...), auto"),
    ("methods: [sympy, sympy@cuda]\n", "methods", "NAME@DEVICE for torch, torch_forward, jax, "
     "jax_forward and torch/jax implementations (DEVICE: cpu, cuda, cuda:N (N = 0, 1, ...), "
     "auto)"),
    ("methods: [torch@tpu]\n", "methods", None),
    ("methods: [impl:grad@cuda]\nimplementations: [{name: grad, framework: numpy, "
     "gradient: 'm:g'}]\n", "methods", None),
])
def test_bad_devices_are_refused_by_the_loader(tmp_path: Path, text: str, field: str,
                                               accepted: str | None) -> None:
    path = write(tmp_path, "case.yaml", "name: a\ninputs: {x: 1.0}\nexpr: x\n" + text)
    with pytest.raises(CaseFileErrors) as info:
        verify(path)
    (error,) = info.value.errors
    assert error.field == field
    assert error.line == 4
    if accepted is not None:
        assert error.accepted == accepted


def test_method_names_with_devices_for_the_command_line() -> None:
    assert method_problems(["torch@cuda", "jax_forward@cuda:3", "impl:k@auto", "torch@cpu"]) \
        == []
    problems = method_problems(["sympy@cuda", "torch@gpu", "impl:*@cuda", "claim:c@cuda"])
    assert len(problems) == 4
    assert all(p.startswith("unknown method '") for p in problems)


def test_run_options_refuse_an_unknown_device() -> None:
    with pytest.raises(UsageError, match="unknown device 'gpu'"):
        RunOptions(device="gpu")


@needs_no_gpu
def test_verify_device_overrides_every_case(tmp_path: Path) -> None:
    path = write(tmp_path, "case.yaml", _case("cpu"))
    report = verify(path, device="cuda")
    (case,) = report.cases
    assert case.case.device == "cuda"
    assert case.method_status == {"sympy": "pass", "torch": "skipped", "jax": "skipped",
                                  "impl:mine": "skipped"}
    assert verify(path, device="cpu").cases[0].method_status["torch"] == "pass"


@needs_no_gpu
def test_check_on_a_missing_device_skips_without_raising() -> None:
    from tests.devices.specimens import torch_softplus_sum

    report = check(torch_softplus_sum, expr="sum(softplus(x))", inputs={"x": [0.5, -1.0]},
                   device="cuda")
    assert report.method_status["impl:function"] == "skipped"
    on_cpu = check(torch_softplus_sum, expr="sum(softplus(x))", inputs={"x": [0.5, -1.0]},
                   device="cpu")
    assert on_cpu.method_status["impl:function"] == "pass"


def test_device_counting_with_a_simulated_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(devices, "_torch_cuda_count", lambda: 1)
    assert devices.resolve("torch", "auto") == "cuda"
    assert devices.unavailable("torch", "cuda") is None
    assert devices.unavailable("torch", "cuda:0") is None
    assert devices.unavailable("torch", "cuda:1") == \
        "device cuda:1: torch sees 1 CUDA device(s), cuda:0 to cuda:0"
    monkeypatch.setattr(devices, "_torch_cuda_count", lambda: 0)
    assert devices.resolve("torch", "auto") == "cpu"
    assert devices.unavailable("torch", "auto") is None  # auto never skips
    assert devices.unavailable("torch", "cpu") is None


def test_unknown_device_text_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown device 'cuda:x'"):
        devices.check_device("cuda:x")


@pytest.mark.slow  # 5 s: every framework method, forward modes included, compiled again
def test_a_simulated_gpu_runs_every_framework_method_through_the_placement(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The CPU stands in for the GPU: the case goes through ``running_on`` (torch's device
    context, JAX's default device) and the results come back labelled with the device."""
    import jax

    placed: list[str] = []
    real_torch_device = devices.torch_device

    def torch_device(device: str):  # type: ignore[no-untyped-def]
        placed.append(device)
        return real_torch_device("cpu")

    monkeypatch.setattr(devices, "_torch_cuda_count", lambda: 1)
    monkeypatch.setattr(devices, "_jax_gpus", lambda: [jax.devices("cpu")[0]])
    monkeypatch.setattr(devices, "torch_device", torch_device)
    monkeypatch.setattr(devices, "label", lambda framework, device: f"{framework}-{device}")
    vector = _case("cuda", ", torch_forward, jax_forward, torch@cpu").replace(
        "sum(softplus(x))", "softplus(x)").replace("torch_softplus_sum", "torch_softplus")
    report = verify_case(case_from(vector + "cotangent: [0.5, -1.0, 2.0]\n"))
    assert set(report.method_status.values()) == {"pass"}
    verdicts = _by_method(report)
    assert verdicts["torch"].result.device == "torch-cuda"
    assert verdicts["jax_forward"].result.device == "jax-cuda"
    assert verdicts["impl:mine"].result.device == "torch-cuda"
    assert verdicts["torch@cpu"].result.device == "torch-cpu"
    assert placed.count("cuda") >= 3  # torch, torch_forward and the implementation


@needs_no_gpu
def test_command_line_device(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "case.yaml", _case("cpu"))
    code, out, _ = cli(["run", str(path), "--device", "cuda", "--format", "json"])
    assert code == 0
    import json

    (case,) = json.loads(out)["cases"]
    assert (case["device"], case["dtype"]) == ("cuda", "float64")
    assert case["method_status"]["torch"] == "skipped"
    code, _, err = cli(["run", str(path), "--device", "gpu"])
    assert code == 2
    assert "unknown device 'gpu' (accepted: cpu, cuda, cuda:N (N = 0, 1, ...), auto)" in err
