"""Initial bulk loads into an empty local Neo4j through ``neo4j-admin database import``.

Transactional writes cost Neo4j Community a fixed CPU time per node or relationship whatever
the batch size or index settings, and the import tool is about three times faster on a large
load (BENCHMARKS.md, design measurements). The tool writes the store files directly, but only into a stopped
database, so this path is taken only when the store was opened with a server it may stop and
restart (the project's own, :mod:`lineage.neo4j_server`) and the database holds nothing yet.
Anywhere else (Aura, a cluster, a database with data) loads go through transactions. Whatever
another client writes to that empty database during such a load is replaced by the import.

The batches are staged as CSV files under the server's home (nodes, then edges, in the tool's
header format), the import replaces the empty database, the server restarts, and the
constraints and indexes are created and populated. Rows CSV cannot say exactly (an empty
list, a list item holding the delimiter, a line break) and rows that may repeat an earlier
batch's (a node again with another row, an edge between two nodes already staged) are kept
back and written through transactions afterwards, batch by batch in load order, so the graph
and the counts are those of the transactional path (tests/test_neo4j_import.py).

Interrupted while staging, the load leaves the database empty and a re-run starts over; a
failed import puts the empty database back (:func:`lineage.neo4j_server.offline_import`).
The load's checkpoint is written last: a re-run interrupted between the import and it finds
the rows without a checkpoint and goes through them again by transactions, changing nothing.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from graph import neo4j_derived
from graph.errors import StoreError
from graph.schema import EDGE_COLUMNS, NODE_COLUMNS, provenance_of
from graph.store import Batch, LoadReport, chunks, missing_endpoint

log = logging.getLogger("lineage.bulk")

#: Between list items (``--array-delimiter``): the unit separator, which the loaders' text
#: cleaning removes (Python counts it as whitespace); a row whose list holds it anyway is kept back.
DELIMITER = "\x1f"
_TYPES = {"STRING": "", "STRING[]": ":string[]", "BOOLEAN": ":boolean", "INT64": ":long", "DOUBLE[]": ":double[]"}
NODE_HEADER = ["id:ID", ":LABEL", *(f"{c}{_TYPES[t]}" for c, t in NODE_COLUMNS.items() if c != "id")]
NODE_HEADER.append(neo4j_derived.SEARCH)
EDGE_HEADER = [":START_ID", ":END_ID", ":TYPE", *(f"{c}{_TYPES[t]}" for c, t in EDGE_COLUMNS.items())]
_NODE_LISTS = [c for c, t in NODE_COLUMNS.items() if t.endswith("[]")]
_EDGE_LISTS = [c for c, t in EDGE_COLUMNS.items() if t.endswith("[]")]
#: In place of a staged node's fingerprint (fingerprints are never negative): a node kept back
#: for the transactions, not in the files; a node in the files whose later rows are kept back
#: (all of them, so that they are merged in load order).
KEPT_BACK, UPDATED = -1, -2
#: Edge types whose targets' derived counts an import must refresh.
COUNTED = ("CITES", *neo4j_derived.COUNTED)
#: Targets whose derived counts are refreshed in one transaction after the import.
COUNT_BATCH = 20_000


class ImportTarget(Protocol):
    """What an import needs of the Neo4j store (:class:`graph.neo4j_store.Neo4jStore` is one): reads
    and batch writes, dropping and re-opening its connection around the server's restart, and
    refreshing derived counts. Stated here so the store and this module do not import each other."""

    def read(self, cypher: str, params: dict[str, Any] | None = None, **kw: Any) -> list[dict[str, Any]]: ...
    def write_batch(self, nodes: Any, edges: Any = (), checkpoint: Any = None, **kw: Any) -> LoadReport: ...
    def disconnect(self) -> None: ...
    def connect(self) -> None: ...
    def refresh_counts(self, new_edges: list[dict[str, Any]]) -> None: ...


class OfflineImporter(Protocol):
    """A Neo4j server this process may stop, import into and start again at the same address."""

    data_dir: Path  # its home: the staged files go under it, on the database's disk

    def import_offline(self, args: Sequence[str], log_file: Path) -> None:
        """Stop the server, run ``neo4j-admin database import full <args>`` into its default
        database (putting the old one back if that fails, then raising), start it again."""


# --- CSV ---------------------------------------------------------------------------------------


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _field(value: Any) -> str:
    """One CSV field: strings are always quoted (so ``""`` is an empty string and an empty
    field is null); lists are joined with :data:`DELIMITER`."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return _quote(DELIMITER.join(v if isinstance(v, str) else repr(v) for v in value))
    return repr(value)


