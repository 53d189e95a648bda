"""Bulk loads into the embedded store: new rows are staged on disk and committed in groups.

Every Ladybug commit after a ``COPY`` checkpoints, and a checkpoint costs more as the tables
grow (it rewrites the rel tables' pages that new edges touch, which for AUTHORED is nearly all
of them): with a commit per batch, a large load spent most of its time committing
(BENCHMARKS.md, sessions 2-4). So a bulk load keeps one write transaction open over many batches: rows
already in the store are merged with ``SET`` inside it as the batches come, new rows go to
Parquet files beside the database (Python's memory stays one batch), and at about
``commit_rows`` staged rows they are ``COPY``-ed in and committed, the last batch's checkpoint
with the edges. An error rolls back to the last commit; a re-run resumes at the last checkpoint.

A group commits twice: its nodes (with what it merged by ``SET``), then its edges and the
checkpoint. The engine's own peak is the commit, and one commit for both peaked higher and
took as long (BENCHMARKS.md, session 8). A group whose edges fail after its nodes committed leaves those nodes
in the store but the checkpoint before them, so the re-run finds them unchanged and adds the
edges.

Staged rows are not in the database yet, so two cases commit the group first and then plan
the batch against the database: a staged node coming again with a different row (it must be
merged), and an edge both of whose ends were already seen in this group (it may be staged
already, and COPY would add it twice).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from graph import ladybug_index
from graph import ladybug_provenance as provenance
from graph.errors import StoreError
from graph.ladybug_write import EmbeddedTarget, LadybugWrite, in_table_order, store_table
from graph.memory import release_free_heap
from graph.store import Batch, BatchPlan, KnownRows, LoadReport
from graph.vocab import EdgeType

#: Rows (nodes + edges) staged before a commit. The engine keeps a transaction's new rows in
#: its buffer pool until the commit, so this bounds its memory (BENCHMARKS.md, session 8).
COMMIT_ROWS = 3_000_000
#: Engine threads for a node COPY into a table that has rows already (a load's second group, or
#: any group of a load into a full store). Each thread seems to fill its own group of rows, which
#: abstracts make large, so one thread keeps the load's peak lower (BENCHMARKS.md, session 8).
#: Into an empty table the COPY takes every thread.
NODE_COPY_THREADS = 1
log = logging.getLogger("lineage.bulk")


class StagedGroup(LadybugWrite):
    """One open transaction and the Parquet files of the new rows it will ``COPY`` at commit:
    a :class:`LadybugWrite` whose new rows are staged, and whose checkpoint waits for the commit."""

    def __init__(self, store: EmbeddedTarget, known: KnownRows) -> None:
        super().__init__(store)
        self.known = known
        self.dir = Path(
            tempfile.mkdtemp(prefix=Path(store.location).name + ".staging-", dir=Path(store.location).parent)
        )
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.staged: set[str] = set()  # new node ids written to the files, not yet committed
        self.staged_provenance: set[int] = set()  # new Provenance keys written to the files
        self.seen: set[str] = set()  # every node id of this group's batches, edge ends included
        self.rows = 0
        self.checkpoint: tuple[str, str] | None = None
        self.batch = Batch()  # the batch being written (apply stages its sealed tables)
        self.open = False

    # -- one batch ------------------------------------------------------------------------------
    def must_commit_first(self, batch: Batch) -> bool:
        """See the module docstring: a staged node with another row, or an edge that may be staged."""
        staged, seen, known, prints = self.staged, self.seen, self.known.rows, batch.fingerprints()
        if any(i in staged and known.get(i) != prints[i] for i in batch.nodes):
            return True
        return any(k[1] in seen and k[2] in seen for k in batch.edges)

    def write(self, batch: Batch, known: KnownRows | None = None) -> LoadReport:
        if not self.open:
            self.store.connection.execute("BEGIN TRANSACTION")
            self.open = True
        self.batch = batch
        report = super().write(batch, self.known)
        self.seen.update(batch.nodes)
        self.seen.update(n for key in batch.edges for n in key[1:3])
        return report

    def apply(self, plan: BatchPlan) -> None:
        """Changes to stored rows are made now, in the open transaction; new rows are staged."""
        batch = self.batch
        self.set_changed(plan)
        if plan.new_nodes:
            self._stage("Node", plan.new_nodes, batch)
            self.staged.update(r["id"] for r in plan.new_nodes)
        by_type: dict[str, list[dict[str, Any]]] = {}
        for row in plan.new_edges:
            by_type.setdefault(row["type"], []).append(row)
        for etype, rows in by_type.items():
            self._stage(etype, rows, batch)
        if plan.new_edges or plan.changed_edges:
            self._stage_provenance(batch, plan.changed_edges)
        self.rows += len(plan.new_nodes) + len(plan.new_edges)

    def set_checkpoint(self, key: str, value: str) -> None:
        self.checkpoint = (key, value)  # written with the group's edges, at its commit

    def _stage(self, table: str, rows: list[dict[str, Any]], batch: Batch) -> None:
        """Append ``rows`` (the batch's new rows of this table, in batch order) to the table's file.

        A sealed batch has its Arrow tables already (built in a parsing worker): its new rows
        are the whole table or one filter of it: building them here, in the writer, was a large
        part of a snapshot load's time.
        """
        sealed = (batch.tables or {}).get(table)
        if sealed is not None and sealed.num_rows == len(rows):
            data = sealed
        elif sealed is not None:
            keep = {id(r) for r in rows}
            every = batch.nodes.values() if table == "Node" else (r for r in batch.edges.values() if r["type"] == table)
            data = sealed.filter(pa.array([id(r) in keep for r in every], type=pa.bool_()))
        else:
            data = store_table(table, rows)
        self._append(table, data)

    def _stage_provenance(self, batch: Batch, changed: list[dict[str, Any]]) -> None:
        """Stage the provenance rows of the batch's edges and of the changed edges (merged with
        what the store had) that neither this group nor the database has yet."""
        sealed = (batch.tables or {}).get("Provenance")  # computed in a parsing worker
        if sealed is not None:
            texts = dict(zip(sealed.column("key").to_pylist(), sealed.column("value").to_pylist(), strict=True))
        else:
            texts = provenance.texts_of(batch.edges.values())
        texts.update(provenance.texts_of(changed))
        for key in self.staged_provenance.intersection(texts):
            del texts[key]
        fresh = provenance.unwritten(self.store.rows, texts)
        if fresh:
            self._append("Provenance", provenance.table(fresh))
            self.staged_provenance.update(fresh)

    def _append(self, table: str, data: pa.Table) -> None:
        data = in_table_order(self.store, table, data)
        writer = self.writers.get(table)
        if writer is None:
            writer = self.writers[table] = pq.ParquetWriter(
                self.dir / f"{table}.parquet", data.schema, compression="none"
            )
        writer.write_table(data)

    # -- the end of a group -----------------------------------------------------------------------
    def commit(self) -> None:
        """COPY what is staged, nodes first and committed on their own (module docstring), then
        provenance and edges with the checkpoint."""
        if not self.open:
            return
        conn = self.store.connection
        for writer in self.writers.values():
            writer.close()
        tables = [t for t in ["Node", "Provenance", *(t.value for t in EdgeType)] if t in self.writers]
        # What only this group's batches needed, freed for the engine before its peak.
        self.staged, self.staged_provenance, self.seen = set(), set(), set()
        release_free_heap()
        started = time.perf_counter()
        took, commits = [], []
        for table in tables:
            before = time.perf_counter()
            self._copy_staged(table)
            took.append(f"{table} {time.perf_counter() - before:.1f}")
            if table == "Node" and len(tables) > 1:
                commits.append(self._commit())
                conn.execute("BEGIN TRANSACTION")
        if self.checkpoint:
            LadybugWrite.set_checkpoint(self, *self.checkpoint)
        commits.append(self._commit())
        self.open = False
        log.debug(  # internals: `lineage load snapshot --verbose` shows them
            "committed %s staged rows: COPY %s s (%s), commit %s s",
            f"{self.rows:,}",
            f"{time.perf_counter() - started - sum(commits):.1f}",
            ", ".join(took),
            " + ".join(f"{c:.1f}" for c in commits),
        )

    def _copy_staged(self, table: str) -> None:
        conn, threads = self.store.connection, self.store.threads
        fewer = (
            table == "Node"
            and threads > NODE_COPY_THREADS
            and bool(self.store.rows("MATCH (n:Node) RETURN n.id LIMIT 1"))
        )
        if fewer:
            conn.execute(f"CALL THREADS={NODE_COPY_THREADS}")
        try:
            # COPY takes no parameter for a file; the path is our own mkdtemp name, not input.
            conn.execute(f"COPY {table} FROM '{self.dir / (table + '.parquet')}'")
        except RuntimeError as exc:
            raise self._copy_failed(table, exc) from exc
        finally:
            if fewer:
                conn.execute(f"CALL THREADS={threads}")

    def _commit(self) -> float:
        """Commit (the engine checkpoints after a COPY); the seconds it took."""
        before = time.perf_counter()
        self.store.connection.execute(ladybug_index.BUMP)  # the graph index is stale now
        self.store.connection.execute("COMMIT")
        return time.perf_counter() - before

    def _copy_failed(self, table: str, exc: RuntimeError) -> StoreError:
        """The engine's error in one line, with what to do when it is the buffer pool (whose need
        grows with the database: BENCHMARKS.md gives what 1M snapshot records needed)."""
        message = f"the embedded store could not COPY this group's staged {table} rows: {str(exc).splitlines()[0]}"
        if "buffer pool is full" in str(exc):
            message += (
                f"; give the engine more memory: LINEAGE_BUFFER_POOL_MB={self.store.buffer_pool_mb * 2} "
                f"(it is {self.store.buffer_pool_mb}). Rows committed before stay; a re-run resumes"
            )
        return StoreError(message)

    def discard(self) -> None:
        if self.open:
            self.store.rollback()
            self.open = False
        for writer in self.writers.values():
            writer.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def staged_bulk(store: EmbeddedTarget, commit_rows: int | None = None) -> Iterator[Any]:
    """:meth:`graph.store.GraphStore.bulk` for the embedded store (see the module docstring)."""
    limit = commit_rows or COMMIT_ROWS
    db = Path(store.location)
    for stale in db.parent.glob(db.name + ".staging-*"):  # left by a load that was killed outright
        shutil.rmtree(stale, ignore_errors=True)  # (the engine lets one process write: none is ours now)
    known = KnownRows()
    group = StagedGroup(store, known)

    def commit_and_start_over() -> StagedGroup:
        group.commit()
        group.discard()
        return StagedGroup(store, known)

    def write(batch: Batch) -> LoadReport:
        nonlocal group
        if group.open and group.must_commit_first(batch):
            group = commit_and_start_over()
        report = group.write(batch)
        known.remember(batch)
        if group.rows >= limit:
            group = commit_and_start_over()
        return report

    with store.lock:
        try:
            yield write
            known.rows.clear()  # no batch comes after this commit: its memory is the engine's now
            group.commit()
        finally:
            group.discard()
