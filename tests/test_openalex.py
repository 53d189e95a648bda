"""OpenAlex: parsing the recorded works, and the client against a 127.0.0.1 server answering from them.

The recorded data (tests/fixtures/openalex, see PROVENANCE.md) is four work records: ChemCrow as
an arXiv preprint (W4365597205, 0 references) and as a journal article (W4396723768, 57
references), PaperQA's preprint (W4389761608, 0 references) and a Cell Genomics article
(W4408732759, 59 references). The ``title.search`` request for ChemCrow's title is answered with
the recorded response verbatim; the other ``/works`` filters (``doi:``, ``openalex:``,
``title.search:``) are answered by :func:`fake_openalex` from those four records: a fake that
knows four works, which is why none of the journal's 57 references resolves there.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

from replay import ReplayServer, Route, Seen

from loaders.openalex import (
    SELECT,
    ArxivWork,
    load_openalex,
    normalised_title,
    openalex_client,
    records_for,
    same_paper,
    search_query,
    short_id,
    title_forms,
    work_node_id,
)
from loaders.paper_nodes import SourceReport, write_checkpointed

OA = Path(__file__).parent / "fixtures" / "openalex"
DAY = dt.date(2026, 5, 1)
CHEMCROW, PAPERQA = "arxiv:2304.05376", "arxiv:2312.07559"
PREPRINT, JOURNAL, PAPERQA_W, XGEN = "W4365597205", "W4396723768", "W4389761608", "W4408732759"
CHEM_QUERY = "title.search:Augmenting large language models with chemistry tools"


def works() -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted(OA.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for work in data.get("results", [data]):
            out[short_id(work["id"])] = work
    return out


def fake_openalex(seen: Seen):
    """``/works`` over the four recorded works: ``doi:``/``openalex:`` OR-filters and a word-subset title search."""
    if seen.path != "/works":
        return None
    pool = works()
    kind, _, value = seen.query.get("filter", "").partition(":")
    values = value.split("|")
    if kind == "doi":
        wanted = {v.lower() for v in values}
        found = [w for w in pool.values() if (w.get("doi") or "").lower().removeprefix("https://doi.org/") in wanted]
    elif kind == "openalex":
        found = [pool[v] for v in values if v in pool]
    elif kind == "title.search":
        words = set(normalised_title(value).split())
        found = [w for w in pool.values() if words <= set(normalised_title(w["title"]).split())]
    else:
        return 400, {"error": f"unknown filter {kind}"}
    return 200, {"meta": {"count": len(found)}, "results": found}


def recorded_chemcrow_search() -> Route:
    body = (OA / "works_search_title_augmenting_llms_chemistry_tools.json").read_bytes()
    return Route("GET", "/works", 200, body, {"filter": CHEM_QUERY})


# --- parsing ------------------------------------------------------------------------------------


def test_work_ids() -> None:
    pool = works()
    assert {w: work_node_id(pool[w]) for w in pool} == {
        PREPRINT: CHEMCROW,  # doi 10.48550/arxiv.2304.05376
        JOURNAL: "doi:10.1038/s42256-024-00832-8",
        PAPERQA_W: PAPERQA,
        XGEN: "doi:10.1016/j.xgen.2025.100814",
    }
    assert [len(pool[w]["referenced_works"]) for w in (PREPRINT, JOURNAL, PAPERQA_W, XGEN)] == [0, 57, 0, 59]


def test_preprint_and_journal_are_the_same_paper() -> None:
    pool = works()
    assert title_forms(pool[PREPRINT]["title"]) == {
        "chemcrow augmenting large language models with chemistry tools",
        "augmenting large language models with chemistry tools",
    }
    assert same_paper(pool[PREPRINT], pool[JOURNAL])
    assert not same_paper(pool[PREPRINT], pool[PAPERQA_W])
    assert not same_paper(pool[JOURNAL], pool[XGEN])
    assert search_query(pool[PREPRINT]["title"]) == "Augmenting large language models with chemistry tools"

    merged = ArxivWork(CHEMCROW, pool[PREPRINT], [pool[JOURNAL]])
    refs = merged.references
    assert len(refs) == 57 and {citing for citing, _ in refs} == {JOURNAL}
    assert refs[0] == (JOURNAL, "W1964666522")
    assert merged.fill() == {
        "title": "ChemCrow: Augmenting large-language models with chemistry tools",
        "doi": "10.1038/s42256-024-00832-8",
        "venue": "Nature Machine Intelligence",
    }


def test_resolved_references_become_citations(store) -> None:
    """PaperQA's recorded work with a made-up reference list (its real one is empty): the four
    recorded works plus an unknown id. ChemCrow's preprint and journal version are one paper."""
    pool = works()
    citing = copy.deepcopy(pool[PAPERQA_W])
    citing["referenced_works"] = [f"https://openalex.org/{w}" for w in (PREPRINT, JOURNAL, XGEN, "W1")]
    papers = [ArxivWork(PAPERQA, citing), ArxivWork(CHEMCROW, pool[PREPRINT], [pool[JOURNAL]])]
    report = SourceReport()
    records = records_for(papers, pool, store, DAY, report)
    report += write_checkpointed(store, records, 1000, ("test", "1"))
    assert report.skip_reasons == {
        "referenced works OpenAlex did not resolve to a DOI or arXiv id": 58,  # W1 and ChemCrow's 57
        "self or repeated references": 1,  # the journal version: ChemCrow again
    }
    cites = store.edges_among([PAPERQA, CHEMCROW, "doi:10.1016/j.xgen.2025.100814"], ["CITES"])
    assert sorted((e["source"], e["target"], e["evidence"][0]) for e in cites) == [
        (PAPERQA, CHEMCROW, f"OpenAlex {PAPERQA_W} referenced_works {PREPRINT}"),
        (PAPERQA, "doi:10.1016/j.xgen.2025.100814", f"OpenAlex {PAPERQA_W} referenced_works {XGEN}"),
    ]
    xgen = store.nodes(["doi:10.1016/j.xgen.2025.100814"])["doi:10.1016/j.xgen.2025.100814"]
    assert (xgen["title"], xgen["published"], xgen["venue"]) == (
        "High-throughput screening of human genetic variants by pooled prime editing",
        "2025-03-01",
        "Cell Genomics",
    )


