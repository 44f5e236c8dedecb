""""Did you mean": typos get a suggestion, different names never do (issue 14, item 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradcheck_lab.errors import CaseFileErrors
from gradcheck_lab.methods.registry import method_problems
from gradcheck_lab.suggest import close_name, edit_distance
from tests.conftest import CliRunner
from tests.helpers import case_from, write

FUNCTIONS = ["softmax", "logsumexp", "log", "log1p", "sin", "sigmoid", "tanh"]


@pytest.mark.parametrize(("a", "b", "distance"), [
    ("torhc", "torch", 1),  # one transposition
    ("sinn", "sin", 1), ("pytorch", "torch", 2), ("log_softmax", "softmax", 4),
    ("", "abc", 3), ("abc", "abc", 0), ("ca", "abc", 3),  # OSA: no edit of a transposed pair
])
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance == edit_distance(b, a)


@pytest.mark.parametrize(("word", "near"), [
    ("sigmod", "sigmoid"), ("sinn", "sin"), ("tahn", "tanh"), ("softmx", "softmax"),
    ("log_softmax", None), ("logsoftmax", None), ("y", None), ("exponential", None),
])
def test_close_name(word: str, near: str | None) -> None:
    assert close_name(word, FUNCTIONS) == near


def test_methods_torhc_gets_did_you_mean() -> None:
    (problem,) = method_problems(["torhc"])
    assert problem.startswith("unknown method 'torhc'; did you mean 'torch'? (accepted: sympy")
    (problem,) = method_problems(["tensorflow"])
    assert problem.startswith("unknown method 'tensorflow' (accepted:")


def test_exp_softmax_is_not_suggested_as_softmax() -> None:
    # (log_softmax is an op now; the rule is the same for any name made of two ops)
    with pytest.raises(CaseFileErrors) as info:
        case_from("name: c\ninputs: {x: [1.0, 2.0]}\nexpr: sum(exp_softmax(x))\n")
    message = info.value.errors[0].message
    assert message == ("unknown function 'exp_softmax'; not an op, compose it: "
                       "exp(softmax(...))")
    assert "did you mean" not in message


def test_cli_methods_typo(tmp_path: Path, cli: CliRunner) -> None:
    good = write(tmp_path, "good.yaml", "name: sq\ninputs: {x: 1.0}\nexpr: x**2\n")
    code, out, err = cli(["run", str(good), "--methods", "sympy,torhc"])
    assert code == 2 and out == ""
    assert "--methods: unknown method 'torhc'; did you mean 'torch'?" in err
