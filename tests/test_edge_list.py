"""Citation edge lists: SNAP cit-HepTh end to end on both backends, plus CSV and error handling."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graph.errors import DataFileError
from graph.ids import InvalidIdError
from graph.schema import Paper, Source
from graph.store import upsert
from loaders.edge_list import dated_id, load_edge_list, old_style_id, read_dates, read_edge_list

CITATIONS = Path(__file__).parent / "fixtures" / "citations"
HEPTH = CITATIONS / "Cit-HepTh.partial.txt"
DATES = CITATIONS / "Cit-HepTh-dates.txt"
DAY = dt.date(2026, 5, 1)


def test_old_style_numbers() -> None:
    assert old_style_id("9201001", "hep-th") == "arxiv:hep-th/9201001"
    assert old_style_id("1001", "hep-th") == "arxiv:hep-th/0001001"
    assert old_style_id(9912293, "hep-th") == "arxiv:hep-th/9912293"
    for bad in ("0113046", "1101013", "9200001", "12345678", "x1"):  # month 13, year 2011, number 0, 8 digits
        with pytest.raises(InvalidIdError):
            old_style_id(bad, "hep-th")


def test_cross_list_marker_is_read_with_the_date() -> None:
    """SNAP's '11' marker (README: e.g. 11203090); where both readings are valid the date decides."""
    assert dated_id("11203090", dt.date(2002, 3, 11), "hep-th") == "arxiv:hep-th/0203090"
    assert dated_id("119203001", dt.date(1992, 4, 8), "hep-th") == "arxiv:hep-th/9203001"
    assert dated_id("113046", dt.date(2000, 3, 3), "hep-th") == "arxiv:hep-th/0003046"  # plain reading: month 13
    # Rows 27480 and 36699 of the dates file: the same number, two papers.
    assert dated_id("111045", dt.date(2000, 1, 5), "hep-th") == "arxiv:hep-th/0001045"
    assert dated_id("111045", dt.date(2001, 11, 5), "hep-th") == "arxiv:hep-th/0111045"
    assert dated_id("9203201", dt.date(1992, 2, 24), "hep-th") == "arxiv:hep-th/9203201"


def test_reading_the_snap_files_without_a_store() -> None:
    failures: list[str] = []
    citations = list(read_edge_list(HEPTH, "hep-th", failures))
    assert failures == []
    assert len(citations) == 56_307
    assert (citations[0].line, citations[0].citing, citations[0].cited) == (
        5,
        "arxiv:hep-th/0001001",
        "arxiv:hep-th/9304045",
    )
    assert (citations[-1].citing, citations[-1].cited) == ("arxiv:hep-th/9511153", "arxiv:hep-th/9303143")
    assert len({i for c in citations for i in (c.citing, c.cited)}) == 7_999
    assert sum(c.citing == c.cited for c in citations) == 5

    dates = read_dates(DATES, "hep-th", failures)
    assert failures == []
    assert dates["arxiv:hep-th/9203201"] == dt.date(1992, 2, 24)
    assert dates["arxiv:hep-th/0001001"] == dt.date(2000, 1, 1)
    # Row 38527 `203090,2002-03-08` and the last row `11203090,2002-03-11` (cross-listed): the earliest wins.
    assert dates["arxiv:hep-th/0203090"] == dt.date(2002, 3, 8)


def test_bare_numbers_need_an_archive(store) -> None:
    with pytest.raises(DataFileError, match=r"Cit-HepTh.partial.txt:5: '1001' is a bare number: give the archive"):
        load_edge_list(store, HEPTH)
    assert store.counts()["CITES"] == 0


def test_cit_hepth_end_to_end(store) -> None:
    report = load_edge_list(store, HEPTH, dates=DATES, archive="hep-th", batch_size=100_000, retrieved=DAY)
    assert report.failures == []
    assert (report.nodes_added, report.edges_added) == (7_999, 56_302)
    assert report.skipped == 5 and report.skip_reasons == {"self-citations": 5}
    assert report.notes == [f"2,655 of 7,999 papers have a date in {DATES}"]
    counts = store.counts()
    assert (counts["Paper"], counts["CITES"]) == (7_999, 56_302)

    first, last = "arxiv:hep-th/0001001", "arxiv:hep-th/9511153"
    edges = {
        (e["source"], e["target"]): e
        for e in store.edges_among([first, "arxiv:hep-th/9304045", last, "arxiv:hep-th/9303143"], ["CITES"])
    }
    assert set(edges) == {(first, "arxiv:hep-th/9304045"), (last, "arxiv:hep-th/9303143")}
    edge = edges[(first, "arxiv:hep-th/9304045")]
    assert edge["sources"] == ["edge_list"]
    assert edge["evidence"] == ["Cit-HepTh.partial.txt:5: 1001 -> 9304045"]
    assert edge["retrieved"] == ["2026-05-01"]

    nodes = store.nodes([first, "arxiv:hep-th/9304045"])
    assert nodes[first]["title"] == "hep-th/0001001"  # a placeholder: the edge list has no titles
    assert nodes[first]["published"] == "2000-01-01"
    assert nodes[first]["sources"] == ["edge_list"]
    assert nodes["arxiv:hep-th/9304045"]["published"] is None  # not in the uploader's dates file
    dated = store.read("MATCH (n:Node) WHERE n.published IS NOT NULL RETURN count(n) AS n")[0]["n"]
    assert dated == 2_655
    out_degree = store.read(
        "MATCH (a:Node {id: $id})-[e:CITES]->(b:Node) RETURN count(e) AS n", {"id": "arxiv:hep-th/0001001"}
    )
    assert out_degree[0]["n"] == 83  # the first 83 lines of the file start with 1001

    if store.backend == "neo4j":
        return  # re-planning 56k edges costs Neo4j ~30 s; idempotency on Neo4j is covered by the smaller loads
    again = load_edge_list(store, HEPTH, dates=DATES, archive="hep-th", batch_size=100_000, retrieved=DAY)
    assert (again.nodes_added, again.nodes_updated, again.edges_added, again.edges_updated) == (0, 0, 0, 0)
    assert (again.nodes_unchanged, again.edges_unchanged) == (7_999, 56_302)