# --- the client path ----------------------------------------------------------------------------


def test_load_merges_chemcrow_and_asks_for_the_journal_references(store) -> None:
    ids = ["2304.05376", "arXiv:2312.07559v1", "2310.06825"]
    with ReplayServer([recorded_chemcrow_search()], fallback=fake_openalex) as server:
        client = openalex_client(server.url, min_interval=0, backoff=0)
        report = load_openalex(store, ids, client=client, retrieved=DAY)
        seen = [s.query for s in server.requests]
    journal_refs = [short_id(r) for r in works()[JOURNAL]["referenced_works"]]
    assert seen == [
        {
            "filter": "doi:10.48550/arxiv.2304.05376|10.48550/arxiv.2312.07559|10.48550/arxiv.2310.06825",
            "select": SELECT,
            "per-page": "100",
        },
        {"filter": CHEM_QUERY, "select": SELECT, "per-page": "25"},
        {
            "filter": "title.search:Retrieval Augmented Generative Agent for Scientific Research",
            "select": SELECT,
            "per-page": "25",
        },
        {
            "filter": "openalex:" + "|".join(journal_refs),
            "select": "id,doi,title,display_name,publication_date,type,ids,primary_location,locations",
            "per-page": "100",
        },
    ]
    assert report.failures == ["openalex: no work with DOI 10.48550/arXiv.2310.06825 (arxiv:2310.06825)"]
    assert report.skip_reasons == {"referenced works OpenAlex did not resolve to a DOI or arXiv id": 57}
    assert report.notes == [
        "arxiv:2312.07559: OpenAlex lists no references (in any version)",
        "1 preprint(s) merged with another version of the same paper",
        "4 request(s) to OpenAlex",
    ]
    nodes = store.nodes([CHEMCROW, PAPERQA, "doi:10.1038/s42256-024-00832-8"])
    assert set(nodes) == {CHEMCROW, PAPERQA}  # the journal version is not a second paper
    chem = nodes[CHEMCROW]
    assert (chem["title"], chem["doi"], chem["venue"], chem["sources"]) == (
        "ChemCrow: Augmenting large-language models with chemistry tools",
        "10.1038/s42256-024-00832-8",
        "Nature Machine Intelligence",
        ["openalex"],
    )
    assert chem["published"] is None  # OpenAlex dates arXiv preprints 2023-01-01; arXiv's date is the one we keep

    with ReplayServer([recorded_chemcrow_search()], fallback=fake_openalex) as server:
        again = load_openalex(store, ids, client=openalex_client(server.url, min_interval=0), retrieved=DAY)
    assert (again.nodes_added, again.nodes_updated, again.nodes_unchanged) == (0, 0, 2)


def test_a_stored_arxiv_paper_keeps_its_title_and_gains_the_journal_doi(store) -> None:
    from graph.schema import Paper, Source
    from graph.store import upsert

    upsert(store, [Paper(id=CHEMCROW, title="ChemCrow (as arXiv titles it)", sources=[Source.arxiv])])
    with ReplayServer([recorded_chemcrow_search()], fallback=fake_openalex) as server:
        report = load_openalex(store, [CHEMCROW], client=openalex_client(server.url, min_interval=0))
    assert report.nodes_updated == 1
    chem = store.nodes([CHEMCROW])[CHEMCROW]
    assert (chem["title"], chem["doi"], chem["sources"]) == (
        "ChemCrow (as arXiv titles it)",
        "10.1038/s42256-024-00832-8",
        ["arxiv", "openalex"],
    )


def test_keys_go_in_the_query(monkeypatch) -> None:
    monkeypatch.setenv("OPENALEX_API_KEY", "k")
    monkeypatch.setenv("OPENALEX_MAILTO", "me@example.org")
    client = openalex_client("http://127.0.0.1:9")
    assert client.url("/works", {"filter": "doi:10.48550/arxiv.1|10.48550/arxiv.2"}) == (
        "http://127.0.0.1:9/works?api_key=k&mailto=me%40example.org&filter=doi:10.48550/arxiv.1|10.48550/arxiv.2"
    )
