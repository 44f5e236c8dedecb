"""No side effects on the caller's process (issue 10, item 2).

``check()`` runs inside the user's own program: JAX's float64 switch and its
compilation cache, torch's default dtype, grad mode and thread count must be as the
user left them afterwards, and our methods must work whatever the user's modes.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from gradcheck_lab import check
from gradcheck_lab.backends.jax_cache import JAX_DIR_ENV, own_process_cache
from tests.helpers import ROOT


def test_users_float32_jax_code_stays_float32_after_check() -> None:
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    from tests.specimens.jax_rules import good_arcsin_vector

    assert not jax.config.jax_enable_x64  # nothing of ours switched it on globally before
    cache_before = jax.config.jax_compilation_cache_dir

    def users_loss(w: jax.Array) -> jax.Array:  # the user's own float32 program
        return jnp.sum(jnp.tanh(w) ** 2)

    users_step = jax.jit(jax.grad(users_loss))
    assert users_step(jnp.ones(3)).dtype == jnp.float32
    report = check(good_arcsin_vector, expr="arcsin(x)", inputs={"x": [0.1, -0.3, 0.5]},
                   framework="jax", methods=["sympy", "jax", "jax_forward", "impl:function"])
    assert set(report.method_status.values()) == {"pass"}
    verdict = next(v for v in report.points[0].verdicts if v.method == "impl:function")
    assert verdict.result.gradient["x"].dtype.name == "float64"  # ours ran in float64
    assert not jax.config.jax_enable_x64
    assert jnp.ones(3).dtype == jnp.float32
    assert users_step(jnp.ones(3)).dtype == jnp.float32
    assert jnp.asarray(0.1).dtype == jnp.float32
    assert jax.config.jax_compilation_cache_dir == cache_before


def test_torch_globals_are_left_as_they_were() -> None:
    torch = pytest.importorskip("torch")

    def softplus(x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.softplus(x).sum()

    threads = torch.get_num_threads()
    assert torch.get_default_dtype() == torch.float32
    with torch.no_grad():  # the user's evaluation loop: our autograd still works inside
        report = check(softplus, expr="sum(softplus(x))", inputs={"x": [-1.0, 0.5]},
                       methods=["sympy", "torch", "torch_forward", "impl:function"])
        assert not torch.is_grad_enabled()
    assert set(report.method_status.values()) == {"pass"}
    with torch.inference_mode():
        report = check(softplus, expr="sum(softplus(x))", inputs={"x": [-1.0, 0.5]},
                       methods=["sympy", "torch", "impl:function"])
        assert torch.is_inference_mode_enabled()
    assert set(report.method_status.values()) == {"pass"}
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()
    assert torch.get_default_dtype() == torch.float32
    assert torch.get_num_threads() == threads


@pytest.mark.slow  # a fresh interpreter importing JAX
def test_the_compilation_cache_is_only_set_for_our_own_processes(tmp_path: object) -> None:
    given = {JAX_DIR_ENV: "/the/users/folder"}
    assert own_process_cache(given) == "/the/users/folder"
    assert given == {JAX_DIR_ENV: "/the/users/folder"}  # the user's folder is kept
    off = {"GRADCHECK_LAB_CACHE": "off"}
    assert own_process_cache(off) is None and JAX_DIR_ENV not in off
    # a fresh process (what the command line and its workers are): JAX reads our folder
    code = ("import os, sys; from gradcheck_lab.backends.jax_cache import own_process_cache;"
            "folder = own_process_cache(); import jax;"
            "print(folder == jax.config.jax_compilation_cache_dir,"
            " jax.config.jax_persistent_cache_min_compile_time_secs)")
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=120, check=True).stdout.split()
    assert out == ["True", "0.0"]
