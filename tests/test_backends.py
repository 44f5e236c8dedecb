"""Every op of the expression language gives the same value in every backend.

The numpy float64 table is the reference; sympy (exact, then rounded), torch
and JAX (float64) and the numpy complex128 table (the complex step's, real part
and zero imaginary part) must agree with it to 1e-12 relative.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import sympy as sp

from gradcheck_lab.backends import numpy_ops, sympy_ops
from gradcheck_lab.expr import parse_expression
from gradcheck_lab.expr.evaluate import evaluate
from gradcheck_lab.expr.ops import OPS
from gradcheck_lab.numeric.branches import Resolver, numeric_resolver
from gradcheck_lab.numeric.precise_eval import mpf
from tests.helpers import case_from

RTOL = 1e-12
ATOL = 1e-15  # for elements whose reference is (close to) zero

INPUTS: dict[str, Any] = {
    "x": [0.3, -0.7, 1.2],
    "y": [0.5, 0.2, -0.4],
    "p": [0.3, 0.7, 1.2],  # positive: log, sqrt, fractional powers
    "s": 0.4,
    "A": [[1.0, 0.5, -0.3], [0.2, 2.0, 0.45], [-0.6, 0.1, 1.5]],  # no element equals s
    "B": [[0.3, -0.2, 0.8], [1.1, 0.4, -0.5]],
}

# (op under test, expression using it); several rows per op for keyword variants
CASES: list[tuple[str, str]] = [
    ("add", "x + y"), ("add", "s + A"), ("add", "x + 2"),
    ("sub", "x - y"), ("sub", "1 - A"),
    ("mul", "x * y"), ("mul", "3 * A"), ("mul", "pi * x"),
    ("div", "x / y"), ("div", "A / 4"), ("div", "1 / x"),
    ("pow", "p ** 1.5"), ("pow", "x ** 2"), ("pow", "x ** 3"), ("pow", "2 ** x"),
    ("pow", "p ** y"), ("pow", "x ** -1"), ("pow", "e ** x"),
    ("neg", "-x"), ("neg", "-A"),
    ("getitem", "x[1]"), ("getitem", "A[1, 2]"), ("getitem", "A[0:2]"),
    ("getitem", "A[:, 1]"), ("getitem", "x[::2]"), ("getitem", "A[-1]"),
    ("getitem", "B[1:, :2]"),
    ("T", "A.T"), ("T", "B.T"), ("T", "x.T"),
    ("stack", "[x, y]"), ("stack", "[s, x[0], 1.0]"), ("stack", "[A, A.T]"),
    ("stack", "[x, s]"),
    ("abs", "abs(x)"), ("sqrt", "sqrt(p)"), ("exp", "exp(x)"), ("log", "log(p)"),
    ("log1p", "log1p(x)"), ("expm1", "expm1(x)"), ("sin", "sin(x)"), ("cos", "cos(x)"),
    ("tan", "tan(x)"), ("arcsin", "arcsin(x / 2)"), ("arccos", "arccos(x / 2)"),
    ("arctan", "arctan(x)"), ("sinh", "sinh(x)"), ("cosh", "cosh(x)"), ("tanh", "tanh(x)"),
    ("sigmoid", "sigmoid(x)"), ("relu", "relu(x)"), ("softplus", "softplus(x)"),
    ("softplus", "softplus(30 * x)"), ("erf", "erf(x)"), ("sign", "sign(x)"),
    ("stop_gradient", "stop_gradient(x)"), ("stop_gradient", "x * stop_gradient(A)"),
    ("gelu", "gelu(x)"), ("gelu", "gelu(x, approximate='tanh')"),
    ("maximum", "maximum(x, y)"), ("maximum", "maximum(A, x)"), ("maximum", "maximum(x, 0.1)"),
    ("minimum", "minimum(x, y)"), ("minimum", "minimum(s, A)"),
    ("sum", "sum(x)"), ("sum", "sum(A, axis=0)"), ("sum", "sum(A, axis=1, keepdims=True)"),
    ("sum", "sum(A, axis=(0, 1))"), ("sum", "sum(A, axis=-1)"), ("sum", "sum(s)"),
    ("mean", "mean(A)"), ("mean", "mean(A, axis=1)"), ("mean", "mean(A, axis=0, keepdims=True)"),
    ("prod", "prod(x)"), ("prod", "prod(A, axis=0)"), ("prod", "prod(A, keepdims=True)"),
    ("max", "max(x)"), ("max", "max(A, axis=1)"), ("max", "max(A, axis=0, keepdims=True)"),
    ("max", "max(A, axis=(0, 1))"), ("max", "max(A, keepdims=True)"),
    ("max", "max(reshape(B, (1, 2, 3)), axis=(0, 2))"),
    ("max", "max(reshape(B, (2, 1, 3)), axis=(2, -3), keepdims=True)"),
    ("min", "min(x)"), ("min", "min(A, axis=0)"), ("min", "min(B, axis=-1, keepdims=True)"),
    ("logsumexp", "logsumexp(x)"), ("logsumexp", "logsumexp(A, axis=1)"),
    ("logsumexp", "logsumexp(A, axis=0, keepdims=True)"),
    ("logsumexp", "logsumexp(A, keepdims=True)"),
    ("norm", "norm(x)"), ("norm", "norm(x, ord=1)"), ("norm", "norm(x, ord=inf)"),
    ("norm", "norm(A)"), ("norm", "norm(A, axis=1)"), ("norm", "norm(A, ord=1, axis=0)"),
    ("norm", "norm(A, ord=inf, axis=1)"), ("norm", "norm(A, keepdims=True)"),
    ("norm", "norm(B, ord=2, axis=-1, keepdims=True)"), ("norm", "norm(A, ord=inf)"),
    ("dot", "dot(x, y)"), ("dot", "dot(A, x)"), ("dot", "dot(x, A)"), ("dot", "dot(A, A)"),
    ("dot", "dot(s, x)"), ("dot", "dot(B, A)"),
    ("matmul", "A @ x"), ("matmul", "B @ A"), ("matmul", "x @ A"), ("matmul", "x @ y"),
    ("matmul", "matmul(A, A)"),
    ("transpose", "transpose(A)"), ("transpose", "transpose(B)"),
    ("transpose", "transpose(reshape(A, (3, 3, 1)), axes=(2, 0, 1))"),
    ("outer", "outer(x, y)"), ("outer", "outer(B, x)"),
    ("trace", "trace(A)"), ("trace", "trace(B)"),
    ("det", "det(A)"), ("det", "det(A[0:2, 0:2])"),
    ("inv", "inv(A)"), ("inv", "inv(A[1:, 1:])"),
    ("softmax", "softmax(x)"), ("softmax", "softmax(A, axis=1)"), ("softmax", "softmax(A, axis=0)"),
    ("softmax", "softmax(A)"), ("softmax", "softmax(A, axis=(0, 1))"),
    ("reshape", "reshape(A, (9,))"), ("reshape", "reshape(x, (3, 1))"),
    ("reshape", "reshape(A, 9)"), ("reshape", "reshape(B, (3, -1))"),
]
IDS = [text for _, text in CASES]
NAMES = list(INPUTS)


def _expr(text: str) -> Any:
    return parse_expression(text, NAMES)


def _reference(text: str) -> np.ndarray:
    inputs = {k: np.asarray(v, dtype=np.float64) for k, v in INPUTS.items()}
    return np.asarray(evaluate(_expr(text), numpy_ops.make_backend(), inputs))


def _check(got: Any, text: str) -> None:
    ref = _reference(text)
    got = np.asarray(got)
    assert got.shape == ref.shape, text
    np.testing.assert_allclose(got.astype(np.float64), ref, rtol=RTOL, atol=ATOL, err_msg=text)


def test_cases_cover_every_op() -> None:
    used = {op.op for _, text in CASES for op in _expr(text).ops()}
    assert used == set(OPS)
    for name, text in CASES:
        assert name in {op.op for op in _expr(text).ops()}, (name, text)


def test_every_table_has_exactly_the_ops() -> None:
    tables = [numpy_ops.TABLE, sympy_ops.TABLE]
    if _has("torch"):
        from gradcheck_lab.backends import torch_ops
        tables.append(torch_ops.TABLE)
    if _has("jax"):
        from gradcheck_lab.backends import jax_ops
        tables.append(jax_ops.TABLE)
    for table in tables:
        assert set(table) == set(OPS)


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


@pytest.mark.parametrize(("op", "text"), CASES, ids=IDS)
def test_sympy_exact(op: str, text: str) -> None:
    inputs = {k: sympy_ops.as_object_array(v) for k, v in INPUTS.items()}
    out = np.asarray(evaluate(_expr(text), sympy_ops.make_backend(numeric_resolver()), inputs),
                     dtype=object)
    assert all(isinstance(v, sp.Basic) and not v.has(sp.Float) for v in out.flat), text
    rounded = np.vectorize(lambda v: float(sp.N(v, 30)), otypes=[np.float64])(out)
    _check(rounded.reshape(out.shape), text)


@pytest.mark.parametrize(("op", "text"), CASES, ids=IDS)
def test_torch(op: str, text: str) -> None:
    torch = pytest.importorskip("torch")
    from gradcheck_lab.backends import torch_ops

    inputs = {k: torch.tensor(v, dtype=torch.float64) for k, v in INPUTS.items()}
    out = evaluate(_expr(text), torch_ops.make_backend(torch.float64), inputs)
    assert out.dtype == torch.float64, text
    _check(out.numpy(), text)


@pytest.mark.parametrize(("op", "text"), CASES, ids=IDS)
def test_jax(op: str, text: str) -> None:
    pytest.importorskip("jax")
    import jax.numpy as jnp

    from gradcheck_lab.backends import jax_ops

    with jax_ops.x64():  # float64 arrays only inside the scope
        inputs = {k: jnp.asarray(v, dtype=jnp.float64) for k, v in INPUTS.items()}
        out = evaluate(_expr(text), jax_ops.make_backend(jnp.float64), inputs)
        assert out.dtype == jnp.float64, text
        _check(np.asarray(out), text)


def _analytic(text: str) -> bool:
    return all(OPS[n.op].is_analytic(dict(n.params)) for n in _expr(text).ops())


ANALYTIC = [(op, text) for op, text in CASES if _analytic(text)]
NOT_ANALYTIC = [(op, text) for op, text in CASES if not _analytic(text)]


@pytest.mark.parametrize(("op", "text"), ANALYTIC, ids=[text for _, text in ANALYTIC])
def test_numpy_complex(op: str, text: str) -> None:
    """The complex step's table: on real inputs, the real part is the value, no imaginary part."""
    inputs = {k: np.asarray(v, dtype=np.complex128) for k, v in INPUTS.items()}
    out = np.asarray(evaluate(_expr(text), numpy_ops.make_backend(np.complex128), inputs))
    assert np.iscomplexobj(out), text
    _check(out.real, text)
    assert np.all(out.imag == 0), text


