"""``gradcheck-lab trace``: a function's formula printed as a case that reads back and runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradcheck_lab import verify
from gradcheck_lab.cli import main
from tests.helpers import write

pytest.importorskip("jax")

MODULE = """\
    import jax
    import jax.numpy as jnp

    @jax.custom_vjp
    def silu(x):
        return x * jax.nn.sigmoid(x)

    def _bwd(x, g):
        s = jax.nn.sigmoid(x)
        return (g * s * (1 + x * (1 - s)),)

    silu.defvjp(lambda x: (silu(x), x), _bwd)

    def loss(x, w):
        return jnp.sum(silu(x) * w)

    def spectrum(x):
        return jnp.sum(jnp.abs(jnp.fft.fft(x)) ** 2)
    """


def test_trace_prints_a_case_that_runs_four_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "mycode.py", MODULE)
    monkeypatch.chdir(tmp_path)
    code = main(["trace", "mycode:loss", "--input", "x=[0.5, -1.5]",
                 "--input", "w={value: [2.0, 0.25], wrt: false}"])
    out = capsys.readouterr().out
    assert code == 0
    assert out == (
        "# traced by gradcheck-lab from mycode:loss (jax) at the point below\n"
        "name: loss\n"
        "inputs:\n"
        "  x: [0.5, -1.5]\n"
        '  w: {"value": [2.0, 0.25], "wrt": false}\n'
        'expr: "sum(x * sigmoid(x) * w)"\n'
        "implementations:\n"
        '  - {name: loss, framework: jax, function: "mycode:loss"}\n')
    path = write(tmp_path, "traced.yaml", out)
    (report,) = verify(path).cases
    assert report.status == "pass"
    assert set(report.method_status) == {"sympy", "fd", "torch", "jax", "impl:loss"}


def test_trace_of_an_unmappable_function_says_so_and_exits_1(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "mycode.py", MODULE)
    monkeypatch.chdir(tmp_path)
    assert main(["trace", "mycode:spectrum", "-i", "x=[1.0, 2.0]", "-o", "s.yaml"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "wrote s.yaml\n"
    assert captured.err.startswith("gradcheck-lab: not traced: ") and "fft" in captured.err
    text = (tmp_path / "s.yaml").read_text()
    assert "expr:" not in text and "# not traced (" in text
    (report,) = verify(tmp_path / "s.yaml").cases
    assert report.status == "pass"
    assert report.case.reference_source.startswith("numeric: finite differences")


@pytest.mark.parametrize(("argv", "message"), [
    (["trace", "mycode", "-i", "x=1.0"], "'mycode' is not 'module:function'"),
    (["trace", "mycode:loss", "-i", "x"], "--input 'x': expected NAME=VALUE"),
    (["trace", "nowhere:f", "-i", "x=1.0"], "cannot import nowhere:f: ModuleNotFoundError"),
])
def test_trace_usage_errors_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str], argv: list[str],
                                   message: str) -> None:
    write(tmp_path, "mycode.py", MODULE)
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert message in capsys.readouterr().err
