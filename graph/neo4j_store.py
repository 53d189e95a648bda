"""Neo4j, the production store: one server, a cluster or Aura, reached through ``NEO4J_URI``.

Writes are managed transactions (``execute_write``), so the driver retries transient errors
with backoff; our work function re-plans the batch on every attempt, which keeps retries
idempotent. Reads use ``execute_read``, which also makes the server refuse write clauses.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, TypeVar

import neo4j
from neo4j.exceptions import AuthError, ClientError, Neo4jError, ServiceUnavailable, SessionExpired, TransientError

from graph import neo4j_derived, neo4j_import
from graph.errors import (
    OutOfMemoryError,
    QueryError,
    QueryRefusedError,
    QueryTimeoutError,
    StoreError,
    StoreUnavailableError,
)
from graph.store import Batch, BatchPlan, LoadReport, batch_by_batch, chunks, graph_counts, read_checkpoint
from graph.store import degree_of as _degree
from graph.vocab import EDGE_COLUMNS, NODE_COLUMNS, NODE_LABELS, EdgeType
from graph.write_session import BatchWriter, WriteSession

T = TypeVar("T")
NODE_KEYS = list(NODE_COLUMNS)
EDGE_KEYS = list(EDGE_COLUMNS)
# Labels and relationship types cannot be parameters, so each has its own static text.
# New nodes (the planner knows which) are CREATEd, not MERGEd: faster for bulk loads (BENCHMARKS.md, design measurements).
# Each also sets the node's search text (graph.neo4j_derived).
_SEARCH = neo4j_derived.SET_SEARCH
CREATE_NODES = {label: f"UNWIND $rows AS r CREATE (n:Node:{label}) SET n = r SET {_SEARCH}" for label in NODE_LABELS}
UPDATE_NODES = {
    label: f"UNWIND $rows AS r MATCH (n:Node {{id: r.id}}) SET n += r, n:{label} SET {_SEARCH}" for label in NODE_LABELS
}
# Properties as a literal map of flat row fields, faster than `SET e = r.props` (BENCHMARKS.md).
_EDGE_MAP = "{" + ", ".join(f"{k}: r.{k}" for k in EDGE_KEYS) + "}"
CREATE_EDGES = {
    t.value: f"UNWIND $rows AS r MATCH (a:Node {{id: r.source}}) MATCH (b:Node {{id: r.target}}) "
    f"CREATE (a)-[e:{t.value} {_EDGE_MAP}]->(b)"
    for t in EdgeType
}
#: Lookups return one record per this many items: each record costs the driver and server about
#: as much as reading a node, so collecting rows into few records is the faster read
#: (BENCHMARKS.md, design measurements). Chunks keep each record small.
CHUNK = 1000


def collected(inner: str) -> str:
    """Wrap ``inner`` — Cypher that reads one item ``i`` and ends ``WITH <map> AS row`` — so that
    ``$chunks`` (lists of items) come back as one ``rows`` list per chunk."""
    return (
        f"UNWIND $chunks AS chunk CALL (chunk) {{ UNWIND chunk AS i {inner} RETURN collect(row) AS rows }} RETURN rows"
    )


def run_collected(
    tx: neo4j.ManagedTransaction, inner: str, items: Sequence[Any], **params: Any
) -> list[dict[str, Any]]:
    """The rows of :func:`collected` ``inner`` over ``items``, flattened."""
    return [row for rec in tx.run(collected(inner), chunks=list(chunks(items, CHUNK)), **params) for row in rec["rows"]]


UPDATE_EDGES = {
    t.value: f"UNWIND $rows AS r MATCH (a:Node {{id: r.source}}) MATCH (b:Node {{id: r.target}}) "
    f"MATCH (a)-[e:{t.value}]->(b) WHERE e.kind = r.kind SET "
    + ", ".join(f"e.{k} = r.{k}" for k in EDGE_KEYS if k != "kind")
    for t in EdgeType
}


OUT_OF_MEMORY = "Neo.TransientError.General.MemoryPoolOutOfMemoryError"
#: Plan operators ad-hoc Cypher may not run, whatever the statement looked like.
ADHOC_REFUSED_OPERATORS = {"LoadCSV", "ProcedureCall", "SystemProcedureCall", "TransactionForeach", "TransactionApply"}
_MEMORY_LIMIT = re.compile(r"limit (?P<limit>[\d.]+ \w+)\..*?(?P<setting>[\w.]+\.max) threshold", re.DOTALL)


def _operators(plan: Any) -> set[str]:
    """Every operator type in an EXPLAIN plan (``LoadCSV@neo4j`` -> ``LoadCSV``)."""
    if not plan:
        return set()
    found = {str(plan.get("operatorType", "")).split("@")[0]}
    for child in plan.get("children", ()):
        found |= _operators(child)
    return found


def out_of_memory(exc: TransientError) -> OutOfMemoryError:
    """The server refused a query its memory pool cannot hold. The driver counts this error as
    transient and would retry it with backoff for ~30 s; the same query fails the same way each
    time, so it ends here with what to change."""
    found = _MEMORY_LIMIT.search(exc.message or "")
    limit = f" ({found['setting']} is {found['limit']})" if found else ""
    return OutOfMemoryError(
        f"Neo4j ran out of memory for this query{limit}: ask for less (a smaller limit or depth) "
        "or give the server more (that setting; the project's own server reads LINEAGE_NEO4J_TX_MEMORY)"
    )


def _edge_row(source: str, row: dict[str, Any]) -> dict[str, Any]:
    """An edge as the store returns it, from a ``{target, type, p}`` row read out of ``source``."""
    return {"type": row["type"], "source": source, "target": row["target"], **{k: row["p"].get(k) for k in EDGE_KEYS}}


def _friendly(uri: str, exc: Exception) -> StoreError:
    if isinstance(exc, AuthError):
        cause = "authentication failed (check NEO4J_USERNAME / NEO4J_PASSWORD)"
    elif isinstance(exc, ServiceUnavailable):
        cause = "server unreachable (is it running? is the port right?)"
    else:
        cause = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return StoreUnavailableError(f"cannot use Neo4j at {uri}: {cause}")


_TIMED_OUT = ("TransactionTimedOut", "Transaction.Terminated", "TransactionTerminated")


def _nodes_tx(tx: neo4j.ManagedTransaction, ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = run_collected(tx, "MATCH (n:Node {id: i}) WITH properties(n) AS row", ids)
    return {p["id"]: {k: p.get(k) for k in NODE_KEYS} for p in rows}


class Neo4jWrite(WriteSession):
    """A batch write inside a managed write transaction."""

    def __init__(self, tx: neo4j.ManagedTransaction) -> None:
        self.tx = tx

    def node_rows(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        return _nodes_tx(self.tx, ids)

    def node_ids(self, ids: list[str]) -> set[str]:
        return {r["id"] for r in run_collected(self.tx, "MATCH (n:Node {id: i}) WITH {id: n.id} AS row", ids)}

    def edges_out_of(self, etype: str, sources: list[str]) -> Iterable[tuple[str, str, dict[str, Any]]]:
        inner = (
            f"MATCH (a:Node {{id: i}})-[e:{EdgeType(etype).value}]->(b:Node) "
            "WITH {source: a.id, target: b.id, p: properties(e)} AS row"
        )
        for rec in run_collected(self.tx, inner, sources):
            yield rec["source"], rec["target"], {k: rec["p"].get(k) for k in EDGE_KEYS}

    def apply(self, plan: BatchPlan) -> None:
        tx = self.tx
        for label in NODE_LABELS:
            for rows, query in ((plan.new_nodes, CREATE_NODES), (plan.changed_nodes, UPDATE_NODES)):
                labelled = [r for r in rows if r["label"] == label]
                if labelled:
                    tx.run(query[label], rows=labelled).consume()
        for etype in EdgeType:
            for rows, query in ((plan.new_edges, CREATE_EDGES), (plan.changed_edges, UPDATE_EDGES)):
                typed = [
                    {"source": r["source"], "target": r["target"], **{k: r.get(k) for k in EDGE_KEYS}}
                    for r in rows
                    if r["type"] == etype.value
                ]
                if typed:
                    tx.run(query[etype.value], rows=typed).consume()
        neo4j_derived.refresh_counts(tx, plan.new_edges)

    def set_checkpoint(self, key: str, value: str) -> None:
        self.tx.run("MERGE (c:Checkpoint {key: $k}) SET c.value = $v", k=key, v=value).consume()


class Neo4jStore(BatchWriter):
    """A :class:`graph.store.GraphStore` on a Neo4j database."""

    backend = "neo4j"
    #: Other clients may write the same database: nothing may be cached across calls, and the
    #: driver is thread-safe, so calls run concurrently.
    single_writer = False
    bulk_tables = None  # rows go over Bolt as they are

    def __init__(
        self,
        uri: str,
        user: str = "neo4j",
        password: str | None = None,
        database: str | None = None,
        *,
        server: neo4j_import.OfflineImporter | None = None,
    ) -> None:
        """``server``: the local server behind ``uri``, if this process may stop it for an
        import into its empty database (:mod:`graph.neo4j_import`); None for any other."""
        self.location, self.database, self.server = uri, database, server
        self._auth = (user, password) if password is not None else None
        self.connect()

    def connect(self) -> None:
        try:
            # Server notifications ("label does not exist" on a young database) are noise to users
            # and were printed to their terminals; errors still raise.
            self._driver = neo4j.GraphDatabase.driver(self.location, auth=self._auth, notifications_min_severity="OFF")
            self._driver.verify_connectivity()
        except (Neo4jError, ServiceUnavailable, ValueError, OSError) as exc:
            raise _friendly(self.location, exc) from None
        self._ensure_constraints()

    def disconnect(self) -> None:
        self._driver.close()

    def _session(self, read: bool = False) -> neo4j.Session:
        mode = neo4j.READ_ACCESS if read else neo4j.WRITE_ACCESS
        return self._driver.session(database=self.database, default_access_mode=mode)

    def _ensure_constraints(self) -> None:
        """Idempotent: safe at every start."""
        stmts = ["CREATE CONSTRAINT node_id IF NOT EXISTS FOR (n:Node) REQUIRE n.id IS UNIQUE"]
        stmts += [
            f"CREATE CONSTRAINT {lbl.lower()}_id IF NOT EXISTS FOR (n:{lbl}) REQUIRE n.id IS UNIQUE"
            for lbl in NODE_LABELS
        ]
        stmts.append("CREATE CONSTRAINT checkpoint_key IF NOT EXISTS FOR (c:Checkpoint) REQUIRE c.key IS UNIQUE")
        try:
            with self._session() as session:
                for stmt in stmts:
                    session.run(stmt).consume()
                neo4j_derived.ensure(session)
        except Neo4jError as exc:
            raise _friendly(self.location, exc) from None

    # -- reads ---------------------------------------------------------------------------------
    def adhoc(
        self, statement: str, params: dict[str, Any], *, limit: int, timeout: float, open_lock: Any = None
    ) -> list[dict[str, Any]]:
        """One statement in a READ-mode transaction, after the server's own plan says it only
        reads and touches no file or procedure; stopped by the server at ``timeout``; at most
        ``limit`` rows are pulled (the rest are discarded server-side)."""

        def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            summary = tx.run("EXPLAIN " + statement, params).consume()
            if summary.query_type != "r":
                what = {"rw": "reads and writes", "w": "writes", "s": "changes the schema"}
                raise QueryRefusedError(
                    f"refused: the server plans this statement as one that "
                    f"{what.get(summary.query_type or '', 'does not only read')}",
                    "cypher",
                )
            found = sorted(_operators(summary.plan) & ADHOC_REFUSED_OPERATORS)
            if found:
                raise QueryRefusedError(f"refused: the plan runs {', '.join(found)} (files or procedures)", "cypher")
            result = tx.run(statement, params)
            return [record.data() for record in itertools.islice(result, limit)]

        return self._read(work, timeout, "cypher")

    def read(
        self,
        cypher: str,
        params: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,
        columns: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """With ``columns`` the rows come back as one record (the query runs as a subquery and
        its rows are collected in order): each record has a fixed cost in the driver, so many
        rows come back faster as one (BENCHMARKS.md, design measurements)."""

        def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            if not columns:
                return [record.data() for record in tx.run(cypher, params or {})]
            names = list(columns)
            listed = ", ".join(f"`{c}`" for c in names)
            text = f"CALL () {{\n{cypher}\n}}\nRETURN collect([{listed}]) AS rows"
            record = tx.run(text, params or {}).single()
            return [dict(zip(names, row, strict=True)) for row in record["rows"]] if record else []

        return self._read(work, timeout)

    def _read(
        self, work: Callable[[neo4j.ManagedTransaction], T], timeout: float | None = None, parameter: str | None = None
    ) -> T:
        """Every read transaction goes through here, so each read path raises the same typed
        errors: out of memory (not retried: the same query fails the same way), timed out,
        refused, unreachable."""

        @neo4j.unit_of_work(timeout=timeout)  # on the function the driver runs, or it is lost
        def guarded(tx: neo4j.ManagedTransaction) -> T:
            try:
                return work(tx)
            except TransientError as exc:
                if exc.code == OUT_OF_MEMORY:
                    raise out_of_memory(exc) from None
                raise

        try:
            with self._session(read=True) as session:
                return session.execute_read(guarded)
        except ClientError as exc:
            code = exc.code or ""
            message = (exc.message or code).splitlines()[0][:300]
            if any(m in code for m in _TIMED_OUT):
                raise (
                    QueryTimeoutError.after(timeout, parameter) if timeout else QueryTimeoutError(message, parameter)
                ) from None
            if "Forbidden" in code or "AccessMode" in code:
                raise QueryRefusedError(f"refused: {message}", parameter) from None
            if code.startswith("Neo.ClientError.Statement."):  # syntax, semantics, parameters
                raise QueryError(f"Cypher error: {message}", parameter) from None
            raise StoreError(f"Neo4j refused the query: {message}") from None
        except TransientError as exc:
            if any(m in (exc.code or "") for m in _TIMED_OUT):
                raise QueryTimeoutError(f"the query was stopped: {exc.message}", parameter) from None
            raise StoreError(f"Neo4j could not answer: {exc.message}") from None
        except (ServiceUnavailable, SessionExpired) as exc:
            raise _friendly(self.location, exc) from None

    def nodes(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        return self._read(lambda tx: _nodes_tx(tx, ids))

    def degree(self, node_id: str) -> dict[str, dict[str, int]]:
        """Edges per type out of and into one node: ``{type: {"out": n, "in": n}}``."""
        return _degree(self.read, "type(e)", node_id)

    def edges_among(self, ids: Iterable[str], types: Iterable[str] | None = None) -> list[dict[str, Any]]:
        ids = list(dict.fromkeys(ids))
        wanted = [EdgeType(t).value for t in (types or [t.value for t in EdgeType])]
        # Every edge out of each source, kept here when its target is one of the ids. With the
        # target check in Cypher (b.id IN $ids) the planner may seek the targets and expand into
        # them: a much-cited target is then slow, and a plan cached on small lists checked a hub's
        # whole co-citation subgraph pairwise for minutes (BENCHMARKS.md, design measurements).
        # Out-degrees are small, so this reads little more.
        query = collected(
            "MATCH (a:Node {id: i})-[e]->(b:Node) WHERE type(e) IN $types "
            "WITH {source: a.id, target: b.id, type: type(e), p: properties(e)} AS row"
        )
        records = self.read(query, {"chunks": list(chunks(ids, CHUNK)), "types": wanted})
        among = set(ids)
        return [_edge_row(r["source"], r) for rec in records for r in rec["rows"] if r["target"] in among]

    def subgraph(self, ids: Iterable[str]) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
        """``(nodes(ids), edges_among(ids))`` in one query: each id is looked up once, in one
        transaction, which is faster than the two reads (BENCHMARKS.md, design measurements).
        Targets are kept here, as in :meth:`edges_among`."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}, []
        inner = (
            "MATCH (a:Node {id: i}) WITH a, [(a)-[e]->(b:Node) WHERE type(e) IN $types "
            "| {target: b.id, type: type(e), p: properties(e)}] AS out "
            "WITH {node: properties(a), out: out} AS row"
        )
        types = [t.value for t in EdgeType]
        # rows as the driver gives them (record.data() copies)
        found = self._read(lambda tx: run_collected(tx, inner, ids, types=types))
        nodes = {r["node"]["id"]: {k: r["node"].get(k) for k in NODE_KEYS} for r in found}
        edges = [_edge_row(r["node"]["id"], o) for r in found for o in r["out"] if o["target"] in nodes]
        return nodes, edges

    # -- writes --------------------------------------------------------------------------------
    def in_write(self, work: Callable[[WriteSession], LoadReport]) -> LoadReport:
        """:meth:`graph.write_session.BatchWriter.in_write`: a managed write transaction, so the
        driver retries transient errors; ``work`` re-plans the batch on each attempt."""
        try:
            with self._session() as session:
                return session.execute_write(lambda tx: work(Neo4jWrite(tx)))
        except ServiceUnavailable as exc:
            raise _friendly(self.location, exc) from None

    def bulk(
        self, commit_rows: int | None = None, late: LoadReport | None = None
    ) -> AbstractContextManager[Callable[[Batch], LoadReport]]:
        """By ``neo4j-admin database import`` into an empty database of a server this process
        may restart (:mod:`graph.neo4j_import`); otherwise one transaction a batch, since
        Neo4j commits cost little next to the writes."""
        if self.server is not None and self.database in (None, "neo4j") and neo4j_import.is_empty(self):
            return neo4j_import.importing(self, self.server, late)
        return batch_by_batch(self)

    def refresh_counts(self, new_edges: list[dict[str, Any]]) -> None:
        with self._session() as session:
            session.execute_write(lambda tx: neo4j_derived.refresh_counts(tx, new_edges))

    # -- housekeeping --------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        return graph_counts(self)

    def checkpoint(self, key: str) -> str | None:
        return read_checkpoint(self, key)

    def clear(self) -> None:
        """Delete in bounded transactions (relationships first), so a big graph fits the memory pool."""
        with self._session() as session:
            for query in (
                "MATCH ()-[r]->() WITH r LIMIT 20000 DELETE r RETURN count(*) AS n",
                "MATCH (n) WITH n LIMIT 20000 DETACH DELETE n RETURN count(*) AS n",
            ):
                while session.run(query).single()["n"]:
                    pass

    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
