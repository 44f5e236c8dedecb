"""What an op of the expression language is: one :class:`OpSpec` row holds every fact.

The rows live in ``expr.ops``. Everything else derives from them: the parser (arity,
keywords), the loader's shape checks (``shape``), finite differences' guards and the kink
rule (``kink``, ``guard``), the complex step's refusal (``analytic``), the README's op
table (``doc``) and the tests (every backend table has exactly one entry per row).

Rules that read values take numpy arrays (the arguments' values at a point, possibly
complex for the complex step, whose real part counts) and the op's static params:

* ``kink(args, params) -> bool``: the op sits exactly at a non-differentiable point
  (abs/relu/sign/sqrt at 0, maximum/minimum or max/min ties, norm at 0).
* ``guard(args, params) -> array``: a "side" signature. Finite differences only use a
  stencil whose every point has the same guard values as the centre, so a step never
  crosses a kink or a domain edge (log, sqrt, 1/x, arcsin, tan).

A kink rule may return a boolean array (per output element) instead of one bool; the
conditionals use that to say which elements of a ``where`` flip. ``jump``: at its kink
the op's output is discontinuous (floor, comparisons, sign), not only its derivative.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from gradcheck_lab.expr import shapes
from gradcheck_lab.expr.params import AXIS, KEEPDIMS, Param
from gradcheck_lab.expr.shapes import ShapeRule

Arrays = list[np.ndarray]
Params = Mapping[str, Any]
KinkRule = Callable[[Arrays, Params], "bool | np.ndarray"]
GuardRule = Callable[[Arrays, Params], np.ndarray]
ValueShapeRule = Callable[[Arrays, Params], tuple[int, ...]]
Category = Literal["operator", "structure", "conditional", "elementwise", "special",
                   "activation", "reduction", "scan", "shape", "linalg", "nn", "other"]


@dataclass(frozen=True)
class OpSpec:
    """One op: how it is called, its shape rule, its non-smooth points, its documentation.

    ``analytic``: the numpy table's complex extension is analytic at points off the op's
    kinks, so the complex step may differentiate through it (a function of the params
    when that depends on them, e.g. ``gelu``'s erf form is not, its tanh form is).
    ``piecewise``: the op is non-smooth somewhere (a kink or a jump): ``kink`` says where.
    ``cuts_gradient``: the op's derivative is 0 by definition, whatever its value does (a
    gradient cut, ``stop_gradient``): numerical differentiation holds its value at the point.
    ``written``: how an op that is not called by name appears in text (``'+'``,
    ``indexing``), for messages;
    ``syntax`` is how it is written, for the docs (``x[i, j], x[a:b]``).
    """

    name: str
    min_args: int
    max_args: int
    doc: str
    shape: ShapeRule = shapes.same
    keywords: Mapping[str, Param] = field(default_factory=dict)
    category: Category = "elementwise"
    broadcast: bool = False
    kink: KinkRule | None = None
    guard: GuardRule | None = None
    analytic: bool | Callable[[Params], bool] = True
    callable_by_user: bool = True
    cuts_gradient: bool = False
    static_positional: tuple[str, ...] = ()  # keywords that may also come positionally
    written: str | None = None
    syntax: str | None = None  # how it is written, for the docs, when not called by name
    # array parameters by name (keyword use, messages); empty: x, y, ... positionally only
    arrays: tuple[str, ...] = ()
    # optional array parameters: the constant used when absent but a later one is given
    defaults: Mapping[str, float] = field(default_factory=dict)
    # positional order of array and static parameters together (layer_norm(x, shape, w))
    order: tuple[str, ...] = ()
    sequence: bool = False  # the arrays come as a list first: concatenate([a, b], axis=0)
    # numpy returns a tuple (eigh: w, v): written f(x)[k], the op with the param output=k
    outputs: tuple[str, ...] = ()
    # the params under which numpy returns one array after all (svd's compute_uv=False)
    single_output: Callable[[Params], bool] | None = None
    jump: bool = False  # the output itself is discontinuous at the kink
    boolean: bool = False  # the output is a boolean array (comparisons, logical ops)
    condition: int | None = None  # which argument is a condition (where: 0)
    integer: bool = False  # the output is an integer array (argmax, floor_divide of ints)
    # the output shape from the argument values (boolean masks): used instead of ``shape``
    value_shape: ValueShapeRule | None = None

    def is_analytic(self, params: Params) -> bool:
        return self.analytic(params) if callable(self.analytic) else self.analytic

    @property
    def piecewise(self) -> bool:
        return self.kink is not None

    def describe(self) -> str:
        """How the op is written: ``sum()``, ``'+'``, ``indexing``."""
        return self.written or f"{self.name}()"

    def array_names(self) -> tuple[str, ...]:
        if self.arrays:
            return self.arrays
        return ("x", "y", "z")[: self.max_args] if self.max_args <= 3 else ("x",)

    def signature(self) -> str:
        if self.order:
            args = [self.keywords[n].describe(n) if n in self.keywords and n not in
                    self.static_positional else n for n in self.order]
            args += [p.describe(k) for k, p in self.keywords.items() if k not in self.order]
            return f"{self.name}({', '.join(args)})"
        args = list(self.array_names()) + (["..."] if self.max_args > 3 and not self.arrays
                                           else [])
        args = [f"{a}=None" if a in self.defaults else a for a in args]
        args += [p.describe(k) for k, p in self.keywords.items()]
        return f"{self.name}({', '.join(args)})"


# ---------------------------------------------------------------- rules shared by rows

def side(a: np.ndarray) -> np.ndarray:
    return np.sign(np.real(a))


def parts(*arrays: np.ndarray) -> np.ndarray:
    """A guard signature of several elementwise parts: broadcast together and stacked on a
    new last axis, so each element's parts sit side by side. Arguments with a leading
    batch axis (``backends.numpy_ops.batch``) then give each point's signature as one
    block, the same values a point alone gives, which a concatenation of raveled parts
    would interleave."""
    return np.stack(np.broadcast_arrays(*[np.asarray(a) for a in arrays]), axis=-1)


def ties(a: np.ndarray, params: Params, largest: bool) -> bool:
    axis = params.get("axis")
    a = np.real(a)
    reduce = np.max if largest else np.min
    extreme = reduce(a, axis=axis, keepdims=True)
    return bool(np.any(np.sum(a == extreme, axis=axis) > 1))


def argext(a: np.ndarray, params: Params, largest: bool) -> np.ndarray:
    a = np.real(a)
    axis = params.get("axis")
    if isinstance(axis, tuple):  # argmax has no tuple axes: move them to the end and flatten
        keep = [d for d in range(a.ndim) if d not in {ax % a.ndim for ax in axis}]
        a = np.transpose(a, keep + [ax % a.ndim for ax in axis]).reshape(
            [a.shape[d] for d in keep] + [-1])
        axis = -1
    return np.asarray(np.argmax(a, axis=axis) if largest else np.argmin(a, axis=axis))


def zero_kink(args: Arrays, params: Params) -> bool:
    """Elementwise op with its kink at 0 (abs, relu, sign, sqrt)."""
    return bool(np.any(np.real(args[0]) == 0))


def first_side(args: Arrays, params: Params) -> np.ndarray:
    return side(args[0])


def pair_tie(args: Arrays, params: Params) -> bool:
    return bool(np.any(np.real(args[0]) == np.real(args[1])))


def pair_side(args: Arrays, params: Params) -> np.ndarray:
    return side(np.real(args[0]) - np.real(args[1]))


def unary(name: str, doc: str, *, kink: KinkRule | None = None, guard: GuardRule | None = None,
          analytic: bool | Callable[[Params], bool] = True,
          keywords: Mapping[str, Param] | None = None) -> OpSpec:
    """An elementwise function of one argument (and static keywords)."""
    return OpSpec(name, 1, 1, doc, keywords=keywords or {}, kink=kink, guard=guard,
                  analytic=analytic)


def binary(name: str, doc: str, *, kink: KinkRule | None = None,
           guard: GuardRule | None = None) -> OpSpec:
    """An elementwise function of two arguments, broadcasting them."""
    return OpSpec(name, 2, 2, doc, shapes.broadcast, broadcast=True, kink=kink, guard=guard)


def operator(name: str, syntax: str, doc: str, *, guard: GuardRule | None = None) -> OpSpec:
    """A binary operator of the syntax (``a + b``), broadcasting its operands."""
    return OpSpec(name, 2, 2, doc, shapes.broadcast, category="operator", broadcast=True,
                  guard=guard, callable_by_user=False, written=f"'{syntax.split()[1]}'",
                  syntax=syntax)


REDUCE_KEYWORDS: Mapping[str, Param] = {"axis": AXIS, "keepdims": KEEPDIMS}


def reduction(name: str, doc: str, *, keywords: Mapping[str, Param] = REDUCE_KEYWORDS,
              kink: KinkRule | None = None, guard: GuardRule | None = None) -> OpSpec:
    """A reduction over ``axis`` (None: every axis), keeping reduced axes with ``keepdims``."""
    return OpSpec(name, 1, 1, doc, shapes.reduction, keywords, "reduction", kink=kink,
                  guard=guard)
