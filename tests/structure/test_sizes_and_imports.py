"""The shape of the code: small files and functions, and no import cycle between features."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "dailypapers"
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60
# The composition root imports every feature's models on purpose; migrations are history.
EXEMPT = {"db/registry.py"}


def _sources() -> Iterator[tuple[str, ast.Module, str]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if "migrations/" not in relative:
            text = path.read_text()
            yield relative, ast.parse(text), text


def _functions(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def test_no_file_over_400_lines() -> None:
    long = {name: len(text.splitlines()) for name, _tree, text in _sources()}
    assert {name: n for name, n in long.items() if n > MAX_FILE_LINES} == {}
    assert max(long.values()) > 100  # the walk found the sources


def test_no_function_over_60_lines() -> None:
    lengths = {
        f"{name}:{node.lineno} {node.name}": (node.end_lineno or node.lineno) - node.lineno + 1
        for name, tree, _text in _sources()
        for node in _functions(tree)
    }
    assert {key: n for key, n in lengths.items() if n > MAX_FUNCTION_LINES} == {}
    assert len(lengths) > 500


def feature_graph() -> dict[str, set[str]]:
    """Which feature package imports which (at module level or inside a function).

    A feature is a top-level package or module of `dailypapers`. Imports of another
    feature's `models` module are left out: the models are one schema whose tables refer to
    each other, as `db.registry` (the composition root, exempt too) shows.
    """
    graph: dict[str, set[str]] = {}
    for name, tree, _text in _sources():
        if name in EXEMPT:
            continue
        feature = name.split("/")[0].removesuffix(".py")
        for target in _imported(tree):
            parts = target.split(".")
            if parts[0] != "dailypapers" or len(parts) < 2 or parts[1] == feature:
                continue
            if parts[2:3] != ["models"]:
                graph.setdefault(feature, set()).add(parts[1])
    return graph


def _imported(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path that returns to its start, or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(graph.get(node, ())):
            if cycle := visit(target, [*path, node]):
                return cycle
        done.add(node)
        return None

    for start in sorted(graph):
        if cycle := visit(start, []):
            return cycle
    return None


def test_find_cycle_sees_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_between_features() -> None:
    graph = feature_graph()
    assert {"web", "search", "ingest", "papers"} <= set(graph)  # the walk found imports
    assert find_cycle(graph) is None
