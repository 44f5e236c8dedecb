"""JUnit, Markdown and HTML reports of the shipped suite and of a failing case."""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from gradcheck_lab.loader import load_paths
from gradcheck_lab.report import to_html, to_junit, to_markdown
from gradcheck_lab.report.markdown import anchor
from gradcheck_lab.report.stepscan import ElementErrors, StepScan, step_scan
from gradcheck_lab.results import CaseReport, MethodResult, PointReport, RunReport, Verdict
from gradcheck_lab.run import verify

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "cases"
# sum(x**2) has gradient 2x = [2, 4]; the claim says 3x = [3, 6]: a plain fail (no expect)
FAILING = """\
name: tripled_gradient
description: a claim with the wrong formula <&> "quoted"
inputs: {x: [1.0, 2.0]}
expr: sum(x**2)
methods: [sympy, fd, claim:triple]
claims:
  triple: {x: 3*x}
"""


@pytest.fixture(scope="module")
def suite() -> RunReport:
    return verify(str(CASES))


@pytest.fixture(scope="module")
def failing(tmp_path_factory: pytest.TempPathFactory) -> RunReport:
    path = tmp_path_factory.mktemp("failing") / "tripled.yaml"
    path.write_text(FAILING)
    report = verify(str(path))
    assert report.cases[0].status == "fail"
    return report


def synthetic(status: str, message: str) -> RunReport:
    """A one-case report with one method whose status and message are given."""
    case = load_paths([str(CASES / "seed002_affine.yaml")])[0]
    result = MethodResult("torch", error=message) if status == "error" else \
        MethodResult("torch", skipped=message)
    verdict = Verdict("torch", status, result, None)  # type: ignore[arg-type]
    point = PointReport(case.points[0], None, None, status, (verdict,))  # type: ignore[arg-type]
    report = CaseReport(case, status, (point,), ("torch",), {"torch": status})  # type: ignore[arg-type]
    return RunReport((report,), 0.1)


# ----------------------------------------------------------------------------- junit

@pytest.mark.slow  # verifies every shipped case (12 s)
def test_junit_has_one_testcase_per_shipped_case(suite: RunReport) -> None:
    root = ET.fromstring(to_junit(suite))
    testsuite = root if root.tag == "testsuite" else root.find("testsuite")
    assert testsuite is not None and testsuite.get("name") == "gradcheck-lab"
    expected = load_paths([str(CASES)])
    testcases = testsuite.findall("testcase")
    assert len(testcases) == len(expected) == int(testsuite.get("tests", "-1"))
    assert {(t.get("classname"), t.get("name")) for t in testcases} == \
        {(c.file, c.name) for c in expected}
    counts = suite.counts()
    assert int(testsuite.get("failures", "-1")) == counts["fail"]
    assert int(testsuite.get("errors", "-1")) == counts["error"]
    assert int(testsuite.get("skipped", "-1")) == counts["skipped"]
    by_name = {t.get("name"): t for t in testcases}
    for case in suite.cases:
        element = by_name[case.case.name]
        assert float(element.get("time", "-1")) >= 0
        out = element.findtext("system-out") or ""
        if case.status in ("xfail", "kink"):  # they pass, saying so and why
            assert element.find("failure") is None and element.find("error") is None
            assert out.startswith(case.status + ":")
        if case.status == "xfail":
            assert "expect: fail" in out or "fails as expected" in out


def test_junit_failure_carries_the_discrepancy_report(failing: RunReport) -> None:
    root = ET.fromstring(to_junit(failing))
    (testcase,) = root.iter("testcase")
    failure = testcase.find("failure")
    assert failure is not None and root.find("testsuite").get("failures") == "1"  # type: ignore[union-attr]
    assert "claim:triple" in failure.get("message", "")
    text = failure.text or ""
    assert "x[1]: reference 4, got 6" in text and "x[0]: reference 2, got 3" in text
    assert "tolerance" in text and "d/dx" in text
    assert "\x1b" not in text  # plain text, no colour codes


@pytest.mark.parametrize(("status", "tag"), [("error", "error"), ("skipped", "skipped")])
def test_junit_error_and_skipped_and_escaping(status: str, tag: str) -> None:
    message = 'boom <&> "q" \x1b[31m\x00 end'
    xml_text = to_junit(synthetic(status, message))
    root = ET.fromstring(xml_text)  # well-formed despite markup and control characters
    (testcase,) = root.iter("testcase")
    element = testcase.find(tag)
    assert element is not None
    assert "boom <&>" in (element.get("message", "") + (element.text or ""))
    assert root.find("testsuite").get(tag if tag == "skipped" else "errors") == "1"  # type: ignore[union-attr]


# ----------------------------------------------------------------------------- markdown

def _table_rows(markdown: str) -> list[str]:
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    return rows[1:]  # minus the header; the |---| line does not start with "| "


@pytest.mark.slow  # verifies every shipped case
def test_markdown_rows_and_details(suite: RunReport, failing: RunReport) -> None:
    text = to_markdown(suite)
    assert len(_table_rows(text)) == len(suite.cases)
    assert text.splitlines()[2].startswith("**") and "cases:" in text.splitlines()[2]
    notable = [c for c in suite.cases if c.status != "pass"]
    assert text.count("<details") == len(notable) + ("skipped methods" in text)
    for case in notable:
        assert f"<code>{case.case.name}</code>" in text

    text = to_markdown(failing)
    (row,) = _table_rows(text)
    assert "❌ fail" in row and "`tripled_gradient`" in row and "claim:triple" in row
    details = text[text.index("<details"):]
    assert "x[1]: reference 4, got 6" in details and "```text" in details
    assert details.count("<details") == details.count("</details>") == 1


