"""Bulk loads (``store.bulk()``) give the same graph and reports as one transaction a batch,
on every backend, including the cases where the embedded store must commit a group early."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import MissingEndpointError
from graph.schema import Author, Edge, Paper, Provenance
from graph.store import LoadReport, prepare_records
from queries.registry import run_query


def prov(source: str, evidence: str) -> list[Provenance]:
    return [Provenance(source=source, evidence=evidence, retrieved="2026-12-01")]


def paper(n: int, **kw) -> Paper:
    return Paper(id=f"arxiv:2301.{n:05d}", title=kw.pop("title", f"Paper {n}"), sources=["arxiv"], **kw)


def authored(author: str, n: int, position: int = 0) -> Edge:
    return Edge(
        type="AUTHORED",
        source=f"author:{author}",
        target=f"arxiv:2301.{n:05d}",
        position=position,
        provenance=prov("arxiv", f"https://arxiv.org/abs/2301.{n:05d}"),
    )


def cites(a: int, b: int, source: str = "semantic_scholar") -> Edge:
    return Edge(
        type="CITES", source=f"arxiv:2301.{a:05d}", target=f"arxiv:2301.{b:05d}", provenance=prov(source, f"{a}->{b}")
    )


def wei(name: str = "Wei Zhang") -> Author:
    return Author(id="author:wei-zhang", name=name, sources=["arxiv"])


#: Batches in load order. They repeat a node with the same row (no lookup needed), repeat a
#: node with another row (a merge), repeat an edge whose ends were both seen (it must not be
#: written twice), add a second source to an edge, and cite papers committed before the load.
BATCHES = [
    [paper(1), wei(), authored("wei-zhang", 1), paper(2), authored("wei-zhang", 2)],
    [paper(3), wei(), authored("wei-zhang", 3), cites(3, 1), cites(100, 101)],
    [cites(3, 1), cites(100, 101), paper(2, abstract="Now with an abstract.")],
    [wei("Wei  Zhang"), cites(3, 1, "openalex"), paper(4), authored("wei-zhang", 4), cites(4, 100)],
    [paper(3), wei(), authored("wei-zhang", 3, position=0)],
]


def state(store) -> tuple[dict, list]:
    ids = [r["id"] for r in store.read("MATCH (n:Node) RETURN n.id AS id")]
    edges = sorted(store.edges_among(ids), key=lambda e: (e["type"], e["source"], e["target"]))
    return store.nodes(ids), edges


def before_the_load(store) -> None:
    store.write_batch([paper(100), paper(101)], [])


def totals(reports: list[LoadReport]) -> tuple[int, ...]:
    out = LoadReport()
    for r in reports:
        out += r
    return (out.nodes_added, out.nodes_updated, out.nodes_unchanged, out.edges_added, out.edges_updated)


@pytest.mark.parametrize("commit_rows", [None, 1, 4], ids=["one-group", "every-batch", "small-groups"])
def test_bulk_equals_one_transaction_a_batch(store, commit_rows) -> None:
    before_the_load(store)
    expected_reports = [store.write_batch(prepare_records(b)) for b in BATCHES]
    expected = state(store)
    store.clear()

    before_the_load(store)
    with store.bulk(commit_rows) as write:
        reports = [write(prepare_records(b)) for b in BATCHES]
    assert state(store) == expected
    assert totals(reports) == totals(expected_reports)
    assert store.counts()["CITES"] == 3 and store.counts()["AUTHORED"] == 4  # nothing written twice
    (edge,) = [e for e in expected[1] if e["type"] == "CITES" and e["source"].endswith("00003")]
    assert edge["sources"] == ["openalex", "semantic_scholar"]  # both sources kept, once


def test_bulk_load_twice_changes_nothing(store) -> None:
    consistent = BATCHES[:3]  # later batches rename an author back and forth
    before_the_load(store)
    with store.bulk() as write:
        for b in consistent:
            write(prepare_records(b))
    first = state(store)
    with store.bulk() as write:
        again = [write(prepare_records(b)) for b in consistent]
    assert not any(r.changed for r in again)
    assert state(store) == first


def test_a_failed_bulk_load_keeps_what_was_committed_and_nothing_after(store, tmp_path: Path) -> None:
    before_the_load(store)
    broken = [
        paper(7),
        Edge(
            type="CITES", source="arxiv:2301.00007", target="arxiv:2301.99999", provenance=prov("semantic_scholar", "x")
        ),
    ]
    with pytest.raises(MissingEndpointError), store.bulk(commit_rows=10**6) as write:
        write(prepare_records(BATCHES[0], checkpoint=("k", "1")))
        write(prepare_records(broken, checkpoint=("k", "2")))
    # What is stored is what the checkpoint says was committed, and nothing of the failed batch.
    committed = store.checkpoint("k")
    assert ("arxiv:2301.00001" in store.nodes(["arxiv:2301.00001"])) == (committed == "1")
    assert "arxiv:2301.00007" not in store.nodes(["arxiv:2301.00007"])
    assert committed == (None if store.backend == "ladybug" else "1")  # embedded: one group, never committed
    store.clear()
    before_the_load(store)
    with pytest.raises(MissingEndpointError), store.bulk(commit_rows=1) as write:
        write(prepare_records(BATCHES[0], checkpoint=("k", "1")))
        write(prepare_records(broken, checkpoint=("k", "2")))
    assert "arxiv:2301.00001" in store.nodes(["arxiv:2301.00001"]) and store.checkpoint("k") == "1"
    assert "arxiv:2301.00007" not in store.nodes(["arxiv:2301.00007"])
    if store.backend == "ladybug":  # staged files are gone, and the store answers queries again
        assert not list(Path(store.location).parent.glob("*.staging-*"))
    assert run_query(store, "search", {"q": "Paper 1"}).rows


def test_staging_left_by_a_killed_load_is_removed(tmp_path: Path) -> None:
    from graph.backends import open_store

    store = open_store("ladybug", path=tmp_path / "db.lbug")
    stale = tmp_path / "db.lbug.staging-killed"
    stale.mkdir()
    (stale / "Node.parquet").write_bytes(b"half a file")
    with store.bulk() as write:
        write(prepare_records(BATCHES[0]))
    assert not stale.exists() and not list(tmp_path.glob("*.staging-*"))
    assert store.counts()["Paper"] == 2
    store.close()


def test_a_group_the_buffer_pool_cannot_hold_names_the_setting_and_a_larger_pool_loads_it(tmp_path: Path) -> None:
    from graph.backends import open_store
    from graph.errors import StoreError

    batches = [[paper(b * 5000 + i, abstract=f"Abstract {i} " + "x" * 2000) for i in range(5000)] for b in range(4)]
    with open_store("ladybug", path=tmp_path / "db.lbug") as store:  # a node COPY into a table
        store.write_batch([paper(99_999)], [])  # with rows already runs on fewer threads
    store = open_store("ladybug", path=tmp_path / "db.lbug", buffer_pool_mb=16)
    expected = r"COPY this group's staged Node rows.*LINEAGE_BUFFER_POOL_MB=32 \(it is 16\)"
    with pytest.raises(StoreError, match=expected), store.bulk() as write:
        for b in batches:
            write(prepare_records(b))
    assert store.counts()["Paper"] == 1 and not list(tmp_path.glob("*.staging-*"))  # the group rolled back
    # and the store's queries have every engine thread again
    assert store.read("CALL current_setting('threads') RETURN *") == [{"threads": str(store.threads)}]
    store.close()
    store = open_store("ladybug", path=tmp_path / "db.lbug", buffer_pool_mb=256)
    with store.bulk() as write:
        for b in batches:
            write(prepare_records(b))
    assert store.counts()["Paper"] == 20_001
    store.close()


def test_a_group_whose_edges_fail_after_its_nodes_committed_is_finished_by_the_re_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The embedded store commits a group's nodes before its edges (graph/ladybug_bulk.py). An
    edge COPY that fails then (here made to fail in our code, the engine stays real) leaves the
    nodes with the checkpoint before them; the re-run adds the edges, once."""
    from graph import ladybug_bulk
    from graph.backends import open_store
    from graph.errors import StoreError

    batches = [prepare_records(b, checkpoint=("k", str(i))) for i, b in enumerate(BATCHES[:2])]
    expected_store = open_store("ladybug", path=tmp_path / "expected.lbug")
    before_the_load(expected_store)
    with expected_store.bulk() as write:
        for b in batches:
            write(b)
    expected = state(expected_store)
    expected_store.close()

    store = open_store("ladybug", path=tmp_path / "db.lbug")
    before_the_load(store)
    copy = ladybug_bulk.StagedGroup._copy_staged

    def failing(self, table: str) -> None:
        if table == "AUTHORED":
            raise StoreError("injected: the AUTHORED COPY failed")
        copy(self, table)

    monkeypatch.setattr(ladybug_bulk.StagedGroup, "_copy_staged", failing)
    with pytest.raises(StoreError, match="injected"), store.bulk() as write:
        for b in batches:
            write(b)
    assert store.checkpoint("k") is None  # the group's checkpoint went with its edges
    assert store.counts()["Paper"] == 5 and store.counts().get("AUTHORED", 0) == 0  # its nodes stayed
    assert not list(tmp_path.glob("*.staging-*"))

    monkeypatch.setattr(ladybug_bulk.StagedGroup, "_copy_staged", copy)
    with store.bulk() as write:
        reports = [write(b) for b in batches]
    assert state(store) == expected
    assert store.checkpoint("k") == "1" and store.counts()["AUTHORED"] == 3 and store.counts()["CITES"] == 2
    assert totals(reports)[0] == 0 and totals(reports)[3] == 5  # no node added again; every edge added once
    store.close()
