"""The in-memory floor: each saved query's core walk on the same graph held by networkx.

Not the saved queries themselves (no trust, kind or date filters, no node properties, no
subgraph): the least work any store must do to answer them, so that a backend's time can be
read as a multiple of it (``bench/queries.py`` prints the ratios).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import networkx as nx

from graph.schema import Edge

Floor = Callable[[nx.MultiDiGraph, dict[str, Any]], Any]


def graph_of(records: Iterable[Any]) -> nx.MultiDiGraph:
    """The synthetic records as a networkx graph: edges keyed by type, nodes with label and name."""
    graph = nx.MultiDiGraph()
    for r in records:
        if isinstance(r, Edge):
            graph.add_edge(r.source, r.target, key=r.type, kind=r.kind)
        else:
            graph.add_node(r.id, label=type(r).__name__, name=getattr(r, "title", None) or getattr(r, "name", None))
    return graph


def _typed(graph: nx.MultiDiGraph, node: str, etype: str, out: bool) -> list[str]:
    edges = graph.out_edges(node, keys=True) if out else graph.in_edges(node, keys=True)
    return [(v if out else u) for u, v, k in edges if k == etype]


def _walk(graph: nx.MultiDiGraph, start: str, etype: str, out: bool, depth: int) -> dict[str, int]:
    seen, frontier = {start: 0}, [start]
    for d in range(1, depth + 1):
        frontier = [w for v in frontier for w in _typed(graph, v, etype, out) if w not in seen]
        seen.update((w, d) for w in frontier)
    return seen


def _pairs(graph: nx.MultiDiGraph, p: str, first_out: bool) -> list[tuple[str, int]]:
    count: Counter[str] = Counter()
    for c in set(_typed(graph, p, "CITES", first_out)):
        count.update(q for q in set(_typed(graph, c, "CITES", not first_out)) if q != p)
    return count.most_common(20)


def _works(graph: nx.MultiDiGraph, ids: list[str], out: bool) -> list[tuple[str, int]]:
    count: Counter[str] = Counter()
    for p in set(ids):
        count.update(q for q in set(_typed(graph, p, "CITES", out)) if q not in ids)
    return count.most_common(20)


def _search(graph: nx.MultiDiGraph, q: str) -> list[str]:
    q = q.lower()
    return [v for v, name in graph.nodes(data="name") if q in v.lower() or q in (name or "").lower()][:20]


def _top(graph: nx.MultiDiGraph, label: str) -> list[str]:
    ranked = sorted(
        (v for v, lab in graph.nodes(data="label") if lab == label),
        key=lambda v: -len(_typed(graph, v, "CITES", False)),
    )
    return ranked[:20]


def _path(graph: nx.MultiDiGraph, source: str, target: str) -> list[list[str]]:
    return list(nx.all_shortest_paths(graph.to_undirected(as_view=True), source, target))[:5]


FLOORS: dict[str, Floor] = {
    "introduced-by": lambda g, p: _typed(g, p["id"], "INTRODUCES", False),
    "introduces": lambda g, p: _typed(g, p["id"], "INTRODUCES", True),
    "trained-on": lambda g, p: _typed(g, p["id"], "TRAINED_ON", True),
    "dataset-models": lambda g, p: _typed(g, p["id"], "TRAINED_ON", False),
    "ancestors": lambda g, p: _walk(g, p["id"], "BUILDS_ON", True, 3),
    "descendants": lambda g, p: _walk(g, p["id"], "BUILDS_ON", False, 3),
    "method-impact": lambda g, p: _walk(g, p["id"], "BUILDS_ON", False, 3),
    "model-family": lambda g, p: _walk(g, p["id"], "BUILDS_ON", False, 3),
    "timeline": lambda g, p: (_walk(g, p["id"], "BUILDS_ON", True, 3), _walk(g, p["id"], "BUILDS_ON", False, 3)),
    "common-roots": lambda g, p: set.intersection(*(set(_walk(g, i, "BUILDS_ON", True, 6)) for i in p["ids"])),
    "co-citation": lambda g, p: _pairs(g, p["id"], False),
    "bibliographic-coupling": lambda g, p: _pairs(g, p["id"], True),
    "prior-works": lambda g, p: _works(g, p["ids"], True),
    "derivative-works": lambda g, p: _works(g, p["ids"], False),
    "neighbourhood": lambda g, p: set(nx.all_neighbors(g, p["id"])),
    "search": lambda g, p: _search(g, p["q"]),
    "top-influential": lambda g, p: _top(g, "Paper"),
    "path": lambda g, p: _path(g, p["source"], p["target"]),
    "overview": lambda g, p: sorted(
        {v for u, v2, k in g.edges(keys=True) if k in ("BUILDS_ON", "INTRODUCES") for v in (u, v2)}
    )[:500],
}