@pytest.mark.parametrize(("op", "text"), NOT_ANALYTIC, ids=[t for _, t in NOT_ANALYTIC])
def test_complex_step_refuses_ops_without_an_analytic_extension(op: str, text: str) -> None:
    from gradcheck_lab.methods import load_method

    result = load_method("complex_step").compute(_case_of(text), _case_of(text).points[0])
    assert result.skipped is not None and op in result.skipped


def _case_of(text: str) -> Any:
    import json

    used = sorted(_expr(text).input_names)
    return case_from(json.dumps({"name": "t", "inputs": {k: INPUTS[k] for k in used},
                                 "expr": text}))


@pytest.mark.parametrize(("op", "text"), CASES, ids=IDS)
def test_torch_derivatives(op: str, text: str) -> None:
    """Full Jacobians of every op: torch reverse and forward mode against the complex step
    (ops without an analytic extension: reverse against forward). JAX's derivatives are checked
    in test_framework_methods only: without jit, a sweep of every op takes ~30 s."""
    pytest.importorskip("torch")
    from gradcheck_lab.methods import load_method

    case = _case_of(text)
    point = case.points[0]
    results = {m: load_method(m).compute(case, point)
               for m in ("torch", "torch_forward", "complex_step")}
    for r in results.values():
        assert r.error is None, (r.method, r.error)
    ref = results["complex_step" if _analytic(text) else "torch"]
    assert set(ref.gradient) == {spec.name for spec in case.wrt}
    for r in results.values():
        if r is ref or r.skipped:
            continue
        for name, want in ref.gradient.items():
            np.testing.assert_allclose(r.gradient[name], want, rtol=RTOL, atol=1e-14,
                                       err_msg=f"{r.method} d/d{name} of {text}")


