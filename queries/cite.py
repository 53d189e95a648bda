"""Citable lineage: the papers behind a subgraph's models and methods, for BibTeX.

A lineage subgraph is mostly models and methods (Zephyr 7B, Mistral 7B, DPO, the Transformer);
a related-work section needs the papers that introduce them, which are usually not in it. The
step that adds them runs between the query and the export (query → subgraph → this → export),
so the exporters stay pure functions of a subgraph.
"""

from __future__ import annotations

import networkx as nx

from graph.store import GraphStore, to_networkx

#: One text for both engines, as ``introduced-by.cypher``; ids are a parameter.
_INTRODUCING = "UNWIND $ids AS i MATCH (p:Node)-[:INTRODUCES]->(n:Node {id: i}) RETURN DISTINCT p.id AS paper"
_THINGS = ("Model", "Method")


def with_introducing_papers(store: GraphStore, graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``graph`` plus the papers that introduce its models and methods, with those
    INTRODUCES edges; ``graph`` itself when there is nothing to add."""
    things = sorted(n for n, d in graph.nodes(data=True) if d.get("label") in _THINGS)
    if not things:
        return graph
    papers = sorted({r["paper"] for r in store.read(_INTRODUCING, {"ids": things})} - set(graph))
    if not papers:
        return graph
    added = to_networkx(store.nodes(papers), store.edges_among([*papers, *things], ["INTRODUCES"]))
    out = graph.copy()
    out.add_nodes_from(added.nodes(data=True))
    for u, v, key, data in added.edges(keys=True, data=True):
        if not out.has_edge(u, v, key):
            out.add_edge(u, v, key=key, **data)
    return out


def for_export(store: GraphStore, graph: nx.MultiDiGraph, fmt: str) -> nx.MultiDiGraph:
    """The subgraph an export of ``fmt`` writes: BibTeX gets the introducing papers too."""
    return with_introducing_papers(store, graph) if fmt == "bibtex" else graph


def lineage_graph(store: GraphStore, node: str, depth: int = 10) -> nx.MultiDiGraph:
    """A node's lineage for citing: the node, everything it builds on (``ancestors``), and the
    papers that introduce them. ``node`` is anything the resolver accepts."""
    from queries.registry import run_query

    result = run_query(store, "ancestors", {"id": node, "depth": depth})
    graph = with_introducing_papers(store, result.graph)
    graph.graph["root"] = result.params["id"]
    return graph