# ----------------------------------------------------------------------------- html

def _sections(html: str) -> list[str]:
    return html.split('<section class="case"')[1:]


@pytest.mark.slow
def test_html_is_self_contained_failing_first_pictures_where_they_tell(suite: RunReport) -> None:
    pytest.importorskip("matplotlib")
    from gradcheck_lab.report.html import SECTION_ORDER, step_tells

    html = to_html(suite)
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    sections = _sections(html)
    assert len(sections) == len(suite.cases)
    by_anchor = {anchor(c): c for c in suite.cases}
    shown = [by_anchor[re.search(r'id="([^"]+)"', s).group(1)] for s in sections]  # type: ignore[union-attr]
    ranks = [SECTION_ORDER.index(c.status) for c in shown]
    assert ranks == sorted(ranks) and ranks[0] < ranks[-1]  # failing cases first
    for case, section in zip(shown, sections, strict=True):
        pictures = section.count("<svg")
        if case.status == "xfail":  # step scan (fd trouble or not) and error per element
            assert pictures >= 1, case.case.name
        if step_tells(case):
            assert "Error of plain central differences" in section, case.case.name
        elif case.status == "pass":
            assert pictures == 0, case.case.name  # nothing to tell: no step plot
    every = _sections(to_html(suite, step_plots=True))  # --plots all
    assert all("Error of plain central differences" in s for s in every)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "<link" not in html and "<script" not in html


def test_html_failing_case_and_escaping(failing: RunReport) -> None:
    pytest.importorskip("matplotlib")
    from gradcheck_lab.report.html import step_tells

    html = to_html(failing)
    (section,) = _sections(html)
    assert section.count("<svg") == 1  # error per element; no step scan for a wrong claim
    assert not step_tells(failing.cases[0])
    assert "x[1]: reference 4, got 6" in section
    assert "&lt;&amp;&gt; &quot;quoted&quot;" in section and '<&> "quoted"' not in html


def test_html_without_matplotlib_still_renders(failing: RunReport,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    html = to_html(failing)
    assert "Pictures are left out" in html and "gradcheck-lab[plots]" in html
    assert "<svg" not in html and "x[1]: reference 4, got 6" in html


def test_step_scan_shows_the_v_and_where_ridders_looked(tmp_path: Path) -> None:
    path = tmp_path / "sin.yaml"
    path.write_text("name: sine\ninputs: {x: 0.7}\nexpr: sin(x)\nmethods: [sympy, fd]\n")
    report = verify(str(path)).cases[0]
    scan = step_scan(report)
    assert scan is not None and scan.label == "x" and scan.reference == "sympy"
    errors = np.where(np.isnan(scan.errors), np.inf, scan.errors)
    best = int(np.argmin(errors))
    assert 1e-9 < scan.steps[best] < 1e-3  # the bottom of the V: neither end
    assert errors[best] < 1e-9 < min(errors[0], errors[-1])
    assert scan.ridders_steps is not None
    low, high = scan.ridders_steps
    assert 1e-6 < low < high <= 0.1 + 1e-12
    assert scan.ridders_error < 1e-13 and scan.ridders_estimate < 1e-10


def test_plot_functions_are_pure_svg() -> None:
    pytest.importorskip("matplotlib")
    from gradcheck_lab.report import plots

    steps = np.logspace(-16, 0, 49)
    errors = steps**2 + 1e-16 / steps
    errors[:3] = 0.0
    errors[5] = np.nan
    svg = plots.step_error_svg(StepScan("w[1]", 0, "sympy", steps, errors, (1e-4, 0.1),
                                        1e-15, 1e-14))
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>") and "w[1]" in svg
    ref = np.arange(6.0).reshape(2, 3)
    got = ref.copy()
    got[1, 2] = np.nan
    got[0, 1] += 1.0
    items = [ElementErrors("claim:c", "A", 1, got, ref, 1e-9 + 1e-6 * np.abs(ref)),
             ElementErrors("claim:c", "b", 1, np.array([1.0, 2.5]), np.array([1.0, 2.0]), None),
             ElementErrors("claim:c", "s", 1, np.array(3.0), np.array(1.5), np.array(1e-9))]
    svg = plots.element_error_svg(items)
    assert svg.startswith("<svg") and "claim:c at point 1" in svg


def test_bars_draw_exact_zeros_below_the_tolerance(monkeypatch: pytest.MonkeyPatch) -> None:
    """Correct elements beside a wrong one must not look large (their error is 0)."""
    pytest.importorskip("matplotlib")
    from matplotlib.axes import Axes

    from gradcheck_lab.report import plots

    drawn: list[np.ndarray] = []
    original = Axes.bar

    def spy(self: Axes, x: object, height: object, *args: object, **kwargs: object) -> object:
        drawn.append(np.asarray(height, dtype=float))
        return original(self, x, height, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Axes, "bar", spy)
    ref = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    got = ref.copy()
    got[0] = 4.0  # one wrong element, error 3; the other four exact
    bound = 1e-12 + 1e-9 * np.abs(ref)
    plots.element_error_svg([ElementErrors("impl:f", "x", 0, got, ref, bound)])
    heights = drawn[0]
    assert heights[0] == 3.0
    assert np.all(heights[1:] < bound.min())  # drawn at the floor, under every tolerance
