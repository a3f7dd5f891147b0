"""The house plan holds: one-way layers, no import circles, small modules.

Imports are read with :mod:`ast`, so ``TYPE_CHECKING`` imports count like any other. An
import inside a function counts too, unless a comment on its line says why it is a
deliberate break (the only allowed way to defer an import).
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

from riskgraph.techniques import all_techniques

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("riskgraph", "ingest", "queries")
MAX_LINES = 320
MAX_TOP_LEVEL_MODULES = 8


def _module_files() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _module_files()


def _resolve(name: str) -> str | None:
    """The project module an imported dotted name loads, or None outside the project."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _is_commented_break(node: ast.stmt, lines: list[str]) -> bool:
    return "#" in lines[node.lineno - 1]


def _imports(module: str, path: Path) -> list[tuple[str, int, bool]]:
    """(imported project module, line, inside a function) for every import in a file."""
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import | ast.ImportFrom):
                if in_function and _is_commented_break(child, lines):
                    continue
                for name in _names(child, package):
                    target = _resolve(name)
                    if target is not None and target != module:
                        found.append((target, child.lineno, in_function))
            visit(child, nested)

    visit(tree, False)
    return found


def _names(node: ast.Import | ast.ImportFrom, package: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        anchor = package.split(".")
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    return [f"{base}.{alias.name}" for alias in node.names]


def _import_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    for module, path in MODULES.items():
        graph.add_node(module)
        for target, line, _ in _imports(module, path):
            graph.add_edge(module, target, line=line)
    return graph


def test_no_import_cycle_counting_type_checking_imports() -> None:
    graph = _import_graph()
    circles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert circles == [], f"import circles: {circles}"


def test_imports_inside_functions_are_commented_breaks() -> None:
    uncommented = [f"{module}:{line} imports {target}"
                   for module, path in MODULES.items()
                   for target, line, in_function in _imports(module, path) if in_function]
    assert uncommented == []


@pytest.mark.parametrize(("lower", "higher"), [("riskgraph", "ingest"),
                                               ("riskgraph", "queries"),
                                               ("ingest", "queries"),
                                               ("queries", "ingest")])
def test_layers_import_one_way(lower: str, higher: str) -> None:
    graph = _import_graph()
    crossing = [f"{a} -> {b}" for a, b in graph.edges
                if a.split(".")[0] == lower and b.split(".")[0] == higher
                and not a.startswith("riskgraph.cli")]
    assert crossing == []


def test_the_checker_sees_a_cycle_through_type_checking() -> None:
    tree = ast.parse("from typing import TYPE_CHECKING\n"
                     "if TYPE_CHECKING:\n    from riskgraph.builder import build_graph\n")
    node = tree.body[1]
    assert isinstance(node, ast.If)
    imported = node.body[0]
    assert isinstance(imported, ast.ImportFrom)
    assert _resolve(_names(imported, "riskgraph")[0]) == "riskgraph.builder"


def test_modules_stay_small() -> None:
    long = {name: n for name, path in MODULES.items()
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_riskgraph_top_level_holds_a_handful_of_modules() -> None:
    top = sorted(p.name for p in (ROOT / "riskgraph").glob("*.py") if p.name != "__init__.py")
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


def test_only_one_module_is_called_paths() -> None:
    named = [str(p.relative_to(ROOT)) for package in PACKAGES
             for p in (ROOT / package).rglob("paths.py")]
    assert named == ["queries/paths.py"]


def test_a_family_private_helper_serves_only_its_family() -> None:
    graph = _import_graph()
    strays = []
    for importer, imported in graph.edges:
        parts = imported.split(".")
        if parts[:2] != ["riskgraph", "techniques"] or len(parts) < 4:
            continue
        family, module = parts[2], parts[3]
        if module.startswith("_") and not importer.startswith(f"riskgraph.techniques.{family}."):
            strays.append(f"{importer} -> {imported}")
    assert strays == [], "move helpers used by several families to techniques/_shared/"


def test_techniques_live_in_the_folder_their_id_names() -> None:
    for technique in all_techniques():
        family, _, rest = technique.id.partition(".")
        path = ROOT / "riskgraph" / "techniques" / family / f"{rest.replace('-', '_')}.py"
        assert path.is_file(), technique.id
