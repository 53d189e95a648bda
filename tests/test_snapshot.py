"""The Kaggle arXiv snapshot loader on the real 200-record sample (2007 physics and maths papers)."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import lineage.cli_arxiv  # noqa: F401  (registers `lineage load snapshot`)
from graph.schema import Edge, Paper
from lineage.cli import app
from loaders.arxiv_api import ArxivLoadReport, Progress
from loaders.arxiv_snapshot import SnapshotFilter, checkpoint_key, iter_records, load_snapshot

SAMPLE = Path(__file__).parent / "fixtures" / "arxiv_snapshot" / "sample.jsonl"
DAY = dt.date(2026, 5, 1)


def papers(**kw: Any) -> dict[str, Paper]:
    return {r.id: r for r in iter_records(SAMPLE, **kw) if isinstance(r, Paper)}


def snapshot_of(store, path: Path = SAMPLE, **kw: Any) -> tuple[dict[str, int], dict[str, Any], list[dict[str, Any]]]:
    """Counts, node properties and edges of everything the file can produce, for equality checks."""
    ids = {r.id for r in iter_records(path, **kw) if not isinstance(r, Edge)}
    edges = sorted(store.edges_among(ids), key=lambda e: (e["type"], e["source"], e["target"]))
    return store.counts(), store.nodes(ids), edges


# --- mapping --------------------------------------------------------------------------------


def test_field_mapping() -> None:
    paper = papers(categories=None)["arxiv:0704.0001"]
    assert paper.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert paper.abstract.startswith(
        "A fully differential calculation in perturbative quantum chromodynamics is presented"
    )
    assert "\n" not in paper.abstract
    assert paper.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert paper.published == dt.date(2007, 4, 2)  # versions[0].created: Mon, 2 Apr 2007 19:18:42 GMT
    assert paper.updated == dt.date(2008, 11, 26)
    assert paper.version == 2
    assert paper.doi == "10.1103/PhysRevD.76.013009"
    assert paper.journal_ref == "Phys.Rev.D76:013009,2007"
    assert paper.comments == "37 pages, 15 figures; published version"
    assert paper.categories == ["hep-ph"]


def test_v1_dates_read_directly_agree_with_the_rfc_2822_parser() -> None:
    """The snapshot's own shape is read without email.utils; every sample date, and a few
    spellings it never writes, give what the full parser gives (in UTC)."""
    import json
    from email.utils import parsedate_to_datetime

    from loaders.arxiv_snapshot import LineError, first_version_date

    created = [json.loads(line)["versions"][0]["created"] for line in SAMPLE.read_text().splitlines()]
    created += ["Sun, 31 Dec 2023 23:30:00 -0100", "Mon, 1 Jan 2024 00:30:00 +0200", "1 Jan 2024 10:00:00 GMT"]
    created += ["Mon, 2 Apr 07 19:18:42 GMT", "Mon, 2 Apr 2007 19:18 GMT"]  # two-digit year, no seconds
    for text in created:
        want = parsedate_to_datetime(text).astimezone(dt.UTC).date()
        assert first_version_date({"versions": [{"created": text}]}) == want, text
    assert first_version_date({"versions": [{"created": "Sun, 31 Dec 2023 23:30:00 -0100"}]}) == dt.date(2024, 1, 1)
    for bad in (
        "Fri, 31 Feb 2023 10:00:00 GMT",
        "Mon, 2 Apr 2007 25:99:00 GMT",
        "Mon, 2 Apr 2007 23:59:60 GMT",
        "yesterday",
    ):
        with pytest.raises(LineError, match="not an RFC 2822 date"):
            first_version_date({"versions": [{"created": bad}]})


def test_authors_parsed_order_and_suffix() -> None:
    paper = papers(categories=None)["arxiv:0704.0009"]
    assert paper.authors == [
        "Paul Harvey",
        "Bruno Merin",
        "Tracy L. Huard",
        "Luisa M. Rebull",
        "Nicholas Chapman",
        "Neal J. Evans II",
        "Philip C. Myers",
    ]


def test_tex_is_left_as_written_and_categories_split() -> None:
    got = papers(categories=None)
    assert got["arxiv:0704.0019"].title.endswith('based on the Gr\\"obner basis')
    assert got["arxiv:0704.0005"].title == "From dyadic $\\Lambda_{\\alpha}$ to $\\Lambda_{\\alpha}$"
    assert got["arxiv:0704.0002"].categories == ["math.CO", "cs.CG"]


def test_authored_edges_carry_position_and_provenance() -> None:
    records = [r for r in iter_records(SAMPLE, categories=None) if isinstance(r, Edge)]
    mine = [e for e in records if e.target == "arxiv:0704.0001"]
    assert [(e.source, e.position) for e in mine] == [
        ("author:c.-balazs", 0),
        ("author:e.-l.-berger", 1),
        ("author:p.-m.-nadolsky", 2),
        ("author:c.-p.-yuan", 3),
    ]
    assert mine[0].provenance[0].evidence == "https://arxiv.org/abs/0704.0001"
    assert mine[0].provenance[0].source == "arxiv"


# --- filters ----------------------------------------------------------------------------------


def test_default_categories_keep_only_llm_adjacent_papers() -> None:
    assert sorted(papers()) == ["arxiv:0704.0047", "arxiv:0704.0050"]  # cs.NE papers cross-listed to cs.AI


def test_category_prefixes_and_date_range() -> None:
    assert len(papers(categories=None)) == 200
    assert len(papers(categories=["math"])) == 51  # math.* and math-ph (a prefix match)
    assert all(any(c.startswith("cs.") for c in p.categories) for p in papers(categories=["cs."]).values())
    assert len(papers(categories=None, since=dt.date(2007, 4, 2))) == 108
    assert len(papers(categories=None, until=dt.date(2007, 3, 31))) == 43
    assert len(papers(categories=None, since=dt.date(2007, 4, 1), until=dt.date(2007, 4, 1))) == 49


def test_skips_are_counted_with_reasons() -> None:
    report = ArxivLoadReport()
    list(iter_records(SAMPLE, categories=["hep-"], since=dt.date(2007, 4, 2), report=report))
    assert report.skipped == sum(report.skip_reasons.values())
    assert set(report.skip_reasons) == {"not in hep-", "submitted before 2007-04-02"}


def test_checkpoint_key_names_the_file_and_filters() -> None:
    key = checkpoint_key(SAMPLE, SnapshotFilter(["cs.CL"], dt.date(2023, 1, 1)))
    assert key == f"snapshot:{SAMPLE.resolve()}?categories=cs.CL&since=2023-01-01&until="


# --- loading (both backends) --------------------------------------------------------------------


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """The sample with bad lines spliced in after lines 3, 5, 7 and 9 (sample line 10 is 0704.0010)."""
    lines = SAMPLE.read_bytes().splitlines(keepends=True)
    bad = [b"this is not json\n", b'{"title": "no id"}\n', b"[1, 2]\n", b'{"id": "abc", "title": "x"}\n']
    out = []
    for i, line in enumerate(lines[:20], 1):
        out.append(line)
        if i in (3, 5, 7, 9):
            out.append(bad.pop(0))
    path = tmp_path / "broken.jsonl"
    path.write_bytes(b"".join(out))
    return path


def test_bad_lines_are_failures_and_the_rest_loads(store, broken: Path) -> None:
    report = load_snapshot(store, broken, categories=None, retrieved=DAY)
    assert [f.split(": ", 1)[0] for f in report.failures] == [f"{broken}:{n}" for n in (4, 7, 10, 13)]
    assert report.failures[0].startswith(f"{broken}:4: not JSON")
    assert report.failures[1] == f"{broken}:7: no 'id'"
    assert report.failures[2] == f"{broken}:10: expected a JSON object, got list"
    assert report.failures[3] == f"{broken}:13: abc: not an arXiv identifier: 'abc'"
    assert store.counts()["Paper"] == 20


def test_load_twice_changes_nothing(store) -> None:
    first = load_snapshot(store, SAMPLE, categories=["math"], retrieved=DAY)
    assert first.nodes_added > 56 and first.failures == []
    before = snapshot_of(store, categories=["math"])
    again = load_snapshot(store, SAMPLE, categories=["math"], retrieved=DAY, resume=False)
    assert (again.nodes_added, again.nodes_updated, again.edges_added, again.edges_updated) == (0, 0, 0, 0)
    assert again.nodes_unchanged == first.nodes_added
    resumed = load_snapshot(store, SAMPLE, categories=["math"], retrieved=DAY)
    assert not resumed.changed and resumed.batches <= 1
    assert "nothing to do" in resumed.notes[0]
    assert snapshot_of(store, categories=["math"]) == before


def test_checkpoint_is_the_byte_offset_after_the_last_batch(store) -> None:
    load_snapshot(store, SAMPLE, categories=["math"], retrieved=DAY)
    key = checkpoint_key(SAMPLE, SnapshotFilter(["math"]))
    assert store.checkpoint(key) == str(SAMPLE.stat().st_size)
    assert store.checkpoint(checkpoint_key(SAMPLE, SnapshotFilter(["hep-th"]))) is None  # other filters: own load


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("commit_rows", [1, 700], ids=["commit-every-batch", "commit-in-groups"])
def test_an_interrupted_load_resumes_and_equals_a_clean_run(store, tmp_path: Path, commit_rows: int) -> None:
    path = tmp_path / "sample.jsonl"
    shutil.copy(SAMPLE, path)
    size = path.stat().st_size
    ticks: list[Progress] = []

    def stop_past_the_middle(p: Progress) -> None:
        ticks.append(p)
        if p.done > size * 0.8:
            raise Interrupted

    load = functools.partial(load_snapshot, store, path, categories=None, batch_size=300, retrieved=DAY)
    with pytest.raises(Interrupted):
        load(progress=stop_past_the_middle, commit_rows=commit_rows)
    key = checkpoint_key(path, SnapshotFilter(None))
    offset = int(store.checkpoint(key))
    assert 0 < offset <= ticks[-1].done < size
    # What is stored is exactly the lines before the checkpoint: nothing of a later batch.
    lines_before = path.read_bytes()[:offset].count(b"\n")
    assert store.counts()["Paper"] == lines_before < 200

    resumed = load(commit_rows=commit_rows)
    assert resumed.notes == [f"resumed at byte {offset:,} of {size:,} from an earlier run"]
    assert resumed.nodes_added > 0 and resumed.failures == []
    assert store.checkpoint(key) == str(size)
    interrupted_then_resumed = snapshot_of(store, path, categories=None)
    assert interrupted_then_resumed[0]["Paper"] == 200

    store.clear()
    clean = load()
    assert clean.notes == []
    assert snapshot_of(store, path, categories=None) == interrupted_then_resumed


def test_line_numbers_stay_right_after_a_resume(store, broken: Path) -> None:
    with pytest.raises(Interrupted):

        def stop(p: Progress) -> None:
            raise Interrupted

        load_snapshot(store, broken, categories=None, batch_size=1, progress=stop, retrieved=DAY)
    report = load_snapshot(store, broken, categories=None, batch_size=1, retrieved=DAY)
    assert [f.split(": ", 1)[0] for f in report.failures] == [f"{broken}:{n}" for n in (4, 7, 10, 13)]


def test_progress_reports_bytes_and_papers_per_second(store) -> None:
    ticks: list[Progress] = []
    load_snapshot(store, SAMPLE, categories=None, batch_size=500, progress=ticks.append, retrieved=DAY)
    assert ticks[-1].done == ticks[-1].total == SAMPLE.stat().st_size
    assert ticks[-1].unit == "bytes" and ticks[-1].papers == 200 and ticks[-1].rate > 0
    assert [t.done for t in ticks] == sorted(t.done for t in ticks)


# --- CLI ------------------------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("NEO4J_URI", raising=False)
    db = tmp_path / "db"

    def run(*args: str):
        return CliRunner().invoke(app, ["--db", str(db), *args])

    return run


def test_cli_summary_and_exit_codes(cli, broken: Path) -> None:
    ok = cli("load", "snapshot", str(SAMPLE), "--categories", "math", "--since", "2007-04-02")
    assert ok.exit_code == 0, ok.output
    assert "nodes" in ok.output and "added" in ok.output
    assert "skipped 179 (149 not in math, 30 submitted before 2007-04-02)" in ok.output
    assert "failures 0" in ok.output
    again = cli("load", "snapshot", str(SAMPLE), "--categories", "math", "--since", "2007-04-02")
    assert "nothing to do" in again.output and again.exit_code == 0
    bad = cli("load", "snapshot", str(broken), "--categories", "all")
    assert bad.exit_code == 3  # some records failed, the rest loaded
    assert "4 failure(s)" in bad.output and f"{broken}:7: no 'id'" in bad.output


def test_cli_workers_and_commit_rows(cli, broken: Path) -> None:
    out = cli("load", "snapshot", str(broken), "--categories", "all", "--workers", "2", "--batch-size", "40")
    assert out.exit_code == 3 and f"{broken}:13: abc: not an arXiv identifier" in out.output
    again = cli("load", "snapshot", str(SAMPLE), "--categories", "all", "--workers", "0", "--commit-rows", "50")
    assert again.exit_code == 0, again.output
    # 200 papers and 510 authors; those of the first 20 papers were loaded by the first command
    assert "nodes 646 added, 0 updated, 64 unchanged" in " ".join(again.output.split())
    bad = cli("load", "snapshot", str(SAMPLE), "--workers", "-1")
    assert bad.exit_code == 2 and "--workers" in bad.output


def test_cli_help_has_examples(cli) -> None:
    out = cli("load", "snapshot", "--help").output
    assert "lineage load snapshot" in out and "--categories" in out
    out = cli("load", "arxiv", "--help").output
    assert "--ids 2310.06825,2305.18290" in out and "--from-file" in out


def test_cli_arxiv_from_file(cli) -> None:
    fixtures = Path(__file__).parent / "fixtures" / "arxiv_api"
    ok = cli("load", "arxiv", "--from-file", str(fixtures / "id_1605.08386_s0_m100_199195aa31ad.json"))
    assert ok.exit_code == 0, ok.output
    bad = cli("load", "arxiv", "--from-file", str(fixtures / "id_abc_s0_m100_b79c8dcf6bc3.json"))
    assert bad.exit_code == 1 and "incorrect id format for abc" in bad.output
    both = cli("load", "arxiv", "--ids", "2310.06825", "--query", "ti:x")
    assert both.exit_code == 2 and "exactly one" in both.output


def test_a_replaced_file_starts_over(store, tmp_path: Path) -> None:
    path = tmp_path / "snap.jsonl"
    lines = SAMPLE.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:10]))
    load_snapshot(store, path, categories=None, retrieved=DAY)
    path.write_bytes(b"".join(lines[100:120]))  # a new download under the same name
    report = load_snapshot(store, path, categories=None, retrieved=DAY)
    assert "file replaced?" in report.notes[0]
    assert report.nodes_added > 0 and store.counts()["Paper"] == 30


def test_cli_default_batch_size_is_the_loaders() -> None:
    """The CLI copies the constant (importing the loader would slow --help): they must agree."""
    from lineage import cli_arxiv
    from loaders import arxiv_snapshot

    assert cli_arxiv.BATCH_SIZE == arxiv_snapshot.BATCH_SIZE


# --- parsing in worker processes ------------------------------------------------------------------


def test_worker_processes_load_the_same_graph_with_the_same_line_numbers(store, broken: Path) -> None:
    serial = load_snapshot(store, broken, categories=None, batch_size=40, retrieved=DAY, workers=0)
    expected = snapshot_of(store, broken, categories=None)
    store.clear()
    parallel = load_snapshot(store, broken, categories=None, batch_size=40, retrieved=DAY, workers=2)
    assert parallel.failures == serial.failures
    assert [f.split(": ", 1)[0] for f in parallel.failures] == [f"{broken}:{n}" for n in (4, 7, 10, 13)]
    assert parallel.batches == serial.batches > 1
    assert snapshot_of(store, broken, categories=None) == expected


def test_byte_ranges_cover_the_file_at_line_boundaries(tmp_path: Path) -> None:
    from loaders.arxiv_snapshot import byte_ranges

    path = tmp_path / "f.jsonl"
    data = b"".join(b"x" * (i % 7) + b"\n" for i in range(100)) + b"no newline at the end"
    path.write_bytes(data)
    ranges = list(byte_ranges(path, 0, size=10))
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    assert all(data[end - 1 : end] == b"\n" for _, end, _ in ranges[:-1])
    assert [first for *_, first in ranges] == [data[:start].count(b"\n") for start, _, _ in ranges]
