"""An in-process index of the embedded store's graph: who is joined to whom, by which edges.

Why: the embedded engine plans a look-up of many ids, or a walk through a hub, as a scan of a
whole table (an edge look-up for 3 ids: 0.1 ms one id at a time, 570 ms as ``UNWIND``; co-citation
next to a paper cited 21k times: ~1 s; measured at 1M edges, BENCHMARKS.md). Held here as compact
arrays (CSR adjacency per edge type and direction, each edge's trust and kind), the same
questions take microseconds to milliseconds in Python.

The store stays the source of truth. The index is built from it (one scan per table, ~1 s at 1M
edges) the first time it is wanted, and is used only while it matches the store: every write
transaction bumps a counter kept *in the store* (:data:`META_DDL`), the index remembers the counter
it was built at, and :meth:`GraphIndex.fresh` compares the two before every use. A write by this
process, by another process that opened the same directory, or a ``clear`` therefore makes the
index stale, and a stale index is rebuilt, never used.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from graph.vocab import EdgeType

#: A counter of committed writes, kept in the store so that every process sees the same one.
META_DDL = "CREATE NODE TABLE IF NOT EXISTS Meta(key STRING PRIMARY KEY, value INT64)"
#: Run inside each write transaction (write_batch, a bulk group's commit, clear).
BUMP = "MERGE (m:Meta {key: 'writes'}) ON CREATE SET m.value = 1 ON MATCH SET m.value = m.value + 1"
VERSION = "MATCH (m:Meta {key: 'writes'}) RETURN m.value AS v"

EDGE_TYPES = tuple(t.value for t in EdgeType)
#: The rel columns :meth:`GraphIndex.edge_rows` gives back (graph.ladybug_provenance.REL_COLUMNS
#: must be these for the store to use it).
REL_COLUMNS_HELD = ("kind", "position", "trust", "prov")
Execute = Callable[[str], Any]  # a statement -> the engine's result (``get_as_arrow``)


def typed_array(column: Any, arrow_type: Any, code: str) -> array:
    """An Arrow integer column (no nulls) as a compact ``array(code)`` of ``arrow_type``, without a
    Python int per value."""
    import pyarrow.compute as pc  # pyarrow: loaded by the first query that wants the index

    out = array(code)
    column = pc.cast(column, arrow_type)
    for chunk in column.chunks if hasattr(column, "chunks") else [column]:
        if len(chunk):
            width = out.itemsize
            out.frombytes(memoryview(chunk.buffers()[1])[chunk.offset * width : (chunk.offset + len(chunk)) * width])
    return out


@dataclass
class Half:
    """One direction of one edge type, as CSR arrays: the edges at node ``v`` are the positions
    ``start[v]..start[v+1]`` of ``nbr`` (the node at the other end), ``trust`` and ``kind`` (a code
    into the type's ``kinds``; 0 is no kind)."""

    start: array
    nbr: array
    trust: array
    kind: array
    #: the edge's own ``position`` (None: null on every edge here) and provenance key (-1: null);
    #: read for the stored direction only, where :meth:`GraphIndex.edge_rows` reads edges
    position: array | None = None
    prov: array | None = None
    #: what an edge of no kind (code 0) holds here: the engine's null or an empty text
    blank: str | None = None
    #: the edges' stored rows can be given back from here: no null trust (kept as 0), not both
    #: null and empty kinds (both code 0), no negative position (null's mark)
    exact: bool = True
    #: the lowest trust of any edge here: a filter at or below it passes every edge
    min_trust: int = 0

    def __post_init__(self) -> None:
        self.min_trust = min(self.trust) if self.trust else 0

    @classmethod
    def read(cls, n: int, table: Any, here: str, there: str, code: dict[str, int]) -> Half:
        """From engine rows sorted by ``here``; ``code`` maps kind texts to codes (and grows).
        Where the rows hold ``position`` and ``prov``, they are kept too."""
        import pyarrow as pa
        import pyarrow.compute as pc

        position = prov = None
        blank = "" if pc.any(pc.equal(table.column("kind"), "")).as_py() else None
        exact = table.column("trust").null_count == 0 and not (blank == "" and table.column("kind").null_count)
        if "prov" in table.column_names:
            prov = typed_array(pc.fill_null(table.column("prov"), -1), pa.int64(), "q")
            if table.column("position").null_count < len(table):
                exact = exact and pc.min(table.column("position")).as_py() >= 0
                position = typed_array(pc.fill_null(table.column("position"), -1), pa.int64(), "q")

        at = typed_array(table.column(here), pa.int64(), "q")
        start = array("q", bytes(8 * (n + 1)))
        if len(at) < n:  # few edges: count them
            for v in at:
                start[v + 1] += 1
            for v in range(n):
                start[v + 1] += start[v]
        else:  # many: find where each node's run begins in the sorted ends
            start = array("q", (bisect_left(at, v) for v in range(n + 1)))
        kinds = pc.dictionary_encode(pc.fill_null(table.column("kind"), "")).combine_chunks()
        local = [code.setdefault(k, len(code)) if k else 0 for k in kinds.dictionary.to_pylist()]
        kind = typed_array(pc.take(pa.array(local, pa.int16()), kinds.indices), pa.int16(), "h")
        return cls(
            start,
            typed_array(table.column(there), pa.int64(), "q"),
            typed_array(pc.fill_null(table.column("trust"), 0), pa.int8(), "b"),
            kind,
            position,
            prov,
            blank,
            exact,
        )

    def at(self, v: int) -> range:
        return range(self.start[v], self.start[v + 1])

    def ends(self, v: int, min_trust: int = 0) -> array | list[int]:
        """The nodes at the other end of ``v``'s edges with trust >= ``min_trust`` (repeats kept:
        parallel edges of other kinds)."""
        a, b = self.start[v], self.start[v + 1]
        if min_trust <= self.min_trust:  # every edge passes: a slice, at C speed
            return self.nbr[a:b]
        nbr, trust = self.nbr, self.trust
        return [nbr[i] for i in range(a, b) if trust[i] >= min_trust]

    def passing(self, min_trust: int) -> array | list[int]:
        """The far end of every edge with trust >= ``min_trust``, one entry per edge."""
        if min_trust <= self.min_trust:
            return self.nbr
        return [w for w, t in zip(self.nbr, self.trust, strict=True) if t >= min_trust]

    def nbytes(self) -> int:
        arrays = (self.start, self.nbr, self.trust, self.kind, self.position, self.prov)
        return sum(a.itemsize * len(a) for a in arrays if a is not None)


@dataclass
class Adjacency:
    """The edges of one type, both directions (``out``: stored direction, ``into``: against it)."""

    out: Half
    into: Half
    kinds: list[str | None]

    @classmethod
    def read(cls, execute: Execute, n: int, etype: str) -> Adjacency:
        text = (
            f"MATCH (a:Node)-[e:{etype}]->(b:Node) "
            "RETURN offset(id(a)) AS s, offset(id(b)) AS t, e.trust AS trust, e.kind AS kind{} ORDER BY {}"
        )
        code: dict[str, int] = {"": 0}
        stored = execute(text.format(", e.position AS position, e.prov AS prov", "s")).get_as_arrow()
        out = Half.read(n, stored, "s", "t", code)
        into = Half.read(n, execute(text.format("", "t")).get_as_arrow(), "t", "s", code)
        kinds: list[str | None] = [None] * len(code)
        for text_, c in code.items():
            kinds[c] = text_ or None
        return cls(out, into, kinds)

    def nbytes(self) -> int:
        return self.out.nbytes() + self.into.nbytes()


@dataclass
class GraphIndex:
    """Node ids, labels, names, aliases, dates, categories and sources, and every edge type's
    :class:`Adjacency`.

    Nodes are numbered by the engine's own offset in the node table (gaps, from deletions, hold
    ``None``). ``version`` is the store's write counter when the index was built.
    """

    version: int
    ids: list[str | None]
    labels: list[str | None]
    names: list[str | None]
    aliases: list[list[str] | None]
    dates: list[str | None]
    #: each node's arXiv categories and the sources that stated it, as shared tuples (None: null)
    categories: list[tuple[str, ...] | None]
    sources: list[tuple[str, ...] | None]
    edges: dict[str, Adjacency]
    pos: dict[str, int] = field(default_factory=dict)
    cache: dict[Any, Any] = field(default_factory=dict)  # answers derived once per index (rankings)

    def __post_init__(self) -> None:
        self.pos = {node_id: i for i, node_id in enumerate(self.ids) if node_id is not None}

    @classmethod
    def build(cls, execute: Execute, version: int) -> GraphIndex:
        """Read the store's nodes and edges (inside the caller's read transaction)."""
        import pyarrow as pa

        nodes = execute(
            "MATCH (n:Node) RETURN offset(id(n)) AS o, n.id AS id, n.label AS label, n.name AS name, "
            "n.aliases AS aliases, n.date AS date, n.categories AS categories, n.sources AS sources"
        ).get_as_arrow()
        offsets = typed_array(nodes.column("o"), pa.int64(), "q")
        n = (max(offsets) + 1) if offsets else 0
        ids: list[str | None] = [None] * n
        labels: list[str | None] = [None] * n
        names: list[str | None] = [None] * n
        aliases: list[list[str] | None] = [None] * n
        dates: list[str | None] = [None] * n
        categories: list[tuple[str, ...] | None] = [None] * n
        sources: list[tuple[str, ...] | None] = [None] * n
        shared: dict[Any, Any] = {}  # one object per distinct value: most nodes share a few
        for o, i, lab, name, al, date, cats, srcs in zip(
            offsets,
            nodes.column("id").to_pylist(),
            nodes.column("label").to_pylist(),
            nodes.column("name").to_pylist(),
            nodes.column("aliases").to_pylist(),
            nodes.column("date").to_pylist(),
            nodes.column("categories").to_pylist(),
            nodes.column("sources").to_pylist(),
            strict=True,
        ):
            ids[o], labels[o], names[o], aliases[o] = i, lab, name, al
            dates[o] = None if date is None else shared.setdefault(date, date)
            categories[o] = None if cats is None else shared.setdefault(tuple(cats), tuple(cats))
            sources[o] = None if srcs is None else shared.setdefault(tuple(srcs), tuple(srcs))
        edges = {etype: Adjacency.read(execute, n, etype) for etype in EDGE_TYPES}
        return cls(version, ids, labels, names, aliases, dates, categories, sources, edges)

    def nbytes(self) -> int:
        """Approximate memory held (arrays, lists, strings, the id map); for BENCHMARKS.md."""
        size = sum(a.nbytes() for a in self.edges.values())
        for column in (self.ids, self.labels, self.names):
            size += sys.getsizeof(column) + sum(sys.getsizeof(x) for x in column if x is not None)
        size += sys.getsizeof(self.aliases) + sum(
            sys.getsizeof(a) + sum(sys.getsizeof(x) for x in a) for a in self.aliases if a
        )
        for column in (self.dates, self.categories, self.sources):  # shared values, counted once
            distinct = {id(x): x for x in column if x is not None}.values()
            size += sys.getsizeof(column) + sum(sys.getsizeof(x) for x in distinct)
        return size + sys.getsizeof(self.pos)

    # -- look-ups -------------------------------------------------------------------------
    def numbers(self, ids: Iterable[str]) -> list[int]:
        """Node numbers of the ids that exist."""
        pos = self.pos
        return [pos[i] for i in ids if i in pos]

    def edge_rows(self, ids: Iterable[str], types: Iterable[str]) -> list[dict[str, Any]] | None:
        """The stored rows (``type``, ``source``, ``target`` and the rel columns, provenance still
        as its ``prov`` key) of the edges of ``types`` whose both ends are in ``ids``: by type, then
        source id; None where a type's rows cannot be given back exactly (:attr:`Half.exact`)."""
        halves = [(etype, self.edges[etype]) for etype in types]
        if not all(adj.out.exact for _t, adj in halves):
            return None
        members = sorted(set(self.numbers(ids)), key=self.ids.__getitem__)
        inside = set(members)
        ids_ = self.ids
        out: list[dict[str, Any]] = []
        for etype, adj in halves:
            half, kinds = adj.out, adj.kinds
            nbr, trust, kind, position, prov = half.nbr, half.trust, half.kind, half.position, half.prov
            for v in members:
                for i in range(half.start[v], half.start[v + 1]):
                    if nbr[i] in inside:
                        at = -1 if position is None else position[i]
                        key = prov[i]
                        out.append(
                            {
                                "type": etype,
                                "source": ids_[v],
                                "target": ids_[nbr[i]],
                                "kind": kinds[kind[i]] if kind[i] else half.blank,
                                "position": None if at < 0 else at,
                                "trust": trust[i],
                                "prov": None if key < 0 else key,
                            }
                        )
        return out

    def edges_among(self, ids: Iterable[str], types: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        """``{type: [(source, target), ...]}`` of stored edges whose both ends are in ``ids``."""
        members = set(self.numbers(ids))
        ids_ = self.ids
        out: dict[str, list[tuple[str, str]]] = {}
        for etype in types:
            half = self.edges[etype].out
            nbr = half.nbr
            pairs = [(ids_[v], ids_[nbr[i]]) for v in members for i in half.at(v) if nbr[i] in members]
            if pairs:
                out[etype] = pairs
        return out


def version(execute: Execute) -> int | None:
    """The store's write counter (0: never written since the counter existed); None when the
    store has no counter table (a store opened read-only, last written before it existed): the
    failed statement has then ended the caller's transaction."""
    try:
        result = execute(VERSION)
    except RuntimeError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    return int(result.get_next()[0]) if result.has_next() else 0


class IndexKeeper:
    """Holds one store's :class:`GraphIndex` and hands it out only while it is fresh."""

    def __init__(self) -> None:
        self.index: GraphIndex | None = None

    def current(self, connection: Any, *, build: bool = True) -> GraphIndex | None:
        """The index if the store's counter still matches it; else a new one (``build``) or None.
        The counter is read, and the index built, in one read transaction: one snapshot. None
        inside another transaction (a bulk load's), where the engine refuses a new one."""
        try:
            connection.execute("BEGIN TRANSACTION READ ONLY")
        except RuntimeError as exc:
            if "active transaction" in str(exc):
                return None
            raise
        try:
            now = version(connection.execute)
            if now is None:  # no counter: nobody with this code wrote since it was opened
                connection.execute("BEGIN TRANSACTION READ ONLY")
                now = 0
            if self.index is not None and self.index.version == now:
                return self.index
            self.index = None  # stale: never used again, and its memory freed before a rebuild
            if build:
                self.index = GraphIndex.build(connection.execute, now)
            return self.index
        finally:
            connection.execute("ROLLBACK")
