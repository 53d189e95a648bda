"""Bulk loads into an empty local Neo4j go through ``neo4j-admin database import``
(graph/neo4j_import.py) and must give the graph, the reports and the checkpoints that one
transaction a batch gives; a failed or interrupted import leaves the empty database as it was.

The import stops and restarts its server, so these tests run a server of their own (a real
Neo4j, like every other Neo4j test) next to the shared one that holds the expected graphs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import test_bulk
from conftest import NEO4J_START_TIMEOUT, require_java
from test_bulk import authored, cites, state, totals

from graph import neo4j_import
from graph.backends import open_store
from graph.errors import StoreError
from graph.neo4j_import import DELIMITER, edge_line, node_line
from graph.schema import Author, Model, Paper, node_row
from graph.store import LoadReport, prepare_records
from loaders.arxiv_api import Progress
from loaders.arxiv_snapshot import SnapshotFilter, checkpoint_key, load_snapshot

SAMPLE = Path(__file__).parent / "fixtures" / "arxiv_snapshot" / "sample.jsonl"
DAY = dt.date(2026, 5, 1)


# --- the CSV lines (no server) -------------------------------------------------------------------


def parse(line: str) -> list[str]:
    return next(csv.reader(io.StringIO(line)))


def test_node_lines_quote_strings_so_empty_is_not_null() -> None:
    row = node_row(
        Paper(
            id="arxiv:2301.00001",
            title='A "quoted", title',
            authors=["Ann Lee", "Bo Li"],
            categories=["cs.CL"],
            comments="",
            sources=["arxiv"],
        )
    )
    line = node_line(row)
    assert line is not None and line.endswith("\n") and line.count("\n") == 1
    fields = dict(zip(neo4j_import.NODE_HEADER, parse(line), strict=True))
    assert fields["id:ID"] == "arxiv:2301.00001"
    assert fields[":LABEL"] == f"Node{DELIMITER}Paper"
    assert fields["title"] == 'A "quoted", title'
    assert fields["authors:string[]"] == f"Ann Lee{DELIMITER}Bo Li"
    assert fields["authors_complete:boolean"] == "true"
    # doi and journal_ref are None (empty fields: null), comments is "" (quoted: an empty string)
    assert '"cs.CL",,,"",,' in line
    assert fields["search_text"] == 'arxiv:2301.00001\x1ea "quoted", title'


def test_rows_csv_cannot_say_exactly_are_kept_back() -> None:
    fine = dict(authors=["A B"], categories=["cs.CL"], sources=["arxiv"])
    assert node_line(node_row(Paper(id="arxiv:2301.00001", title="T", **fine))) is not None
    empty_list = node_row(Paper(id="arxiv:2301.00002", title="T", **{**fine, "authors": []}))  # import: null
    line_break = node_row(Paper(id="arxiv:2301.00003", title="T", note="two\nlines", **fine))
    delimiter = node_row(Model(id="model:x", name="X", aliases=[f"a{DELIMITER}b"], sources=["curated"]))
    assert node_line(empty_list) is None and node_line(line_break) is None and node_line(delimiter) is None
    assert node_line(node_row(Model(id="model:y", name="Y", aliases=["Why"], sources=["curated"]))) is not None
    edge = prepare_records([authored("ann-lee", 1)]).edges.popitem()[1]
    fields = dict(zip(neo4j_import.EDGE_HEADER, parse(edge_line(edge)), strict=True))
    assert (fields[":START_ID"], fields[":END_ID"], fields[":TYPE"]) == (
        "author:ann-lee",
        "arxiv:2301.00001",
        "AUTHORED",
    )
    assert fields["kind"] == "" and fields["position:long"] == "0" and fields["confidence:double[]"] == "1.0"


# --- the import against one transaction a batch ---------------------------------------------------


def paper(n: int, **kw) -> Paper:
    """test_bulk's papers, with authors and categories (an empty list is kept back from CSV)."""
    kw.setdefault("authors", ["Ann Lee"])
    kw.setdefault("categories", ["cs.CL"])
    return test_bulk.paper(n, **kw)


