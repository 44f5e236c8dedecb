"""``validate`` lists every independent problem of a file in one pass, in line order, in
the loader's words (issue 14, item 2)."""

from __future__ import annotations

import re
from pathlib import Path

from gradcheck_lab.loader import structure
from gradcheck_lab.loader.schema import FLOAT_TEXT
from tests.conftest import CliRunner
from tests.helpers import write

FIVE = """\
name: five mistakes
inputs:
  x: [1.0, 2.0]
  w: {value: 0.5, wrt: maybe}
expr: sum(sinn(x) * w)
dtype: double
tolerence: {rtol: 1e-6}
methods: [sympy, torhc]
order: 3
"""


def _problems(err: str) -> list[str]:
    """``file:line[:col]: field '...': message`` lines, without the file and the accepted part."""
    return [re.sub(r" \(accepted: .*\)$", "", line.split(": ", 1)[1])
            for line in err.splitlines() if line.startswith("/")]


def _lines(err: str) -> list[int]:
    return [int(line.split(":")[1]) for line in err.splitlines() if line.startswith("/")]


def test_five_mistakes_in_one_run_in_line_order(tmp_path: Path, cli: CliRunner) -> None:
    path = write(tmp_path, "five.yaml", FIVE)
    code, out, err = cli(["validate", str(path)])
    assert code == 2 and out == "" and "Traceback" not in err
    assert _lines(err) == [1, 4, 5, 6, 7, 8, 9]
    assert _problems(err) == [
        "field 'name': invalid case name 'five mistakes'",
        "field 'inputs.w.wrt': wrt must be true or false, got 'maybe'",
        "field 'expr': unknown function 'sinn'; did you mean 'sin'?",
        "field 'dtype': 'double' is not accepted",
        "field 'tolerence': unknown field 'tolerence'; did you mean 'tolerance'?",
        "field 'methods[1]': 'torhc' is not accepted; did you mean 'torch'?",
        "field 'order': 3 is not accepted"]
    assert err.rstrip().endswith("7 problems in case files; nothing was run")
    assert f"{path}:5:11: field 'expr'" in err  # the expression's column in the file


SEMANTIC = """\
name: c
inputs:
  x: [1.0, 2.0]
  y: {value: 3.0, wrt: false}
expr: sum(x**2) * y
claims:
  first: {x: "2*x*yy"}
  second: {x: "coss(x)"}
  third: {x: "2*x*y"}
methods: [sympy, claim:first, claim:third, torhc]
points:
  - {x: [1.0, 2.0, 3.0]}
tolerance: {rtol: -1, fd: {atl: 1}}
"""


def test_problems_only_the_builder_sees_are_all_listed(tmp_path: Path, cli: CliRunner) -> None:
    """Two claim formulas, a point's shape, a tolerance: each found by the case builder,
    which is run again without each part it found wrong."""
    code, _, err = cli(["validate", str(write(tmp_path, "c.yaml", SEMANTIC))])
    assert code == 2
    assert _lines(err) == [7, 8, 10, 12, 13, 13]
    assert _problems(err) == [
        "field 'claims.first.x': unknown name 'yy'; did you mean 'y'?",
        "field 'claims.second.x': unknown function 'coss'; did you mean 'cos'?",
        "field 'methods[3]': 'torhc' is not accepted; did you mean 'torch'?",
        "field 'points[0].x': shape (3,) differs from the input's shape (2,)",
        "field 'tolerance.rtol': rtol must be >= 0, got -1",
        "field 'tolerance.fd.atl': unknown field 'atl'; did you mean 'atol'?"]
    # methods: [claim:first] only follows from the broken claim: not a problem of its own
    assert "'claim:first' is not accepted" not in err


def test_a_typo_is_one_problem_and_cases_keep_their_order(tmp_path: Path,
                                                          cli: CliRunner) -> None:
    text = ("cases:\n"
            "  - {name: a, inputz: {x: 1.0}, expr: x}\n"           # typo: not also "missing"
            "  - {name: b, inputs: {x: 1.0}, expr: x, kinks: no}\n"
            "  - {name: c, inputs: {x: 1.0}, expr: log(x - 1)}\n")
    code, _, err = cli(["validate", str(write(tmp_path, "m.yaml", text))])
    assert code == 2
    assert _lines(err) == [2, 3, 4]
    assert _problems(err)[0] == ("field 'cases[0].inputz': unknown field 'inputz'; did you "
                                 "mean 'inputs'?")
    assert _problems(err)[1] == "field 'cases[1].kinks': False is not accepted"
    assert _problems(err)[2].startswith("field 'cases[2].expr': the expression is not finite")
    assert "missing required field" not in err


def test_valid_file_and_structure_pass_agree_on_numbers(tmp_path: Path, cli: CliRunner) -> None:
    good = write(tmp_path, "g.yaml", "name: g\ninputs: {x: {value: 1e-6}}\nexpr: x\n"
                                     "tolerance: {rtol: 1e-6}\nclaims: {one: {x: 1}}\n")
    code, out, err = cli(["validate", str(good)])
    assert (code, out, err) == (0, "ok: 1 case in 1 file\n", "")
    assert structure._NUMBER_TEXT == FLOAT_TEXT


def test_the_structure_pass_knows_every_keyword_of_the_schema() -> None:
    from gradcheck_lab.loader.schema import case_schema

    used: set[str] = set()

    def walk(node: object, in_properties: bool = False) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if not in_properties:
                    used.add(key)
                walk(value, key in ("properties", "$defs"))
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(case_schema()["$defs"], in_properties=True)
    assert used - structure.KEYWORDS == set()
