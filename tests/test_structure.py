"""The package's structure: every module imports, no import cycle, small files, few
positional parameters, and a table row for every op in every backend."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
from pathlib import Path

import pytest

import gradcheck_lab

PACKAGE = Path(gradcheck_lab.__file__).resolve().parent
NEEDS = {"gradcheck_lab.backends.torch_ops": "torch", "gradcheck_lab.backends.jax_ops": "jax"}


def _framework(module: str) -> str | None:
    """The framework a module needs (the torch and jax op tables and their parts)."""
    return next((f for prefix, f in NEEDS.items()
                 if module == prefix or module.startswith(prefix + ".")), None)
MAX_LINES = 350
MAX_POSITIONAL = 5


def _modules() -> dict[str, Path]:
    out = {}
    for file in PACKAGE.rglob("*.py"):
        parts = file.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = file
    return out


def _imports(name: str, file: Path) -> set[str]:
    """Modules of the package that ``name`` imports, anywhere (top level or in a function)."""
    package = name.split(".") if file.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            found |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return found


def test_every_module_imports() -> None:
    for info in pkgutil.walk_packages([str(PACKAGE)], "gradcheck_lab."):
        framework = _framework(info.name)
        if framework is not None and importlib.util.find_spec(framework) is None:
            continue
        importlib.import_module(info.name)


def test_no_import_cycles() -> None:
    modules = _modules()
    graph = {m: {t for t in _imports(m, f) if t in modules and t != m
                 # a package's own __init__ (re-exporting its modules) is not a dependency
                 and not m.startswith(t + ".")}
             for m, f in modules.items()}
    cycles = []
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_files_are_small() -> None:
    big = {str(f.relative_to(PACKAGE)): n for f in PACKAGE.rglob("*.py")
           if (n := len(f.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not big


def test_no_function_takes_more_than_five_positional_parameters() -> None:
    found = []
    for file in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                positional = [a for a in node.args.posonlyargs + node.args.args
                              if a.arg not in ("self", "cls")]
                if len(positional) > MAX_POSITIONAL:
                    found.append(f"{file.relative_to(PACKAGE)}:{node.lineno} {node.name}")
    assert not found


@pytest.mark.parametrize("backend", ["numpy_ops", "sympy_ops", "torch_ops", "jax_ops"])
def test_every_backend_table_has_one_row_per_op(backend: str) -> None:
    from gradcheck_lab.expr.ops import OPS

    name = f"gradcheck_lab.backends.{backend}"
    if name in NEEDS:
        pytest.importorskip(NEEDS[name])
    table = importlib.import_module(name).TABLE
    assert sorted(set(OPS) - set(table)) == [], "ops without a row"
    assert sorted(set(table) - set(OPS)) == [], "rows without an op"
