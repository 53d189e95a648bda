"""The embedded default: Ladybug (the maintained Kùzu fork), in-process and on disk, no server.

Ladybug wants typed tables declared up front: one ``Node`` table holding every label (the
``label`` column says which) and one rel table per edge type. Bulk writes go through
``COPY`` (graph/ladybug_write.py): orders of magnitude faster than ``UNWIND … MERGE`` into
large tables (BENCHMARKS.md), and the batch planner has already
decided which rows are new, so COPY never meets a duplicate key.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import ladybug

from graph import ladybug_index
from graph import ladybug_provenance as provenance
from graph.errors import OutOfMemoryError, QueryTimeoutError, StoreError
from graph.ladybug_index import GraphIndex, IndexKeeper
from graph.ladybug_provenance import EDGE_RETURN, REL_COLUMNS
from graph.store import Batch, LoadReport, graph_counts, read_checkpoint
from graph.store import degree_of as _degree
from graph.vocab import NODE_COLUMNS, EdgeType
from graph.write_session import BatchWriter, WriteSession

NODE_RETURN = ", ".join(f"n.{c} AS {c}" for c in NODE_COLUMNS)


_TABLE_NAME = re.compile(r"TABLE IF NOT EXISTS (\w+)")


def _ddl() -> list[str]:
    cols = ", ".join(f"{c} {t}" + (" PRIMARY KEY" if c == "id" else "") for c, t in NODE_COLUMNS.items())
    edge_cols = ", ".join(f"{c} {t}" for c, t in REL_COLUMNS.items())
    stmts = [f"CREATE NODE TABLE IF NOT EXISTS Node({cols})"]
    stmts += [f"CREATE REL TABLE IF NOT EXISTS {t.value}(FROM Node TO Node, {edge_cols})" for t in EdgeType]
    stmts.append("CREATE NODE TABLE IF NOT EXISTS Checkpoint(key STRING PRIMARY KEY, value STRING)")
    stmts.append(provenance.DDL)
    stmts.append(ladybug_index.META_DDL)
    return stmts


#: ``edges_among``: up to this many sources, one primary-key look-up and expansion each (~0.1 ms);
#: beyond, one scan of the node ids. ``UNWIND $ids ... MATCH (a:Node {id: i})-[e]->`` is planned
#: as a scan of the whole rel table joined to the ids (40-1,500 ms at 1M edges, whatever the ids:
#: BENCHMARKS.md, issue 27).
SOURCES_ONE_BY_ONE = 32
#: The graph index holds every rel column, so ``edges_among`` can take the rows from it.
INDEX_ROWS = tuple(REL_COLUMNS) == ladybug_index.REL_COLUMNS_HELD


@contextmanager
def _both(first: AbstractContextManager[Any], second: AbstractContextManager[Any]) -> Iterator[None]:
    with first, second:
        yield


class LadybugStore(BatchWriter):
    """A :class:`graph.store.GraphStore` on a Ladybug database directory."""

    backend = "ladybug"
    #: This process is the database's only writer (the engine locks it): read results may be
    #: cached until the next write, and calls share one connection, so a service serialises them.
    single_writer = True

    #: Bulk loads stage rows as Arrow tables; parsing workers build them (Batch.seal).
    @staticmethod
    def bulk_tables(batch: Batch) -> Any:
        from graph.ladybug_write import batch_tables  # pyarrow: loaded by writes, not by a query

        return batch_tables(batch)

    def __init__(self, path: str | Path, *, buffer_pool_mb: int = 2048, read_only: bool = False) -> None:
        """``buffer_pool_mb`` bounds the engine's memory (its default is most of the machine's RAM)."""
        self.location = str(path)
        self.buffer_pool_mb = buffer_pool_mb
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = ladybug.Database(
                str(path),
                buffer_pool_size=buffer_pool_mb << 20,
                read_only=read_only,
            )
            self.connection = ladybug.Connection(self._db)
            #: the engine's threads for a query (its default: the machine's cores)
            self.threads = int(self.rows("CALL current_setting('threads') RETURN *")[0]["threads"])
        except RuntimeError as exc:
            raise StoreError(f"cannot open the embedded store at {path}: {exc}") from None
        self.lock = threading.RLock()  # one connection, used from one thread at a time
        #: the in-process graph index (graph/ladybug_index.py); False: answer everything in Cypher
        self.use_index = True
        self._index = IndexKeeper()
        # COPY's files live beside the database (not in the system temp directory), named for
        # it, and a writer removes what a killed load left behind
        self.staging_dir = Path(path).resolve().parent
        self.staging_prefix = f".{Path(path).name}.copy-"
        if not read_only:
            for stale in self.staging_dir.glob(f"{self.staging_prefix}*.parquet"):
                stale.unlink(missing_ok=True)
            self._create_tables()
            self._add_node_columns()
            provenance.migrate(self.rows, [t.value for t in EdgeType])
        elif provenance.old_layout(self.rows, [t.value for t in EdgeType]) or self._missing_node_columns():
            self.close()
            raise StoreError(
                f"the embedded store at {path} was written by an older version (edge provenance or node columns); "
                "open it once without read-only (any lineage command that writes) to move it over"
            )
        #: The Node table's columns in the table's own order: a store older than a column got it
        #: appended at the end, and COPY reads a file's columns by position.
        self.node_order = self._node_order()

    def _create_tables(self) -> None:
        """The tables the store lacks (all of them when it is new), after one look at its catalogue:
        a dozen ``CREATE ... IF NOT EXISTS`` on every open cost each CLI command ~5 ms (issue 25).
        An existing table's columns are brought up to date by the checks that follow."""
        have = {r["name"] for r in self.rows("CALL show_tables() RETURN name")}
        for stmt in _ddl():
            if _TABLE_NAME.search(stmt)[1] not in have:  # type: ignore[index]
                self.connection.execute(stmt)

    def _node_order(self) -> list[str]:
        try:
            return [r["name"] for r in self.rows("CALL table_info('Node') RETURN name")]
        except RuntimeError:  # no Node table (a read-only handle on an empty directory): nothing to write
            return list(NODE_COLUMNS)

    def _missing_node_columns(self) -> list[str]:
        tables = {r["name"] for r in self.rows("CALL show_tables() RETURN name")}
        if "Node" not in tables:
            return []
        have = {r["name"] for r in self.rows("CALL table_info('Node') RETURN name")}
        return [c for c in NODE_COLUMNS if c not in have]

    def _add_node_columns(self) -> None:
        """A store written before a node column existed (``date_source``) gets it, empty:
        ``CREATE NODE TABLE IF NOT EXISTS`` leaves an existing table as it was."""
        for column in self._missing_node_columns():  # names and types are the schema's own constants
            self.connection.execute(f"ALTER TABLE Node ADD {column} {NODE_COLUMNS[column]}")

    # -- low level -------------------------------------------------------------------------
    def rows(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        result = self.connection.execute(cypher, params or {})
        if isinstance(result, list):  # several statements: the last one answers
            result = result[-1]
        cols = result.get_column_names()
        rows = []
        while result.has_next():
            rows.append(dict(zip(cols, result.get_next(), strict=True)))
        return rows

    def adhoc(
        self, statement: str, params: dict[str, Any], *, limit: int, timeout: float, open_lock: Any = None
    ) -> list[dict[str, Any]]:
        """One read-only statement in a child process that cannot write, stopped at ``timeout``
        (graph/ladybug_adhoc.py); ``open_lock`` (with this store's own) is held while it opens."""
        from graph import ladybug_adhoc

        lock = _both(self.lock, open_lock) if open_lock is not None else self.lock
        return ladybug_adhoc.run(self.location, statement, params, limit=limit, timeout=timeout, open_lock=lock)

    def read(
        self,
        cypher: str,
        params: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,
        columns: Sequence[str] | None = None,  # rows are local: nothing to batch
    ) -> list[dict[str, Any]]:
        """Run in a read-only transaction, so a write clause is refused by the engine itself."""
        with self.lock:
            self.connection.set_query_timeout(int(timeout * 1000) if timeout else 0)
            self.connection.execute("BEGIN TRANSACTION READ ONLY")
            try:
                return self.rows(cypher, params)
            except RuntimeError as exc:
                if "interrupted" in str(exc).lower():
                    raise QueryTimeoutError.after(timeout) from None
                if "buffer pool is full" in str(exc):
                    raise OutOfMemoryError(
                        f"the embedded store ran out of memory for this query (its buffer pool is "
                        f"{self.buffer_pool_mb} MB): ask for less (a smaller limit or depth) or give it "
                        f"more: LINEAGE_BUFFER_POOL_MB={self.buffer_pool_mb * 2}"
                    ) from None
                raise
            finally:
                self.rollback()
                self.connection.set_query_timeout(0)

    # -- reads used by the planner and subgraphs ---------------------------------------------
    def nodes(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        rows = self.rows(f"UNWIND $ids AS i MATCH (n:Node {{id: i}}) RETURN {NODE_RETURN}", {"ids": ids})
        return {r["id"]: r for r in rows}

    def degree(self, node_id: str) -> dict[str, dict[str, int]]:
        """Edges per type out of and into one node: ``{type: {"out": n, "in": n}}``."""
        return _degree(self.read, "label(e)", node_id)

    def subgraph(self, ids: Iterable[str]) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
        """``(nodes(ids), edges_among(ids))``."""
        ids = list(dict.fromkeys(ids))
        return self.nodes(ids), self.edges_among(ids)

    def edges_among(self, ids: Iterable[str], types: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Where a fresh graph index is at hand (one a saved query built) it gives the edges' rows
        (or, where it cannot give them exactly, names the edges, and only their sources are asked
        for their rows); else every wanted type out of every id."""
        ids = list(dict.fromkeys(ids))
        types = [EdgeType(t).value for t in (types or EdgeType)]
        wanted = set(ids)
        with self.lock:
            index = self.graph_index(build=False)
            held = index.edge_rows(ids, types) if index is not None and INDEX_ROWS else None
            if held is not None:  # every row from the index: only their provenance is read
                return provenance.attach(self.rows, held)
            if index is not None:
                found = index.edges_among(ids, types)
                sources = sorted({s for pairs in found.values() for s, _t in pairs})
                types = [t for t in types if t in found]
            else:
                sources = ids
            out = self._edges_out_of(sources, types, wanted) if sources and types else []
            return provenance.attach(self.rows, out)  # one lookup for every type's edges

    def _edges_out_of(self, sources: list[str], types: list[str], targets: set[str]) -> list[dict[str, Any]]:
        """Edges of ``types`` out of ``sources`` into ``targets``, by type, in one pass per source
        (few) or one scan of the node ids (many): see :data:`SOURCES_ONE_BY_ONE`."""
        pattern = "|".join(types)
        ret = f"RETURN label(e) AS type, a.id AS source, b.id AS target, {EDGE_RETURN}"
        if len(sources) <= SOURCES_ONE_BY_ONE:
            rows = []
            for source in sources:
                rows += self.rows(f"MATCH (a:Node {{id: $id}})-[e:{pattern}]->(b:Node) {ret}", {"id": source})
        else:
            rows = self.rows(
                f"MATCH (a:Node)-[e:{pattern}]->(b:Node) WHERE a.id IN $ids HINT (a JOIN e) JOIN b {ret}",
                {"ids": sources},
            )
        order = {t: i for i, t in enumerate(types)}
        kept = [r for r in rows if r["target"] in targets]
        return sorted(kept, key=lambda r: order[r["type"]])

    def graph_index(self, build: bool = True) -> GraphIndex | None:
        """The in-process graph index, if it matches the store now (graph/ladybug_index.py);
        ``build``: (re)build it when it does not. None when switched off (:attr:`use_index`) or
        inside a write transaction."""
        if not self.use_index:
            return None
        with self.lock:
            return self._index.current(self.connection, build=build)

    # -- writes -----------------------------------------------------------------------------
    def in_write(self, work: Callable[[WriteSession], LoadReport]) -> LoadReport:
        """:meth:`graph.write_session.BatchWriter.in_write`: one transaction on this connection."""
        from graph.ladybug_write import LadybugWrite  # pyarrow: loaded by writes, not by a query

        with self.lock:
            self.connection.execute("BEGIN TRANSACTION")
            try:
                report = work(LadybugWrite(self))
                self.connection.execute(ladybug_index.BUMP)  # the graph index is stale now
                self.connection.execute("COMMIT")
            except BaseException:
                self.rollback()
                raise
        return report

    def bulk(
        self, commit_rows: int | None = None, late: LoadReport | None = None
    ) -> AbstractContextManager[Callable[[Batch], LoadReport]]:
        """Stage new rows on disk and commit them in groups (graph/ladybug_bulk.py says why)."""
        from graph.ladybug_bulk import staged_bulk

        return staged_bulk(self, commit_rows)

    def rollback(self) -> None:
        """Ladybug already rolls back a transaction whose statement failed; roll back the rest."""
        try:
            self.connection.execute("ROLLBACK")
        except RuntimeError as exc:
            if "No active transaction" not in str(exc):
                raise

    # -- housekeeping -----------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        return graph_counts(self)

    def checkpoint(self, key: str) -> str | None:
        return read_checkpoint(self, key)

    def clear(self) -> None:
        with self.lock:
            self.connection.execute("MATCH (n:Node) DETACH DELETE n")
            self.connection.execute("MATCH (c:Checkpoint) DELETE c")
            self.connection.execute("MATCH (p:Provenance) DELETE p")
            self.connection.execute(ladybug_index.BUMP)

    def close(self) -> None:
        self.connection.close()
        self._db.close()

    def __enter__(self) -> LadybugStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