def ann(name: str = "Ann Lee") -> Author:
    return Author(id="author:ann-lee", name=name, sources=["arxiv"])


#: Batches in load order, into an empty database. Besides what CSV says plainly they hold rows
#: it cannot (an empty list, a line break), a node again with another row, an edge again (both
#: ends seen before) with a second source, citations (counted) and names whose lower case
#: differs by language rules.
BATCHES = [
    [paper(100), paper(101), paper(1), ann(), authored("ann-lee", 1), paper(2), authored("ann-lee", 2)],
    [paper(3, title="ΣΟΦΊΑ İstanbul Straße"), ann(), authored("ann-lee", 3), cites(3, 1), cites(100, 101)],
    [cites(3, 1), paper(2, abstract="Now with an abstract."), paper(5, authors=[]), paper(6, note="a\nb")],
    [ann("Ann  Lee"), cites(3, 1, "openalex"), paper(4), authored("ann-lee", 4), cites(4, 100), cites(6, 5)],
    [paper(3, title="ΣΟΦΊΑ İstanbul Straße"), ann(), authored("ann-lee", 3, position=0)],
]


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A Neo4j of these tests' own, which the import may stop and restart."""
    from lineage.neo4j_server import Neo4jServer

    require_java()
    server = Neo4jServer.start(
        data_dir=tmp_path_factory.mktemp("neo4j-import"), password="lineage-test", timeout=NEO4J_START_TIMEOUT
    )
    yield server
    server.stop()


@pytest.fixture
def importing(own_server) -> Iterator:
    """An empty store on the own server, opened with the server so that bulk loads import."""
    store = open_store(
        "neo4j", uri=own_server.uri, user=own_server.user, password=own_server.password, server=own_server
    )
    store.clear()
    yield store
    store.clear()
    store.close()


@pytest.fixture
def transactional(neo4j_server) -> Iterator:
    """An empty store on the shared server, without a server to restart: one transaction a batch."""
    store = open_store("neo4j", uri=neo4j_server["uri"], user=neo4j_server["user"], password=neo4j_server["password"])
    store.clear()
    yield store
    store.clear()
    store.close()


def derived(store) -> list[tuple]:
    """The properties the Neo4j store derives for its indexes, which the import writes itself."""
    rows = store.read(
        "MATCH (n:Node) RETURN n.id AS id, n.search_text AS s, n.citation_count AS c, n.built_on_count AS b ORDER BY id"
    )
    return [tuple(r.values()) for r in rows]


def test_import_equals_one_transaction_a_batch(importing, transactional, own_server) -> None:
    expected_reports = [transactional.write_batch(prepare_records(b)) for b in BATCHES]
    expected = state(transactional)
    pid = own_server.pid
    late = LoadReport()
    with importing.bulk(late=late) as write:
        reports = [write(prepare_records(b, checkpoint=("k", str(i)))) for i, b in enumerate(BATCHES)]
    assert own_server.pid != pid  # the server was restarted: it really imported
    assert state(importing) == expected
    assert totals([*reports, late]) == totals(expected_reports)
    assert derived(importing) == derived(transactional)
    assert importing.checkpoint("k") == "4"
    assert importing.counts() == transactional.counts()
    counts = {r[0]: r[2] for r in derived(importing)}
    # cited by 3 (stated three times, by two sources: one edge); 6 -> 5 was written after the import
    assert counts["arxiv:2301.00001"] == 1 and counts["arxiv:2301.00005"] == 1


# --- snapshot loads ----------------------------------------------------------------------------


def everything(store) -> tuple:
    return store.counts(), state(store), derived(store)


class Interrupted(Exception):
    pass


