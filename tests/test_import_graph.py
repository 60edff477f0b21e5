"""No import cycles in the integration, its backend or the emulator, and every emulator module imports on its own.

The graph counts every import a module makes: at the top, under TYPE_CHECKING and inside
functions, since a cycle hidden in any of them still ties the modules together.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("custom_components/elke27", "e27_emulator")


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of PACKAGES (a package by its __init__.py)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> Iterator[str]:
    """The modules of MODULES that the module `name` imports, anywhere in its file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in MODULES)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                if f"{target}.{alias.name}" in MODULES:  # `from package import module`
                    yield f"{target}.{alias.name}"
                elif target in MODULES:
                    yield target


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of MODULES it imports (itself excluded)."""
    return {name: set(_imports(name, path)) - {name} for name, path in MODULES.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None (depth-first search)."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for neighbour in sorted(graph[node]):
            if cycle := visit(neighbour):
                return cycle
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        if cycle := visit(start):
            return cycle
    return None


def test_the_graph_sees_every_kind_of_import() -> None:
    """Relative, absolute, `from package import module`, TYPE_CHECKING and function-level imports count."""
    graph = import_graph()
    assert "e27_emulator.handler" in graph["e27_emulator.connection"]  # from .handler import ...
    assert "custom_components.elke27.e27.crypto" in graph["e27_emulator.connection"]  # from ...e27 import crypto
    assert "e27_emulator.state" in graph["e27_emulator.control"]  # under TYPE_CHECKING
    assert "e27_emulator.server" in graph["e27_emulator.__main__"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_import_cycles() -> None:
    """Modules import each other in one direction only (the emulator's connection does not import its server)."""
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


FIRST_IMPORTS = """
import importlib, sys
for module in sys.argv[1:]:
    for loaded in [name for name in sys.modules if name.startswith(("e27_emulator", "custom_components"))]:
        del sys.modules[loaded]
    try:
        importlib.import_module(module)
    except Exception as err:
        sys.exit(f"import {module} first: {err!r}")
"""
"""Imports each module named as the first of this project's modules (one interpreter, a clean slate each)."""


def test_each_emulator_module_imports_first() -> None:
    """Each emulator module imports before any other module of the project (no import-order dependency)."""
    modules = sorted(name for name in MODULES if name.startswith("e27_emulator"))
    result = subprocess.run(
        [sys.executable, "-c", FIRST_IMPORTS, *modules],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
