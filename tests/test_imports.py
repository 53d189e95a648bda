"""No import cycles among the project's packages.

The graph is built from the source with :mod:`ast`, nothing is imported. Every ``import`` and
``from ... import`` counts as an edge wherever it stands: at module level, inside a function
(a deferred import hides a cycle from the interpreter, not from the reader who has to change
both modules together) and under ``if TYPE_CHECKING:``. ``from pkg import name`` is an edge to
``pkg.name`` when that is a module, else to ``pkg``. The implicit import of a parent package's
``__init__`` is not an edge: every submodule would otherwise depend on its package's whole
public surface.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("graph", "loaders", "queries", "viz", "lineage")

# Cycles allowed to stand (the store interface removed the last two, graph.ladybug_bulk <->
# graph.ladybug_store and graph.neo4j_import <-> graph.neo4j_store).
KNOWN_CYCLES: list[set[str]] = []  # none: keep it that way


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: set[str]) -> list[str]:
    """The project modules one import statement names."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = node.module or ""
    if node.level:  # relative: from the module's package, one level up per extra dot
        package = module.split(".") if is_package else module.split(".")[:-1]
        anchor = package[: len(package) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]


def import_graph() -> nx.DiGraph:
    modules = project_modules()
    known = set(modules)
    graph = nx.DiGraph()
    graph.add_nodes_from(known)
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in imported(node, module, path.name == "__init__.py", known):
                    if target in known and target != module:
                        graph.add_edge(module, target)
    return graph


def test_the_graph_sees_real_imports() -> None:
    """The walker finds module-level, function-level and relative imports (else 'no cycle' proves nothing)."""
    graph = import_graph()
    assert graph.has_edge("lineage.cli", "lineage.cli_common")  # module level, ``from lineage import``
    assert graph.has_edge("lineage.cli", "queries.registry")  # inside a command function
    assert graph.has_edge("queries.registry", "queries.analytics")
    assert len(graph) > 50


def test_no_import_cycles() -> None:
    graph = import_graph()
    cycles = []
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1 and component not in KNOWN_CYCLES:
            cycle = nx.find_cycle(graph.subgraph(component))
            members = ", ".join(sorted(component))
            cycles.append(" -> ".join([*(a for a, _ in cycle), cycle[0][0]]) + f" (all tied: {members})")
    assert not cycles, "import cycles: " + "; ".join(sorted(cycles))