def test_an_interrupted_import_leaves_nothing_and_a_rerun_imports_what_transactions_write(
    importing, transactional, own_server
) -> None:
    load = dict(categories=None, batch_size=40, retrieved=DAY, workers=0)
    pid = own_server.pid

    def stop_halfway(p: Progress) -> None:
        if p.done > SAMPLE.stat().st_size / 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        load_snapshot(importing, SAMPLE, progress=stop_halfway, **load)
    assert own_server.pid == pid and neo4j_import.is_empty(importing)  # nothing imported, no restart
    assert not list((own_server.data_dir / "import").iterdir())  # the staged files are gone

    expected = load_snapshot(transactional, SAMPLE, **load)
    report = load_snapshot(importing, SAMPLE, **load)
    assert own_server.pid != pid
    assert len(report.notes) == 1 and "with neo4j-admin database import" in report.notes[0]  # not "resumed"
    assert everything(importing) == everything(transactional)
    assert importing.counts()["Paper"] == 200
    for field in ("nodes_added", "nodes_updated", "nodes_unchanged", "edges_added", "skipped", "failures"):
        assert getattr(report, field) == getattr(expected, field), field
    key = checkpoint_key(SAMPLE, SnapshotFilter(None))
    assert importing.checkpoint(key) == str(SAMPLE.stat().st_size)

    pid = own_server.pid
    resumed = load_snapshot(importing, SAMPLE, **load)
    assert "nothing to do" in resumed.notes[0] and not resumed.changed
    again = load_snapshot(importing, SAMPLE, **load, resume=False)  # not empty now: transactions
    assert own_server.pid == pid and not again.changed
    assert again.nodes_unchanged == report.nodes_added + report.nodes_unchanged
    assert everything(importing) == everything(transactional)


def test_a_failed_import_puts_the_empty_database_back(importing, own_server, monkeypatch) -> None:
    real_args = neo4j_import.Staging.import_args

    def with_a_missing_file(self) -> list[str]:
        return [f"--nodes={self.dir / 'not-there.csv'}", *real_args(self)]

    monkeypatch.setattr(neo4j_import.Staging, "import_args", with_a_missing_file)
    load = dict(categories=["math"], batch_size=40, retrieved=DAY, workers=0)
    with pytest.raises(StoreError, match=r"neo4j-admin database import failed .*the database is as it was"):
        load_snapshot(importing, SAMPLE, **load)
    # The server is back, on the empty database, with its constraints; no staged file is left.
    assert neo4j_import.is_empty(importing) and importing.counts().get("Paper", 0) == 0
    assert importing.read("SHOW CONSTRAINTS YIELD name WHERE name = 'node_id' RETURN name")
    assert not list((own_server.data_dir / "import").iterdir())
    assert not list(own_server.data_dir.glob("data/*/*.before-import"))
    importing.write_batch(prepare_records([paper(1)]))  # and it takes writes again
    assert importing.counts()["Paper"] == 1


def test_the_cli_imports_into_the_server_lineage_neo4j_start_runs(tmp_path: Path, own_server, monkeypatch) -> None:
    """``lineage neo4j start``'s server is found from NEO4J_URI; any other address loads by transactions."""
    from typer.testing import CliRunner

    import lineage.cli_arxiv  # noqa: F401  (registers `lineage load snapshot`)
    from lineage import neo4j_server as ns
    from lineage.cli import app

    monkeypatch.setenv("LINEAGE_HOME", str(tmp_path))
    assert ns.detached_at(own_server.uri) is None  # not the CLI's: a bulk load must not restart it
    state = ns.start_detached(ns.default_data_dir(), port=0, password="cli-pass")
    try:
        assert ns.detached_at(state["uri"].replace("127.0.0.1", "localhost")) is not None
        env = {"NEO4J_URI": state["uri"], "NEO4J_USERNAME": "neo4j", "NEO4J_PASSWORD": "cli-pass"}
        result = CliRunner().invoke(app, ["load", "snapshot", str(SAMPLE), "--categories", "math"], env=env)
        assert result.exit_code == 0, result.output
        assert "with neo4j-admin database import" in result.output
        assert "the server stops, imports them with neo4j-admin" in result.stderr  # said before it happens
        after = ns.status(ns.default_data_dir())
        assert after is not None and after["pid"] != state["pid"] and after["uri"] == state["uri"]
        again = CliRunner().invoke(app, ["load", "snapshot", str(SAMPLE), "--categories", "math"], env=env)
        assert again.exit_code == 0 and "nothing to do" in again.output
        assert ns.status(ns.default_data_dir())["pid"] == after["pid"]
    finally:
        ns.stop_detached(ns.default_data_dir())
