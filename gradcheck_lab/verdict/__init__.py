"""Verdicts: each method's result judged against the reference, per element, per point.

``reference``: the judging context (:class:`Judging`), a point's :class:`Evidence`, the
choice of reference and the kink bounds; ``compare``: one method against the reference
(``judge``) and a whole point (``judge_point``); ``policy``: the point's conditioning
and unexpected passes.
"""

from gradcheck_lab.verdict.compare import judge, judge_point, project
from gradcheck_lab.verdict.policy import judge_with_conditioning, unexpected_passes
from gradcheck_lab.verdict.reference import (
    Evidence,
    Judging,
    Reference,
    choose_reference,
    estimates,
    hessian_key,
    usable,
)

__all__ = ["Evidence", "Judging", "Reference", "choose_reference", "estimates", "hessian_key",
           "judge", "judge_point", "judge_with_conditioning", "project", "unexpected_passes",
           "usable"]
