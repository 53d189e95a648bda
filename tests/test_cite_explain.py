"""Citable lineage and explanations, in Python and over HTTP, on both backends (issue 22, items 5, 6).

BibTeX of a lineage subgraph cites the papers that introduce its models and methods, with the
fields BibLaTeX and Zotero read; ``explain`` says why one thing traces to another, hop by hop,
with each hop's kind, evidence and where that came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from graph.export import bibtex
from graph.store import GraphStore
from lineage.api import create_app
from queries.cite import lineage_graph, with_introducing_papers
from queries.explain import explain
from queries.registry import run_query

LOCAL = "http://localhost"
ZEPHYR_PAPERS = {"2310.06825": "Mistral 7B", "2305.18290": "Direct Preference Optimization", "1706.03762": "Attention"}


def entries(text: str) -> dict[str, str]:
    """``{eprint: entry}`` of a BibTeX text."""
    out = {}
    for entry in re.findall(r"@\w+\{[^@]*", text):
        found = re.search(r"eprint = \{([^}]*)\}", entry)
        if found:
            out[found.group(1)] = entry
    return out


def assert_citable(text: str) -> None:
    cited = entries(text)
    for eprint, title in ZEPHYR_PAPERS.items():
        entry = cited[eprint]
        assert title in entry
        for field in ("author = {", "year = {", "archivePrefix = {arXiv}", "primaryClass = {", "title = {"):
            assert field in entry, (field, entry)
        assert f"doi = {{10.48550/arXiv.{eprint}}}" in entry
    assert "Ashish Vaswani and Noam Shazeer" in cited["1706.03762"]
    assert "year = {2017}" in cited["1706.03762"]


def test_bibtex_of_ancestors_cites_the_papers_behind_them(curated_store: GraphStore) -> None:
    graph = run_query(curated_store, "ancestors", {"id": "model:zephyr-7b"}).graph
    assert not any(d.get("label") == "Paper" for _, d in graph.nodes(data=True))  # the query's own subgraph
    cited = with_introducing_papers(curated_store, graph)
    assert_citable(bibtex(cited))
    assert set(graph) < set(cited) and cited.has_edge("arxiv:2305.18290", "method:dpo")


def test_lineage_graph_is_the_node_and_its_ancestors(curated_store: GraphStore) -> None:
    graph = lineage_graph(curated_store, "HuggingFaceH4/zephyr-7b-beta")
    assert graph.graph["root"] == "model:zephyr-7b"
    assert "arxiv:2310.16944" in graph  # the paper introducing Zephyr itself
    assert_citable(bibtex(graph))


def test_explain_zephyr_to_the_transformer_paper(curated_store: GraphStore) -> None:
    answer = explain(curated_store, "zephyr", "Attention Is All You Need")
    assert (answer.source, answer.target) == ("model:zephyr-7b", "arxiv:1706.03762")
    assert answer.paths
    hops = answer.paths[0]
    assert hops[0].source == "model:zephyr-7b" and hops[-1].target == "arxiv:1706.03762"
    assert [h.kind for h in hops] == ["fine_tuned_from", "uses_method", "introduced_by"]
    assert [h.target for h in hops] == ["model:mistral-7b", "method:transformer", "arxiv:1706.03762"]
    for hop in hops:
        assert hop.evidence and all(e.evidence for e in hop.evidence)
        assert any(e.source == "curated" and e.origin.startswith("seed article 00") for e in hop.evidence)
    assert "Mistral-7B" in hops[0].evidence[0].evidence


def test_explain_follows_lineage_not_contrast(curated_store: GraphStore) -> None:
    # Mamba replaces attention and the Transformer: that is no lineage from Mamba to them.
    answer = explain(curated_store, "model:mamba", "method:transformer")
    assert all(h.kind != "replaces" for path in answer.paths for h in path)


# --- over HTTP -------------------------------------------------------------------------------


@pytest.fixture
def client(curated_store: GraphStore) -> Iterator[TestClient]:
    with TestClient(create_app(store=curated_store), base_url=LOCAL) as c:
        yield c


def test_api_takes_repo_ids_and_names(client: TestClient) -> None:
    node = client.get("/nodes/HuggingFaceH4/zephyr-7b-beta")
    assert node.status_code == 200, node.text
    assert node.json()["id"] == "model:zephyr-7b"
    assert client.get("/nodes/Zephyr 7B").json()["id"] == "model:zephyr-7b"
    for typed in ("HuggingFaceH4/zephyr-7b-beta", "huggingfaceh4/ZEPHYR-7B-BETA", "zephyr"):
        body = client.get("/queries/ancestors", params={"id": typed}).json()
        assert body["params"]["id"] == "model:zephyr-7b", body
        assert "model:mistral-7b" in [r["id"] for r in body["rows"]]
    lineage = client.get("/lineage/HuggingFaceH4/zephyr-7b-beta", params={"direction": "ancestors"})
    assert lineage.status_code == 200 and lineage.json()["params"]["id"] == "model:zephyr-7b"
    missing = client.get("/nodes/zephyrr")
    assert missing.status_code == 404 and "model:zephyr-7b" in missing.json()["suggestions"]


def test_api_bibtex_export_cites_the_introducing_papers(client: TestClient) -> None:
    response = client.get("/export/ancestors", params={"id": "model:zephyr-7b", "format": "bibtex"})
    assert response.status_code == 200, response.text
    assert_citable(response.text)
    cite = client.get("/cite/zephyr")
    assert cite.status_code == 200 and cite.headers["content-type"].startswith("application/x-bibtex")
    assert_citable(cite.text)


def test_api_explain(client: TestClient) -> None:
    response = client.get("/explain", params={"source": "zephyr", "target": "arxiv:1706.03762"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["source"], body["target"]) == ("model:zephyr-7b", "arxiv:1706.03762")
    hops = body["paths"][0]
    assert [h["kind"] for h in hops] == ["fine_tuned_from", "uses_method", "introduced_by"]
    assert hops[0]["evidence"][0]["origin"].startswith("seed article")
    missing = client.get("/explain", params={"source": "zephyrr", "target": "DPO"})
    assert missing.status_code == 404 and missing.json()["parameter"] == "source"
    assert "model:zephyr-7b" in missing.json()["suggestions"]
