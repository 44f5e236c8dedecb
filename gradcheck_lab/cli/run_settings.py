"""``run``'s settings: the command line over ``[tool.gradcheck-lab]`` over the defaults.

Everything is checked here, before a case file is read: a bad flag or key is a usage
error (exit 2) listing every problem.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gradcheck_lab.case import ToleranceOverride
from gradcheck_lab.cli.common import DEFAULT_PATHS, parse_methods, parse_shard
from gradcheck_lab.config import PLOTS, ProjectConfig
from gradcheck_lab.errors import UsageError
from gradcheck_lab.limits import Limits, parse_limit_options

FORMATS = ("table", "json", "junit", "markdown", "html")
SUFFIX_FORMATS = {".txt": "table", ".json": "json", ".xml": "junit", ".md": "markdown",
                  ".markdown": "markdown", ".html": "html", ".htm": "html"}
# the combinable outputs: flag (and config key) -> format
FILE_OPTIONS = {"junit-xml": "junit", "markdown": "markdown", "html": "html", "json": "json"}


@dataclass(frozen=True)
class Outputs:
    """Where the report goes: ``stdout`` is the format printed (None: the terminal report),
    ``output`` the file ``--format``/``--output`` writes, ``files`` format -> path of the
    combinable outputs, ``step_summary`` the GitHub job summary to append Markdown to."""

    stdout: str | None = None
    output: tuple[str, str] | None = None  # (format, path)
    files: Mapping[str, str] = field(default_factory=dict)
    step_summary: str | None = None
    plots: str = "failing"


@dataclass(frozen=True)
class RunSettings:
    paths: tuple[str, ...]
    methods: tuple[str, ...] | None
    keyword: str | None
    shard: tuple[int, int] | None
    strict: bool
    jobs: int | None
    timeout: float | None
    device: str | None
    limits: Limits
    tolerance: Mapping[str, ToleranceOverride]
    exitfirst: bool
    last_failed: bool
    verbosity: int  # -q: -1, -qq: -2, -v: 1
    outputs: Outputs
    root: Path


def settings(args: argparse.Namespace, config: ProjectConfig) -> RunSettings:
    """Merge and check; UsageError listing every problem."""
    problems: list[str] = []
    methods = (parse_methods(args.methods, problems) if args.methods is not None
               else config.methods)
    shard = parse_shard(args.shard, problems) if args.shard is not None else None
    if args.keyword is not None:
        from gradcheck_lab.keyword import compile_keyword

        try:
            compile_keyword(args.keyword)
        except UsageError as exc:
            problems.append(str(exc))
    if args.jobs is not None and args.jobs < 0:
        problems.append(f"--jobs {args.jobs}: expected a whole number >= 0 (0: one per core)")
    if args.timeout is not None and not args.timeout > 0:
        problems.append(f"--timeout {args.timeout:g}: expected a positive number of seconds")
    try:
        limits = parse_limit_options(args.limit or (), config.limits)
    except UsageError as exc:
        problems.append(str(exc))
        limits = config.limits
    outputs = _outputs(args, config, problems)
    if problems:
        raise UsageError("\n".join(problems))
    return RunSettings(
        paths=tuple(args.paths) or config.paths or DEFAULT_PATHS, methods=methods,
        keyword=args.keyword, shard=shard, strict=args.strict or bool(config.strict),
        jobs=args.jobs if args.jobs is not None else config.jobs,
        timeout=args.timeout if args.timeout is not None else config.timeout,
        device=args.device or config.device,
        limits=limits, tolerance=config.tolerance, exitfirst=args.exitfirst,
        last_failed=args.last_failed, verbosity=args.verbose - args.quiet, outputs=outputs,
        root=config.root)


def _outputs(args: argparse.Namespace, config: ProjectConfig, problems: list[str]) -> Outputs:
    fmt, output = args.fmt, args.output
    if output is not None and fmt is None:
        fmt = SUFFIX_FORMATS.get(Path(output).suffix.lower())
        if fmt is None:
            problems.append(f"--output {output}: which format? Give --format "
                            f"({', '.join(FORMATS)}) or a file name ending in "
                            f"{', '.join(SUFFIX_FORMATS)}")
    files = dict(config.outputs)  # config keys are the flags' names
    files.update({flag: value for flag in FILE_OPTIONS
                  if (value := getattr(args, flag.replace("-", "_"))) is not None})
    by_format = {FILE_OPTIONS[flag]: path for flag, path in files.items()}
    plots = "none" if args.no_plots else args.plots or config.plots or PLOTS[0]
    step_summary = None
    if not args.no_step_summary and config.step_summary is not False:
        step_summary = os.environ.get("GITHUB_STEP_SUMMARY") or None
    return Outputs(stdout=fmt if fmt and not output else None,
                   output=(fmt, output) if fmt and output else None, files=by_format,
                   step_summary=step_summary, plots=plots)


class Once(argparse.Action):
    """An option given twice is an error (``--format json --format html``), not the last
    one silently winning."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        if getattr(namespace, self.dest) is not None:
            hint = ("; for several reports use --junit-xml, --markdown, --html and --json, "
                    "each with its own file") if self.dest in ("fmt", "output") else ""
            parser.error(f"{option_string} given twice ({getattr(namespace, self.dest)} and "
                         f"{values}){hint}")
        setattr(namespace, self.dest, values)