def test_csv_with_header_keeps_better_data(store, tmp_path: Path) -> None:
    """A CSV with a header, CRLF, comments and one bad line; a stored paper keeps its title and date."""
    upsert(
        store,
        [
            Paper(id="arxiv:2310.06825", title="Mistral 7B", published=dt.date(2023, 10, 10), sources=[Source.arxiv]),
            Paper(id="arxiv:2305.18290", title="Direct Preference Optimization", sources=[Source.arxiv]),
        ],
    )
    edges = tmp_path / "edges.csv"
    edges.write_bytes(
        b"# citations of Zephyr\r\ncitation_id,citing,cited\r\n1,2310.16944,arXiv:2310.06825v2\r\n"
        b"2,2310.16944,https://arxiv.org/abs/2305.18290\r\n3,2310.16944,not-an-id\r\n4,2310.16944,2310.16944"
    )
    dates = tmp_path / "dates.csv"
    dates.write_text("NodeId,Date\n2310.16944,2023-10-25\n2310.06825,2023-10-11\n2305.18290,2023-05-29\n")
    report = load_edge_list(store, edges, dates=dates, retrieved=DAY)
    assert report.failures == [f"{edges}:5: not an arXiv identifier: 'not-an-id'"]
    assert report.skip_reasons == {"self-citations": 1}
    assert (report.nodes_added, report.nodes_updated, report.edges_added) == (1, 2, 2)
    nodes = store.nodes(["arxiv:2310.16944", "arxiv:2310.06825", "arxiv:2305.18290"])
    assert nodes["arxiv:2310.16944"]["title"] == "2310.16944"
    assert nodes["arxiv:2310.16944"]["published"] == "2023-10-25"
    assert nodes["arxiv:2310.06825"]["title"] == "Mistral 7B"
    assert nodes["arxiv:2310.06825"]["published"] == "2023-10-10"  # arXiv's date is not overwritten
    assert nodes["arxiv:2310.06825"]["sources"] == ["arxiv", "edge_list"]  # only the source is added
    assert nodes["arxiv:2305.18290"]["published"] == "2023-05-29"  # a gap is filled
    assert nodes["arxiv:2305.18290"]["sources"] == ["arxiv", "edge_list"]
    cites = store.edges_among(list(nodes), ["CITES"])
    assert sorted((e["source"], e["target"], e["evidence"][0]) for e in cites) == [
        ("arxiv:2310.16944", "arxiv:2305.18290", "edges.csv:4: 2310.16944 -> https://arxiv.org/abs/2305.18290"),
        ("arxiv:2310.16944", "arxiv:2310.06825", "edges.csv:3: 2310.16944 -> arXiv:2310.06825v2"),
    ]


def test_plain_lists_with_commas_and_spaces(tmp_path: Path) -> None:
    path = tmp_path / "edges.txt"
    path.write_text("# from to\n9201001 9201002\n9201001,9201003\nhep-th/9201004\t9201001\n9201001\n")
    failures: list[str] = []
    got = [(c.citing, c.cited) for c in read_edge_list(path, "hep-th", failures)]
    assert got == [
        ("arxiv:hep-th/9201001", "arxiv:hep-th/9201002"),
        ("arxiv:hep-th/9201001", "arxiv:hep-th/9201003"),
        ("arxiv:hep-th/9201004", "arxiv:hep-th/9201001"),
    ]
    assert failures == [f"{path}:5: expected two ids, got '9201001'"]


def test_header_without_known_columns_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "edges.csv"
    path.write_text("paper,reference\n2310.16944,2310.06825\n")
    with pytest.raises(DataFileError, match=r"edges.csv:1: header 'paper,reference' must name a source column"):
        list(read_edge_list(path, None, []))


def test_cli_loads_an_edge_list_and_exits_1_on_failures(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    import lineage.cli_lineage_sources  # noqa: F401  (registers the commands)
    from lineage.cli import app

    good = tmp_path / "good.tsv"
    good.write_text("9201001\t9201002\n9201001\t9201003\n")
    bad = tmp_path / "bad.tsv"
    bad.write_text("9201001\t9201002\n9201001\n")
    db = ["--db", str(tmp_path / "cli.lbug")]
    runner = CliRunner()
    ok = runner.invoke(app, [*db, "load", "citations", str(good), "--archive", "hep-th"])
    assert ok.exit_code == 0, ok.output
    assert "edges 2 added" in ok.output and "failures 0" in ok.output
    failed = runner.invoke(app, [*db, "load", "citations", str(bad), "--archive", "hep-th"])
    assert failed.exit_code == 3  # a partial load: the good line was written
    assert "edges 0 added, 1 updated" in " ".join(failed.output.split())  # its evidence now names bad.tsv
    both = runner.invoke(app, [*db, "load", "citations", str(good), "--source", "s2"])
    assert both.exit_code == 1 and "give either an edge-list FILE or --source" in str(both.exception)
