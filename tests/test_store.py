"""The store contract, proven on every backend with the same tests."""

from __future__ import annotations

import time

import pytest

from graph.errors import MissingEndpointError, StoreError
from graph.ladybug_store import LadybugStore
from graph.schema import Edge, Method, Model, Paper, Provenance
from graph.store import upsert


def prov(source: str = "curated", evidence: str = "seed: fact", confidence: float = 1.0) -> list[Provenance]:
    return [Provenance(source=source, evidence=evidence, confidence=confidence, retrieved="2026-11-23")]


def lineage_records() -> list:
    return [
        Model(id="model:zephyr-7b", name="Zephyr 7B", aliases=["Zephyr"], sources=["curated"]),
        Model(id="model:mistral-7b", name="Mistral 7B", parameters=7_300_000_000, sources=["curated"]),
        Method(id="method:dpo", name="Direct Preference Optimization", aliases=["DPO"], sources=["curated"]),
        Paper(id="arxiv:2310.06825", title="Mistral 7B", authors=["Albert Q. Jiang"], published="2023-10-10"),
        Edge(
            type="BUILDS_ON",
            kind="fine_tuned_from",
            source="model:zephyr-7b",
            target="model:mistral-7b",
            provenance=prov(),
        ),
        Edge(type="BUILDS_ON", kind="uses_method", source="model:zephyr-7b", target="method:dpo", provenance=prov()),
        Edge(type="INTRODUCES", source="arxiv:2310.06825", target="model:mistral-7b", provenance=prov()),
    ]


def test_upsert_twice_changes_nothing(store) -> None:
    first = upsert(store, lineage_records(), batch_size=3)
    assert (first.nodes_added, first.edges_added) == (4, 3)
    counts = store.counts()
    second = upsert(store, lineage_records(), batch_size=3)
    assert not second.changed
    assert (second.nodes_unchanged, second.edges_unchanged) == (4, 3)
    assert store.counts() == counts
    assert counts["Model"] == 2 and counts["BUILDS_ON"] == 2 and counts["INTRODUCES"] == 1


def test_same_edge_from_two_sources_keeps_both(store) -> None:
    upsert(store, lineage_records())
    card = Edge(
        type="BUILDS_ON",
        kind="fine_tuned_from",
        source="model:zephyr-7b",
        target="model:mistral-7b",
        provenance=prov("hf_card", "base_model: mistralai/Mistral-7B-v0.1", 0.9),
    )
    report = upsert(store, [card])
    assert report.edges_updated == 1
    (edge,) = [e for e in store.edges_among(["model:zephyr-7b", "model:mistral-7b"]) if e["type"] == "BUILDS_ON"]
    assert edge["sources"] == ["curated", "hf_card"]
    assert edge["evidence"] == ["seed: fact", "base_model: mistralai/Mistral-7B-v0.1"]
    assert edge["trust"] == 3
    assert store.counts()["BUILDS_ON"] == 2  # merged, not duplicated


def test_a_later_source_fills_gaps_but_never_erases(store) -> None:
    upsert(store, lineage_records())
    upsert(store, [Model(id="model:mistral-7b", name="Mistral 7B", organisation="Mistral AI", sources=["hf_card"])])
    node = store.nodes(["model:mistral-7b"])["model:mistral-7b"]
    assert node["organisation"] == "Mistral AI"
    assert node["parameters"] == 7_300_000_000
    assert node["sources"] == ["curated", "hf_card"]


def test_failed_batch_leaves_nothing_and_earlier_batches_stay(store) -> None:
    good = lineage_records()
    bad = [
        Model(id="model:orphan-maker", name="Orphan"),
        Edge(
            type="BUILDS_ON", kind="extends", source="model:orphan-maker", target="model:not-there", provenance=prov()
        ),
    ]
    with pytest.raises(MissingEndpointError, match="model:not-there"):
        upsert(store, good + bad, batch_size=len(good))
    assert not store.nodes(["model:orphan-maker"])
    assert store.counts()["Model"] == 2
    # re-running with the fix completes the load, equal to a clean run
    fixed = [*good, Model(id="model:not-there", name="Fixed"), *bad]
    upsert(store, fixed, batch_size=len(good))
    assert store.counts()["BUILDS_ON"] == 3


def test_a_query_the_store_cannot_hold_fails_at_once_saying_what_to_change(store, tmp_path) -> None:
    """Neo4j's driver counts running out of transaction memory as transient and retried it for
    ~30 s before failing the same way; the embedded engine's message named no setting."""
    # the embedded store gets a pool small enough to fill in a moment
    small = LadybugStore(tmp_path / "small.lbug", buffer_pool_mb=64) if store.backend == "ladybug" else store
    started = time.monotonic()
    with pytest.raises(StoreError, match=r"ran out of memory for this query .*smaller limit or depth") as err:
        small.read("UNWIND range(1, $n) AS x RETURN size(collect(x)) AS n", {"n": 200_000_000})
    assert time.monotonic() - started < 20  # not retried
    setting = "LINEAGE_BUFFER_POOL_MB=128" if store.backend == "ladybug" else "LINEAGE_NEO4J_TX_MEMORY"
    assert setting in str(err.value)
    assert small.read("RETURN 1 AS one") == [{"one": 1}]  # and the store goes on answering
    if small is not store:
        small.close()


