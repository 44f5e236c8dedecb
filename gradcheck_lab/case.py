"""The case model: frozen dataclasses that everything after the loader takes.

Arrays are float64 numpy arrays made read-only by the loader; dataclasses
holding them compare by identity (``eq=False``) so they stay hashable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from gradcheck_lab.expr.graph import Expression
from gradcheck_lab.limits import DEFAULT_LIMITS

Framework = Literal["torch", "jax", "numpy"]
# what torch, JAX and implementations compute in (``precision.FORMATS`` has one row each)
Dtype = Literal["float64", "float32", "float16", "bfloat16"]


@dataclass(frozen=True)
class Tolerance:
    """Element passes when ``|got - ref| <= atol + rtol * |ref| + ntol * max|ref|``.

    ``max|ref|`` is the largest reference element of the quantity judged (one input's
    gradient, the value, one Hessian block): ``ntol`` is a floor relative to the
    quantity's size, for round-off of terms that cancel (the half-precision rows).
    """

    rtol: float
    atol: float
    ntol: float = 0.0

    def bound(self, ref: np.ndarray) -> np.ndarray:
        bound = self.atol + self.rtol * np.abs(ref)
        if self.ntol:
            bound = bound + self.ntol * float(np.max(np.abs(ref), initial=0.0))
        return bound


@dataclass(frozen=True)
class ToleranceOverride:
    """A case's tolerance for one method (or all): only the given parts replace the default."""

    rtol: float | None = None
    atol: float | None = None
    ntol: float | None = None

    def apply(self, base: Tolerance) -> Tolerance:
        return Tolerance(
            rtol=base.rtol if self.rtol is None else self.rtol,
            atol=base.atol if self.atol is None else self.atol,
            ntol=base.ntol if self.ntol is None else self.ntol,
        )


ALL_METHODS_KEY = "*"  # key of ``Case.tolerance`` for the top-level {rtol, atol}


InputDtype = Literal["float64", "int64"]


@dataclass(frozen=True, eq=False)
class InputSpec:
    """One input: its base value, whether it is differentiated, its dtype.

    ``int64`` inputs (labels, indices, counts) are never differentiated: they are passed
    to every method as integer arrays (tensors), index other arrays, and are constants
    of the exact method's graph.
    """

    name: str
    value: np.ndarray
    wrt: bool
    line: int | None = None
    dtype: InputDtype = "float64"

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.value.shape)

    @property
    def is_integer(self) -> bool:
        return self.dtype == "int64"


@dataclass(frozen=True, eq=False)
class Expect:
    """Numbers quoted from a source: the value of ``expr`` and/or gradients."""

    value: np.ndarray | None
    grad: Mapping[str, np.ndarray]
    line: int | None = None


@dataclass(frozen=True, eq=False)
class Point:
    """Values of every input at one point to check; index 0 is the base values."""

    index: int
    values: Mapping[str, np.ndarray]
    expect: Expect | None = None
    line: int | None = None


@dataclass(frozen=True, eq=False)
class Claim:
    """A hand-written gradient formula per input, put on trial."""

    name: str
    formulas: Mapping[str, Expression]
    expect_fail: bool = False
    line: int | None = None


@dataclass(frozen=True)
class Implementation:
    """User code put on trial: a forward function (torch/jax) or a gradient function (numpy)."""

    name: str
    framework: Framework
    target: str  # "package.module:attr"
    kind: Literal["function", "gradient"]
    expect_fail: bool = False
    base_dir: str = "."
    line: int | None = None
    callable: Callable[..., Any] | None = None  # given directly through the Python API
    # torch.compile (this backend; True: torch's default) or jax.jit around the function,
    # so the compiled forward and backward are what is checked; False: run as written
    compile: bool | str = False


@dataclass(frozen=True, eq=False)
class Traced:
    """The function of a case written without ``expr``, taken from its code.

    ``source``: the code (``module:attr (framework)``). ``expressions``: the graph traced
    at each point (by point index; points whose traces are the same graph share one
    object); empty when the reference is numeric, and then ``unmapped`` says why (the
    operations the graph cannot express). ``notes``: what the trace met on its way
    (branches taken at the point, loops unrolled, float32 rounding inside). ``invalid``: a
    reference whose gradient cuts could not be traced has no numeric stand-in either.
    """

    source: str
    expressions: Mapping[int, Expression] = field(default_factory=dict)
    unmapped: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    invalid: str = ""  # why even the numeric reference would be wrong (then fd refuses)

    @property
    def exact(self) -> bool:
        return bool(self.expressions) and not self.unmapped


