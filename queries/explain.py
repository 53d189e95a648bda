"""Explain: why does A trace to B? The lineage paths from A to B, each hop with its evidence.

The ``path`` saved query finds the shortest connections (either direction); each hop is then
read against the stored edges between its two nodes (``store.edges_among``): its relation, which
way it points, and every source's evidence. A path counts as lineage when each hop goes from the
newer thing to what it builds on (a builds-on kind that is not a contrast such as ``replaces``),
between a paper and what it introduces, or from a citing paper to the cited one. When none of the
shortest connections is lineage, the answer comes from A's ancestors instead (the directed
builds-on graph plus the papers introducing what is in it), so "no lineage path" means none.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from typing import Any

import networkx as nx

from graph.store import GraphStore
from queries.registry import get_query, run_query

#: Builds-on kinds that state a contrast, not a lineage (what the newer thing replaced).
CONTRAST_KINDS = frozenset({"replaces"})
EDGE_TYPES = ("BUILDS_ON", "INTRODUCES", "CITES")
_SEED = re.compile(r"^(\d{3}_[0-9a-f]+\.txt):\s*(.*)$", re.S)
_CARD = re.compile(r"([\w.-]+/[\w.-]+/README\.md)")
_ORIGINS = {
    "arxiv": "arXiv record",
    "semantic_scholar": "Semantic Scholar record",
    "openalex": "OpenAlex record",
    "edge_list": "citation edge list",
    "extracted": "extracted from paper text",
}


@dataclass
class Evidence:
    """One source's word for a hop: ``origin`` is where it came from (seed article, card, record)."""

    source: str
    origin: str
    evidence: str
    confidence: float | None = None


@dataclass
class Hop:
    """One step of a path, from ``source`` to ``target`` as the path goes."""

    source: str
    target: str
    source_name: str
    target_name: str
    type: str
    kind: str  # the builds-on kind, or introduces / introduced_by / cites / cited_by
    along: bool  # the stored edge points source -> target
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Explanation:
    source: str
    target: str
    source_name: str
    target_name: str
    paths: list[list[Hop]]
    how: str  # "path" (the path query) or "ancestors" (the fallback)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def origin_of(source: str, evidence: str) -> tuple[str, str]:
    """``(where it came from, the evidence sentence)``: curated evidence names its seed article
    first (``002_….txt: …``), card evidence the card's README."""
    if source == "curated":
        seed = _SEED.match(evidence)
        if seed:
            return f"seed article {seed.group(1)}", seed.group(2)
        return "curated file", evidence
    if source == "hf_card":
        card = _CARD.search(evidence)
        return (f"model card {card.group(1)}" if card else "model card"), evidence
    return _ORIGINS.get(source, source), evidence


def _evidence(edge: dict[str, Any]) -> list[Evidence]:
    out = []
    confidences = edge.get("confidence") or []
    for i, (src, text) in enumerate(zip(edge.get("sources") or [], edge.get("evidence") or [], strict=False)):
        origin, sentence = origin_of(src, text or "")
        out.append(Evidence(src, origin, sentence, confidences[i] if i < len(confidences) else None))
    return out


def _hop(a: str, b: str, edge: dict[str, Any], names: dict[str, str]) -> Hop:
    along = edge["source"] == a
    etype, kind = edge["type"], edge.get("kind") or ""
    if etype == "INTRODUCES":
        kind = "introduces" if along else "introduced_by"
    elif etype == "CITES":
        kind = "cites" if along else "cited_by"
    return Hop(a, b, names.get(a, a), names.get(b, b), etype, kind, along, _evidence(edge))


def is_lineage(hop: Hop) -> bool:
    if hop.type == "BUILDS_ON":
        return hop.along and hop.kind not in CONTRAST_KINDS
    if hop.type == "INTRODUCES":
        return True  # a paper and what it introduces are one piece of work
    return hop.along  # CITES: the citing paper builds on the cited one


def _hops(path: list[str], edges: list[dict[str, Any]], names: dict[str, str]) -> list[Hop] | None:
    """The path's hops, each through its best lineage edge; None when a hop has none."""
    out = []
    for a, b in pairwise(path):
        between = [e for e in edges if {e["source"], e["target"]} == {a, b}]
        hops = sorted(
            (h for h in (_hop(a, b, e, names) for e in between) if is_lineage(h)),
            key=lambda h: (EDGE_TYPES.index(h.type), h.kind),
        )
        if out and out[-1].kind == "introduced_by":  # not on through the paper to a sibling it introduces
            hops = [h for h in hops if h.kind != "introduces"]
        if not hops:
            return None
        out.append(hops[0])
    return out


def explain(store: GraphStore, source: str, target: str, *, max_hops: int = 8, limit: int = 5) -> Explanation:
    """The lineage paths from ``source`` to ``target`` (anything the resolver accepts)."""
    query = get_query("path")
    params: dict[str, Any] = {"source": source, "target": target, "max_hops": max_hops, "limit": limit}
    if any(p.name == "contrast" for p in query.params):
        params["contrast"] = "no"
    result = run_query(store, "path", params)
    a, b = result.params["source"], result.params["target"]
    found = [list(row["ids"]) for row in result.rows]
    ids = sorted({i for path in found for i in path} | {a, b})
    nodes = store.nodes(ids)
    names = {i: (n.get("name") or i) for i, n in nodes.items()}
    edges = store.edges_among(ids, EDGE_TYPES)
    paths = [hops for hops in (_hops(p, edges, names) for p in found) if hops]
    how = "path"
    if not paths and a != b:
        paths, how = _from_ancestors(store, a, b, max_hops, limit, names), "ancestors"
    return Explanation(a, b, names.get(a, a), names.get(b, b), paths, how)


def _from_ancestors(
    store: GraphStore, a: str, b: str, max_hops: int, limit: int, names: dict[str, str]
) -> list[list[Hop]]:
    """Shortest directed lineage paths from ``a`` to ``b`` through ``a``'s ancestors and the
    papers that introduce them."""
    from queries.cite import with_introducing_papers

    graph = with_introducing_papers(store, run_query(store, "ancestors", {"id": a, "depth": 10}).graph)
    names.update({n: d.get("name") or n for n, d in graph.nodes(data=True)})
    lineage = nx.DiGraph()
    chosen: dict[tuple[str, str], Hop] = {}
    for u, v, data in graph.edges(data=True):
        edge = {"source": u, "target": v, **data}
        for x, y in ((u, v), (v, u)):
            hop = _hop(x, y, edge, names)
            if not is_lineage(hop) or (hop.kind == "introduces" and x != a):  # see _hops
                continue
            if (x, y) not in chosen or EDGE_TYPES.index(hop.type) < EDGE_TYPES.index(chosen[(x, y)].type):
                chosen[(x, y)] = hop
                lineage.add_edge(x, y)
    if a not in lineage or b not in lineage or not nx.has_path(lineage, a, b):
        return []
    out = []
    for path in nx.all_shortest_paths(lineage, a, b):
        if len(path) - 1 > max_hops:
            break
        out.append([chosen[(x, y)] for x, y in pairwise(path)])
        if len(out) >= limit:
            break
    return out