def search_text(row: dict[str, Any]) -> str:
    """What :data:`graph.neo4j_derived.SET_SEARCH` sets, computed here (tests compare the two)."""
    sep = neo4j_derived.SEPARATOR
    text = row["id"] + sep + (row.get("name") or "")
    for alias in row.get("aliases") or ():
        text += sep + alias
    return text.lower()


def _lists_fit(row: dict[str, Any], columns: list[str]) -> bool:
    """CSV import reads an empty list as null and splits items at the delimiter."""
    for c in columns:
        value = row.get(c)
        if value is not None and (not value or any(isinstance(v, str) and DELIMITER in v for v in value)):
            return False
    return True


def _one_line(values: list[str]) -> str | None:
    """The CSV line, or None if a field holds a line break: ``--multiline-fields`` failed here
    at a 4 MB read-buffer boundary (Neo4j 5.26.30) and Neo4j's manual warns it is slow, while
    such rows are rare (loaders collapse whitespace) and go through transactions instead."""
    line = ",".join(values)
    return None if "\n" in line or "\r" in line else line + "\n"


def node_line(row: dict[str, Any]) -> str | None:
    """The import's line for a node row, or None if CSV cannot say it exactly."""
    if not _lists_fit(row, _NODE_LISTS):
        return None
    values = [_field(row["id"]), _quote("Node" + DELIMITER + row["label"])]
    values += [_field(row[c]) for c in NODE_COLUMNS if c != "id"]
    values.append(_quote(search_text(row)))
    return _one_line(values)


def edge_line(row: dict[str, Any]) -> str | None:
    """The import's line for an edge row, or None if CSV cannot say it exactly."""
    if not _lists_fit(row, _EDGE_LISTS):
        return None
    values = [_quote(row["source"]), _quote(row["target"]), row["type"]]
    values += [_field(row.get(c)) for c in EDGE_COLUMNS]
    return _one_line(values)


# --- staging ---------------------------------------------------------------------------------


class Staging:
    """The CSV files of one import, and what must wait for the transactions after it."""

    def __init__(self, parent: Path) -> None:
        parent.mkdir(parents=True, exist_ok=True)
        # Fresh and private: the staged rows are the load's data.
        self.dir = Path(tempfile.mkdtemp(prefix="import-", dir=parent))
        self.node_file = (self.dir / "nodes.csv").open("w", encoding="utf-8", newline="")
        self.edge_file = (self.dir / "edges.csv").open("w", encoding="utf-8", newline="")
        self.staged: dict[str, int] = {}  # node id -> fingerprint of the row in the files
        self.deferred: list[Batch] = []  # rows kept back, one batch for each staged one
        self.counted: set[tuple[str, str]] = set()  # (type, target) of edges the counts follow
        self.nodes = self.edges = 0
        self.checkpoint: tuple[str, str] | None = None

    def write(self, batch: Batch) -> LoadReport:
        """Stage a batch; every staged row is new (the database was empty)."""
        report = LoadReport(batches=1)
        prints, staged = batch.fingerprints(), self.staged
        ends = {n for key in batch.edges for n in key[1:3]}
        earlier = {n for n in ends if n in staged}  # nodes of earlier batches: staged or kept back
        missing = ends - earlier - batch.nodes.keys()
        if missing:
            raise missing_endpoint(batch, missing)
        lines, kept = [], Batch()
        for node_id, row in batch.nodes.items():
            known = staged.get(node_id)
            if known == prints[node_id]:
                report.nodes_unchanged += 1  # the same row again: merging it changes nothing
            elif known is None and (line := node_line(row)) is not None:
                lines.append(line)
                staged[node_id] = prints[node_id]
            else:
                kept.add_node(row)
                staged[node_id] = KEPT_BACK if known in (None, KEPT_BACK) else UPDATED
        self.node_file.write("".join(lines))
        self.nodes += len(lines)
        report.nodes_added = len(lines)
        lines = []
        for key, row in batch.edges.items():
            a, b = key[1], key[2]
            # Both ends must be in the files; an edge between two nodes of earlier batches may
            # be one of theirs, so it is merged afterwards.
            if (
                staged[a] != KEPT_BACK
                and staged[b] != KEPT_BACK
                and not (a in earlier and b in earlier)
                and (line := edge_line(row)) is not None
            ):
                lines.append(line)
                if row["type"] in COUNTED:
                    self.counted.add((row["type"], b))
            else:
                kept.add_edge(key, row, provenance_of(row))
        self.edge_file.write("".join(lines))
        self.edges += len(lines)
        report.edges_added = len(lines)
        if kept.nodes or kept.edges:
            self.deferred.append(kept)
        if batch.checkpoint:
            self.checkpoint = batch.checkpoint
        return report

    def close(self) -> None:
        self.node_file.close()
        self.edge_file.close()

    def import_args(self) -> list[str]:
        """Write the files' headers and the marker node, and return the ``neo4j-admin database
        import full`` arguments for them."""
        headers = {"nodes": NODE_HEADER, "edges": EDGE_HEADER, "checkpoints": [":LABEL", "key", "value"]}
        for name, header in headers.items():
            (self.dir / f"{name}-header.csv").write_text(",".join(header) + "\n", encoding="utf-8")
        # The derived-properties marker: the database had it (the store writes it on open) and
        # the staged rows carry their search text, so nothing needs backfilling after the import.
        marker = f"Checkpoint,{_quote(neo4j_derived.MARKER)},{_quote(neo4j_derived.VERSION)}\n"
        (self.dir / "checkpoints.csv").write_text(marker, encoding="utf-8")
        d = self.dir
        return [
            f"--nodes={d / 'nodes-header.csv'},{d / 'nodes.csv'}",
            f"--nodes={d / 'checkpoints-header.csv'},{d / 'checkpoints.csv'}",
            f"--relationships={d / 'edges-header.csv'},{d / 'edges.csv'}",
            "--array-delimiter=U+001F",
            "--overwrite-destination=true",
            f"--report-file={d / 'import.report'}",
            "neo4j",
        ]

    def discard(self) -> None:
        self.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def is_empty(store: ImportTarget) -> bool:
    """No node at all, apart from the derived-properties marker every store writes on open."""
    rows = store.read(
        "RETURN EXISTS { MATCH (n) WHERE NOT (n:Checkpoint AND n.key = $marker) } AS any",
        {"marker": neo4j_derived.MARKER},
    )
    return not rows[0]["any"]