@dataclass(frozen=True, eq=False)
class Case:
    """One case. ``expr`` is None when the function is given by code only (``reference``
    or a torch/JAX implementation): the runner traces it first (``trace.resolve``), which
    sets ``expr`` (the graph at the first point), ``traced`` and ``output_shape`` (``()``
    until then); ``expr`` stays None when the reference is numeric.
    ``disagreements``: code found to compute another function than ``expr`` (messages).
    """

    name: str
    file: str
    line: int | None
    inputs: tuple[InputSpec, ...]
    expr: Expression | None
    points: tuple[Point, ...]
    output_shape: tuple[int, ...]
    description: str = ""
    source: str = ""
    cotangent: np.ndarray | None = None
    cotangent_kind: str | None = None  # "ones", "random", "explicit"
    order: int = 1
    dtype: Dtype = "float64"
    device: str = "cpu"  # where torch, JAX and implementations run (devices.py)
    methods: tuple[str, ...] | None = None
    tolerance: Mapping[str, ToleranceOverride] | None = None
    claims: tuple[Claim, ...] = ()
    implementations: tuple[Implementation, ...] = ()
    kinks: Literal["allow", "fail"] = "allow"
    # the loader's Limits.max_symbolic_elements: above it, sympy is skipped (fd is the reference)
    symbolic_limit: int = DEFAULT_LIMITS.max_symbolic_elements
    # the exact reference's budget per case (Limits.max_symbolic_seconds / _nodes): above
    # it, sympy says so and fd is the reference
    symbolic_seconds: int = DEFAULT_LIMITS.max_symbolic_seconds
    symbolic_nodes: int = DEFAULT_LIMITS.max_symbolic_nodes
    allow_nonfinite: bool = False  # inputs may be inf or NaN (guards of logaddexp and such)
    reference: Implementation | None = None  # code defining the function (traced, not on trial)
    traced: Traced | None = None
    disagreements: tuple[str, ...] = ()

    @property
    def definition(self) -> Implementation | None:
        """The code the function is taken from when it is not written as ``expr``: the
        ``reference``, else the first torch/JAX implementation."""
        if self.reference is not None:
            return self.reference
        return next((i for i in self.implementations if i.kind == "function"), None)

    @property
    def reference_source(self) -> str:
        """Where the reference comes from, for reports."""
        if self.traced is None:
            return "expr" if self.expr is not None else "code, not traced yet"
        if self.traced.exact:
            return f"traced from {self.traced.source}"
        why = "; ".join(self.traced.unmapped)
        return (f"numeric: finite differences of {self.traced.source} in float64 "
                f"(not mapped: {why})")

    @property
    def wrt(self) -> tuple[InputSpec, ...]:
        return tuple(i for i in self.inputs if i.wrt)

    @property
    def input(self) -> Mapping[str, InputSpec]:
        return {i.name: i for i in self.inputs}

    @property
    def is_scalar(self) -> bool:
        return self.output_shape == ()

    def cotangent_value(self) -> np.ndarray | None:
        """What a claim's ``grad`` is: the cotangent, 1 for a scalar output, and None when
        the full Jacobian is checked (no cotangent there)."""
        if self.cotangent is not None:
            return np.asarray(self.cotangent)
        return np.asarray(1.0) if self.is_scalar else None

    def claim_values(self, point: Point) -> dict[str, np.ndarray]:
        """The values a claim's formulas read at ``point``: the inputs, and ``grad``."""
        values = {k: np.asarray(v) for k, v in point.values.items()}
        grad = self.cotangent_value()
        if grad is not None and "grad" not in values:
            values["grad"] = grad
        return values

    def gradient_shape(self, name: str) -> tuple[int, ...]:
        """Shape of what is checked for input ``name``: gradient/VJP, or the full Jacobian."""
        in_shape = self.input[name].shape
        if self.is_scalar or self.cotangent is not None:
            return in_shape
        return self.output_shape + in_shape
