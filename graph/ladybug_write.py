"""Writing a planned batch into the embedded store (:class:`LadybugWrite`), and the Arrow tables
``COPY`` reads, shared by single batches and staged bulk loads (graph/ladybug_bulk.py).

New rows go in with ``COPY … FROM`` a Parquet file (the planner has already decided which rows
are new, so COPY never meets a duplicate key); changed rows with ``UNWIND … SET``. BENCHMARKS.md
has the measurements behind both choices.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from graph import ladybug_provenance as provenance
from graph.ladybug_provenance import EDGE_RETURN, REL_COLUMNS, interned, rel_row
from graph.store import Batch, BatchPlan, EdgeKey
from graph.vocab import NODE_COLUMNS, EdgeType
from graph.write_session import WriteSession

#: Ladybug column types as Arrow types, for the tables ``COPY`` reads.
ARROW_TYPES = {
    "STRING": pa.string(),
    "STRING[]": pa.list_(pa.string()),
    "INT64": pa.int64(),
    "DOUBLE[]": pa.list_(pa.float64()),
    "BOOLEAN": pa.bool_(),
}


class EmbeddedTarget(Protocol):
    """What writing into the embedded store needs of it (:class:`graph.ladybug_store.LadybugStore`
    is one): its connection and lock, row reads, where COPY's files go, and rolling back. Stated
    here so the store, this module and the bulk loader do not import each other."""

    location: str
    threads: int
    buffer_pool_mb: int
    connection: Any
    lock: AbstractContextManager[Any]
    staging_dir: Path
    staging_prefix: str
    node_order: list[str]

    def rows(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]: ...
    def nodes(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]: ...
    def rollback(self) -> None: ...


class LadybugWrite(WriteSession):
    """A batch write inside the embedded store's open transaction."""

    def __init__(self, store: EmbeddedTarget) -> None:
        self.store = store

    def node_rows(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        return self.store.nodes(ids)

    def node_ids(self, ids: list[str]) -> set[str]:
        found = self.store.rows("UNWIND $ids AS i MATCH (n:Node {id: i}) RETURN n.id AS id", {"ids": ids})
        return {r["id"] for r in found}

    def edges_out_of(self, etype: str, sources: list[str]) -> Iterable[tuple[str, str, dict[str, Any]]]:
        query = (
            f"UNWIND $ids AS i MATCH (a:Node {{id: i}})-[e:{EdgeType(etype).value}]->(b:Node) "
            f"RETURN a.id AS source, b.id AS target, {EDGE_RETURN}"
        )
        return ((r["source"], r["target"], r) for r in self.store.rows(query, {"ids": sources}))

    def complete_edges(self, found: dict[EdgeKey, dict[str, Any]]) -> dict[EdgeKey, dict[str, Any]]:
        """Only the wanted edges get their provenance (in a bulk group another edge of the
        source may point to a staged row)."""
        return dict(zip(found, provenance.attach(self.store.rows, list(found.values())), strict=True))

    def apply(self, plan: BatchPlan) -> None:
        if plan.new_nodes:
            self._copy("Node", plan.new_nodes)
        fresh = provenance.unwritten(self.store.rows, provenance.texts_of([*plan.new_edges, *plan.changed_edges]))
        if fresh:
            self._copy("Provenance", [{"key": k, "value": v} for k, v in fresh.items()])
        for etype in EdgeType:
            new = [r for r in plan.new_edges if r["type"] == etype.value]
            if new:
                self._copy(etype.value, new)
        self.set_changed(plan)

    def set_changed(self, plan: BatchPlan) -> None:
        """Write the planned changes to rows that exist."""
        conn = self.store.connection
        if plan.changed_nodes:
            sets = ", ".join(f"n.{c} = CAST(r.{c} AS {t})" for c, t in NODE_COLUMNS.items() if c != "id")
            conn.execute(f"UNWIND $rows AS r MATCH (n:Node {{id: r.id}}) SET {sets}", {"rows": plan.changed_nodes})
        for etype in EdgeType:
            changed = [rel_row(r) for r in plan.changed_edges if r["type"] == etype.value]
            if changed:
                sets = ", ".join(f"e.{c} = CAST(r.{c} AS {t})" for c, t in REL_COLUMNS.items() if c != "kind")
                conn.execute(
                    f"UNWIND $rows AS r MATCH (a:Node {{id: r.source}})-[e:{etype.value}]->"
                    f"(b:Node {{id: r.target}}) WHERE e.kind = r.kind SET {sets}",
                    {"rows": changed},
                )

    def set_checkpoint(self, key: str, value: str) -> None:
        self.store.connection.execute("MERGE (c:Checkpoint {key: $k}) SET c.value = $v", {"k": key, "v": value})

    def _copy(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Bulk-write rows through a temporary Parquet file: COPY straight from an in-memory Arrow
        table leaked memory over many copies (BENCHMARKS.md), from a file it did not."""
        store = self.store
        fd, tmp = tempfile.mkstemp(prefix=f"{store.staging_prefix}{table}-", suffix=".parquet", dir=store.staging_dir)
        os.close(fd)
        try:
            pq.write_table(in_table_order(store, table, store_table(table, rows)), tmp, compression="none")
            # COPY takes no parameter for a file; the path is our own mkstemp name, not input.
            store.connection.execute(f"COPY {table} FROM '{tmp}'")
        finally:
            os.unlink(tmp)


def in_table_order(store: EmbeddedTarget, table: str, data: pa.Table) -> pa.Table:
    """``data`` with its columns in the order of the store's table: COPY maps a file's columns by
    position, and a store migrated from an older schema has its newer columns last."""
    if table != "Node" or data.column_names == store.node_order:
        return data
    return data.select(store.node_order)


def batch_tables(batch: Batch) -> dict[str, pa.Table]:
    """Every row of a batch as :func:`store_table` tables, in dict order (see :meth:`Batch.seal`),
    and its distinct provenance rows."""
    out = {"Node": store_table("Node", list(batch.nodes.values()))}
    keyed = {id(r): interned(r) for r in batch.edges.values()}  # once an edge: both uses below
    for etype in EdgeType:
        rows = [r for r in batch.edges.values() if r["type"] == etype.value]
        if rows:
            out[etype.value] = store_table(etype.value, rows, [keyed[id(r)][0] for r in rows])
    if batch.edges:
        out["Provenance"] = provenance.table(dict(keyed.values()))
    return out


def store_table(table: str, rows: list[dict[str, Any]], keys: list[int] | None = None) -> pa.Table:
    """Rows as the Arrow table ``COPY`` reads: nodes by column, edges with ``from``/``to`` first
    (``keys``: their provenance keys, when the caller has them).

    Rows convert as one struct array: Arrow reads the dicts in C++, faster than a column at a
    time (BENCHMARKS.md, design measurements).
    """
    if table == "Node":
        struct = pa.struct([(c, ARROW_TYPES[t]) for c, t in NODE_COLUMNS.items()])
        return pa.Table.from_struct_array(pa.array(rows, type=struct))
    if table == "Provenance":
        return provenance.table({r["key"]: r["value"] for r in rows})
    own = [c for c in REL_COLUMNS if c != "prov"]
    struct = pa.struct(
        [("source", pa.string()), ("target", pa.string())] + [(c, ARROW_TYPES[REL_COLUMNS[c]]) for c in own]
    )
    data = pa.Table.from_struct_array(pa.array(rows, type=struct)).rename_columns(["from", "to", *own])
    keys = [interned(r)[0] for r in rows] if keys is None else keys
    # provenance as its key (graph/ladybug_provenance.py), in REL_COLUMNS order
    data = data.add_column(2 + list(REL_COLUMNS).index("prov"), "prov", pa.array(keys, type=pa.int64()))
    return data
