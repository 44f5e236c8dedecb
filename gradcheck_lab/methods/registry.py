"""Method registry: one :class:`MethodSpec` row per built-in method, and the method objects.

Running a case is one loop over :class:`Method` objects (``methods_of``): built-in methods
(a row here, whose module is imported only when the method runs), claims, implementations
and ``expect`` all satisfy the protocol, so the runner never looks at a name's prefix.
Each object knows its tolerance family (a ``tolerances.Family``: an unknown family cannot
be written) and whether its result is exact or quoted (never widened by the point's
conditioning).

Adding a method: its module (``unavailable()``, ``compute(case, point)``) and one row in
``SPECS``.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Protocol

from gradcheck_lab.case import Case, Claim, Implementation, Point
from gradcheck_lab.names import CLAIM_PREFIX, EXPECT_METHOD, IMPL_PREFIX, NAME_RE
from gradcheck_lab.results import MethodResult
from gradcheck_lab.suggest import did_you_mean
from gradcheck_lab.tolerances import Family


@dataclass(frozen=True)
class MethodSpec:
    """A built-in method: its name, module, tolerance family and two switches.

    ``default``: run when a case names no methods. ``exact``: the result is exact (not a
    floating-point computation from the case's inputs), so the point's conditioning never
    widens its bound. ``needs_expression``: it differentiates the expression graph, so it
    is skipped when the function is code whose reference is numeric (fd differentiates
    the code itself then).
    """

    name: str
    module: str
    family: Family
    default: bool
    exact: bool
    doc: str
    needs_expression: bool = True


# the report's column order
SPECS: tuple[MethodSpec, ...] = (
    MethodSpec("sympy", "gradcheck_lab.methods.symbolic", Family.SYMPY, True, True,
               "exact symbolic derivative, evaluated in 50-digit arithmetic: the reference"),
    MethodSpec("fd", "gradcheck_lab.methods.fd", Family.FD, True, False,
               "central finite differences in float64, Ridders' extrapolation, error estimate",
               needs_expression=False),
    MethodSpec("complex_step", "gradcheck_lab.methods.complex_step", Family.COMPLEX_STEP,
               False, False, "complex-step derivative, for expressions analytic at the point"),
    MethodSpec("torch", "gradcheck_lab.methods.torch_reverse", Family.AUTODIFF, True, False,
               "torch reverse mode (torch.autograd.grad)"),
    MethodSpec("torch_forward", "gradcheck_lab.methods.torch_forward", Family.AUTODIFF, False,
               False, "torch forward mode (torch.func.jacfwd)"),
    MethodSpec("jax", "gradcheck_lab.methods.jax_reverse", Family.AUTODIFF, True, False,
               "JAX reverse mode (jax.vjp)"),
    MethodSpec("jax_forward", "gradcheck_lab.methods.jax_forward", Family.AUTODIFF, False,
               False, "JAX forward mode (jax.jacfwd)"),
)
BUILTIN_METHODS: dict[str, MethodSpec] = {spec.name: spec for spec in SPECS}
DEFAULT_METHODS: tuple[str, ...] = tuple(spec.name for spec in SPECS if spec.default)


def load_method(name: str) -> ModuleType:
    """The module of built-in method ``name`` (imported now, with its framework)."""
    return importlib.import_module(BUILTIN_METHODS[name].module)


class Method(Protocol):
    """What the runner needs of any method: built-in, claim, implementation or expect."""

    @property
    def name(self) -> str: ...

    @property
    def family(self) -> Family: ...

    @property
    def exact(self) -> bool: ...

    @property
    def expect_fail(self) -> bool: ...

    @property
    def needs_expression(self) -> bool: ...

    def unavailable(self) -> str | None:
        """A one-line reason to skip (a framework not installed), else None."""

    def compute(self, case: Case, point: Point) -> MethodResult | None:
        """The result at ``point`` (an ``error`` result if it raised); None: nothing here."""


@dataclass(frozen=True)
class Builtin:
    spec: MethodSpec
    expect_fail: bool = False

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def family(self) -> Family:
        return self.spec.family

    @property
    def exact(self) -> bool:
        return self.spec.exact

    @property
    def needs_expression(self) -> bool:
        return self.spec.needs_expression

    def unavailable(self) -> str | None:
        reason: str | None = load_method(self.name).unavailable()
        return reason

    def compute(self, case: Case, point: Point) -> MethodResult | None:
        result: MethodResult = load_method(self.name).compute(case, point)
        return result


@dataclass(frozen=True)
class ClaimMethod:
    claim: Claim
    family: Family = Family.CLAIM
    exact: bool = False
    needs_expression: bool = False

    @property
    def name(self) -> str:
        return CLAIM_PREFIX + self.claim.name

    @property
    def expect_fail(self) -> bool:
        return self.claim.expect_fail

    def unavailable(self) -> str | None:
        return None

    def compute(self, case: Case, point: Point) -> MethodResult | None:
        from gradcheck_lab.methods.claims import compute_claim

        return compute_claim(self.claim, point)


@dataclass(frozen=True)
class ImplMethod:
    impl: Implementation
    family: Family = Family.AUTODIFF
    exact: bool = False
    needs_expression: bool = False

    @property
    def name(self) -> str:
        return IMPL_PREFIX + self.impl.name

    @property
    def expect_fail(self) -> bool:
        return self.impl.expect_fail

    def unavailable(self) -> str | None:
        from gradcheck_lab.methods import implementations

        return implementations.unavailable(self.impl)

    def compute(self, case: Case, point: Point) -> MethodResult | None:
        from gradcheck_lab.methods import implementations

        return implementations.compute(case, point, self.impl)


@dataclass(frozen=True)
class ExpectMethod:
    """Numbers quoted from a source: exact as far as gradcheck-lab is concerned."""

    name: str = EXPECT_METHOD
    family: Family = Family.EXPECT
    exact: bool = True
    expect_fail: bool = False
    needs_expression: bool = False

    def unavailable(self) -> str | None:
        return None

    def compute(self, case: Case, point: Point) -> MethodResult | None:
        from gradcheck_lab.methods.claims import compute_expect

        return compute_expect(point)


def case_methods(case: Case) -> dict[str, Method]:
    """Every method the case can run, by name (built-in ones, its claims and code, expect)."""
    methods: dict[str, Method] = {spec.name: Builtin(spec) for spec in SPECS}
    methods[EXPECT_METHOD] = ExpectMethod()
    methods.update({m.name: m for m in map(ClaimMethod, case.claims)})
    methods.update({m.name: m for m in map(ImplMethod, case.implementations)})
    return methods


def methods_of(case: Case, selection: Sequence[str] | None = None) -> list[Method]:
    """The methods to run on ``case``: its own list or the defaults, filtered by
    ``selection`` (``claim:*`` and ``impl:*`` select every claim or implementation);
    built-in methods named in ``selection`` are added."""
    every = case_methods(case)
    if case.methods is not None:
        names = list(case.methods)
    else:
        names = list(DEFAULT_METHODS)
        names += [m for m in every if m.startswith((CLAIM_PREFIX, IMPL_PREFIX))]
        if any(p.expect is not None for p in case.points):
            names.append(EXPECT_METHOD)
    if selection is not None:
        wanted = set(selection)
        names = [n for n in names if n in wanted
                 or (n.startswith(CLAIM_PREFIX) and "claim:*" in wanted)
                 or (n.startswith(IMPL_PREFIX) and "impl:*" in wanted)]
        names += [m for m in selection if m in BUILTIN_METHODS and m not in names]
    return [every[n] for n in names]


def accepted_methods() -> list[str]:
    return [*BUILTIN_METHODS, EXPECT_METHOD, CLAIM_PREFIX + "NAME", CLAIM_PREFIX + "*",
            IMPL_PREFIX + "NAME", IMPL_PREFIX + "*"]


def method_problems(names: Sequence[str]) -> list[str]:
    """One message per name that is no method (for ``--methods`` and ``methods=``)."""
    problems = []
    for name in names:
        prefixed = name.startswith((CLAIM_PREFIX, IMPL_PREFIX))
        suffix = name.split(":", 1)[1] if prefixed else ""
        if not (name in BUILTIN_METHODS or name == EXPECT_METHOD
                or (prefixed and (suffix == "*" or NAME_RE.match(suffix)))):
            problems.append(f"unknown method '{name}'{did_you_mean(name, accepted_methods())} "
                            f"(accepted: {', '.join(accepted_methods())})")
    return problems
