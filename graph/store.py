"""The store interface and the batch logic every backend shares.

A backend only knows how to read rows and apply a planned batch in one transaction; deciding
what is new, changed or unchanged (and merging provenance) happens here, once, so both
backends give the same answers and the same load reports.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from itertools import islice
from typing import Any, Protocol, runtime_checkable

import networkx as nx

from graph.errors import MissingEndpointError
from graph.schema import EDGE_COLUMNS, Edge, EdgeType, Provenance, edge_row, merge_provenance, node_row, provenance_of

EdgeKey = tuple[str, str, str, str]  # (type, source, target, kind)
LIST_COLUMNS = ("authors", "categories", "aliases")


@dataclass
class LoadReport:
    """Counts a load prints; adding two reports adds their counts."""

    nodes_added: int = 0
    nodes_updated: int = 0
    nodes_unchanged: int = 0
    edges_added: int = 0
    edges_updated: int = 0
    edges_unchanged: int = 0
    batches: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)

    def __iadd__(self, other: LoadReport) -> LoadReport:
        """Add counts; extend lists and counters in place (iterators may still be appending to
        them). Subclasses that add list or Counter fields need no override."""
        for f in fields(other):
            value, mine = getattr(other, f.name), getattr(self, f.name)
            if isinstance(mine, list):
                mine.extend(value)
            elif isinstance(mine, Counter):
                mine.update(value)
            else:
                setattr(self, f.name, mine + value)
        return self

    @property
    def changed(self) -> bool:
        return bool(self.nodes_added or self.nodes_updated or self.edges_added or self.edges_updated)


@dataclass
class BatchPlan:
    """What one transaction will write."""

    new_nodes: list[dict[str, Any]]
    changed_nodes: list[dict[str, Any]]
    new_edges: list[dict[str, Any]]
    changed_edges: list[dict[str, Any]]
    report: LoadReport


@runtime_checkable
class GraphStore(Protocol):
    """What loaders, queries, viz and the API may use. Nothing else reaches a database."""

    backend: str  # "ladybug" | "neo4j"
    location: str

    def write_batch(
        self, nodes: Sequence[Any], edges: Sequence[Edge], checkpoint: tuple[str, str] | None = None
    ) -> LoadReport:
        """Upsert one batch in one transaction; on any error nothing of it is written."""

    def read(
        self, cypher: str, params: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> list[dict[str, Any]]:
        """Run a read-only query in a read transaction (``timeout`` in seconds); rows as dicts."""

    def nodes(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Properties of the given node ids that exist."""

    def edges_among(self, ids: Iterable[str], types: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Edges whose both ends are in ``ids``: dicts with type, source, target and properties."""

    def counts(self) -> dict[str, int]:
        """Node counts per label and edge counts per type."""

    def checkpoint(self, key: str) -> str | None:
        """The last committed progress marker of a resumable load."""

    def clear(self) -> None:
        """Delete every node and edge (tests and ``--fresh`` loads)."""

    def close(self) -> None: ...


def graph_counts(store: GraphStore) -> dict[str, int]:
    """Node counts per label and edge counts per type: one implementation for every backend."""
    out = {r["label"]: r["n"] for r in store.read("MATCH (n:Node) RETURN n.label AS label, count(n) AS n")}
    for etype in EdgeType:
        out[etype.value] = store.read(f"MATCH ()-[e:{etype.value}]->() RETURN count(e) AS n")[0]["n"]
    return out


def read_checkpoint(store: GraphStore, key: str) -> str | None:
    rows = store.read("MATCH (c:Checkpoint {key: $k}) RETURN c.value AS v", {"k": key})
    return rows[0]["v"] if rows else None


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lazy fixed-size chunks, so loads stream in bounded memory."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


#: Paper fields where arXiv's own record outranks every other source (curated typing included).
BIBLIOGRAPHIC = {
    "title",
    "name",
    "abstract",
    "authors",
    "authors_complete",
    "published",
    "updated",
    "version",
    "categories",
    "doi",
    "journal_ref",
    "comments",
    "date",
}


def merge_node(existing: dict[str, Any] | None, row: dict[str, Any]) -> dict[str, Any]:
    """New non-empty values win; empty ones never erase what another source stated.

    Exception: once arXiv has stated a paper's bibliographic fields, another source (a
    re-run of the curated file, say) does not overwrite them: arXiv's record wins.
    """
    if existing is None:
        return row
    merged = dict(existing)
    arxiv_kept = "arxiv" in (existing.get("sources") or []) and "arxiv" not in (row.get("sources") or [])
    for col, value in row.items():
        if col == "sources":
            merged[col] = sorted(set(existing.get(col) or []) | set(value or []))
        elif arxiv_kept and col in BIBLIOGRAPHIC and existing.get(col) not in (None, [], ""):
            continue
        elif value not in (None, [], ""):
            merged[col] = value
    return merged


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    def norm(v: Any) -> Any:
        return None if v in ([], "") else v

    return all(norm(a.get(k)) == norm(b.get(k)) for k in set(a) | set(b) if k not in ("_id",))


def plan_batch(
    nodes: Sequence[Any],
    edges: Sequence[Edge],
    fetch_nodes: Callable[[list[str]], dict[str, dict[str, Any]]],
    fetch_edges: Callable[[list[EdgeKey]], dict[EdgeKey, dict[str, Any]]],
    fetch_ids: Callable[[list[str]], set[str]] | None = None,
) -> BatchPlan:
    """Diff a batch against the store: classify, merge properties and provenance, check endpoints."""
    report = LoadReport(batches=1)
    rows: dict[str, dict[str, Any]] = {}
    for node in nodes:
        row = node_row(node)
        rows[row["id"]] = merge_node(rows.get(row["id"]), row)
    existing = fetch_nodes(list(rows)) if rows else {}
    new_nodes, changed_nodes = [], []
    for node_id, row in rows.items():
        before = existing.get(node_id)
        merged = merge_node(before, row)
        if before is None:
            new_nodes.append(merged)
        elif _same(before, merged):
            report.nodes_unchanged += 1
            continue
        else:
            changed_nodes.append(merged)
    report.nodes_added, report.nodes_updated = len(new_nodes), len(changed_nodes)

    by_key: dict[EdgeKey, list[Provenance]] = {}
    template: dict[EdgeKey, Edge] = {}
    for edge in edges:
        by_key.setdefault(edge.key, []).extend(edge.provenance)
        template.setdefault(edge.key, edge)
    endpoints = {n for key in by_key for n in (key[1], key[2])}
    unknown = endpoints - set(rows) - set(existing)
    # Endpoints outside the batch only need to exist: ask for ids, not whole nodes.
    outside = (fetch_ids or (lambda ids: set(fetch_nodes(ids))))(sorted(unknown)) if unknown else set()
    missing = unknown - set(outside)
    if missing:
        bad = next(e for k, e in template.items() if k[1] in missing or k[2] in missing)
        gone = bad.source if bad.source in missing else bad.target
        raise MissingEndpointError(
            f"edge {bad.type.value} {bad.source} -> {bad.target}: node {gone!r} is not in this batch or the store"
        )
    # An edge can only exist already if both its ends did: skip the (slow) lookup otherwise.
    before = set(existing) | set(outside)
    lookup = [k for k in by_key if k[1] in before and k[2] in before]
    current = fetch_edges(lookup) if lookup else {}
    new_edges, changed_edges = [], []
    for key, provenance in by_key.items():
        row = edge_row(template[key].model_copy(update={"provenance": provenance}))
        before = current.get(key)
        if before is None:
            new_edges.append(row)
            continue
        row.update(merge_provenance(provenance_of(before), provenance))
        if before.get("position") is not None and row.get("position") is None:
            row["position"] = before["position"]
        if _same({k: before.get(k) for k in EDGE_COLUMNS}, {k: row.get(k) for k in EDGE_COLUMNS}):
            report.edges_unchanged += 1
        else:
            changed_edges.append(row)
    report.edges_added, report.edges_updated = len(new_edges), len(changed_edges)
    return BatchPlan(new_nodes, changed_nodes, new_edges, changed_edges, report)


def upsert(
    store: GraphStore,
    records: Iterable[Any],
    *,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Write a mixed stream of nodes and edges in batches, one transaction each.

    Edges may refer to nodes from earlier batches (already committed) or the same batch.
    """
    report = LoadReport()
    for batch in chunks(records, batch_size):
        nodes = [r for r in batch if not isinstance(r, Edge)]
        edges = [r for r in batch if isinstance(r, Edge)]
        report += store.write_batch(nodes, edges)
        if progress:
            progress(len(batch))
    return report


def to_networkx(nodes: dict[str, dict[str, Any]], edges: Iterable[dict[str, Any]]) -> nx.MultiDiGraph:
    """The one subgraph form viz, export and the API consume.

    Node attributes are the node's properties (``label`` is its type); each edge is keyed by
    ``TYPE`` or ``TYPE:kind`` and carries ``type`` plus its properties and provenance lists.
    """
    graph = nx.MultiDiGraph()
    for node_id in sorted(nodes):
        props = {k: v for k, v in nodes[node_id].items() if v is not None and k != "id"}
        graph.add_node(node_id, **props)
    for edge in sorted(edges, key=lambda e: (e["type"], e["source"], e["target"], e.get("kind") or "")):
        attrs = {k: v for k, v in edge.items() if k not in ("source", "target") and v not in (None, "")}
        key = edge["type"] + (f":{edge['kind']}" if edge.get("kind") else "")
        graph.add_edge(edge["source"], edge["target"], key=key, **attrs)
    return graph


ALL_EDGE_TYPES = tuple(t.value for t in EdgeType)
