"""A case as it runs: on the run's device, with the project's tolerances, and its points
and cotangent rounded once to its dtype (the numbers low-precision code sees)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from gradcheck_lab.case import Case, Point, ToleranceOverride
from gradcheck_lab.options import RunOptions
from gradcheck_lab.precision import round_to


def project_tolerance(case: Case, project: Mapping[str, ToleranceOverride]
                      ) -> dict[str, ToleranceOverride]:
    """The project's overrides (``[tool.gradcheck-lab] tolerance``) under the case's own:
    per key (all methods, or one method), the parts the case gives win."""
    own = dict(case.tolerance or {})
    names = [f.name for f in dataclasses.fields(ToleranceOverride)]
    merged = {key: ToleranceOverride(**{
        n: getattr(own[key], n) if key in own and getattr(own[key], n) is not None
        else getattr(part, n) for n in names}) for key, part in project.items()}
    return {**own, **merged}


def ready(case: Case, options: RunOptions) -> Case:
    """``case`` as it runs: on the run's device, with the project's tolerances, its
    cotangent in its dtype."""
    if options.device is not None and options.device != case.device:
        case = dataclasses.replace(case, device=options.device)
    if options.tolerance:
        case = dataclasses.replace(case, tolerance=project_tolerance(case, options.tolerance))
    return cotangent_in_dtype(case)


def points_in_dtype(case: Case) -> tuple[Point, ...]:
    """Points rounded once to the case's dtype (float32, float16, bfloat16), so every method,
    the exact reference included, sees the numbers the low-precision code sees."""
    if case.dtype == "float64":
        return case.points
    return tuple(dataclasses.replace(p, values={k: v if case.input[k].is_integer else
                                                round_to(v, case.dtype)
                                                for k, v in p.values.items()})
                 for p in case.points)


def cotangent_in_dtype(case: Case) -> Case:
    """A low-precision case with its cotangent rounded once to the dtype, like its points:
    the frameworks seed their backward pass with these numbers, so the reference must."""
    if case.dtype == "float64" or case.cotangent is None:
        return case
    cotangent = round_to(case.cotangent, case.dtype)
    cotangent.setflags(write=False)
    return dataclasses.replace(case, cotangent=cotangent)
