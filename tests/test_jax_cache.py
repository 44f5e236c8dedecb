"""Where JAX's compiled programs are kept between runs (``backends.jax_cache``)."""

from __future__ import annotations

import os

import pytest

from gradcheck_lab.backends.jax_cache import cache_folder


def test_default_is_under_xdg_cache_home() -> None:
    assert cache_folder({"XDG_CACHE_HOME": "/c"}) == os.path.join("/c", "gradcheck-lab", "jax")


def test_a_folder_in_the_variable_is_used() -> None:
    assert cache_folder({"GRADCHECK_LAB_CACHE": "/tmp/gl", "XDG_CACHE_HOME": "/c"}) == \
        os.path.join("/tmp/gl", "jax")


@pytest.mark.parametrize("off", ["off", "0", "NO", "false"])
def test_off_turns_it_off(off: str) -> None:
    assert cache_folder({"GRADCHECK_LAB_CACHE": off}) is None


def test_without_xdg_the_home_cache_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/someone")
    assert cache_folder({}) == os.path.join("/home/someone", ".cache", "gradcheck-lab", "jax")
