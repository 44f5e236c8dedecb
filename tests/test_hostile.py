"""Hostile and broken case files, as they could arrive in a stranger's pull request.

Each file of ``tests/hostile/`` goes through the real command line in a subprocess with a
memory cap and a timeout: it must be refused with exit 2 (or, for the one valid file whose
implementation is ``os:system``, run to an ``error`` result with exit 1), name the file, show
no traceback, finish quickly and leave no file behind (the payloads ``touch pwned_*`` in the
current folder, which is an empty temporary one).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from gradcheck_lab.errors import CaseError, CaseFileErrors
from gradcheck_lab.limits import Limits
from gradcheck_lab.loader import discover, load_file, load_paths
from tests.helpers import cli_subprocess

HOSTILE = Path(__file__).resolve().parent / "hostile"
ROOT = HOSTILE.parent.parent
MEMORY_CAP = 4 * 1024 ** 3
CLI = "import sys; from gradcheck_lab.cli import main; sys.exit(main())"

# file -> one expected substring per problem it reports (in order); [] for the valid file
EXPECTED: dict[str, list[str]] = {
    "bad_axes.yaml": ["sum(): axis 3 is out of range for shape (3,) (axes -1..0)",
                      "softmax(): axis -2 is out of range for shape (2,)",
                      "'@': shapes (1, 2) and (3,): the inner dimensions 2 and 3 differ",
                      "indexing: index 7 is out of range for axis 0 of shape (2,)",
                      "reshape(): cannot reshape shape (3,) (3 elements) into (2, 2)"],
    "billion_laughs.yaml": ["the YAML expands to more than 2000000 nodes (alias bomb?)"],
    "binary.yaml": ["not a text file (expected UTF-8 YAML)"],
    "binary_and_timestamp.yaml": ["unsupported value 'aGVsbG8=' (bytes)"],
    "control_characters.yaml": [r"unknown field 'colour\x1b[31m\n::error file=README.md::forged'"],
    "cotangent_wrong_shape.yaml": ["cotangent shape (2,) differs from the output shape (3,)",
                                   "cotangent shape () differs from the output shape (2,)",
                                   "the array has 100 dimensions, more than 32"],
    "crlf_and_bom.yaml": ["crlf_and_bom.yaml:4:11: field 'expr': unknown function 'sinn'"],
    "custom_tag.yaml": ["could not determine a constructor for the tag '!secret'"],
    "deep_expression.yaml": ["syntax error: too many nested parentheses",
                             "the expression nests too deeply to be parsed",
                             "syntax error: too many nested parentheses"],
    "deep_yaml_block.yaml": ["the YAML nests deeper than 200 levels"],
    "deep_yaml_flow.yaml": ["the YAML nests deeper than 200 levels"],
    "dunder_attribute.yaml": ["only functions of the op list may be called, by name"],
    "empty.yaml": ["a case file holds one case"],
    "fstring.yaml": ["an f-string is not allowed"],
    "huge_array_by_aliases.yaml": ["the array has 1127357 elements, more than the limit of "
                                   "1000000"],
    "huge_integers.yaml": ["cannot read the value '99999999999"],
    "huge_nn_ops.yaml": [
        "conv2d(): this conv2d takes 8,118,010,000 multiplications, more than 10,000,000",
        "this conv2d takes 16,000,000,016,000,000,004 multiplications, more than 10,000,000",
        "conv1d(): this conv1d takes 1,000,000,000 multiplications, more than 10,000,000",
        "conv2d(): the window (1000000001) is larger than the padded input (2)",
        "max_pool2d(): this pooling takes 62,750,250,000 comparisons, more than 10,000,000"],
    "implementation_injection.yaml": ["'os:system; touch pwned_target' is not 'module:attr'",
                                      "'os.system' is not 'module:attr'",
                                      "\"__import__('os'):system\" is not 'module:attr'",
                                      "'../evil:grad' is not 'module:attr'",
                                      "'os:system(1)' is not 'module:attr'"],
    "implementation_os_system.yaml": [],
    "import_statement.yaml": ["syntax error: invalid syntax"],
    "huge_shape_ops.yaml": [
        "the result would have 2000000000000 elements, more than the limit of 10000000",
        "the result would have 2000000000000000 elements, more than the limit of 10000000",
        "the result would have 200000000002 elements, more than the limit of 10000000",
        "the result would have 2000000000 elements, more than the limit of 10000000",
        "the einsum string has 243 characters, more than the limit of 200",
        "this einsum takes 8,100,000,000 multiplications, more than 10,000,000",
        "with index arrays of 100000 elements makes up to 100,000,000 elements, more than "
        "10,000,000"],
    "jacobian_explosion.yaml": ["the full Jacobian (output shape (1000000,) x the "
                                "differentiated inputs) has 1000000000000 elements"],
    "lambda_import_eval.yaml": ["only functions of the op list may be called"] * 2 + [
        "unknown function 'eval'", "unknown function 'exec'", "unknown function 'open'",
        "unknown function 'compile'", "unknown function 'getattr'",
        "an index must be an integer literal", "unknown function 'breakpoint'",
        "a comprehension is not allowed", "':=' is not allowed",
        "an if-expression is not allowed"],
    "latin1.yaml": ["not a text file (expected UTF-8 YAML)"],
    "long_expression.yaml": ["the expression has 24001 characters, more than the limit of "
                             "20000"],
    "long_line.yaml": ["could not find expected ':' (a key may be at most 1024 characters"],
    "merge_key_python.yaml": ["expected a mapping for merging, but found scalar"],
    "nan_values.yaml": ["expected a finite number, got nan", "expected a finite number, got -inf",
                        "expected a finite number, got nan", "expected a finite number, got nan",
                        "the expression is not finite at point 0 (value nan)"],
    "non_string_keys.yaml": ["the key 'on' is read as the boolean True, not as a name"],
    "not_a_case.yaml": ["a case file holds one case"],
    "outer_explosion.yaml": ["outer(): the result would have 10000000000 elements, more than "
                             "the limit of 10000000 (max_expression_elements)"],
    "power_of_power.yaml": ["the constant power 1000**1000 is too large",
                            "nested powers multiply their exponents to 10000, more than the "
                            "limit of 1000"],
    "power_tower.yaml": ["the exponent 10**10 exceeds the limit of 1000 in absolute value"],
    "python_module.yaml": ["python/module:os' (only plain YAML is read"],
    "python_name.yaml": ["python/name:os.system' (only plain YAML is read"],
    "python_object_apply.yaml": ["unsupported tag tag:yaml.org,2002:python/object/apply:"],
    "python_object_mapping.yaml": ["unsupported tag tag:yaml.org,2002:python/object:"],
    "python_object_new.yaml": ["unsupported tag tag:yaml.org,2002:python/object/new:"],
    "python_tag_as_key.yaml": ["mapping keys must be plain text, not a list or mapping"],
    "ragged_arrays.yaml": ["ragged nested list: rows have shapes [(1,), (2,)]",
                           "ragged nested list: rows have shapes [(), (2,)]",
                           "an empty list has no values",
                           "the array has 40 dimensions, more than 32"],
    "random_shape_huge.yaml": ["shape [100000, 100000] has 10000000000 elements, more than "
                               "the limit of 1000000"],
    "random_shape_overflow.yaml": ["has 73786976294838206464 elements, more than the limit"],
    "recursive_alias.yaml": ["the alias *i refers to a collection that contains it"],
    "tabs.yaml": ["(a tab: indent YAML with spaces, never tabs)"],
    "tag_directive.yaml": ["unsupported tag tag:yaml.org,2002:python/object/apply:os.system"],
    "too_many_cases.yaml": ["1001 cases, more than the limit of 1000"],
    "too_many_points.yaml": ["1001 points, more than the limit of 1000"],
    "two_documents.yaml": ["but found another document"],
    "utf16.yaml": ["the file is UTF-16 or UTF-32: save it as UTF-8"],
    "verbatim_tag.yaml": ["unsupported tag tag:yaml.org,2002:python/object/apply:os.system"],
    "yaml_boolean_values.yaml": ["field 'cases[0].order': True is not accepted",
                                 "field 'cases[1].inputs.x': expected a number, got True"],
}


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def cli(args: list[str], cwd: Path, timeout: float = 30) -> tuple[int, str, float]:
    """Run the command line in a fresh interpreter under the memory cap."""
    return cli_subprocess(args, cwd, timeout=timeout, preexec=_limit_memory)


def problem_lines(output: str, path: Path) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(f"{path}:")]


def assert_nothing_written(folder: Path) -> None:
    """Nothing but the --lf cache (which remembers failing cases) appears."""
    written = sorted(os.listdir(folder))
    assert written in ([], [".gradcheck_cache"]), "a payload ran"
    if written:
        cache = folder / ".gradcheck_cache"
        assert sorted(os.listdir(cache)) == [".gitignore", "README.md", "lastfailed.json"]
        assert all(key.count("::") == 1 for key in
                   json.loads((cache / "lastfailed.json").read_text()))
    assert not list(Path("/tmp").glob("pwned_*"))


def hostile_files() -> list[Path]:
    return sorted(p for p in HOSTILE.iterdir() if p.name != "conftest.py"
                  and not p.name.startswith(("_", ".")))


def test_the_battery_is_complete() -> None:
    names = [p.name for p in hostile_files()]
    assert len(names) >= 25
    assert sorted(EXPECTED) == names


def test_validate_lists_every_problem_of_every_file(tmp_path: Path) -> None:
    files = hostile_files()
    code, out, seconds = cli(["validate", *map(str, files)], tmp_path)
    assert code == 2, out
    assert "Traceback" not in out
    assert seconds < 30
    total = 0
    for path in files:
        lines = problem_lines(out, path)
        wanted = EXPECTED[path.name]
        assert len(lines) == len(wanted), (path.name, lines)
        for line, text in zip(lines, wanted, strict=True):
            assert text in line, (path.name, line)
        total += len(wanted)
    assert f"gradcheck-lab: {total} problems in case files; nothing was run" in out
    assert max(len(line) for line in out.splitlines()) < 2_000  # no megabyte-long line
    assert_nothing_written(tmp_path)


@pytest.mark.slow  # 6 s
def test_run_refuses_the_whole_battery_before_running_anything(tmp_path: Path) -> None:
    code, out, seconds = cli(["run", str(HOSTILE)], tmp_path)
    assert code == 2 and "nothing was run" in out and "Traceback" not in out
    assert seconds < 30
    for path in hostile_files():
        if EXPECTED[path.name]:
            assert problem_lines(out, path), path.name
    assert_nothing_written(tmp_path)


def test_implementation_os_system_is_never_called_as_a_shell(tmp_path: Path) -> None:
    path = HOSTILE / "implementation_os_system.yaml"
    code, out, _ = cli(["validate", str(path)], tmp_path)
    assert code == 0 and "ok: 1 case in 1 file" in out  # valid: nothing imported to check it
    code, out, seconds = cli(["run", str(path), "--methods", "impl:*", "--format", "json"],
                             tmp_path, timeout=60)
    assert code == 1, out
    assert seconds < 30
    report = json.loads(out[out.index("{"):])
    (result,) = [r for p in report["cases"][0]["points"] for r in p["results"]
                 if r["method"] == "impl:shell"]
    assert result["status"] == "error"
    assert "TypeError" in result["message"]  # os.system(x=...) is refused by os.system itself
    assert_nothing_written(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("path", hostile_files(), ids=lambda p: p.name)
def test_each_hostile_file_alone(tmp_path: Path, path: Path) -> None:
    code, out, seconds = cli(["run", str(path)], tmp_path, timeout=60)
    assert path.name in out
    assert "Traceback" not in out
    assert seconds < 30
    if EXPECTED[path.name]:
        assert code == 2, out
    else:
        assert code == 1 and "error" in out, out
    assert_nothing_written(tmp_path)


# --------------------------------------------------------------------------- planted files


def test_links_fifos_folders_and_huge_files(tmp_path: Path) -> None:
    """What a checkout can plant besides YAML text: every one is reported, none blocks."""
    cases, cwd = tmp_path / "cases", tmp_path / "cwd"
    cases.mkdir()
    cwd.mkdir()
    good = "name: {}\ninputs: {{x: 1.0}}\nexpr: x\n"
    (cases / "good.yaml").write_text(good.format("good"))
    (cases / "loop_a.yaml").symlink_to("loop_b.yaml")
    (cases / "loop_b.yaml").symlink_to("loop_a.yaml")
    (cases / "dangling.yaml").symlink_to("nowhere.yaml")
    (cases / "zero.yaml").symlink_to("/dev/zero")
    (cases / "passwd.yaml").symlink_to("/etc/passwd")
    (cases / "inside.yaml").symlink_to("good.yaml")  # a link inside the folder is fine...
    os.mkfifo(cases / "fifo.yaml")                    # ...but a FIFO would block a reader
    (cases / "folder.yaml").mkdir()                   # a folder named *.yaml is searched
    (cases / "folder.yaml" / "inner.yaml").write_text("name: inner\ninputs: {x: 1.0}\n")
    (cases / "big.yaml").write_bytes(b"# " + b"x" * 10_000_001 + b"\n")
    (cases / "linkdir").symlink_to(tmp_path)          # links to folders are not followed
    code, out, seconds = cli(["validate", str(cases)], cwd)
    assert code == 2 and "Traceback" not in out and seconds < 30, out
    expected = {
        "big.yaml": "more than the limit of 10000000 (max_file_bytes)",
        "dangling.yaml": "cannot read the file: No such file or directory (a broken link)",
        "fifo.yaml": "not a regular file (a FIFO, socket or device): not read",
        "folder.yaml/inner.yaml": "missing required field 'expr'",
        "inside.yaml": "duplicate case name 'good'",
        "loop_a.yaml": "(a symbolic link loop)",
        "loop_b.yaml": "(a symbolic link loop)",
        "passwd.yaml": "a symbolic link to /etc/passwd, outside the folder searched",
        "zero.yaml": "a symbolic link to /dev/zero, outside the folder searched",
    }
    for name, text in expected.items():
        (line,) = problem_lines(out, cases / name)
        assert text in line, line
    assert f"{len(expected)} problems in case files" in out
    assert "root:" not in out  # nothing of /etc/passwd is shown


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text("name: s\ninputs: {x: 1.0}\nexpr: x\n")
    if os.geteuid() != 0:
        path.chmod(0)
    else:  # root reads anything: make the open fail as it would for anyone else
        def refuse(*args: object, **kwargs: object) -> int:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(CaseFileErrors) as info:
        load_file(path)
    assert str(info.value) == f"{path}: cannot read the file: Permission denied"


def test_folders_named_with_dots_above_are_searched(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # only names below the folder searched are skipped when they start with "."
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "a.yaml").write_text("name: a\ninputs: {x: 1.0}\nexpr: x\n")
    (tmp_path / "cases" / ".hidden.yaml").write_text("not: a case\n")
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    assert discover(["../cases"]) == [Path("../cases/a.yaml")]
    assert [c.name for c in load_paths(["../cases"])] == ["a"]


# --------------------------------------------------------------------------- limits


def _refusal(tmp_path: Path, text: str, limits: Limits) -> CaseError:
    path = tmp_path / "case.yaml"
    path.write_text(text)
    load_paths([path])  # within the default limits
    with pytest.raises(CaseFileErrors) as info:
        load_paths([path], limits)
    (error,) = info.value.errors
    return error


@pytest.mark.parametrize(("name", "value", "text", "message"), [
    ("max_file_bytes", 40, "name: a\ninputs: {x: 1.0}\nexpr: x\n# padding padding\n",
     "the file has 51 bytes, more than the limit of 40 (max_file_bytes)"),
    ("max_yaml_nodes", 10, "name: a\ninputs: {x: [1, 2, 3, 4, 5, 6, 7, 8]}\nexpr: sum(x)\n",
     "the YAML expands to more than 10 nodes"),
    ("max_yaml_depth", 2, "name: a\ninputs: {x: [[1.0]]}\nexpr: sum(x)\n",
     "the YAML nests deeper than 2 levels"),
    ("max_cases_per_file", 1, "cases:\n  - {name: a, inputs: {x: 1}, expr: x}\n"
     "  - {name: b, inputs: {x: 1}, expr: x}\n", "2 cases, more than the limit of 1"),
    ("max_points", 1, "name: a\ninputs: {x: 1.0}\nexpr: x\npoints: [{x: 2.0}, {x: 3.0}]\n",
     "2 points, more than the limit of 1"),
    ("max_input_elements", 2, "name: a\ninputs: {x: [1, 2, 3]}\nexpr: sum(x)\n",
     "the array has 3 elements, more than the limit of 2"),
    ("max_case_elements", 5, "name: a\ninputs: {x: [1, 2, 3]}\nexpr: sum(x)\n"
     "points: [{x: [0, 1, 2]}]\n", "the inputs have 6 elements over the case's 2 points, more "
     "than the limit of 5 (max_case_elements)"),
    ("max_expression_elements", 8, "name: a\ninputs: {x: [1, 2, 3]}\nexpr: sum(outer(x, x))\n",
     "outer(): the result would have 9 elements, more than the limit of 8"),
    ("max_jacobian_elements", 8, "name: a\ninputs: {x: [1, 2, 3]}\nexpr: x * 2\n",
     "the full Jacobian (output shape (3,) x the differentiated inputs) has 9 elements"),
    ("max_expression_chars", 4, "name: a\ninputs: {x: 1.0}\nexpr: x + x\n",
     "the expression has 5 characters, more than the limit of 4"),
    ("max_expression_depth", 2, "name: a\ninputs: {x: 1.0}\nexpr: sin(sin(sin(x)))\n",
     "the expression nests deeper than 2 levels"),
    ("max_constant_exponent", 10, "name: a\ninputs: {x: 1.0}\nexpr: (x ** 4) ** 3\n",
     "nested powers multiply their exponents to 12, more than the limit of 10"),
])
def test_every_limit_comes_from_the_limits_object(tmp_path: Path, name: str, value: int,
                                                  text: str, message: str) -> None:
    error = _refusal(tmp_path, text, Limits(**{name: value}))
    assert message in error.message, str(error)


def test_limit_options() -> None:
    from gradcheck_lab.errors import UsageError
    from gradcheck_lab.limits import DEFAULT_LIMITS, LIMIT_NAMES, parse_limit_options

    limits = parse_limit_options(["max_points=10", "max-file-bytes=1e6", "max_yaml_nodes=2_000"])
    assert (limits.max_points, limits.max_file_bytes, limits.max_yaml_nodes) == (10, 10**6, 2000)
    assert limits.max_cases_per_file == DEFAULT_LIMITS.max_cases_per_file
    assert parse_limit_options([]) is DEFAULT_LIMITS
    assert "max_symbolic_elements" in LIMIT_NAMES and len(LIMIT_NAMES) == 15
    for bad in ("max_pointz=1", "max_points", "max_points=0", "max_points=1.5",
                "max_points=-3", "max_points=lots", "max_points=1e99"):
        with pytest.raises(UsageError, match=re.escape(repr(bad))):
            parse_limit_options([bad])
    with pytest.raises(UsageError, match="must be a positive integer"):
        Limits(max_points=0)


# --------------------------------------------------------------------------- locations


@pytest.mark.parametrize(("expr", "where"), [
    ("1 + sinn(x)", "case.yaml:3:11: field 'expr': unknown"),
    ("'1 + sinn(x)'", "case.yaml:3:12: field 'expr': unknown"),
    ("\"  1 + sinn(x)\"", "case.yaml:3:14: field 'expr': unknown"),
    ("\"1 + \\x73inn(x)\"", "case.yaml:3: field 'expr': expression column 5: unknown"),
    ("|\n  (sin(x)\n  + sinn(x))", "case.yaml:5:5: field 'expr': unknown"),
    (">\n  sin(x)\n  + sinn(x)", "case.yaml:3: field 'expr': expression column 10: unknown"),
    ("x +\n  sinn(x)", "case.yaml:3: field 'expr': expression column 5: unknown"),
    ("sum(x, axis=1)", "case.yaml:3:7: field 'expr': the expression cannot be evaluated: "
                       "sum(): axis 1 is out of range for shape (2,) (axes -1..0)"),
    ("sum(é)", "case.yaml:3:11: field 'expr': unknown name 'é'"),
])
def test_expression_columns_are_columns_of_the_file(tmp_path: Path, expr: str,
                                                    where: str) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(f"name: a\ninputs: {{x: [1.0, 2.0]}}\nexpr: {expr}\n", encoding="utf-8")
    with pytest.raises(CaseFileErrors) as info:
        load_file(path)
    assert str(info.value).startswith(f"{tmp_path}/{where}"), str(info.value)


def test_evaluation_error_at_a_point_names_the_point(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text("name: a\ninputs: {x: [[2.0, 0.0], [0.0, 1.0]]}\nexpr: sum(inv(x))\n"
                    "points:\n  - x: [[1.0, 1.0], [1.0, 1.0]]\n")
    with pytest.raises(CaseFileErrors) as info:
        load_file(path)
    assert str(info.value).startswith(
        f"{path}:5: field 'expr': expression column 5: the expression cannot be evaluated at "
        "point 1: inv(): Singular matrix\n    sum(inv(x))\n        ^")
