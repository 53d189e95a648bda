"""The embedded store keeps each distinct edge provenance once (graph/ladybug_provenance.py):
edges come back with their lists, a store written by the older layout is moved over when it
is opened, and a key that would point at another provenance is refused."""

from __future__ import annotations

import json
from pathlib import Path

import ladybug
import pytest

from graph import ladybug_provenance as provenance
from graph.backends import open_store
from graph.errors import StoreError
from graph.ladybug_provenance import interned
from graph.ladybug_store import _ddl
from graph.schema import EDGE_COLUMNS, Author, Edge, EdgeType, Paper, Provenance
from graph.store import upsert


def prov(source: str, evidence: str) -> list[Provenance]:
    return [Provenance(source=source, evidence=evidence, retrieved="2026-12-01")]


def records() -> list:
    """Two papers by three authors (a paper's authors share one provenance) and a citation
    stated by two sources."""
    out: list = [Paper(id=f"arxiv:2301.0000{n}", title=f"Paper {n}", sources=["arxiv"]) for n in (1, 2)]
    out += [Author(id=f"author:a{i}", name=f"A {i}", sources=["arxiv"]) for i in range(3)]
    for i in range(3):
        out.append(
            Edge(
                type="AUTHORED",
                source=f"author:a{i}",
                target="arxiv:2301.00001",
                position=i,
                provenance=prov("arxiv", "https://arxiv.org/abs/2301.00001"),
            )
        )
    out.append(
        Edge(
            type="CITES",
            source="arxiv:2301.00002",
            target="arxiv:2301.00001",
            provenance=prov("openalex", "W1") + prov("semantic_scholar", "S1"),
        )
    )
    return out


def provenance_rows(store) -> int:
    return store.rows("MATCH (p:Provenance) RETURN count(p) AS n")[0]["n"]


def test_a_provenance_shared_by_edges_is_stored_once_and_every_edge_gets_it_back(tmp_path: Path) -> None:
    store = open_store("ladybug", path=tmp_path / "db.lbug")
    upsert(store, records())
    assert provenance_rows(store) == 2  # the three authorships share one; the citation has its own
    edges = {
        (e["type"], e["source"]): e
        for e in store.edges_among([f"author:a{i}" for i in range(3)] + ["arxiv:2301.00001", "arxiv:2301.00002"])
    }
    for i in range(3):
        e = edges[("AUTHORED", f"author:a{i}")]
        assert (e["position"], e["sources"], e["evidence"]) == (i, ["arxiv"], ["https://arxiv.org/abs/2301.00001"])
    cites = edges[("CITES", "arxiv:2301.00002")]
    assert cites["sources"] == ["openalex", "semantic_scholar"] and cites["evidence"] == ["W1", "S1"]
    upsert(store, records())  # again: nothing new
    assert provenance_rows(store) == 2
    store.close()


@pytest.mark.parametrize("chunk", [20_000, 1], ids=["one-chunk", "an-edge-a-chunk"])
def test_a_store_written_with_provenance_on_every_edge_is_moved_over_when_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    # an edge a chunk: the second and third authorships find their shared provenance row there
    monkeypatch.setattr(provenance, "MIGRATE_CHUNK", chunk)
    path = tmp_path / "old.lbug"
    new = open_store("ladybug", path=tmp_path / "new.lbug")
    upsert(new, records())
    ids = [r["id"] for r in new.read("MATCH (n:Node) RETURN n.id AS id")]
    expected = sorted(new.edges_among(ids), key=lambda e: (e["type"], e["source"]))
    nodes = new.nodes(ids)
    new.close()

    # the layout before: the four lists as JSON text columns of every rel table
    db = ladybug.Database(str(path))
    conn = ladybug.Connection(db)
    conn.execute(_ddl()[0])  # the Node table did not change
    old_cols = ", ".join(f"{c} {'STRING' if t.endswith('[]') else t}" for c, t in EDGE_COLUMNS.items())
    for t in EdgeType:
        conn.execute(f"CREATE REL TABLE {t.value}(FROM Node TO Node, {old_cols})")
    conn.execute("CREATE NODE TABLE Checkpoint(key STRING PRIMARY KEY, value STRING)")
    for row in nodes.values():
        conn.execute(
            "CREATE (n:Node {id: $id, label: $label, name: $name})", {k: row[k] for k in ("id", "label", "name")}
        )
    for e in expected:
        lists = {c: json.dumps(e[c]) for c in ("sources", "evidence", "confidence", "retrieved")}
        conn.execute(
            f"MATCH (a:Node {{id: $s}}), (b:Node {{id: $t}}) CREATE (a)-[:{e['type']} {{kind: $kind, position: $pos, "
            "trust: $trust, sources: $sources, evidence: $evidence, confidence: $confidence, retrieved: $retrieved}]->(b)",
            {"s": e["source"], "t": e["target"], "kind": e["kind"], "pos": e["position"], "trust": e["trust"], **lists},
        )
    conn.close()
    db.close()

    with pytest.raises(StoreError, match="open it once without read-only"):
        open_store("ladybug", path=path, read_only=True)
    store = open_store("ladybug", path=path)
    got = sorted(store.edges_among(ids), key=lambda e: (e["type"], e["source"]))
    assert got == expected
    assert provenance_rows(store) == 2
    columns = {r["name"] for r in store.rows("CALL table_info('AUTHORED') RETURN name")}
    assert "prov" in columns and "sources" not in columns
    store.close()
    again = open_store("ladybug", path=path)  # opening it again finds nothing to move
    assert sorted(again.edges_among(ids), key=lambda e: (e["type"], e["source"])) == expected
    again.close()


def test_a_key_that_holds_another_provenance_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    store = open_store("ladybug", path=tmp_path / "db.lbug")
    edge = records()[5]  # author:a0 authored paper 1
    key, _ = interned(
        {
            "sources": ["arxiv"],
            "evidence": ["https://arxiv.org/abs/2301.00001"],
            "confidence": [1.0],
            "retrieved": ["2026-12-01"],
        }
    )
    store.rows('CREATE (:Provenance {key: $k, value: \'[["curated"],["x"],[1.0],["2026-01-01"]]\'})', {"k": key})
    with pytest.raises(StoreError, match=f"provenance key {key}"):
        upsert(store, [*records()[:5], edge])
    assert store.counts().get("Paper", 0) == 0  # the batch rolled back
    store.close()
