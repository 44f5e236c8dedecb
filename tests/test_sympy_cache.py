"""The command line gives SymPy a cache that large graphs fit in (``backends.sympy_cache``):
with SymPy's default 1,000 entries, ``sum(sin(expm(x)))`` of a 2x3x3 stack (the
throughput suite's ``expm0_2x3x3``) did not finish building its exact graph in 300 s."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gradcheck_lab.backends import sympy_cache

CASE = """\
cases:
  - name: expm_stack
    expr: sum(sin(expm(x)))
    methods: [sympy, fd]
    inputs:
      x: [[[-0.7545129898516485, -0.04647709284343504, -0.3166478580837513],
           [0.8795117518228368, -0.7615391003141805, 0.6584575993377981],
           [0.15183985444143366, 0.4687095525078764, 0.9448991029396638]],
          [[-0.07442415357820886, -0.9630037495341435, 0.5099574323512317],
           [-0.605222014969131, -0.9349228910631298, 0.28023770864447983],
           [-0.438317635749762, -0.26282611562767655, 0.5122320312912754]]]
    points:
      - x: [[[0.9606847831573679, 0.46170649180280954, -0.7173374992019816],
             [-0.30795481273154346, 0.4876462760159521, 0.620591220278558],
             [0.27364170246666997, 0.3263951064742914, -0.14013078150855174]],
            [[0.7215659344742023, 0.4720406713416976, -0.8970318834453028],
             [0.9387725132198743, 0.05192752273525891, -0.4177854567657162],
             [0.08667854279853793, 0.37928235627347684, 0.672260180458675]]]
"""


def test_own_process_sets_a_large_size_unless_given_or_too_late(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "sympy", raising=False)
    env: dict[str, str] = {}
    assert sympy_cache.own_process_cache(env) == "50000" and env == {"SYMPY_CACHE_SIZE": "50000"}
    given = {"SYMPY_CACHE_SIZE": "2000"}
    assert sympy_cache.own_process_cache(given) == "2000"  # the user's size wins
    monkeypatch.setitem(sys.modules, "sympy", object())
    late: dict[str, str] = {}
    assert sympy_cache.own_process_cache(late) is None and late == {}


def test_the_cli_builds_the_exact_graph_of_an_expm_stack_in_seconds(tmp_path: Path) -> None:
    (tmp_path / "expm.yaml").write_text(CASE)
    env = {k: v for k, v in os.environ.items() if k != "SYMPY_CACHE_SIZE"}
    started = time.process_time()
    done = subprocess.run([sys.executable, "-m", "gradcheck_lab", "run", str(tmp_path),
                           "--format", "json"], capture_output=True, text=True, env=env,
                          timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"pass": 1' in done.stdout
    assert time.process_time() - started < 5  # this process only waited


def test_import_with_large_cache_leaves_the_environment_as_it_was(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sympy", object())  # imported before: the caller's
    env: dict[str, str] = {}
    assert sympy_cache.import_with_large_cache(env) is None and env == {}


def test_a_library_call_builds_the_exact_graph_of_an_expm_stack_in_seconds(
        tmp_path: Path) -> None:
    """``verify()`` in a fresh process that has not imported SymPy: the large cache for
    SymPy, and the process's environment unchanged after."""
    (tmp_path / "expm.yaml").write_text(CASE)
    env = {k: v for k, v in os.environ.items() if k != "SYMPY_CACHE_SIZE"}
    code = ("import os, sys; from gradcheck_lab import verify;"
            f"report = verify({str(tmp_path)!r});"
            "import sympy.core.cache as c;"
            "print(report.cases[0].status, c.SYMPY_CACHE_SIZE,"
            " os.environ.get('SYMPY_CACHE_SIZE'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["pass", "50000", "None"]