@pytest.mark.parametrize("among", [40, 800])
def test_edges_among_keeps_exactly_the_edges_between_the_ids(store, among) -> None:
    """A few ids and many (the embedded store filters many ids itself, not in the engine)."""
    papers = [Paper(id=f"arxiv:2001.{i:05d}", title=f"P{i}", published="2020-01-01") for i in range(1000)]
    cites = [(i, (i * 7 + k) % 1000) for i in range(1000) for k in (1, 2) if (i * 7 + k) % 1000 != i]
    upsert(
        store,
        [*papers, *(Edge(type="CITES", source=papers[a].id, target=papers[b].id, provenance=prov()) for a, b in cites)],
    )
    ids = [p.id for p in papers[:among]]
    found = {(e["source"], e["target"]) for e in store.edges_among(ids) if e["type"] == "CITES"}
    expected = {(papers[a].id, papers[b].id) for a, b in cites if a < among and b < among}
    assert found == expected and len(expected) > among // 4


def test_write_batch_rolls_back_when_the_engine_fails_mid_batch(store, monkeypatch) -> None:
    """Nodes are written, then the engine rejects the edge statement: the whole batch is undone."""
    upsert(store, lineage_records())
    before = store.counts()
    if store.backend == "neo4j":
        import graph.neo4j_store as mod

        monkeypatch.setitem(mod.CREATE_EDGES, "BUILDS_ON", "UNWIND $rows AS r THIS IS NOT CYPHER")
    else:
        from graph.ladybug_write import LadybugWrite

        original = LadybugWrite._copy

        def copy_then_fail(self, table, rows):
            if table != "Node":
                self.store.connection.execute("THIS IS NOT CYPHER")
            return original(self, table, rows)

        monkeypatch.setattr(LadybugWrite, "_copy", copy_then_fail)
    nodes = [Model(id="model:half-written", name="Half")]
    edge = Edge(
        type="BUILDS_ON", kind="extends", source="model:half-written", target="model:mistral-7b", provenance=prov()
    )
    with pytest.raises(Exception, match=r"(?i)syntax|parser|invalid"):
        store.write_batch(nodes, [edge])
    monkeypatch.undo()
    assert store.counts() == before
    assert not store.nodes(["model:half-written"])
    # and the store is still usable: re-running the batch completes it
    store.write_batch(nodes, [edge])
    assert store.counts()["BUILDS_ON"] == before["BUILDS_ON"] + 1


def test_checkpoint_is_committed_with_its_batch(store) -> None:
    assert store.checkpoint("test:file") is None
    store.write_batch(lineage_records()[:2], [], checkpoint=("test:file", "1024"))
    assert store.checkpoint("test:file") == "1024"
    store.write_batch([], [], checkpoint=("test:file", "2048"))
    assert store.checkpoint("test:file") == "2048"


def test_subgraph_carries_types_and_provenance(store) -> None:
    from graph.store import to_networkx

    upsert(store, lineage_records())
    ids = ["model:zephyr-7b", "model:mistral-7b", "method:dpo", "arxiv:2310.06825"]
    g = to_networkx(store.nodes(ids), store.edges_among(ids))
    assert g.nodes["model:zephyr-7b"]["label"] == "Model"
    assert g.nodes["arxiv:2310.06825"]["name"] == "Mistral 7B"
    data = g.get_edge_data("model:zephyr-7b", "model:mistral-7b")["BUILDS_ON:fine_tuned_from"]
    assert data["sources"] == ["curated"] and data["trust"] == 3 and data["kind"] == "fine_tuned_from"
    assert g.number_of_edges() == 3


def test_arxiv_record_outranks_curated_typing_on_rerun(store) -> None:
    curated = Paper(id="arxiv:2305.11206", title="LIMA", authors=["Collin Burns"], sources=["curated"], note="seed 004")
    arxiv = Paper(
        id="arxiv:2305.11206",
        title="LIMA: Less Is More for Alignment",
        authors=["Chunting Zhou", "Pengfei Liu"],
        published="2023-05-18",
        sources=["arxiv"],
    )
    upsert(store, [curated])
    upsert(store, [arxiv])
    again = upsert(store, [curated])  # the curated file loaded again must not flip the record back
    node = store.nodes(["arxiv:2305.11206"])["arxiv:2305.11206"]
    assert node["title"] == "LIMA: Less Is More for Alignment"
    assert node["authors"] == ["Chunting Zhou", "Pengfei Liu"]
    assert node["note"] == "seed 004" and node["sources"] == ["arxiv", "curated"]
    assert not again.changed


def test_a_loader_error_mid_stream_keeps_the_batches_before_it_and_nothing_after(store) -> None:
    """Records are read ahead in a background thread; its errors still reach the caller."""

    def records():
        yield from lineage_records()[:4]  # batch 1: the four nodes
        yield from lineage_records()[4:6]  # batch 2 starts...
        raise ValueError("snapshot.jsonl line 7: not JSON")

    with pytest.raises(ValueError, match="line 7"):
        upsert(store, records(), batch_size=4)
    assert store.counts()["Model"] == 2
    assert store.counts()["BUILDS_ON"] == 0  # batch 2 never reached the store


def test_pipelined_keeps_order_and_stops_its_producer_when_the_consumer_stops() -> None:
    from graph.store import pipelined

    produced: list[int] = []

    def numbers():
        for i in range(1000):
            produced.append(i)
            yield i

    stream = pipelined(numbers(), depth=2)
    assert [next(stream) for _ in range(5)] == [0, 1, 2, 3, 4]
    stream.close()  # the consumer gives up (an error or Ctrl-C in the caller)
    assert len(produced) <= 5 + 2 + 1  # read ahead by at most `depth`, then stopped


def test_pipelined_does_not_hang_when_the_consumer_stops_after_the_producer_finished() -> None:
    """The producer ran out with the queue full; its end marker must not block forever (it did)."""
    import threading

    from graph.store import pipelined

    def stop_early() -> None:
        stream = pipelined(iter(range(3)), depth=1)
        next(stream)
        time.sleep(0.3)  # the producer finishes reading and waits to hand over its end marker
        stream.close()

    worker = threading.Thread(target=stop_early, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive()
