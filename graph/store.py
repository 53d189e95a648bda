"""The store interface and the batch logic every backend shares.

A backend only knows how to read rows and apply a planned batch in one transaction; deciding
what is new, changed or unchanged (and merging provenance) happens here, once, so both
backends give the same answers and the same load reports.
"""

from __future__ import annotations

import hashlib
import pickle
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, fields
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from graph.errors import MissingEndpointError
from graph.vocab import EDGE_COLUMNS, EdgeType

if TYPE_CHECKING:
    import networkx as nx

    from graph.schema import Edge, Provenance

EdgeKey = tuple[str, str, str, str]  # (type, source, target, kind)
T = TypeVar("T")
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
    notes: list[str] = field(default_factory=list)  # for the summary: how the load went

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
class Batch:
    """One batch flattened once, before any store is asked: node rows merged by id, edge rows
    (provenance included, as the row's parallel lists) merged by key. Pure CPU work, so it can
    run ahead of the writes, in another thread or process: it holds only plain values, so it
    pickles cheaply (pydantic provenance objects made unpickling several times slower)."""

    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: dict[EdgeKey, dict[str, Any]] = field(default_factory=dict)
    checkpoint: tuple[str, str] | None = None
    size: int = 0  # records that went in, for progress
    #: Filled by :meth:`seal` (in a parsing worker, say): node fingerprints, and the rows as
    #: Arrow tables in dict order (``"Node"`` and one per edge type) for a backend that copies
    #: them in bulk. Any later change to the batch drops them.
    prints: dict[str, int] | None = None
    tables: dict[str, Any] | None = None

    def add_node(self, row: dict[str, Any]) -> None:
        """A node row (:func:`graph.schema.node_row`); the same id twice is merged."""
        before = self.nodes.get(row["id"])
        self.nodes[row["id"]] = row if before is None else merge_node(before, row)
        self.size += 1
        self.prints = self.tables = None

    def fingerprints(self) -> dict[str, int]:
        """:func:`fingerprint` of every node row, computed once."""
        if self.prints is None:
            self.prints = {i: fingerprint(row) for i, row in self.nodes.items()}
        return self.prints

    def seal(self, tables: Callable[[Batch], dict[str, Any]] | None = None) -> Batch:
        """Compute the fingerprints (and ``tables``, e.g. :func:`graph.ladybug_bulk.batch_tables`) ahead of the writer."""
        self.fingerprints()
        if tables is not None:
            self.tables = tables(self)
        return self

    def add_edge(self, key: EdgeKey, row: dict[str, Any], provenance: Sequence[Provenance | dict[str, Any]]) -> None:
        """An edge row (:func:`graph.schema.edge_row`); the same key twice keeps both provenances."""
        before = self.edges.get(key)
        if before is None:
            self.edges[key] = row
        else:
            from graph.schema import merge_provenance, provenance_of

            before.update(merge_provenance(provenance_of(before), list(provenance)))
        self.size += 1
        self.tables = None


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
    #: Capability: this process is the only writer (reads may be cached until its next write, and
    #: its calls must be serialised); False where other clients may write (Neo4j).
    single_writer: bool
    #: How a bulk load's batches should be sealed ahead of the writer (:meth:`Batch.seal`), or None.
    bulk_tables: Callable[[Batch], dict[str, Any]] | None

    def write_batch(
        self,
        nodes: Sequence[Any] | Batch,
        edges: Sequence[Edge] = (),
        checkpoint: tuple[str, str] | None = None,
        *,
        known: KnownRows | None = None,
    ) -> LoadReport:
        """Upsert one batch (records, or a :class:`Batch` prepared ahead) in one transaction;
        on any error nothing of it is written. ``known``: see :func:`plan_batch`."""

    def bulk(
        self, commit_rows: int | None = None, late: LoadReport | None = None
    ) -> AbstractContextManager[Callable[[Batch], LoadReport]]:
        """A writer for one bulk load: ``with store.bulk() as write: write(batch)``.

        Each batch's checkpoint is committed with its rows, so a re-run resumes after the last
        committed one; a backend may commit several batches at once (about ``commit_rows``
        rows, None: its default), and on an error everything since its last commit is rolled
        back. Nodes the load wrote are not looked up again (:class:`KnownRows`). A backend
        that writes some rows only at the end (Neo4j's import) adds their counts to ``late``.
        """

    def read(
        self,
        cypher: str,
        params: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,
        columns: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Run a read-only query in a read transaction (``timeout`` in seconds); rows as dicts.

        ``columns``, when the caller knows the query returns exactly these (a saved query's
        header), lets a backend fetch the rows in bulk."""

    def adhoc(
        self, statement: str, params: dict[str, Any], *, limit: int, timeout: float, open_lock: Any = None
    ) -> list[dict[str, Any]]:
        """Run one user-written statement where the engine itself refuses writes and file access,
        stopped at ``timeout`` s with its memory bounded; at most ``limit`` rows. Raises
        :class:`graph.errors.QueryError` saying what was refused or why it stopped.
        ``open_lock``: held while the statement is being set up (not while it runs)."""

    def nodes(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Properties of the given node ids that exist."""

    def subgraph(self, ids: Iterable[str]) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
        """``(nodes(ids), edges_among(ids))``, in one round trip where the backend can."""

    def degree(self, node_id: str) -> dict[str, dict[str, int]]:
        """Edges per type out of and into one node: ``{type: {"out": n, "in": n}}``."""

    def edges_among(self, ids: Iterable[str], types: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Edges whose both ends are in ``ids``: dicts with type, source, target and properties."""

    def counts(self) -> dict[str, int]:
        """Node counts per label and edge counts per type."""

    def checkpoint(self, key: str) -> str | None:
        """The last committed progress marker of a resumable load."""

    def clear(self) -> None:
        """Delete every node and edge (tests and ``--fresh`` loads)."""

    def close(self) -> None: ...


@contextmanager
def batch_by_batch(store: GraphStore) -> Iterator[Callable[[Batch], LoadReport]]:
    """:meth:`GraphStore.bulk` for a backend whose commits are cheap: one transaction a batch."""
    known = KnownRows()

    def write(batch: Batch) -> LoadReport:
        report = store.write_batch(batch, known=known)
        known.remember(batch)
        return report

    yield write


def graph_counts(store: GraphStore) -> dict[str, int]:
    """Node counts per label and edge counts per type: one implementation for every backend."""
    out = {r["label"]: r["n"] for r in store.read("MATCH (n:Node) RETURN n.label AS label, count(n) AS n")}
    for etype in EdgeType:
        out[etype.value] = store.read(f"MATCH ()-[e:{etype.value}]->() RETURN count(e) AS n")[0]["n"]
    return out


def degree_of(read: Callable[..., list[dict[str, Any]]], type_of: str, node_id: str) -> dict[str, dict[str, int]]:
    """Edges per type out of and into a node; ``type_of`` is the engine's edge-type function."""
    degree: dict[str, dict[str, int]] = {}
    for direction, pattern in (("out", "(n:Node {id: $id})-[e]->(:Node)"), ("in", "(n:Node {id: $id})<-[e]-(:Node)")):
        for row in read(f"MATCH {pattern} RETURN {type_of} AS type, count(e) AS n", {"id": node_id}):
            degree.setdefault(row["type"], {"out": 0, "in": 0})[direction] = row["n"]
    return dict(sorted(degree.items()))


def wanted_edges(
    keys: Iterable[EdgeKey], out_of: Callable[[str, list[str]], Iterable[tuple[str, str, dict[str, Any]]]]
) -> dict[EdgeKey, dict[str, Any]]:
    """The stored edges among ``keys`` (the batch planner's look-up, shared by every backend):
    ``out_of(type, sources)`` gives ``(source, target, row)`` for every edge of that type out of
    the sources, each distinct source once; the rows whose key is wanted are kept. Expanding out
    of sources (few out-edges each) is much cheaper than matching each (source, target) pair."""
    wanted = set(keys)
    by_type: dict[str, set[str]] = {}
    for etype, src, _dst, _kind in wanted:
        by_type.setdefault(etype, set()).add(src)
    found: dict[EdgeKey, dict[str, Any]] = {}
    for etype, sources in by_type.items():
        for source, target, row in out_of(etype, sorted(sources)):
            key = (etype, source, target, row.get("kind") or "")
            if key in wanted:
                found[key] = row
    return found


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
    if existing == row:  # the common case in bulk loads: an author seen again
        return existing
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


def prepare_batch(nodes: Sequence[Any], edges: Sequence[Edge], checkpoint: tuple[str, str] | None = None) -> Batch:
    from graph.schema import edge_row, node_row  # pydantic: writes need it, a read never does

    batch = Batch(checkpoint=checkpoint)
    for node in nodes:
        batch.add_node(node_row(node))
    for edge in edges:
        batch.add_edge(edge.key, edge_row(edge), edge.provenance)
    return batch


def as_batch(
    nodes: Sequence[Any] | Batch, edges: Sequence[Edge] = (), checkpoint: tuple[str, str] | None = None
) -> Batch:
    """What ``write_batch`` accepts: records, or a batch prepared ahead (see :func:`pipelined`)."""
    return nodes if isinstance(nodes, Batch) else prepare_batch(nodes, edges, checkpoint)


def fingerprint(row: dict[str, Any]) -> int:
    """A hash of a node row's values, the same in every process (so parsing workers can compute
    it): rows share one column order (:func:`graph.schema.node_row`). Pickled, not ``repr``-ed,
    which is faster; two equal rows that share list objects differently may differ,
    which costs a lookup, never a wrong answer."""
    return int.from_bytes(hashlib.blake2b(pickle.dumps(tuple(row.values()), 5), digest_size=8).digest(), "little")


class KnownRows:
    """Nodes one bulk load has written, each with the fingerprint of the row it wrote.

    Writing the same row again changes nothing (merging is idempotent), so a node seen again
    with the same row (an author on many papers) needs no lookup: in a snapshot load most
    node lookups were of authors already written. It only lives for one load, so a
    change made meanwhile by another writer is at worst not merged into again.
    """

    def __init__(self) -> None:
        self.rows: dict[str, int] = {}

    def hits(self, batch: Batch) -> set[str]:
        """Ids whose row is the one written before."""
        known, prints = self.rows, batch.fingerprints()
        return {i for i in batch.nodes if i in known and known[i] == prints[i]}

    def remember(self, batch: Batch) -> None:
        """After the rows are written (committed, or staged by a writer that commits them all or none)."""
        self.rows.update(batch.fingerprints())

    def __contains__(self, node_id: str) -> bool:
        return node_id in self.rows


def missing_endpoint(batch: Batch, missing: set[str]) -> MissingEndpointError:
    """The error for the batch's first edge with an end in ``missing`` (neither in it nor stored)."""
    key = next(k for k in batch.edges if k[1] in missing or k[2] in missing)
    gone = key[1] if key[1] in missing else key[2]
    return MissingEndpointError(f"edge {key[0]} {key[1]} -> {key[2]}: node {gone!r} is not in this batch or the store")


def plan_batch(
    batch: Batch,
    fetch_nodes: Callable[[list[str]], dict[str, dict[str, Any]]],
    fetch_edges: Callable[[list[EdgeKey]], dict[EdgeKey, dict[str, Any]]],
    fetch_ids: Callable[[list[str]], set[str]] | None = None,
    known: KnownRows | None = None,
) -> BatchPlan:
    """Diff a prepared batch against the store: classify, merge properties and provenance, check endpoints.

    ``known`` (a bulk load's :class:`KnownRows`) answers for nodes it wrote with the same row.
    """
    from graph.schema import merge_provenance, provenance_of

    report = LoadReport(batches=1)
    rows = batch.nodes
    hits = known.hits(batch) if known else set()
    asked = [i for i in rows if i not in hits]
    existing = fetch_nodes(asked) if asked else {}
    existing.update((i, rows[i]) for i in hits)
    new_nodes, changed_nodes = [], []
    report.nodes_unchanged = len(hits)
    for node_id, row in rows.items():
        if node_id in hits:
            continue
        before = existing.get(node_id)
        if before is None:
            new_nodes.append(row)
            continue
        merged = merge_node(before, row)
        if _same(before, merged):
            report.nodes_unchanged += 1
        else:
            changed_nodes.append(merged)
    report.nodes_added, report.nodes_updated = len(new_nodes), len(changed_nodes)

    ends = {n for key in batch.edges for n in (key[1], key[2]) if n not in rows and n not in existing}
    written = {n for n in ends if n in known} if known else set()  # exist: this load wrote them
    unknown = ends - written
    # Endpoints outside the batch only need to exist: ask for ids, not whole nodes.
    outside = (fetch_ids or (lambda ids: set(fetch_nodes(ids))))(sorted(unknown)) if unknown else set()
    missing = unknown - set(outside)
    outside = set(outside) | written
    if missing:
        raise missing_endpoint(batch, missing)
    # An edge can only exist already if both its ends did: skip the (slow) lookup otherwise.
    before_ids = existing.keys() | outside
    lookup = [k for k in batch.edges if k[1] in before_ids and k[2] in before_ids]
    current = fetch_edges(lookup) if lookup else {}
    new_edges, changed_edges = [], []
    for key, row in batch.edges.items():
        before = current.get(key)
        if before is None:
            new_edges.append(row)
            continue
        row = {**row, **merge_provenance(provenance_of(before), provenance_of(row))}
        if before.get("position") is not None and row.get("position") is None:
            row["position"] = before["position"]
        if _same({k: before.get(k) for k in EDGE_COLUMNS}, {k: row.get(k) for k in EDGE_COLUMNS}):
            report.edges_unchanged += 1
        else:
            changed_edges.append(row)
    report.edges_added, report.edges_updated = len(new_edges), len(changed_edges)
    return BatchPlan(new_nodes, changed_nodes, new_edges, changed_edges, report)


_DONE = object()


def pipelined(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Produce ``items`` in a background thread, up to ``depth`` ahead of the consumer.

    Parsing, validation and :func:`prepare_batch` are Python work; a store write mostly waits
    on the database (Neo4j over Bolt, Ladybug's C++ engine, both outside the GIL). Overlapping
    the two is how a bulk load uses both cores. Errors in the producer surface in the consumer;
    a consumer that stops early (error, Ctrl-C) stops the producer at its next item.
    """
    out: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: Any) -> bool:
        """Put unless the consumer has stopped (then nobody would take it: a plain put could block forever)."""
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
            offer(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            offer(exc)

    worker = threading.Thread(target=produce, name="lineage-prepare", daemon=True)
    worker.start()
    try:
        while (item := out.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def upsert(
    store: GraphStore,
    records: Iterable[Any],
    *,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Write a mixed stream of nodes and edges in batches, one transaction each.

    Edges may refer to nodes from earlier batches (already committed) or the same batch. The
    next batch is read and prepared while the current one is written (:func:`pipelined`).
    """
    report = LoadReport()
    for batch in pipelined(prepare_records(part) for part in chunks(records, batch_size)):
        report += store.write_batch(batch)
        if progress:
            progress(batch.size)
    return report


def prepare_records(records: Sequence[Any], checkpoint: tuple[str, str] | None = None) -> Batch:
    """A mixed list of nodes and edges as one prepared batch."""
    from graph.schema import Edge

    nodes = [r for r in records if not isinstance(r, Edge)]
    return prepare_batch(nodes, [r for r in records if isinstance(r, Edge)], checkpoint)


def to_networkx(nodes: dict[str, dict[str, Any]], edges: Iterable[dict[str, Any]]) -> nx.MultiDiGraph:
    """The one subgraph form viz, export and the API consume.

    Node attributes are the node's properties (``label`` is its type); each edge is keyed by
    ``TYPE`` or ``TYPE:kind`` and carries ``type`` plus its properties and provenance lists.
    """
    import networkx as nx  # here: a CLI query that only prints rows never builds a graph (issue 25)

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
