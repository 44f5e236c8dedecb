"""The fast-compile XLA options are kept to those this JAX accepts, and to the CPU.

XLA refuses an option name it does not know at the program's first call; an option
retired by a later JAX (or not yet in an older one) must not turn every ``jax`` result
into an ``error``."""

from __future__ import annotations

import pytest

from gradcheck_lab.methods import jax_compile, jax_programs
from gradcheck_lab.run import verify_case
from tests.helpers import case_from

pytest.importorskip("jax")

UNKNOWN = "xla_gradcheck_lab_no_such_option"


@pytest.fixture
def fresh_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget this process's probe (and compiled programs), and restore both after."""
    monkeypatch.setattr(jax_compile, "_accepted", None)
    monkeypatch.setattr(jax_programs, "_programs", type(jax_programs._programs)())


def test_the_locked_jax_accepts_every_option_on_the_cpu(fresh_probe: None) -> None:
    assert jax_compile.fast_compile("cpu") == {"compiler_options": {
        "xla_backend_optimization_level": 0, "xla_cpu_use_fusion_emitters": False,
        "xla_cpu_parallel_codegen_split_count": 1}}


def test_an_option_this_jax_refuses_is_dropped_and_the_rest_kept() -> None:
    kept = jax_compile._try_options({UNKNOWN: True, "xla_backend_optimization_level": 0})
    assert kept == {"xla_backend_optimization_level": 0}
    assert jax_compile._try_options({UNKNOWN: True}) == {}


def test_no_options_off_the_cpu() -> None:
    assert jax_compile.fast_compile("cuda") == {}
    assert jax_compile.fast_compile("cuda:1") == {}


def test_a_refused_option_does_not_make_the_jax_method_an_error(
        fresh_probe: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jax_compile, "FAST_COMPILE",
                        {**jax_compile.FAST_COMPILE, UNKNOWN: True})
    report = verify_case(case_from("""
        name: refused_option
        expr: sum(sin(x) * x)
        inputs: {x: [0.5, -1.25]}
        order: 2
        methods: [sympy, jax]
    """))
    assert report.method_status["jax"] == "pass"
    assert jax_compile._accepted == {"xla_backend_optimization_level": 0,
                                     "xla_cpu_use_fusion_emitters": False,
                                     "xla_cpu_parallel_codegen_split_count": 1}
