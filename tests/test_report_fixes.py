"""Report fixes (issue 14, item 8): JUnit valid against the common JUnit schema, Markdown
long lines folded, `random` cotangents as v[i] symbols with their values apart, an error
picture for `expect` failures (failing-first HTML and step plots where they tell are in
tests/test_report_formats.py and tests/test_cli_reports.py)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from gradcheck_lab import verify
from gradcheck_lab.report import to_html, to_junit, to_markdown
from gradcheck_lab.report.markdown import fold
from gradcheck_lab.report.terminal import details_text
from tests.helpers import write

# Jenkins xUnit's junit-10.xsd (github.com/jenkinsci/xunit-plugin, types/model/xsd), the
# schema pytest's junit_family=xunit2 follows: per element, (attributes allowed, attributes
# required, children allowed)
JUNIT_10 = {
    "testsuites": ({"name", "time", "tests", "failures", "errors"}, set(), {"testsuite"}),
    "testsuite": ({"name", "tests", "failures", "errors", "group", "time", "skipped",
                   "timestamp", "hostname", "id", "package", "file", "log", "url"},
                  {"name", "tests", "failures", "errors"},
                  {"testsuite", "properties", "testcase", "system-out", "system-err"}),
    "testcase": ({"name", "time", "classname", "group"}, {"name"},
                 {"skipped", "error", "failure", "rerunFailure", "rerunError", "flakyFailure",
                  "flakyError", "system-out", "system-err"}),
    "failure": ({"type", "message"}, set(), set()),
    "error": ({"type", "message"}, set(), set()),
    "skipped": ({"type", "message"}, set(), set()),
    "system-out": (set(), set(), set()),
    "system-err": (set(), set(), set()),
}
SUREFIRE_TIME = re.compile(r"(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?")

MIXED = """\
cases:
  - {name: good, inputs: {x: 1.0}, expr: x**2, methods: [sympy, fd]}
  - name: tripled
    inputs: {x: [1.0, 2.0]}
    expr: sum(x**2)
    claims: {triple: {x: 3*x}}
    methods: [sympy, claim:triple]
  - name: huber_loss
    inputs: {r: 0.9}
    expr: 0.5 * r**2
    expect: {value: 0.455}
    methods: [sympy, expect]
  - name: documented
    inputs: {x: 1.0}
    expr: x**2
    claims: {c: {x: x, expect: fail}}
    methods: [sympy, claim:c]
  - name: rotated
    inputs: {x: [0.5, -1.0, 2.0]}
    expr: sin(x) * x
    cotangent: random
    claims: {wrong: {x: cos(x) + sin(x)}}
    methods: [sympy, claim:wrong]
"""


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> object:
    path = tmp_path_factory.mktemp("mixed") / "mixed.yaml"
    path.write_text(MIXED)
    return verify(str(path))


def _check_element(element: ET.Element) -> None:
    allowed, required, children = JUNIT_10[element.tag]
    assert set(element.attrib) <= allowed, (element.tag, set(element.attrib) - allowed)
    assert required <= set(element.attrib), (element.tag, required - set(element.attrib))
    for child in element:
        assert child.tag in children, (element.tag, child.tag)
        _check_element(child)
    if "time" in element.attrib:
        assert SUREFIRE_TIME.fullmatch(element.attrib["time"]), element.attrib["time"]


def test_junit_is_valid_against_junit_10_xsd(mixed: object) -> None:
    root = ET.fromstring(to_junit(mixed))  # type: ignore[arg-type]
    assert root.tag == "testsuites" and "skipped" not in root.attrib
    _check_element(root)
    (suite,) = root
    assert suite.attrib["skipped"] == "0" and suite.attrib["failures"] == "3"
    cases = {c.attrib["name"]: c for c in suite.iter("testcase")}
    # the case's file and line now open the failure text
    text = cases["tripled"].find("failure").text  # type: ignore[union-attr]
    assert re.search(r"FAIL tripled \(.*mixed\.yaml:\d+\)", text or "")


def test_markdown_folds_long_lines(mixed: object) -> None:
    markdown = to_markdown(mixed)  # type: ignore[arg-type]
    blocks = re.findall(r"```text\n(.*?)\n```", markdown, re.DOTALL)
    assert len(blocks) == 4  # every case but `good`
    block = "\n".join(blocks)
    assert max(len(line) for line in block.splitlines()) <= 100
    assert "d/dx = [0]: v[0]*x[0]*cos(x[0]) + v[0]*sin(x[0]);" in block
    assert fold("  a " + "word " * 30, 40).splitlines()[1].startswith("      word")


def test_random_cotangent_formula_has_symbols_and_values_apart(mixed: object) -> None:
    rotated = next(c for c in mixed.cases if c.case.name == "rotated")  # type: ignore[attr-defined]
    formula = rotated.formulas["x"]
    assert formula.startswith("[0]: v[0]*x[0]*cos(x[0]) + v[0]*sin(x[0]); [1]: v[1]*")
    values = rotated.case.cotangent
    shown = re.search(r"\(with v = \[(.*)\], the random cotangent\)$", formula)
    assert shown is not None
    # four significant digits each
    assert [float(v) for v in shown.group(1).split(", ")] == pytest.approx(values, rel=5e-4)
    assert not re.search(r"\d{12,}", formula)  # no 16-digit rationals
    assert "v[0]" in details_text(rotated)


def test_ones_cotangent_stays_plain(tmp_path: Path) -> None:
    path = write(tmp_path, "o.yaml", "name: o\ninputs: {x: [1.0, 2.0]}\nexpr: x**3\n"
                                     "cotangent: ones\nclaims: {c: {x: x}}\n"
                                     "methods: [sympy, claim:c]\n")
    (case,) = verify(str(path)).cases
    assert case.formulas["x"] == "[0]: 3*x[0]**2; [1]: 3*x[1]**2"


def test_expect_failure_gets_an_error_picture(mixed: object) -> None:
    pytest.importorskip("matplotlib")
    html = to_html(mixed)  # type: ignore[arg-type]
    section = html[html.index('id="case-huber_loss"'):]
    section = section[:section.index("</section>")]
    assert "expect: |got − reference| per element at point 0" in section
    # the value's errors; no step scan: a wrong quoted number owes nothing to step sizes
    assert section.count("<svg") == 1
    tripled = html[html.index('id="case-tripled"'):]
    assert "Error of plain central differences" not in tripled[:tripled.index("</section>")]
    assert "f (value)" in section
