"""The properties Neo4j keeps for its indexes (search text, citation counts) stay exact.

The saved queries' Neo4j texts read them (graph/neo4j_derived.py); the embedded store counts
live. These tests load in many small batches, repeat loads, add edges later and open a
database written before the properties existed, and compare with live counts each time.
"""

from __future__ import annotations

import neo4j
import pytest

from graph.backends import open_store
from graph.neo4j_derived import MARKER
from graph.schema import Edge, Method, Model, Paper, Provenance
from graph.store import GraphStore, upsert
from queries.registry import get_query, run_query

SOURCED = [Provenance(source="semantic_scholar", retrieved="2026-11-23")]
CURATED = [Provenance(source="curated", retrieved="2026-11-23")]


@pytest.fixture
def neo(request: pytest.FixtureRequest):
    conn = request.getfixturevalue("neo4j_server")
    store = open_store("neo4j", uri=conn["uri"], user=conn["user"] or "neo4j", password=conn["password"])
    store.clear()
    try:
        yield store, conn
    finally:
        store.clear()
        store.close()


def paper(n: int) -> Paper:
    return Paper(id=f"arxiv:2001.{n:05d}", title=f"Paper {n}", published="2020-01-01")


def cites(a: int, b: int) -> Edge:
    return Edge(type="CITES", source=paper(a).id, target=paper(b).id, provenance=SOURCED)


def live_ranking(store: GraphStore, **params) -> list[dict]:
    """top-influential counted live: the embedded text, which Neo4j runs as well."""
    full = {"label": "Paper", "category": "any", "source": "any", "min_trust": 1, "limit": 20, **params}
    return store.read(get_query("top-influential").text("ladybug"), full)


def ranking(store: GraphStore, **params) -> list[dict]:
    return run_query(store, "top-influential", params).rows


def test_counts_follow_batched_repeated_and_later_loads(neo) -> None:
    store, _ = neo
    papers = [paper(n) for n in range(12)]
    # a citation pattern with ties: paper k is cited by every later paper j with j % (k + 1) == 0
    edges = [cites(j, k) for j in range(12) for k in range(j) if j % (k + 1) == 0]
    upsert(store, [*papers, *edges], batch_size=3)  # nodes and edges arrive over many batches
    assert ranking(store) == live_ranking(store)
    assert ranking(store)[0]["id"] == paper(0).id and ranking(store)[0]["citations"] == 11
    before = ranking(store, label="any")
    upsert(store, [*papers, *edges], batch_size=5)  # a repeated load changes nothing
    assert ranking(store, label="any") == before

    # a model introduced by paper 11 (cited by nobody yet), built on by another model
    model = Model(id="model:m", name="M")
    child = Model(id="model:child", name="Child")
    upsert(store, [model, Edge(type="INTRODUCES", source=paper(11).id, target="model:m", provenance=CURATED)])
    assert [r["id"] for r in ranking(store, label="Model")] == []  # nothing cites or builds on it yet
    # later: papers cite the introducing paper, so the model's count rises too, and a child builds on it
    upsert(store, [paper(12), paper(13), cites(12, 11), cites(13, 11)])
    upsert(
        store,
        [
            child,
            Edge(type="BUILDS_ON", kind="fine_tuned_from", source="model:child", target="model:m", provenance=CURATED),
        ],
    )
    models = ranking(store, label="Model")
    assert [(r["id"], r["citations"], r["built_on"]) for r in models] == [("model:m", 2, 1)]
    for label in ("Paper", "Model", "Method", "any"):
        assert ranking(store, label=label, limit=5) == live_ranking(store, label=label, limit=5)


def test_a_stricter_min_trust_still_counts_live(neo) -> None:
    store, _ = neo
    extracted = [Provenance(source="extracted", retrieved="2026-11-23")]
    upsert(
        store,
        [
            paper(1),
            paper(2),
            paper(3),
            cites(2, 1),
            Edge(type="CITES", source=paper(3).id, target=paper(1).id, provenance=extracted),
        ],
    )
    assert ranking(store)[0]["citations"] == 2
    assert ranking(store, min_trust=2)[0]["citations"] == 1
    assert ranking(store, min_trust=2) == live_ranking(store, min_trust=2)


def test_search_finds_what_a_later_load_added(neo) -> None:
    store, _ = neo
    upsert(store, [Method(id="method:x", name="Some Method")])
    assert run_query(store, "search", {"q": "zz-alias"}).rows == []
    upsert(store, [Method(id="method:x", name="Some Method", aliases=["ZZ-Alias"])])
    rows = run_query(store, "search", {"q": "zz-alias"}).rows
    assert [(r["id"], r["rank"]) for r in rows] == [("method:x", 0)]
    assert [r["id"] for r in run_query(store, "search", {"q": "ME METH"}).rows] == ["method:x"]


def test_a_database_from_before_the_properties_is_filled_in_on_open(neo) -> None:
    store, conn = neo
    upsert(store, [paper(1), paper(2), cites(2, 1), Method(id="method:x", name="Old Method")])
    # what a database written by an older version looks like: no derived properties, no marker
    with neo4j.GraphDatabase.driver(conn["uri"], auth=(conn["user"] or "neo4j", conn["password"])) as driver:
        driver.execute_query(
            "MATCH (n:Node) REMOVE n.search_text, n.citation_count, n.built_on_count "
            "WITH count(*) AS done MATCH (c:Checkpoint {key: $k}) DELETE c",
            k=MARKER,
        )
    assert run_query(store, "search", {"q": "old method"}).rows == []  # what users of the old data would see
    reopened = open_store("neo4j", uri=conn["uri"], user=conn["user"] or "neo4j", password=conn["password"])
    try:
        assert [r["id"] for r in run_query(reopened, "search", {"q": "old method"}).rows] == ["method:x"]
        assert [(r["id"], r["citations"]) for r in ranking(reopened)] == [(paper(1).id, 1)]
        # nodes() gives schema properties only
        assert "search_text" not in reopened.nodes(["method:x"])["method:x"]
    finally:
        reopened.close()
