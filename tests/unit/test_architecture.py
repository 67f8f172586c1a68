"""The deployed package's boundaries, read from its imports with ``ast`` (nothing is imported).

Every import counts: at module level, under ``TYPE_CHECKING`` and inside functions, since a lazy import
still ties the two modules together.
"""

from __future__ import annotations

import ast
from functools import cache
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "chalicelib"


@cache
def modules() -> dict[str, Path]:
    """Every module of chalicelib by dotted name (a package by its own name, for its ``__init__``)."""
    found: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


@cache
def imports_of(name: str) -> frozenset[str]:
    """The chalicelib modules ``name`` imports; ``from package import submodule`` names the submodule."""
    known = modules()
    path = known[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            submodules = {f"{source}.{alias.name}" for alias in node.names} & known.keys()
            found.update(submodules)
            if len(submodules) < len(node.names):
                found.add(source)
    return frozenset(m for m in found if m in known and m != name)


def importers(prefix: str, imported: str) -> list[str]:
    """``module -> imported module`` for each module under ``prefix`` that imports something under ``imported``."""
    return [
        f"{name} -> {target}"
        for name in modules()
        if name == prefix or name.startswith(prefix + ".")
        for target in sorted(imports_of(name))
        if target == imported or target.startswith(imported + ".")
    ]


def test_the_walk_sees_imports_at_every_level() -> None:
    assert "chalicelib.store.repo" in modules() and "chalicelib.store" in modules()
    repo = imports_of("chalicelib.store.repo")
    assert "chalicelib.store.schema" in repo  # module level, from a package
    assert "chalicelib.corrections" in repo  # under TYPE_CHECKING and inside a method
    assert "chalicelib.store" not in repo  # `from chalicelib.store import schema` names the submodule


def test_the_store_knows_no_classifier() -> None:
    assert importers("chalicelib.store", "chalicelib.classify") == [], (
        "the store must not import the classifier: put what both need beside them (e.g. chalicelib.corrections)"
    )


def test_the_query_language_knows_no_connector() -> None:
    assert importers("chalicelib.query", "chalicelib.sources") == [], (
        "the query language must not import the connectors: read names from chalicelib.models (SOURCE_NAMES)"
    )


def test_no_two_modules_import_each_other() -> None:
    mutual = [
        f"{a} <-> {b}" for a, b in combinations(sorted(modules()), 2) if b in imports_of(a) and a in imports_of(b)
    ]
    assert mutual == [], "modules importing each other: move what both need to a third module they both read"
