"""Method registry: one :class:`MethodSpec` row per built-in method, and the method objects.

Running a case is one loop over :class:`Method` objects (``methods_of``): built-in methods
(a row here, whose module is imported only when the method runs), claims, implementations
and ``expect`` all satisfy the protocol, so the runner never looks at a name's prefix.
Each object knows its tolerance family (a ``tolerances.Family``: an unknown family cannot
be written) and whether its result is exact or quoted (never widened by the point's
conditioning).

Methods that run in a framework (torch, JAX, and torch/JAX implementations) run on the
case's device; ``NAME@DEVICE`` (``torch@cuda``, ``impl:mine@cpu``) is the same method
placed on that device by ``Method.placed``, an object of the same protocol, so a case can
compare one computation across devices.

Adding a method: its module (``unavailable()``, ``compute(case, point)``) and one row in
``SPECS``.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Protocol

from gradcheck_lab import devices
from gradcheck_lab.case import Case, Claim, Implementation, Point
from gradcheck_lab.methods.low_precision import in_float32
from gradcheck_lab.methods.placement import labelled, on_device, placed_name, split_device
from gradcheck_lab.names import (
    CLAIM_PREFIX,
    DEVICE_RE,
    DEVICES_ACCEPTED,
    EXPECT_METHOD,
    IMPL_PREFIX,
    NAME_RE,
)
from gradcheck_lab.precision import HALF_DTYPES
from gradcheck_lab.results import MethodResult
from gradcheck_lab.suggest import did_you_mean
from gradcheck_lab.tolerances import Family


@dataclass(frozen=True)
class MethodSpec:
    """A built-in method: its name, module, tolerance family and two switches.

    ``default``: run when a case names no methods. ``exact``: the result is exact (not a
    floating-point computation from the case's inputs), so the point's conditioning never
    widens its bound. ``framework``: the framework it runs in, on the case's device (None:
    numpy or SymPy, on the CPU in float64). ``needs_expression``: it differentiates the
    expression graph, so it is skipped when the function is code whose reference is
    numeric (fd differentiates the code itself then).
    """

    name: str
    module: str
    family: Family
    default: bool
    exact: bool
    doc: str
    framework: str | None = None
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
               "torch reverse mode (torch.autograd.grad)", framework="torch"),
    MethodSpec("torch_forward", "gradcheck_lab.methods.torch_forward", Family.AUTODIFF, False,
               False, "torch forward mode (torch.func.jacfwd)", framework="torch"),
    MethodSpec("jax", "gradcheck_lab.methods.jax_reverse", Family.AUTODIFF, True, False,
               "JAX reverse mode (jax.vjp)", framework="jax"),
    MethodSpec("jax_forward", "gradcheck_lab.methods.jax_forward", Family.AUTODIFF, False,
               False, "JAX forward mode (jax.jacfwd)", framework="jax"),
)
BUILTIN_METHODS: dict[str, MethodSpec] = {spec.name: spec for spec in SPECS}
DEFAULT_METHODS: tuple[str, ...] = tuple(spec.name for spec in SPECS if spec.default)
PLACEABLE = tuple(spec.name for spec in SPECS if spec.framework is not None)


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

    def placed(self, device: str) -> Method | None:
        """This method on ``device``, named ``NAME@device``; None: it runs on no device."""


@dataclass(frozen=True)
class Builtin:
    """A built-in method; one with a framework runs on ``device`` (the case's, unless
    ``placed``: then the name says where)."""

    spec: MethodSpec
    expect_fail: bool = False
    device: str = devices.CPU
    qualified: bool = False

    @property
    def name(self) -> str:
        return placed_name(self.spec.name, self.device if self.qualified else None)

    @property
    def family(self) -> Family:
        return self.spec.family

    @property
    def exact(self) -> bool:
        return self.spec.exact

    @property
    def needs_expression(self) -> bool:
        return self.spec.needs_expression

    @property
    def framework(self) -> str | None:
        """torch or jax, imported (and timed) before the case's methods run."""
        return self.spec.framework

    def unavailable(self) -> str | None:
        reason: str | None = load_method(self.spec.name).unavailable()
        if reason is None and self.spec.framework is not None:
            reason = devices.unavailable(self.spec.framework, self.device)
        return reason

    def compute(self, case: Case, point: Point) -> MethodResult | None:
        module = load_method(self.spec.name)
        if self.spec.framework is None:
            result: MethodResult = module.compute(case, point)
            return result
        from gradcheck_lab.methods.low_precision import compute_or_skip

        placed = on_device(case, self.device)
        return labelled(compute_or_skip(module.compute, placed, point, self.spec.framework),
                   self.name, self.spec.framework, self.device)

    def placed(self, device: str) -> Method | None:
        if self.spec.framework is None:
            return None
        return dataclasses.replace(self, device=device, qualified=True)


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

        return compute_claim(self.claim, point, case)

    def placed(self, device: str) -> Method | None:
        return None  # evaluated with numpy in float64


