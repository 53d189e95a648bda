"""Recorded arXiv API responses → records, through the same parser the live client uses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graph.schema import Author, Edge, Paper, Source
from loaders.arxiv_api import (
    build_query,
    iter_records,
    load_arxiv,
    paper_from_result,
    parse_feed,
    read_recorded,
    valid_ids,
)

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv_api"
LEGACY = FIXTURES / "legacy_2016"
TODAY = dt.date(2026, 5, 1)

#: entries per recorded response, from the files themselves (see PROVENANCE.md)
ENTRIES = {
    "id_0000.0000_s0_m100_8b51d9633a68.json": 0,
    "id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.json": 1,
    "id_0808.05394_s0_m100_7b0c7d0a7cdd.json": 0,
    "id_1605.08386_s0_m100_199195aa31ad.json": 1,
    "id_1707.08567_s0_m100_6a1afebfc6a3.json": 1,
    "id_2104.12255v1_s0_m100_6ae69987ffe1.json": 1,
    "id_abc_s0_m100_b79c8dcf6bc3.json": 0,
    "id_astro-ph_0601001_s0_m100_3150dca9dc76.json": 1,
    "id_hep-ex_0406020v1_s0_m100_84b15d66c0ce.json": 1,
    "id_quant-ph_0201082v1_s0_m100_86989fe779ef.json": 1,
    "q_testing_s0_m100_cfe7536492ca.json": 100,
    "q_testing_s0_m10_bc5a6c384fe9.json": 10,
    "q_testing_s0_m10_df962dbeea2e.json": 10,
    "q_testing_s0_m15_80c242b59d59.json": 15,
    "q_testing_s10_m10_34e56e15aaac.json": 10,
    "q_testing_s20_m10_348a237fecab.json": 10,
    "q_testing_s30_m10_f2e39f0143dc.json": 10,
    "q_testing_s40_m10_96dd32eb854c.json": 10,
    "q_testing_s50_m10_7f488ab8598c.json": 10,
    "q_testing_s5_m10_c0e94a259d4a.json": 10,
    "q_testing_s5_m15_bbcf6b23085b.json": 15,
    "q_testing_s9_m15_0b78d4b4d476.json": 15,
    "legacy_2016/id_list=1111.2011v2.xml": 1,
    "legacy_2016/search_query=au:del_maestro+AND+ti:%22quantum+criticality%22.xml": 2,
    "legacy_2016/search_query=au:del_maestro+AND+ti:checkerboard.xml": 1,
    "legacy_2016/search_query=au:del_maestro+ANDNOT+%28ti:checkerboard+OR+ti:Pyrochlore%29.xml": 10,
    "legacy_2016/search_query=au:del_maestro.xml": 10,
}


def records(name: str, failures: list[str] | None = None) -> list:
    return list(iter_records(from_file=FIXTURES / name, failures=failures, retrieved=TODAY))


def papers(name: str, failures: list[str] | None = None) -> dict[str, Paper]:
    return {r.id: r for r in records(name, failures) if isinstance(r, Paper)}


def test_every_recorded_response_is_listed() -> None:
    on_disk = {str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*") if p.suffix in (".json", ".xml")}
    assert on_disk == set(ENTRIES)


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_entry_counts(name: str) -> None:
    (rec,) = read_recorded(FIXTURES / name)
    page = parse_feed(rec.content, rec.url)
    assert len(page.results) == ENTRIES[name]
    got = [r for r in records(name) if isinstance(r, Paper)]
    assert len(got) == ENTRIES[name]  # every entry maps to a valid Paper


def test_search_pages_report_the_total() -> None:
    (rec,) = read_recorded(FIXTURES / "q_testing_s10_m10_34e56e15aaac.json")
    assert parse_feed(rec.content, rec.url).total == 214881


def test_error_feed_is_a_failure_naming_the_id() -> None:
    failures: list[str] = []
    assert records("id_abc_s0_m100_b79c8dcf6bc3.json", failures) == []
    assert failures == ["id_list=abc: arXiv error (HTTP 400): incorrect id format for abc"]


def test_empty_feed_reports_the_unknown_id() -> None:
    failures: list[str] = []
    assert records("id_0000.0000_s0_m100_8b51d9633a68.json", failures) == []
    assert failures == ["arxiv:0000.0000: not found on arXiv (no entry returned)"]


def test_missing_id_in_a_multi_id_lookup_is_reported_and_the_other_loads() -> None:
    failures: list[str] = []
    got = papers("id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.json", failures)
    assert list(got) == ["arxiv:1707.08567"]
    assert failures == ["arxiv:0808.05394: not found on arXiv (no entry returned)"]


def test_old_style_ids() -> None:
    (paper,) = papers("id_astro-ph_0601001_s0_m100_3150dca9dc76.json").values()
    assert paper.id == "arxiv:astro-ph/0601001"
    assert paper.version == 1
    assert paper.categories[0] == "astro-ph"
    (hep,) = papers("id_hep-ex_0406020v1_s0_m100_84b15d66c0ce.json")
    (quant,) = papers("id_quant-ph_0201082v1_s0_m100_86989fe779ef.json")
    assert (hep, quant) == ("arxiv:hep-ex/0406020", "arxiv:quant-ph/0201082")


def test_versioned_id_keeps_the_version_out_of_the_id() -> None:
    (paper,) = papers("id_2104.12255v1_s0_m100_6ae69987ffe1.json").values()
    assert paper.id == "arxiv:2104.12255"
    assert paper.version == 1
    assert paper.title == "0"  # arXiv's real title for this paper
    assert paper.published == dt.date(2021, 4, 20)
    assert paper.authors == ["Quan Thoi Minh Nguyen"]
    assert paper.categories == ["cs.CR"]
    assert paper.sources == [Source.arxiv]


def test_wire_bytes_are_utf8_and_authors_keep_order() -> None:
    recs = records("id_1707.08567_s0_m100_6a1afebfc6a3.json")
    paper = recs[0]
    assert paper.authors[0] == "Kees A. Schouhamer Immink"
    assert "Dirk Wübben" in paper.authors
    assert len(paper.authors) == 34
    assert paper.comments == "44 pages, editors for the proceedings: Yanling Chen and A. J. Han Vinck"
    authors = [r for r in recs if isinstance(r, Author)]
    edges = [r for r in recs if isinstance(r, Edge)]
    assert [a.name for a in authors] == paper.authors
    assert [e.position for e in edges] == list(range(34))
    assert {e.target for e in edges} == {"arxiv:1707.08567"}
    assert edges[32].source == "author:dirk-wubben"
    prov = edges[0].provenance[0]
    assert (prov.source, prov.evidence, prov.retrieved) == (Source.arxiv, "https://arxiv.org/abs/1707.08567", TODAY)


def test_legacy_2016_feed_parses_with_wrapped_text_normalised() -> None:
    (paper,) = papers("legacy_2016/id_list=1111.2011v2.xml").values()
    assert paper.id == "arxiv:1111.2011"
    assert paper.version == 2
    assert paper.title == "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    assert paper.abstract.startswith("Theoretical description of anisotropic systems, such as layered superconductors")
    assert "\n" not in paper.abstract and "  " not in paper.abstract
    assert paper.authors == ["James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"]
    assert paper.doi == "10.1103/PhysRevB.85.115117"
    assert paper.published == dt.date(2011, 11, 8)
    assert paper.updated == dt.date(2012, 4, 2)
    assert paper.categories == ["cond-mat.str-el", "cond-mat.stat-mech"]
    assert paper.journal_ref


def test_replaying_a_directory_reads_everything_once() -> None:
    failures: list[str] = []
    got = papers(".", failures)
    assert "arxiv:1605.08386" in got and "arxiv:astro-ph/0601001" in got
    assert any("abc" in f for f in failures)


def test_malformed_ids_are_failures_and_valid_ones_are_canonical() -> None:
    failures: list[str] = []
    ids = valid_ids(["2310.06825v2", "abc", "arXiv:2305.18290", "https://arxiv.org/abs/2310.06825"], failures)
    assert ids == ["2310.06825", "2305.18290"]
    assert failures == ["not an arXiv identifier: 'abc'"]


def test_build_query() -> None:
    assert (
        build_query(category="cs.CL", since=dt.date(2023, 1, 1), until=dt.date(2023, 12, 31))
        == "cat:cs.CL AND submittedDate:[202301010000 TO 202312312359]"
    )
    assert build_query('ti:"direct preference"') == 'ti:"direct preference"'
    assert build_query("au:hinton", category="cs.LG,stat.ML") == "(au:hinton) AND (cat:cs.LG OR cat:stat.ML)"
    with pytest.raises(ValueError):
        build_query()


def test_non_arxiv_category_terms_are_dropped() -> None:
    (rec,) = read_recorded(FIXTURES / "id_1605.08386_s0_m100_199195aa31ad.json")
    result = parse_feed(rec.content).results[0]
    arxiv_terms = list(result.categories)
    result.categories = [*arxiv_terms, "I.2.7", "68T50"]  # ACM / MSC classes arXiv lists as terms
    assert paper_from_result(result).categories == arxiv_terms


# --- loading into a store (both backends) ------------------------------------------------------


def test_load_from_file_then_again_changes_nothing(store) -> None:
    first = load_arxiv(store, from_file=FIXTURES / "id_1707.08567_s0_m100_6a1afebfc6a3.json", retrieved=TODAY)
    assert (first.nodes_added, first.edges_added) == (35, 34)
    assert first.failures == []
    second = load_arxiv(store, from_file=FIXTURES / "id_1707.08567_s0_m100_6a1afebfc6a3.json", retrieved=TODAY)
    assert (second.nodes_added, second.nodes_updated, second.edges_added, second.edges_updated) == (0, 0, 0, 0)
    assert second.nodes_unchanged == 35
    node = store.nodes(["arxiv:1707.08567"])["arxiv:1707.08567"]
    assert node["title"].startswith("Proceedings of Workshop AEW10")
    assert node["version"] == 1 and node["sources"] == ["arxiv"]


def test_failures_do_not_stop_the_load(store) -> None:
    report = load_arxiv(store, from_file=FIXTURES, retrieved=TODAY, batch_size=500)
    assert store.counts()["Paper"] == len(papers("."))
    assert "id_list=abc: arXiv error (HTTP 400): incorrect id format for abc" in report.failures
    assert "arxiv:0808.05394: not found on arXiv (no entry returned)" in report.failures
    assert report.failures.count("arxiv:0808.05394: not found on arXiv (no entry returned)") == 1


def test_arxiv_wins_over_a_curated_paper_and_says_so(store) -> None:
    curated = Paper(
        id="arxiv:1707.08567",
        title="Proceedings of AEW10",
        authors=["Collin Burns", "Stan Baggen"],
        published=dt.date(2017, 7, 28),
        sources=[Source.curated],
    )
    store.write_batch([curated], [])
    report = load_arxiv(store, from_file=FIXTURES / "id_1707.08567_s0_m100_6a1afebfc6a3.json", retrieved=TODAY)
    assert report.disagreements == [
        "arxiv:1707.08567: title differs: curated 'Proceedings of AEW10' vs arXiv "
        "'Proceedings of Workshop AEW10: Concepts in Information Theory and Communications'",
        "arxiv:1707.08567: authors differ: curated 'Collin Burns…' vs arXiv 'Kees A. Schouhamer Immink…'",
        "arxiv:1707.08567: published differs: curated 2017-07-28 vs arXiv 2017-07-27",
    ]
    node = store.nodes(["arxiv:1707.08567"])["arxiv:1707.08567"]
    assert node["authors"][0] == "Kees A. Schouhamer Immink"
    assert node["published"] == "2017-07-27"
    assert sorted(node["sources"]) == ["arxiv", "curated"]
    again = load_arxiv(store, from_file=FIXTURES / "id_1707.08567_s0_m100_6a1afebfc6a3.json", retrieved=TODAY)
    assert again.disagreements == [] and not again.changed


def test_an_incomplete_curated_author_list_is_a_prefix_not_a_disagreement(store) -> None:
    curated = Paper(
        id="arxiv:1707.08567",
        title="Proceedings of Workshop AEW10: concepts in information theory and communications.",
        authors=["Kees A. Schouhamer Immink", "Stan Baggen"],
        authors_complete=False,
        sources=[Source.curated],
    )
    store.write_batch([curated], [])
    report = load_arxiv(store, from_file=FIXTURES / "id_1707.08567_s0_m100_6a1afebfc6a3.json", retrieved=TODAY)
    assert report.disagreements == []


def test_bulk_rows_equal_the_rows_of_validated_records() -> None:
    """The snapshot/API fast path (rows straight from a validated Paper) writes exactly what
    validating an Author and an Edge per author would: same nodes, edges and provenance."""
    from graph.store import prepare_batch
    from loaders.arxiv_api import abs_url, paper_records, prepare_papers

    papers = [r for r in records("q_testing_s0_m100_cfe7536492ca.json") if isinstance(r, Paper)]
    papers.append(papers[0].model_copy(update={"authors": [*papers[0].authors, "  ", papers[0].authors[0]]}))
    assert sum(len(p.authors) for p in papers) > 200
    recs = [r for p in papers for r in paper_records(p, abs_url(p.id), TODAY)]
    slow = prepare_batch([r for r in recs if not isinstance(r, Edge)], [r for r in recs if isinstance(r, Edge)])
    fast = prepare_papers(papers, TODAY)
    assert fast.nodes == slow.nodes
    assert fast.edges == slow.edges