def test_readme_op_table_is_generated_from_the_rows() -> None:
    from pathlib import Path

    from gradcheck_lab.expr.doc import rewrite

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert rewrite(readme) == readme, "run `make docs` to regenerate the README's op table"


def _function_classes(expr: sp.Basic) -> set[type]:
    return {type(f) for f in expr.atoms(sp.Function)} | (
        {sp.Max} if expr.has(sp.Max) else set()) | ({sp.Min} if expr.has(sp.Min) else set())


@pytest.mark.parametrize(("op", "text"), CASES, ids=IDS)
def test_sympy_classes_have_a_high_precision_rule(op: str, text: str) -> None:
    """Every SymPy function an op builds, and every one its derivative brings in, can be
    evaluated in mpmath (the exact method's evaluator, ``numeric.precise_eval``)."""
    inputs = {k: np.asarray([sp.Symbol(f"{k}{i}", real=True) for i in range(np.size(v))],
                            dtype=object).reshape(np.shape(v)) for k, v in INPUTS.items()}
    at = {s: mpf(float(value)) for k, v in INPUTS.items()
          for s, value in zip(inputs[k].ravel(), np.ravel(v), strict=True)}
    resolver = Resolver(at)
    out = np.asarray(evaluate(_expr(text), sympy_ops.make_backend(resolver), inputs),
                     dtype=object)
    classes: set[type] = set()
    for element in out.flat:
        for cls in _function_classes(sp.sympify(element)):
            classes.add(cls)
            dummy = sp.Dummy(real=True)
            if cls not in (sp.Max, sp.Min):
                classes |= _function_classes(cls(dummy).fdiff(1))
    assert classes <= set(sympy_ops.MPMATH), classes - set(sympy_ops.MPMATH)
