"""The zoo's table: every entry with its truth, its torch forward function and its inputs.

The cases themselves live in ``wrong.yaml`` and ``correct.yaml`` beside this
file (one case per entry, same name); the user code in ``zoo_functions.py``.
``ZOO`` says, per entry, what kind of bug it holds (or ``correct``), the
status gradcheck-lab must give its ``impl:`` (and ``claim:``) methods, the
finding expected where one is meaningful, and known problems of gradcheck-lab
itself (``known_issue``: the ``impl:`` verdict is wrong; ``builtin_issue``: one
of its own methods sympy/fd/torch/jax is flagged on a correct case). Those are
``xfail(strict=True)`` in tests/test_zoo.py, so a fix shows up as XPASS.

``entries()`` adds what ``torch.autograd.gradcheck`` needs: the inputs of every
point of the case as float64 tensors (``requires_grad`` on the differentiated
ones), read from the case files so the two tools see the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tests.zoo import zoo_functions as zf

ZOO_DIR = Path(__file__).resolve().parent
CASE_FILES = (ZOO_DIR / "wrong.yaml", ZOO_DIR / "correct.yaml")
IMPL = "impl:torch_fn"  # the method name of every entry's torch implementation
BUILTIN = ("sympy", "fd", "torch", "jax")


@dataclass(frozen=True)
class Entry:
    name: str  # the case name in wrong.yaml / correct.yaml
    kind: str  # the bug, or "correct"
    fn: Callable[..., Any]  # the torch forward function (its backward is on trial)
    status: str  # expected status of impl:torch_fn and of every claim and other impl
    finding: tuple[str, str] | None = None  # (kind, text in its message) for impl:torch_fn
    known_issue: str | None = None  # gradcheck-lab gets the impl verdict wrong (with numbers)
    builtin_issue: str | None = None  # gradcheck-lab flags its own sympy/fd/torch/jax here
    unresolved: tuple[str, ...] = ()  # built-in methods that cannot resolve the derivative

    @property
    def truth(self) -> str:
        return "correct" if self.kind == "correct" else "bug"


def _bug(name: str, kind: str, fn: Callable[..., Any],
         finding: tuple[str, str] | None = None) -> Entry:
    return Entry(name, kind, fn, "fail", finding)


WRONG: tuple[Entry, ...] = (
    _bug("zoo_scale_2x", "scale 2x", zf.scale_2x, ("scale", "2 x the reference")),
    _bug("zoo_sum_instead_of_mean", "scale N (sum for mean)", zf.sum_instead_of_mean,
         ("scale", "5 = size of x: sum instead of mean")),
    _bug("zoo_sign_flip", "sign", zf.sign_flip, ("sign", "sign is flipped")),
    _bug("zoo_missing_term", "missing term", zf.missing_term,
         ("term", "the term sin(x) of the derivative is missing")),
    _bug("zoo_missing_chain_factor", "missing chain factor", zf.missing_chain_factor),
    _bug("zoo_transposed_jacobian", "transposed", zf.transposed_jacobian,
         ("transpose", "transposed")),
    _bug("zoo_transposed_det_gradient", "transposed", zf.transposed_det_gradient,
         ("transpose", "transposed")),
    _bug("zoo_one_element", "one element", zf.one_element, ("elements", "1 of 5 elements: x[0]")),
    _bug("zoo_rel_error_1e-4", "rel. error 1.3e-4", zf.rel_error_1e4,
         ("scale", "1.00013 x the reference")),
    _bug("zoo_rel_error_1e-6", "rel. error 8.4e-7", zf.rel_error_1e6,
         ("coefficient", "systematic relative error -8.4e-07 in every element")),
    _bug("zoo_rel_error_1e-8", "rel. error 1.5e-8", zf.rel_error_1e8,
         ("coefficient", "systematic relative error +1.5e-08 in every element")),
    _bug("zoo_small_gradient", "small absolute (0.5x of ~1e-7)", zf.small_gradient,
         ("scale", "0.5 x the reference")),
    _bug("zoo_float32_backward", "float32 backward", zf.float32_backward,
         ("precision", "float32")),
    _bug("zoo_nan_large_inputs", "NaN at large input", zf.nan_large_inputs,
         ("nonfinite", "x = 1000")),
    _bug("zoo_zero_gradient", "zero", zf.zero_gradient, ("zero", "zero everywhere")),
    _bug("zoo_detached_term", "detached term", zf.detached_term,
         ("term", "the term x*exp(-x)/(1 + exp(-x))**2 of the derivative is missing")),
    _bug("zoo_wrong_at_some_points", "wrong at some points", zf.wrong_at_some_points,
         ("points", "point(s) 1 of 2")),
    _bug("zoo_missing_grad_output", "missing grad_output", zf.missing_grad_output),
    _bug("zoo_swapped_inputs", "swapped inputs", zf.swapped_inputs),
    _bug("zoo_input_instead_of_output", "input for output", zf.input_instead_of_output),
    _bug("zoo_broadcast_bias_mean", "broadcast mean for sum", zf.broadcast_bias_mean,
         ("elements", "b")),
    _bug("zoo_float32_rel_error_5e-4", "float32, rel. error 5.1e-4", zf.float32_rel_error_5e4,
         ("scale", "0.999493 x the reference")),
)


def _ok(name: str, fn: Callable[..., Any], status: str = "pass", *,
        known_issue: str | None = None, builtin_issue: str | None = None,
        unresolved: tuple[str, ...] = ()) -> Entry:
    return Entry(name, "correct", fn, status, None, known_issue, builtin_issue, unresolved)


CORRECT: tuple[Entry, ...] = (
    _ok("zoo_huge_sin", zf.huge_sin),
    # decimal inputs that float64 cannot hold, at ill-conditioned points: the reference is
    # exact at the float64 input every method receives (a false alarm before, rel. 1.9e-8)
    _ok("zoo_huge_sin_decimal", zf.huge_sin),
    _ok("zoo_huge_square", zf.huge_square),
    _ok("zoo_tiny_values", zf.tiny_values),
    _ok("zoo_large_value_offset", zf.large_value_offset),
    _ok("zoo_large_input_offset", zf.large_input_offset),
    _ok("zoo_log_near_zero", zf.log_near_zero),
    _ok("zoo_sqrt_near_zero", zf.sqrt_near_zero),
    _ok("zoo_arcsin_near_one", zf.arcsin_near_one),  # 0.99999999: as zoo_huge_sin_decimal
    # torch's own asin backward, grad * rsqrt(1 - x*x), is off by rel. 1.7e-9 at
    # x = 1 - 2^-27 (condition number 6.7e7): within the point's conditioning, so a pass
    _ok("zoo_arcsin_near_one_exact_input", zf.arcsin_near_one),
    _ok("zoo_float32_tanh", zf.float32_tanh),
    _ok("zoo_float32_mean_square", zf.float32_mean_square),
    # float32 inputs are rounded to float32 once, for every method and the reference too
    # (since 01697b1); before that this entry was a false alarm (rel. 1.4e-4 vs rtol 1e-4)
    _ok("zoo_float32_sin_large", zf.huge_sin),
    _ok("zoo_abs_kink", zf.abs_kink, "kink"),
    _ok("zoo_relu_kink", zf.relu_kink, "kink"),
    _ok("zoo_max_tie", zf.max_tie, "kink"),
    # fd's Richardson step once overflowed here (inf where the reference is 8.2e307)
    _ok("zoo_exp_large", zf.exp_large),
    _ok("zoo_logsumexp_large", zf.logsumexp_large),
    _ok("zoo_softplus_large", zf.softplus_large),
    # fd cannot resolve sigmoid'(-700) = 9.9e-305 (its estimate is larger): unresolved
    _ok("zoo_sigmoid_far_tail", zf.sigmoid_far_tail, unresolved=("fd",)),
    _ok("zoo_det_matrix", zf.det_matrix),
    _ok("zoo_inv_matrix", zf.inv_matrix),
)

ZOO: tuple[Entry, ...] = WRONG + CORRECT


@dataclass(frozen=True)
class Loaded:
    """An entry with its case: what torch.autograd.gradcheck needs, as float64 tensors."""

    entry: Entry
    case: Any  # gradcheck_lab.case.Case
    names: tuple[str, ...]  # every input, in the case's order (the function's keywords)
    wrt: tuple[str, ...]  # the differentiated ones
    points: tuple[dict[str, Any], ...]  # per point: input name -> float64 tensor
    dtype: str  # the case's dtype (float32 entries run gradcheck in float32)

    def positional(self) -> Callable[..., Any]:
        """The forward function taking the inputs positionally, as gradcheck calls it."""
        fn, names = self.entry.fn, self.names
        return lambda *args: fn(**dict(zip(names, args, strict=True)))


def entries() -> list[Loaded]:
    """Every zoo entry with its case and inputs, in ``ZOO`` order."""
    import torch

    from gradcheck_lab import load_cases

    cases = {c.name: c for c in load_cases(list(CASE_FILES))}
    out = []
    for entry in ZOO:
        case = cases[entry.name]
        names = tuple(spec.name for spec in case.inputs)
        wrt = tuple(spec.name for spec in case.wrt)
        points = tuple({n: torch.tensor(np.array(point.values[n], dtype=np.float64),
                                        requires_grad=n in wrt) for n in names}
                       for point in case.points)
        out.append(Loaded(entry, case, names, wrt, points, case.dtype))
    return out
