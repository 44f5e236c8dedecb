"""Finding case files and reading their bytes safely.

Case files may come from strangers' pull requests, so reading is careful: only regular
files, at most ``limits.max_file_bytes``, symbolic links only to files inside the folder
searched or the current directory, never a FIFO or a device, never a module imported.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from gradcheck_lab.case import Case
from gradcheck_lab.errors import CaseError, CaseFileErrors, UsageError
from gradcheck_lab.limits import DEFAULT_LIMITS, Limits
from gradcheck_lab.loader.document import load_bytes

SUFFIXES = (".yaml", ".yml")


def discover(paths: Sequence[str | Path]) -> list[Path]:
    """Case files named by ``paths``: files as given, folders searched recursively."""
    return [file for file, _ in _discover(paths)]


def _discover(paths: Sequence[str | Path]) -> list[tuple[Path, Path | None]]:
    """(file, folder it was found in) pairs; the folder is None for a file named directly.

    Names starting with ``.`` are skipped below a folder, and links to folders are not
    followed. A link, FIFO or device named ``*.yaml`` is listed, so reading reports it.
    """
    found: list[tuple[Path, Path | None]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = []
            for top, dirs, names in os.walk(path, onerror=None, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                files += [Path(top, n) for n in names
                          if not n.startswith(".") and Path(n).suffix in SUFFIXES]
            found += [(f, path) for f in sorted(files)]
        elif path.exists() or path.is_symlink():  # a broken link or a loop: reported when read
            found.append((path, None))
        else:
            raise UsageError(f"{raw}: no such file or folder")
    return found


def load_paths(paths: Sequence[str | Path], limits: Limits = DEFAULT_LIMITS) -> list[Case]:
    """Load every case under ``paths``; raise CaseFileErrors listing every problem."""
    cases: list[Case] = []
    errors: list[CaseError] = []
    for file, root in _discover(paths):
        try:
            cases.extend(_load_file(file, limits, root))
        except CaseFileErrors as exc:
            errors.extend(exc.errors)
    seen: dict[str, Case] = {}
    for case in cases:
        if case.name in seen:
            first = seen[case.name]
            errors.append(CaseError(f"duplicate case name '{case.name}' (first in {first.file}"
                                    f":{first.line})", file=case.file, line=case.line,
                                    field="name", accepted="a name unique in the suite"))
        seen[case.name] = case
    if errors:
        raise CaseFileErrors(errors)
    return cases


def load_file(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> list[Case]:
    """The cases of one file; CaseFileErrors listing its problems."""
    return _load_file(Path(path), limits, None)


def _load_file(path: Path, limits: Limits, root: Path | None) -> list[Case]:
    file = str(path)
    try:
        raw_bytes = read_case_file(path, limits, root)
    except CaseError as exc:
        raise CaseFileErrors([exc.located(file=file)]) from None
    return load_bytes(raw_bytes, file, str(path.resolve().parent), limits)


def read_case_file(path: Path, limits: Limits = DEFAULT_LIMITS, root: Path | None = None) -> bytes:
    """The bytes of a regular case file, refusing what a hostile checkout could plant."""
    if path.is_symlink():
        target = Path(os.path.realpath(path))
        inside = [Path.cwd().resolve()] + ([root.resolve()] if root is not None else [])
        if not any(target.is_relative_to(folder) for folder in inside):
            raise CaseError(f"a symbolic link to {target}, outside the folder searched and the "
                            "current folder: not read", accepted="links to case files inside "
                            "the repository")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block
    except OSError as exc:
        hints = {errno.ELOOP: " (a symbolic link loop)", errno.ENOENT: " (a broken link)"}
        hint = hints.get(exc.errno or 0, "") if path.is_symlink() else ""
        raise CaseError(f"cannot read the file: {exc.strerror}{hint}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise CaseError("is a folder, not a case file")
        if not stat.S_ISREG(info.st_mode):
            raise CaseError("not a regular file (a FIFO, socket or device): not read")
        limit = limits.max_file_bytes
        if info.st_size > limit:
            raise CaseError(f"the file has {info.st_size} bytes, more than the limit of "
                            f"{limit} (max_file_bytes)")
        try:
            data = handle.read(limit + 1)  # /proc files report size 0: cap the read itself
        except OSError as exc:
            raise CaseError(f"cannot read the file: {exc.strerror}") from None
    if len(data) > limit:
        raise CaseError(f"the file has more than {limit} bytes, the limit (max_file_bytes)")
    return data