@contextmanager
def importing(
    store: ImportTarget, server: OfflineImporter, late: LoadReport | None = None
) -> Iterator[Callable[[Batch], LoadReport]]:
    """:meth:`graph.store.GraphStore.bulk` by import (see the module docstring). The counts of
    rows kept back, written after the last batch, are added to ``late``."""
    parent = server.data_dir / "import"
    for stale in parent.glob("import-*"):  # left by a load that was killed outright
        shutil.rmtree(stale, ignore_errors=True)
    staging = Staging(parent)
    try:
        yield staging.write
        staging.close()
        report = finish(store, server, staging)
        if late is not None:
            late += report
    finally:
        staging.discard()


def finish(store: ImportTarget, server: OfflineImporter, staging: Staging) -> LoadReport:
    """Import the staged files, then write what was kept back, the counts and the checkpoint."""
    if staging.nodes == 0 and staging.edges == 0:
        return _write_rest(store, staging)  # nothing to import (every line skipped, say)
    started = time.perf_counter()
    args = staging.import_args()
    log.info(
        "staged %s nodes and %s edges: the server stops, imports them with neo4j-admin and starts again",
        f"{staging.nodes:,}",
        f"{staging.edges:,}",
    )
    store.disconnect()
    try:
        server.import_offline(args, staging.dir / "import.log")
    except Exception as exc:  # the server's own error type lives in the app (lineage/)
        raise StoreError(str(exc)) from exc
    finally:
        store.connect()
    imported = time.perf_counter()
    store.read("CALL db.awaitIndexes(3600)")  # the constraints and indexes made on connecting
    indexed = time.perf_counter()
    report = _write_rest(store, staging)
    done = (
        f"the database was empty and its server local: imported {staging.nodes:,} nodes and {staging.edges:,} "
        f"edges with neo4j-admin database import ({imported - started:.0f} s, server restart included), "
        f"indexes {indexed - imported:.0f} s, {sum(len(k.nodes) + len(k.edges) for k in staging.deferred):,} "
        f"rows through transactions after it {time.perf_counter() - indexed:.0f} s"
    )
    log.info(done)
    report.notes.append(done)
    return report


def _write_rest(store: ImportTarget, staging: Staging) -> LoadReport:
    """Kept-back rows through transactions (merged as any load merges), then counts and checkpoint."""
    report = LoadReport()
    for kept in staging.deferred:  # in load order, as the batches came
        report += store.write_batch(kept)
    for part in chunks(sorted(staging.counted), COUNT_BATCH):
        store.refresh_counts([{"type": t, "target": target} for t, target in part])
    if staging.checkpoint:
        store.write_batch(Batch(checkpoint=staging.checkpoint))
    report.batches = 0  # the loader counted the batches as they came
    return report
