"""Semantic Scholar: parsing recorded records, and the client against a 127.0.0.1 replay server.

Every answer is a recorded one (tests/fixtures/semantic_scholar, see PROVENANCE.md), except where
a test says otherwise: the 429/503 status lines that exercise the retry loop, and the replay
server's own 404 for requests nothing was recorded for. The network is never touched.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from replay import ReplayServer, Route, Seen, cassette_routes

from loaders.http import LoaderError
from loaders.paper_nodes import SourceReport, write_checkpointed
from loaders.semantic_scholar import (
    BATCH_FIELDS,
    citations,
    load_semantic_scholar,
    paper_node_id,
    records_for_batch,
    s2_client,
    s2_id,
)

S2 = Path(__file__).parent / "fixtures" / "semantic_scholar"
DAY = dt.date(2026, 5, 1)
TURING = "doi:10.1093/mind/lix.236.433"
MICROFINANCE = "doi:10.2139/ssrn.2250500"  # paperId cb1ebd913c3724c599f6b276b14b5c6253da68f3
MICROFINANCE_PAPER_ID = "cb1ebd913c3724c599f6b276b14b5c6253da68f3"


def load(name: str) -> Any:
    return json.loads((S2 / name).read_text(encoding="utf-8"))


def batch_records() -> list[Any]:
    """The recorded /paper/batch answer: [null, 3 papers] for 4 ids."""
    route = cassette_routes(S2 / "test_get_papers_return_not_found.yaml")[0]
    return json.loads(route.body)


def reference_routes() -> list[Route]:
    """The two recorded pages of references of 10.2139/ssrn.2250500 (``offset`` 0 and 50).

    Recorded under ``/paper/10.2139/ssrn.2250500/references``; our client pages by paperId, so
    they are served at ``/paper/cb1ebd…/references`` (the batch answer gives that paperId for the DOI).
    """
    routes = cassette_routes(S2 / "test_get_paper_references.yaml", match=("offset",), strip_prefix="/graph/v1")
    assert [r.path for r in routes] == ["/paper/10.2139/ssrn.2250500/references"] * 2
    for route in routes:
        route.path = f"/paper/{MICROFINANCE_PAPER_ID}/references"
    return routes


def client(server: ReplayServer, **kwargs: Any):
    return s2_client(server.url, api_key="test-key", min_interval=0, backoff=0, **kwargs)


# --- ids and parsing ------------------------------------------------------------------------------


def test_ids() -> None:
    assert s2_id("arxiv:2310.06825") == "ARXIV:2310.06825"
    assert s2_id("arxiv:hep-th/9201001") == "ARXIV:hep-th/9201001"
    assert s2_id("doi:10.2139/ssrn.2250500") == "DOI:10.2139/ssrn.2250500"
    assert s2_id("s2:470667") == "CorpusId:470667"
    assert s2_id(f"s2:{MICROFINANCE_PAPER_ID}") == MICROFINANCE_PAPER_ID

    assert paper_node_id(load("Paper.json")) == TURING  # DOI, lower-cased
    assert paper_node_id(load("Reference.json")["citedPaper"]) == "arxiv:1402.0030"  # ArXiv wins over DBLP/MAG
    assert paper_node_id({"paperId": "e945ca4fdcf45b1a118f1462db7afa12629a131f", "title": "x"}) == (
        "s2:e945ca4fdcf45b1a118f1462db7afa12629a131f"
    )
    assert paper_node_id({"paperId": None, "title": "London Math. Soc"}) is None


def test_a_reference_to_an_arxiv_paper() -> None:
    """Reference.json is one /references item whose cited paper is arXiv 1402.0030 (the citing paper
    is not part of the recording, so the citing id here is only a stand-in)."""
    report = SourceReport()
    [(cited, record, edge)] = citations("s2:1", {"paperId": "p"}, [load("Reference.json")], DAY, report)
    assert cited == "arxiv:1402.0030"
    assert record["paperId"] == "331f0fb3b6176c6e463e0401025b04f6ace9ccd3"
    assert (edge.type.value, edge.source, edge.target) == ("CITES", "s2:1", "arxiv:1402.0030")
    assert edge.provenance[0].evidence == "S2 paper p references 331f0fb3b6176c6e463e0401025b04f6ace9ccd3"


def test_turing_paper_references(store) -> None:
    """Paper.json: 14 references inline, 8 resolved (all with DOIs, none on arXiv), 6 unresolved."""
    report = SourceReport()
    unused = s2_client("http://127.0.0.1:9", min_interval=0)  # references are inline: no request is made
    records = records_for_batch(unused, store, [TURING], [load("Paper.json")], DAY, report)
    report += write_checkpointed(store, records, 1000, ("test", "1"))
    assert unused.requests == 0
    assert report.failures == []
    assert report.skip_reasons == {"references S2 did not resolve to a paper": 6}
    assert (report.nodes_added, report.edges_added) == (9, 8)
    cites = sorted(e["target"] for e in store.edges_among(store_ids(store), ["CITES"]))
    assert cites == [
        "doi:10.1007/s00605-006-0423-7",
        "doi:10.1136/bmj.1.4616.1105",
        "doi:10.2307/2268801",
        "doi:10.2307/2268810",
        "doi:10.2307/2371045",
        "doi:10.2307/2371199",
        "doi:10.2307/3610576",
        "doi:10.26686/wgtn.25018733",
    ]
    nodes = store.nodes([TURING, "doi:10.2307/3610576", "doi:10.2307/2268810"])
    assert nodes[TURING]["title"] == "Computing Machinery and Intelligence"
    assert nodes[TURING]["published"] == "1950-10-01"
    hartree = nodes["doi:10.2307/3610576"]
    assert (hartree["title"], hartree["published"], hartree["doi"]) == (
        "Calculating Instruments and Machines",
        "1951-02-01",
        "10.2307/3610576",
    )
    assert hartree["sources"] == ["semantic_scholar"] and hartree["categories"] == []  # not from arXiv
    assert nodes["doi:10.2307/2268810"]["title"].startswith("On Computable Numbers")


def store_ids(store) -> list[str]:
    return [r["id"] for r in store.read("MATCH (n:Node) RETURN n.id AS id")]


# --- the client path ----------------------------------------------------------------------------


def test_batch_with_a_null_and_paged_references(store) -> None:
    """The recorded batch of 4 ids (the first comes back null) and the recorded 2-page reference list."""
    routes = cassette_routes(S2 / "test_get_papers_return_not_found.yaml", strip_prefix="/graph/v1")
    ids = ["s2:211530585", "s2:470667", MICROFINANCE, "s2:0f40b1f08821e22e859c6050916cec3667778613"]
    with ReplayServer(routes + reference_routes()) as server:
        report = load_semantic_scholar(store, ids, client=client(server), retrieved=DAY)
        seen = server.requests
    post = seen[0]
    assert (post.method, post.path, post.query) == ("POST", "/paper/batch", {"fields": BATCH_FIELDS})
    assert post.body == {
        "ids": [
            "CorpusId:211530585",
            "CorpusId:470667",
            "DOI:10.2139/ssrn.2250500",
            "0f40b1f08821e22e859c6050916cec3667778613",
        ]
    }
    assert post.headers["x-api-key"] == "test-key"
    # The batch answer has no reference lists (it was recorded without that field): each is paged.
    assert [(s.path, s.query.get("offset")) for s in seen[1:]] == [
        ("/paper/c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce/references", "0"),
        (f"/paper/{MICROFINANCE_PAPER_ID}/references", "0"),
        (f"/paper/{MICROFINANCE_PAPER_ID}/references", "50"),
        ("/paper/0f40b1f08821e22e859c6050916cec3667778613/references", "0"),
    ]
    url = server.url
    fields = "fields=paperId,externalIds,title,publicationDate,venue&offset=0&limit=1000"
    assert report.failures == [
        "semantic_scholar: no paper for s2:211530585 (CorpusId:211530585)",
        "doi:10.2139/ssrn.288970: references: semantic_scholar: HTTP 404: no recorded response for GET "
        f"/paper/c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce/references ({url}/paper/c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce"
        f"/references?{fields}, try 1)",
        "doi:10.1257/rct.1355: references: semantic_scholar: HTTP 404: no recorded response for GET "
        f"/paper/0f40b1f08821e22e859c6050916cec3667778613/references ({url}/paper/0f40b1f08821e22e859c6050916cec3667778613"
        f"/references?{fields}, try 1)",
    ]
    # 67 references on two pages (= referenceCount), 23 without a paperId.
    assert report.skip_reasons == {"references S2 did not resolve to a paper": 23}
    assert (report.nodes_added, report.edges_added) == (47, 44)
    cites = {e["target"]: e for e in store.edges_among(store_ids(store), ["CITES"]) if e["source"] == MICROFINANCE}
    assert len(cites) == 44
    first = cites["s2:e945ca4fdcf45b1a118f1462db7afa12629a131f"]
    assert first["evidence"] == [
        f"S2 paper {MICROFINANCE_PAPER_ID} references e945ca4fdcf45b1a118f1462db7afa12629a131f"
    ]
    assert (first["sources"], first["retrieved"]) == (["semantic_scholar"], ["2026-05-01"])
    node = store.nodes(["s2:e945ca4fdcf45b1a118f1462db7afa12629a131f", "doi:10.2139/ssrn.288970"])
    assert node["s2:e945ca4fdcf45b1a118f1462db7afa12629a131f"]["title"] == (
        "Group lending or individual lending? Evidence from a randomised field experiment in Mongolia"
    )
    # A CorpusId asked for, not stored: the paper is keyed by the DOI S2 gives it.
    assert node["doi:10.2139/ssrn.288970"]["title"] == "How Much Should We Trust Differences-in-Differences Estimates?"

    with ReplayServer(routes + reference_routes()) as server:
        again = load_semantic_scholar(store, ids, client=client(server), retrieved=DAY)
    assert (again.nodes_added, again.nodes_updated, again.edges_added, again.edges_updated) == (0, 0, 0, 0)
    assert (again.nodes_unchanged, again.edges_unchanged) == (47, 44)


def test_null_references_are_paged_and_a_404_is_a_failure(store) -> None:
    """PaperWithNullValues.json: S2 returned ``references: null``; the /references page is not recorded.

    The record has no externalIds either, so the paper (asked for by DOI, not stored) is keyed by its paperId.
    """
    report = SourceReport()
    with ReplayServer(cassette_routes(S2 / "test_not_found.yaml", strip_prefix="/graph/v1")) as server:
        records_for_batch(client(server), store, [TURING], [load("PaperWithNullValues.json")], DAY, report)
    assert len(report.failures) == 1
    assert report.failures[0].startswith(
        "s2:2d5673caa9e6af3a7b82a43f19ee920992db07ad: references: semantic_scholar: HTTP 404: no recorded response for GET "
        "/paper/2d5673caa9e6af3a7b82a43f19ee920992db07ad/references"
    )


def test_recorded_404_and_400_answers_raise_with_the_api_message() -> None:
    routes = cassette_routes(S2 / "test_not_found.yaml", strip_prefix="/graph/v1")
    routes += cassette_routes(S2 / "test_bad_query_parameters.yaml", strip_prefix="/graph/v1")
    with ReplayServer(routes) as server:
        c = client(server)
        with pytest.raises(LoaderError) as not_found:
            c.get("/paper/0", {"fields": "t,i,t,l,e"})
        with pytest.raises(LoaderError) as bad:
            c.get("/paper/10.1093/mind/lix.236.433", {"fields": "unknown"})
    assert (not_found.value.status, not_found.value.message) == (404, "Paper with id 0 not found")
    assert (bad.value.status, bad.value.message) == (400, "Unrecognized or unsupported fields: [unknown]")
    assert str(bad.value).startswith("semantic_scholar: HTTP 400: Unrecognized or unsupported fields: [unknown] (")
    assert c.requests == 2  # 4xx other than 429 are not retried


def test_429_and_5xx_are_retried_with_backoff() -> None:
    """Two 429s (status and body are made up here: no throttled answer was recorded), then the
    recorded GET /paper/{doi}?fields=title; then a 503 that never clears."""
    ok = cassette_routes(S2 / "test_get_paper.yaml", strip_prefix="/graph/v1")
    throttled = Route("GET", ok[0].path, 429, b'{"message": "Too Many Requests"}', times=2)
    sleeps: list[float] = []
    with ReplayServer([throttled, *ok]) as server:
        c = s2_client(server.url, min_interval=0, backoff=0.5, sleep=sleeps.append)
        answer = c.get("/paper/10.1093/mind/lix.236.433", {"fields": "title"})
    assert answer.data == {
        "paperId": "2d5673caa9e6af3a7b82a43f19ee920992db07ad",
        "title": "Computing Machinery and Intelligence",
    }
    assert (c.requests, sleeps) == (3, [0.5, 1.0])

    down = Route("GET", "/paper/x", 503, b"upstream down")
    sleeps.clear()
    with ReplayServer([down]) as server:
        c = s2_client(server.url, min_interval=0, backoff=1, max_backoff=3, retries=3, sleep=sleeps.append)
        with pytest.raises(LoaderError, match=r"HTTP 503: upstream down .* try 4\)"):
            c.get("/paper/x")
    assert (c.requests, sleeps) == (4, [1, 2, 3])


def test_one_request_a_second() -> None:
    ok = cassette_routes(S2 / "test_get_paper.yaml", strip_prefix="/graph/v1")
    ok[0].times = None
    sleeps: list[float] = []
    with ReplayServer(ok) as server:
        c = s2_client(server.url, min_interval=1.0, sleep=sleeps.append)
        for _ in range(3):
            c.get("/paper/10.1093/mind/lix.236.433", {"fields": "title"})
    assert len(sleeps) == 2 and all(0.9 < s <= 1.0 for s in sleeps)


# --- resuming ---------------------------------------------------------------------------------


def recorded_pool() -> dict[str, dict[str, Any]]:
    """Recorded paper records by every id form a batch request may use."""
    pool: dict[str, dict[str, Any]] = {}
    for record in [r for r in batch_records() if r] + [load("Paper.json")]:
        ext = record.get("externalIds") or {}
        keys = [record["paperId"], f"CorpusId:{ext.get('CorpusId')}"]
        keys += [f"DOI:{ext['DOI']}".lower()] if ext.get("DOI") else []
        for key in keys:
            pool[key.lower()] = record
    return pool


def test_an_interrupted_load_resumes_from_its_checkpoint(store) -> None:
    """A fake /paper/batch answering from the recorded records (null for unknown ids, as S2 does);
    the second request fails once with a 500 (made up), and a second run resumes there."""
    pool = recorded_pool()
    state = {"posts": 0}

    def batch(seen: Seen):
        if seen.method != "POST" or seen.path != "/paper/batch":
            return None
        state["posts"] += 1
        if state["posts"] == 2:
            return 500, {"message": "Internal Server Error"}
        return 200, [pool.get(i.lower()) for i in seen.body["ids"]]

    ids = [MICROFINANCE, TURING, "s2:211530585", "s2:3142471"]  # CorpusId 3142471 is the microfinance paper
    with ReplayServer(reference_routes(), fallback=batch) as server:
        first = load_semantic_scholar(store, ids, client=client(server, retries=0), ids_per_request=2, retrieved=DAY)
    assert first.failures[-1].startswith(
        "papers 3-4 (s2:211530585 …): semantic_scholar: HTTP 500: Internal Server Error"
    )
    assert first.notes[0] == "stopped; a re-run resumes at paper 3"
    assert (first.nodes_added, first.edges_added) == (54, 52)  # 44 + 8 references

    with ReplayServer(reference_routes(), fallback=batch) as server:
        second = load_semantic_scholar(store, ids, client=client(server), ids_per_request=2, retrieved=DAY)
        posts = [s.body["ids"] for s in server.requests if s.method == "POST"]
    assert second.notes[0].startswith("resuming after 2 of 4 papers (checkpoint semantic_scholar:")
    assert posts == [["CorpusId:211530585", "CorpusId:3142471"]]
    assert second.failures == ["semantic_scholar: no paper for s2:211530585 (CorpusId:211530585)"]
    # s2:3142471 is not stored, so the paper is keyed by its DOI: the node the first run made.
    assert (second.nodes_added, second.edges_added, second.edges_unchanged) == (0, 0, 44)