@dataclass(frozen=True)
class ImplMethod:
    """User code; torch and JAX code runs on ``device`` (see ``Builtin``)."""

    impl: Implementation
    family: Family = Family.AUTODIFF
    exact: bool = False
    needs_expression: bool = False
    device: str = devices.CPU
    qualified: bool = False

    @property
    def name(self) -> str:
        return placed_name(IMPL_PREFIX + self.impl.name, self.device if self.qualified else None)

    @property
    def expect_fail(self) -> bool:
        return self.impl.expect_fail

    @property
    def framework(self) -> str | None:
        return None if self.impl.framework == "numpy" else self.impl.framework

    def unavailable(self) -> str | None:
        from gradcheck_lab.methods import implementations

        reason = implementations.unavailable(self.impl)
        if reason is None and self.impl.framework != "numpy":
            reason = devices.unavailable(self.impl.framework, self.device)
        return reason

    def compute(self, case: Case, point: Point) -> MethodResult | None:
        from gradcheck_lab.methods import implementations

        if self.impl.framework == "numpy":
            return implementations.compute(case, point, self.impl)
        placed = on_device(case, self.device)
        result = labelled(implementations.compute(placed, point, self.impl), self.name,
                          self.impl.framework, self.device)
        if result is not None and case.dtype in HALF_DTYPES and result.error is None \
                and result.skipped is None:
            witness = implementations.compute(in_float32(placed), point, self.impl)
            result = dataclasses.replace(result, float32_witness=witness)
        return result

    def placed(self, device: str) -> Method | None:
        if self.impl.framework == "numpy":
            return None
        return dataclasses.replace(self, device=device, qualified=True)


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

    def placed(self, device: str) -> Method | None:
        return None  # numbers, not a computation


def case_methods(case: Case) -> dict[str, Method]:
    """Every method the case can run, by name (built-in ones, its claims and code, expect);
    framework methods on the case's device. ``find_method`` also knows ``NAME@DEVICE``."""
    methods: dict[str, Method] = {spec.name: Builtin(spec, device=case.device)
                                  for spec in SPECS}
    methods[EXPECT_METHOD] = ExpectMethod()
    methods.update({m.name: m for m in map(ClaimMethod, case.claims)})
    methods.update({m.name: m for m in (ImplMethod(i, device=case.device)
                                        for i in case.implementations)})
    return methods


def find_method(methods: dict[str, Method], name: str) -> Method | None:
    """The method called ``name`` among ``methods`` (``case_methods``), ``NAME@DEVICE``
    included; None when there is none."""
    base, device = split_device(name)
    method = methods.get(base)
    if device is None or method is None:
        return method
    return method.placed(device) if DEVICE_RE.match(device) else None


def methods_of(case: Case, selection: Sequence[str] | None = None) -> list[Method]:
    """The methods to run on ``case``: its own list or the defaults, filtered by
    ``selection`` (``claim:*`` and ``impl:*`` select every claim or implementation);
    built-in methods named in ``selection`` (``torch@cuda`` too) are added."""
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
        names += [m for m in selection
                  if split_device(m)[0] in BUILTIN_METHODS and m not in names]
    found = [find_method(every, n) for n in names]
    return [m for m in found if m is not None]


def accepted_methods() -> list[str]:
    return [*BUILTIN_METHODS, EXPECT_METHOD, CLAIM_PREFIX + "NAME", CLAIM_PREFIX + "*",
            IMPL_PREFIX + "NAME", IMPL_PREFIX + "*",
            f"NAME@DEVICE for {', '.join(PLACEABLE)} and torch/jax implementations "
            f"(DEVICE: {DEVICES_ACCEPTED})"]


def method_problems(names: Sequence[str]) -> list[str]:
    """One message per name that is no method (for ``--methods`` and ``methods=``)."""
    problems = []
    for name in names:
        base, device = split_device(name)
        prefixed = base.startswith((CLAIM_PREFIX, IMPL_PREFIX))
        suffix = base.split(":", 1)[1] if prefixed else ""
        known = (base in BUILTIN_METHODS or base == EXPECT_METHOD
                 or (prefixed and (suffix == "*" or NAME_RE.match(suffix))))
        placeable = device is None or (
            DEVICE_RE.match(device) is not None and suffix != "*"
            and (base in PLACEABLE or base.startswith(IMPL_PREFIX)))
        if not (known and placeable):
            problems.append(f"unknown method '{name}'{did_you_mean(name, accepted_methods())} "
                            f"(accepted: {', '.join(accepted_methods())})")
    return problems
