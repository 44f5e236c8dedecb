"""The terminal table at 60, 80 and 120 columns (issue 14, item 5): names never wrap (cut
in the middle, the full name in the failure block), columns give way in a fixed order,
and output that is not a terminal is rendered at $COLUMNS or 120."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gradcheck_lab.report.table import layout, middle
from gradcheck_lab.report.terminal import render_text
from gradcheck_lab.results import CaseReport, MethodResult, PointReport, RunReport, Verdict
from tests.conftest import CliRunner
from tests.helpers import case_from, write

LONG = "scaled_dot_product_attention_backward"
# (method, status, max abs err, max rel err, seconds)
ROWS = {LONG: [("sympy", "pass", 0.0, 0.0, 0.0123), ("torch", "pass", 2.2e-16, 1.1e-16, 1.234),
               ("claim:tutorial_comment_version", "fail", 0.25, 0.0625, 0.0004)],
        "mse": [("sympy", "pass", 0.0, 0.0, 0.002), ("fd", "pass", 3.1e-12, 1.5e-12, 0.0301)]}


def _case(name: str) -> CaseReport:
    case = case_from(f"name: {name}\ninputs: {{x: 1.0}}\nexpr: x**2\n")
    verdicts = tuple(Verdict(m, s, MethodResult(m, value=np.array(1.0),  # type: ignore[arg-type]
                                                gradient={"x": np.array(2.0)}, seconds=t),
                             None, a, r) for m, s, a, r, t in ROWS[name])
    status = "fail" if any(v.status == "fail" for v in verdicts) else "pass"
    return CaseReport(case, status, (PointReport(case.points[0], "sympy", np.array(1.0), status,
                                                 verdicts),),
                      tuple(m for m, *_ in ROWS[name]), {m: s for m, s, *_ in ROWS[name]},
                      seconds=0.5)


REPORT = RunReport((_case(LONG), _case("mse")), 2.5)
TABLE_60 = (
    "case            ┃ method       ┃ status ┃  rel err ┃    time",
    "━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━",
    "scaled_…ackward │ sympy        │ pass   │        0 │  12.3ms",
    "                │ torch        │ pass   │  1.1e-16 │   1.23s",
    "                │ claim:…rsion │ fail   │   0.0625 │   0.4ms",
    "────────────────┼──────────────┼────────┼──────────┼────────",
    "mse             │ sympy        │ pass   │        0 │   2.0ms",
    "                │ fd           │ pass   │  1.5e-12 │  30.1ms",
)
TABLE_80 = (
    "case                 ┃ method           ┃ status ┃  abs err ┃  rel err ┃    time",
    "━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━",
    "scaled_dot…_backward │ sympy            │ pass   │        0 │        0 │  12.3ms",
    "                     │ torch            │ pass   │  2.2e-16 │  1.1e-16 │   1.23s",
    "                     │ claim:tu…version │ fail   │     0.25 │   0.0625 │   0.4ms",
    "─────────────────────┼──────────────────┼────────┼──────────┼──────────┼────────",
    "mse                  │ sympy            │ pass   │        0 │        0 │   2.0ms",
    "                     │ fd               │ pass   │  3.1e-12 │  1.5e-12 │  30.1ms",
)
TABLE_120 = (
    "case                                  ┃ method                         ┃ status ┃ max abs err ┃ max rel err ┃    time",  # noqa: E501
    "━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━━━━╇━━━━━━━━━━━━━╇━━━━━━━━",  # noqa: E501
    "scaled_dot_product_attention_backward │ sympy                          │ pass   │           0 │           0 │  12.3ms",  # noqa: E501
    "                                      │ torch                          │ pass   │     2.2e-16 │     1.1e-16 │   1.23s",  # noqa: E501
    "                                      │ claim:tutorial_comment_version │ fail   │        0.25 │      0.0625 │   0.4ms",  # noqa: E501
    "──────────────────────────────────────┼────────────────────────────────┼────────┼─────────────┼─────────────┼────────",  # noqa: E501
    "mse                                   │ sympy                          │ pass   │           0 │           0 │   2.0ms",  # noqa: E501
    "                                      │ fd                             │ pass   │     3.1e-12 │     1.5e-12 │  30.1ms",  # noqa: E501
)


@pytest.mark.parametrize(("width", "table"), [(60, TABLE_60), (80, TABLE_80), (120, TABLE_120)])
def test_table_at_width(width: int, table: tuple[str, ...]) -> None:
    text = render_text(REPORT, width)
    assert text.split("\n\n")[0].splitlines() == list(table)
    assert all(len(line) <= width for line in table)
    # the failure block below gives the full names
    assert f"FAIL {LONG} (test.yaml:1)" in text
    assert "fail claim:tutorial_comment_version at point 0" in text


@pytest.mark.parametrize(("text", "width", "cut"), [
    ("scaled_dot_product", 18, "scaled_dot_product"), ("scaled_dot_product", 9, "scal…duct"),
    ("abcdef", 5, "ab…ef"), ("abcdef", 2, "a…"), ("abcdef", 1, "a")])
def test_middle(text: str, width: int, cut: str) -> None:
    assert middle(text, width) == cut


def test_columns_give_way_in_order() -> None:
    assert layout(200, 40, 30).abs_err == "max abs err"
    assert layout(80, 40, 30).abs_err == "abs err" and layout(80, 40, 30).time
    narrow = layout(60, 40, 30)
    assert narrow.abs_err is None and narrow.time and narrow.case >= 12
    assert layout(40, 40, 30).time is False  # below 60 even the time goes
    assert all(layout(w, 40, 30).width <= w for w in range(40, 200))
    assert layout(80, 40, 30, len("unresolved")).status == 10  # never cut a status


def test_piped_output_uses_columns_or_120(tmp_path: Path, cli: CliRunner, fake_runner: object,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "c.yaml", f"name: {LONG}\ninputs: {{x: 1.0}}\nexpr: x\n")
    monkeypatch.delenv("COLUMNS", raising=False)
    _, wide, _ = cli(["run", str(tmp_path)])
    monkeypatch.setenv("COLUMNS", "60")
    _, narrow, _ = cli(["run", str(tmp_path)])
    assert LONG in wide.splitlines()[2] and max(map(len, wide.splitlines()[:3])) <= 120
    assert "…" in narrow.splitlines()[2] and LONG not in narrow.splitlines()[2]
    assert max(map(len, narrow.splitlines()[:3])) <= 60
