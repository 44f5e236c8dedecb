"""User code on trial: custom backward rules and hand-written numpy gradients."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gradcheck_lab import verify
from tests.helpers import write

CASES = Path(__file__).resolve().parent.parent / "cases"


def _verdicts(report, case_name: str, method: str) -> list:  # type: ignore[no-untyped-def]
    case = next(c for c in report.cases if c.case.name == case_name)
    return [v for p in case.points for v in p.verdicts if v.method == method]


def test_shipped_user_code_cases() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    report = verify(CASES / "user_code_on_trial.yaml")
    status = {c.case.name: dict(c.method_status) for c in report.cases}
    softplus = status["softplus_custom_backward"]
    assert softplus["impl:torch_function"] == "pass"
    assert softplus["impl:jax_custom_vjp"] == "pass"
    assert softplus["impl:torch_function_buggy"] == "xfail"
    assert status["mse_numpy_gradients"]["impl:tutorial"] == "xfail"
    assert status["mse_numpy_gradients"]["impl:corrected"] == "pass"
    # the buggy backward drops grad_output = 1/5: 5x the true sigmoid(x)/5
    (first, _) = _verdicts(report, "softplus_custom_backward", "impl:torch_function_buggy")
    x = np.array([-3.0, -0.5, 0.0, 2.0, 30.0])
    np.testing.assert_allclose(first.result.gradient["x"], 1 / (1 + np.exp(-x)), rtol=1e-15)
    findings = next(c for c in report.cases if c.case.name == "softplus_custom_backward").findings
    assert any("5 = size of x" in f.message for f in findings)
    assert report.exit_code == 0


def _write(tmp_path: Path, module: str, case: str) -> Path:
    write(tmp_path, "mycode.py", module)
    return write(tmp_path, "case.yaml", case)


CASE = """\
    name: trial
    inputs:
      x: [1.0, 2.0]
      y: {value: 3.0, wrt: false}
    expr: sum(x**2) * y
    methods: [sympy, impl:mine]
    implementations:
      - {name: mine, framework: numpy, gradient: "mycode:grad"}
    """


def test_numpy_gradient_correct_and_imported_from_case_folder(tmp_path: Path) -> None:
    path = _write(tmp_path, "def grad(x, y):\n    return 2 * x * y\n", CASE)
    report = verify(path)
    assert report.cases[0].status == "pass"
    (verdict,) = _verdicts(report, "trial", "impl:mine")
    np.testing.assert_array_equal(verdict.result.gradient["x"], [6.0, 12.0])


def test_numpy_gradient_crash_is_error_and_suite_goes_on(tmp_path: Path) -> None:
    path = _write(tmp_path, "def grad(x, y):\n    raise RuntimeError('boom in user code')\n",
                  CASE)
    other = tmp_path / "other.yaml"
    other.write_text("name: other\ninputs: {x: 2.0}\nexpr: x**3\nmethods: [sympy, fd]\n")
    report = verify([path, other])
    by_name = {c.case.name: c for c in report.cases}
    assert by_name["trial"].status == "error"
    (verdict,) = _verdicts(report, "trial", "impl:mine")
    assert "boom in user code" in verdict.message
    assert by_name["other"].status == "pass"
    assert report.exit_code == 1


def test_wrong_shape_is_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "import numpy as np\ndef grad(x, y):\n    return np.zeros(3)\n", CASE)
    (verdict,) = _verdicts(verify(path), "trial", "impl:mine")
    assert verdict.status == "error"
    assert "shape (3,), expected (2,)" in verdict.message


def test_missing_module_is_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "", CASE.replace("mycode:grad", "nosuchmodule:grad"))
    (verdict,) = _verdicts(verify(path), "trial", "impl:mine")
    assert verdict.status == "error"
    assert "nosuchmodule" in verdict.message


def test_torch_function_runs_in_case_dtype(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    module = """\
        import torch
        seen = []
        def f(x, y):
            seen.append(x.dtype)
            return (x**2).sum() * y
        """
    case = CASE.replace("framework: numpy, gradient", "framework: torch, function").replace(
        "mycode:grad", "mycode:f") + "dtype: float32\n"
    report = verify(_write(tmp_path, module, case))
    (verdict,) = _verdicts(report, "trial", "impl:mine")
    assert verdict.status == "pass"
    import mycode  # type: ignore[import-not-found]
    import torch
    assert mycode.seen == [torch.float32]
