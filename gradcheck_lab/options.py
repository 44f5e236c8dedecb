"""How a run is made: one frozen :class:`RunOptions` from the CLI (or ``verify()``'s
keywords) through the worker pool to the case runner."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from gradcheck_lab.case import ToleranceOverride
from gradcheck_lab.errors import UsageError
from gradcheck_lab.limits import DEFAULT_LIMITS, Limits
from gradcheck_lab.names import DEVICE_RE, DEVICES_ACCEPTED


@dataclass(frozen=True)
class RunOptions:
    """``methods``: only these (None: each case's own or the defaults); ``strict``: kinks
    fail; ``keyword``: only cases whose name contains it or matches it as a glob;
    ``jobs`` > 1 or a ``timeout`` (seconds per case): cases run in worker processes;
    ``device``: every case's torch, JAX and implementations run there (None: each case's
    own ``device``); ``tolerance``: the project's overrides (``[tool.gradcheck-lab]``),
    under each case's own; ``exitfirst``: stop after the first failing case."""

    methods: tuple[str, ...] | None = None
    strict: bool = False
    keyword: str | None = None
    limits: Limits = DEFAULT_LIMITS
    jobs: int = 1
    timeout: float | None = None
    device: str | None = None
    tolerance: Mapping[str, ToleranceOverride] = field(default_factory=dict)
    exitfirst: bool = False

    def __post_init__(self) -> None:
        from gradcheck_lab.methods.registry import method_problems

        if self.methods is not None:
            problems = method_problems(self.methods)
            if problems:
                raise UsageError("; ".join(problems))
        if self.jobs < 1:
            raise UsageError(f"jobs must be at least 1, got {self.jobs}")
        if self.timeout is not None and not self.timeout > 0:
            raise UsageError(f"timeout must be a positive number of seconds, got {self.timeout}")
        if self.device is not None and not DEVICE_RE.match(self.device):
            raise UsageError(f"unknown device '{self.device}' (accepted: {DEVICES_ACCEPTED})")

    @property
    def in_workers(self) -> bool:
        return self.jobs > 1 or self.timeout is not None


DEFAULT_OPTIONS = RunOptions()
