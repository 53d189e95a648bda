"""The saved lineage query library and the Python analytics: the answers a reader of the seed
articles expects, hand-computed answers on small graphs, refusals of bad input, and the same
rows on every backend."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from graph.backends import open_store
from graph.errors import NodeNotFoundError, QueryError
from graph.schema import Edge, Method, Model, Paper, Provenance
from graph.store import GraphStore, upsert
from queries import analytics
from queries.registry import Analytic, registry, run_query

NEW_QUERIES = [
    "common-roots",
    "method-impact",
    "model-family",
    "prior-works",
    "derivative-works",
    "co-citation",
    "bibliographic-coupling",
    "timeline",
    "top-influential",
]
ANALYTICS = ["pagerank", "main-path", "descendant-impact"]


def ids(result) -> list[str]:
    return [row["id"] for row in result.rows]


def example_params(q) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in q.example.split()[3:])


# --- the library itself -----------------------------------------------------------------------


def test_the_library_lists_every_query_and_analytic() -> None:
    found = registry()
    assert set(NEW_QUERIES) | set(ANALYTICS) <= set(found)
    assert {"ancestors", "descendants", "path", "introduced-by", "introduces", "neighbourhood", "overview"} <= set(
        found
    )
    assert all(isinstance(found[name], Analytic) for name in ANALYTICS)
    assert not any(isinstance(found[name], Analytic) for name in NEW_QUERIES)


@pytest.mark.parametrize("name", NEW_QUERIES + ANALYTICS)
def test_every_query_has_a_complete_header(name) -> None:
    q = registry()[name]
    assert q.description and q.returns, name
    assert q.example.startswith(f"lineage query {name}"), q.example
    assert set(example_params(q)) <= {p.name for p in q.params}
    for p in q.params:
        assert p.help, f"{name}: parameter {p.name} has no help"
        if p.type == "int":
            assert p.low is not None and p.high is not None, f"{name}: int {p.name} has no bounds"
            assert p.required or p.low <= p.default <= p.high
        if p.type.startswith("choice["):
            assert p.required or p.default in p.choices


def test_every_variable_length_pattern_is_directed_typed_and_bounded() -> None:
    """Both spellings: ``-[e:T*1..10]->`` (either engine) and Neo4j's ``-[r:T WHERE ...]->{1,10}``.

    ``path`` and ``neighbourhood`` ask for connections in either direction, on purpose.
    """
    either_way = {"path", "neighbourhood"}
    for q in registry().values():
        for dialect, text in q.texts.items():
            for m in re.finditer(r"(<?-)\[([^\]]*\*[^\]]*)\](->|-)", text):
                left, body, right = m.groups()
                assert re.search(r"\*\s*(ALL SHORTEST |SHORTEST )?\d*\.\.\d+", body), f"{q.name}/{dialect}: {m[0]}"
                if q.name != "neighbourhood":  # any edge type, on purpose (1..3 hops)
                    assert re.match(r"\w*:\w", body), f"{q.name}/{dialect}: untyped {m[0]}"
                if q.name not in either_way:
                    assert (left == "<-") != (right == "->"), f"{q.name}/{dialect}: undirected {m[0]}"
            for m in re.finditer(r"(<?-)\[([^\]]*)\](->|-)\{(\d*),(\d*)\}", text):
                left, body, right, _low, high = m.groups()
                assert high, f"{q.name}/{dialect}: unbounded {m[0]}"
                assert re.match(r"\w*:\w", body), f"{q.name}/{dialect}: untyped {m[0]}"
                assert q.name in either_way or (left == "<-") != (right == "->"), f"{q.name}/{dialect}: undirected"


def test_overview_labels_are_the_only_builds_on_and_introduces_endpoints() -> None:
    """overview's Neo4j text reads methods, models and papers label by label, in that order
    (the order of their names): it holds while only these can end a builds-on or introduces edge."""
    from graph.schema import ENDPOINTS, EdgeType

    for etype in (EdgeType.BUILDS_ON, EdgeType.INTRODUCES):
        sources, targets = ENDPOINTS[etype]
        assert sources | targets <= {"Method", "Model", "Paper"}, etype
    assert sorted(["Paper", "Model", "Method"]) == ["Method", "Model", "Paper"]


# --- the curated lineage: what a reader of the seed articles expects ---------------------------


def test_common_roots_of_zephyr_and_mixtral_is_mistral(curated_store) -> None:
    result = run_query(curated_store, "common-roots", {"ids": "model:zephyr-7b,model:mixtral-8x7b"})
    assert ids(result)[0] == "model:mistral-7b"
    first = result.rows[0]
    assert first["nearest"] is True and first["depth"] == 1 and first["total_depth"] == 2
    assert {"model:zephyr-7b", "model:mixtral-8x7b", "model:mistral-7b"} <= set(result.graph.nodes)


def test_common_roots_all_lists_the_older_shared_ancestors_too(curated_store) -> None:
    rows = run_query(
        curated_store, "common-roots", {"ids": "model:zephyr-7b,model:mixtral-8x7b", "scope": "all", "depth": 10}
    ).rows
    by_id = {row["id"]: row for row in rows}
    assert by_id["model:mistral-7b"]["nearest"]
    assert not by_id["method:transformer"]["nearest"]  # Mistral builds on it: not the nearest
    assert {"method:sliding-window-attention", "method:grouped-query-attention"} <= set(by_id)
    assert [r["depth"] for r in rows if not r["nearest"]] == sorted(r["depth"] for r in rows if not r["nearest"])


def test_an_input_can_be_the_common_root(curated_store) -> None:
    rows = run_query(curated_store, "common-roots", {"ids": "model:zephyr-7b,model:mistral-7b"}).rows
    assert [(r["id"], r["depth"], r["total_depth"]) for r in rows] == [("model:mistral-7b", 1, 1)]


def test_llama_fine_tunes_share_llama(curated_store) -> None:
    rows = run_query(curated_store, "common-roots", {"ids": "model:guanaco,model:alpaca,model:lima"}).rows
    assert [r["id"] for r in rows] == ["model:llama"]


def test_method_impact_of_lora_includes_qlora_and_guanaco(curated_store) -> None:
    rows = run_query(curated_store, "method-impact", {"id": "method:lora"}).rows
    depth = {r["id"]: r["depth"] for r in rows}
    assert depth["method:qlora"] == 1 and depth["model:guanaco"] == 2
    for row in rows:  # the count is the size of the row's label group
        assert row["count"] == sum(r["label"] == row["label"] for r in rows)


def test_method_impact_of_the_transformer_is_grouped_by_label(curated_store) -> None:
    rows = run_query(curated_store, "method-impact", {"id": "method:transformer"}).rows
    models = [r for r in rows if r["label"] == "Model"]
    assert {"model:mistral-7b", "model:llama", "model:zephyr-7b", "model:mixtral-8x7b"} <= {r["id"] for r in models}
    assert len(models) == models[0]["count"] > 10
    labels = [r["label"] for r in rows]
    assert labels == sorted(labels, key=lambda lbl: (-labels.count(lbl), lbl))  # biggest group first


def test_model_family_of_llama(curated_store) -> None:
    rows = run_query(curated_store, "model-family", {"id": "model:llama"}).rows
    tree = {(r["id"], r["via"], r["via_kind"]) for r in rows}
    for child in ("model:alpaca", "model:guanaco", "model:lima"):
        assert (child, "model:llama", "fine_tuned_from") in tree
    # Llama 2 is LLaMA's successor, not a fine-tune or variant: not in the family by default
    assert "model:llama-2" not in {r["id"] for r in rows}
    wider = run_query(curated_store, "model-family", {"id": "model:llama", "kinds": "fine_tuned_from,successor_of"})
    depth = {r["id"]: r["depth"] for r in wider.rows}
    assert depth["model:llama-2"] == 1 and depth["model:llama-2-chat"] == 2
    assert ("model:llama-2-chat", "model:llama-2") in {(r["id"], r["via"]) for r in wider.rows}
    assert wider.graph.has_edge("model:llama-2-chat", "model:llama-2")


def test_timeline_of_mistral_is_in_date_order(curated_store) -> None:
    rows = run_query(curated_store, "timeline", {"id": "model:mistral-7b", "depth": 2}).rows
    relation = {r["id"]: r["relation"] for r in rows}
    assert relation["model:mistral-7b"] == "self"
    assert relation["model:mixtral-8x7b"] == "descendant"
    assert relation["method:sliding-window-attention"] == "ancestor"
    dates = [r["date"] for r in rows if r["date"]]
    assert dates == sorted(dates)
    assert all(r["date"] is None for r in rows[len(dates) :])  # undated last
    assert (
        next(r for r in rows if r["id"] == "model:mistral-7b")["date"]
        < next(r for r in rows if r["id"] == "model:mixtral-8x7b")["date"]
    )


def test_top_influential_models(curated_store) -> None:
    rows = run_query(curated_store, "top-influential", {"label": "Model", "limit": 10}).rows
    assert rows and {r["label"] for r in rows} == {"Model"}
    keys = [(-r["citations"], -r["built_on"], r["id"]) for r in rows]
    assert keys == sorted(keys)
    built_on = {r["id"]: r["built_on"] for r in rows}
    assert built_on.get("model:llama", 0) >= 4  # Alpaca, Guanaco, LIMA, Llama 2


def test_descendant_impact_of_lora(curated_store) -> None:
    rows = {r["label"]: r for r in run_query(curated_store, "descendant-impact", {"id": "method:lora"}).rows}
    assert "model:guanaco" in rows["Model"]["nearest"]
    assert "method:qlora" in rows["Method"]["nearest"]
    assert "arxiv:2305.14314" in rows["Paper"]["nearest"]  # the QLoRA paper describes both
    assert "arxiv:2106.09685" not in rows["Paper"]["nearest"]  # LoRA's own paper is not its descendant


def test_pagerank_ranks_models(curated_store) -> None:
    result = run_query(curated_store, "pagerank", {"label": "Model", "limit": 10})
    scores = [r["score"] for r in result.rows]
    assert scores == sorted(scores, reverse=True) and len(scores) == 10
    assert {r["label"] for r in result.rows} == {"Model"}
    assert [r["rank"] for r in result.rows] == list(range(1, 11))
    assert all("pagerank" in result.graph.nodes[v] for v in result.graph)


def test_main_path_of_zephyr_ends_at_zephyr(curated_store) -> None:
    for method in ("global", "key-route", "local"):
        result = run_query(curated_store, "main-path", {"id": "model:zephyr-7b", "depth": 6, "method": method})
        assert result.rows, method
        edges = {(r["from_id"], r["to_id"]) for r in result.rows}
        assert ("model:mistral-7b", "model:zephyr-7b") in edges, method  # older → newer
        assert ("model:zephyr-7b", "model:mistral-7b") not in edges, method
        # the subgraph holds the stored edges (newer → older), each with its SPC
        assert result.graph.has_edge("model:zephyr-7b", "model:mistral-7b")
        assert all("spc" in data for *_e, data in result.graph.edges(data=True))


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("common-root", {"ids": "model:zephyr-7b,model:mistral-7b"}, "did you mean common-roots"),
        ("page-rank", {}, "did you mean pagerank"),
        ("common-roots", {"ids": "model:zephyr-7b"}, "parameter 'ids'"),
        ("model-family", {"id": "model:llama", "depth": 11}, "parameter 'depth'=11"),
        ("top-influential", {"label": "Author"}, "parameter 'label'='Author'"),
        ("timeline", {"id": "model:mistral-7b", "include_cites": "maybe"}, "parameter 'include_cites'"),
        ("co-citation", {"id": "arxiv:1706.03762", "width": 3}, "unknown parameter 'width'"),
        ("main-path", {"method": "greedy"}, "parameter 'method'='greedy'"),
        ("pagerank", {"damping": 100}, "parameter 'damping'=100"),
        ("descendant-impact", {}, "parameter 'id'"),
    ],
)
def test_bad_input_is_refused_before_running(curated_store, name, params, message) -> None:
    with pytest.raises(QueryError, match=message):
        run_query(curated_store, name, params)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("common-roots", {"ids": "zephyrr,model:mixtral-8x7b"}),
        ("model-family", {"id": "zephyrr"}),
        ("main-path", {"id": "zephyrr"}),
        ("descendant-impact", {"id": "zephyrr"}),
    ],
)
def test_unknown_node_suggests_by_name(curated_store, name, params) -> None:
    with pytest.raises(NodeNotFoundError) as exc:
        run_query(curated_store, name, params)
    assert "model:zephyr-7b" in exc.value.suggestions
    assert "did you mean model:zephyr-7b" in str(exc.value)


# --- citation queries on a hand-built graph --------------------------------------------------

SOURCED = [Provenance(source="semantic_scholar", retrieved="2026-11-23")]
EXTRACTED = [Provenance(source="extracted", retrieved="2026-11-23")]
CURATED = [Provenance(source="curated", retrieved="2026-11-23")]


def pid(name: str) -> str:
    return {"A": "arxiv:2001.00001", "B": "arxiv:2001.00002", "C": "arxiv:2001.00003", "D": "arxiv:2001.00004"}.get(
        name, {"C1": "arxiv:2101.00001", "C2": "arxiv:2101.00002", "C3": "arxiv:2101.00003"}.get(name, name)
    )


def citation_records() -> list:
    """C1 cites A, B, C; C2 cites A, B; C3 cites A, D; D cites B (extracted only, trust 1)."""
    papers = [Paper(id=pid(n), title=f"Paper {n}", published="2020-01-01") for n in ("A", "B", "C", "D")]
    papers += [Paper(id=pid(n), title=f"Paper {n}", published="2021-01-01") for n in ("C1", "C2", "C3")]
    cites = [("C1", "A"), ("C1", "B"), ("C1", "C"), ("C2", "A"), ("C2", "B"), ("C3", "A"), ("C3", "D")]
    edges = [Edge(type="CITES", source=pid(a), target=pid(b), provenance=SOURCED) for a, b in cites]
    edges.append(Edge(type="CITES", source=pid("D"), target=pid("B"), provenance=EXTRACTED))
    return [*papers, *edges]


def counted(rows) -> list[tuple[str, int]]:
    inverse = {pid(n): n for n in ("A", "B", "C", "D", "C1", "C2", "C3")}
    return [(inverse[r["id"]], r["count"]) for r in rows]


def test_citation_queries_by_hand(store) -> None:
    upsert(store, citation_records())
    both = f"{pid('C1')},{pid('C2')}"
    # prior works of {C1, C2}: A and B are cited by both, C by C1 only
    assert counted(run_query(store, "prior-works", {"ids": both}).rows) == [("A", 2), ("B", 2), ("C", 1)]
    assert counted(run_query(store, "prior-works", {"ids": both, "min_count": 2}).rows) == [("A", 2), ("B", 2)]
    # derivative works of {A, B}: C1 and C2 cite both; C3 cites A; D cites B (extracted)
    derivative = run_query(store, "derivative-works", {"ids": f"{pid('A')},{pid('B')}"}).rows
    assert counted(derivative) == [("C1", 2), ("C2", 2), ("D", 1), ("C3", 1)]  # ties by id: D is arxiv:2001.*
    sourced = run_query(store, "derivative-works", {"ids": f"{pid('A')},{pid('B')}", "min_trust": 2}).rows
    assert counted(sourced) == [("C1", 2), ("C2", 2), ("C3", 1)]
    # co-cited with A: B by C1 and C2; C by C1; D by C3
    co = run_query(store, "co-citation", {"id": pid("A")})
    assert counted(co.rows) == [("B", 2), ("C", 1), ("D", 1)]
    assert co.rows[0]["via"] == [pid("C1"), pid("C2")]
    assert co.graph.has_edge(pid("C1"), pid("A")) and co.graph.has_edge(pid("C1"), pid("B"))
    # coupled with C1 (refs A, B, C): C2 shares A and B; C3 shares A; D shares B (extracted)
    coupled = run_query(store, "bibliographic-coupling", {"id": pid("C1")}).rows
    assert counted(coupled) == [("C2", 2), ("D", 1), ("C3", 1)]
    assert coupled[0]["via"] == [pid("A"), pid("B")]
    strict = run_query(store, "bibliographic-coupling", {"id": pid("C1"), "min_trust": 2}).rows
    assert counted(strict) == [("C2", 2), ("C3", 1)]
    # a limit that cuts through a tie keeps the smallest ids (D is arxiv:2001.*, C3 arxiv:2101.*)
    assert counted(run_query(store, "bibliographic-coupling", {"id": pid("C1"), "limit": 2}).rows) == [
        ("C2", 2),
        ("D", 1),
    ]
    assert counted(run_query(store, "co-citation", {"id": pid("A"), "limit": 2}).rows) == [("B", 2), ("C", 1)]
    assert run_query(store, "co-citation", {"id": pid("A"), "limit": 1}).rows[0]["via"] == [pid("C1"), pid("C2")]
    # most cited: A by C1, C2, C3; B by C1, C2 and D; then C and D once each
    top = run_query(store, "top-influential", {"label": "Paper"}).rows
    assert [(r["id"], r["citations"]) for r in top] == [(pid("A"), 3), (pid("B"), 3), (pid("C"), 1), (pid("D"), 1)]
    top2 = run_query(store, "top-influential", {"label": "Paper", "min_trust": 2, "limit": 2}).rows
    assert [(r["id"], r["citations"]) for r in top2] == [(pid("A"), 3), (pid("B"), 2)]


def hub_records(citers: int = 12_000, topics: int = 500) -> list:
    """P cites hubs H1 and H2. Each of ``citers`` papers Q cites H1 and one of ``topics`` papers T;
    the first 600 Q also cite H2. So the papers coupled with P are 600 Q sharing 2 references and
    the rest sharing 1; co-cited with H1 are H2 (601 times) and every T (citers/topics times)."""
    hub = lambda n: f"arxiv:1001.{n:05d}"  # noqa: E731
    q = lambda i: f"arxiv:2001.{i:05d}"  # noqa: E731
    t = lambda k: f"arxiv:1501.{k:05d}"  # noqa: E731
    papers = [Paper(id=hub(n), title=f"Hub {n}", published="2010-01-01") for n in (1, 2)]
    papers += [Paper(id=t(k), title=f"Topic {k}", published="2015-01-01") for k in range(topics)]
    papers += [Paper(id=q(i), title=f"Citer {i}", published="2020-01-01") for i in range(citers)]
    papers.append(Paper(id="arxiv:2201.00001", title="P", published="2022-01-01"))
    cites = [("arxiv:2201.00001", hub(1)), ("arxiv:2201.00001", hub(2))]
    for i in range(citers):
        cites += [(q(i), hub(1)), (q(i), t(i % topics))] + ([(q(i), hub(2))] if i < 600 else [])
    return [*papers, *(Edge(type="CITES", source=a, target=b, provenance=SOURCED) for a, b in cites)]


def test_coupling_and_co_citation_at_their_largest_limit_next_to_a_hub(store) -> None:
    """The limit's upper bound answers next to a hub: on Neo4j each row that still held the
    coupled papers' list was charged for it (limit 500 ran out of transaction memory), and
    co-citation checked every pair of the hub's 12k citers and the 500 top papers (~40 s)."""
    upsert(store, hub_records(), batch_size=20_000)
    coupled = run_query(store, "bibliographic-coupling", {"id": "arxiv:2201.00001", "limit": 500}).rows
    assert [r["id"] for r in coupled] == [f"arxiv:2001.{i:05d}" for i in range(500)]  # ties by id
    assert {r["count"] for r in coupled} == {2}
    assert coupled[0]["via"] == ["arxiv:1001.00001", "arxiv:1001.00002"]
    co = run_query(store, "co-citation", {"id": "arxiv:1001.00001", "limit": 500}).rows
    assert (co[0]["id"], co[0]["count"], len(co[0]["via"])) == ("arxiv:1001.00002", 601, 601)
    assert [(r["id"], r["count"]) for r in co[1:]] == [(f"arxiv:1501.{k:05d}", 24) for k in range(499)]
    assert co[1]["via"] == [f"arxiv:2001.{i:05d}" for i in range(0, 12_000, 500)]


# --- analytics: hand-computed answers ----------------------------------------------------------
#
# The 6-node DAG, in flow direction (older → newer), one source a and one sink f:
#
#     a → b, a → c, b → c, b → d, c → d, c → e, d → f, e → f
#
# Paths from the source:  N⁻(a)=1  N⁻(b)=1  N⁻(c)=a+b=2  N⁻(d)=b+c=3  N⁻(e)=c=2  N⁻(f)=d+e=5
# Paths to the sink:      N⁺(f)=1  N⁺(d)=1  N⁺(e)=1  N⁺(c)=d+e=2  N⁺(b)=c+d=3  N⁺(a)=b+c=5
# Five source-sink paths: abcdf, abcef, abdf, acdf, acef. SPC(u, v) = N⁻(u) · N⁺(v):
#     ab 1·3=3  ac 1·2=2  bc 1·2=2  bd 1·1=1  cd 2·1=2  ce 2·1=2  df 3·1=3  ef 2·1=2
# Path totals: abcdf 3+2+2+3=10, abcef 9, abdf 7, acdf 7, acef 6 → the global main path is abcdf.
# Local forward search: a→b (3 > 2), b→c (2 > 1), from c both c→d and c→e (2 = 2), then d→f, e→f.
# Key routes by SPC (ties by id): ab 3, df 3, ac 2, bc 2, ...; ab and df both extend to abcdf;
# ac extends back to a and forward along the heaviest path c→d→f (2+3 > 2+2): acdf.

DAG_EDGES = [("a", "b"), ("a", "c"), ("b", "c"), ("b", "d"), ("c", "d"), ("c", "e"), ("d", "f"), ("e", "f")]
DAG_SPC = {
    ("a", "b"): 3,
    ("a", "c"): 2,
    ("b", "c"): 2,
    ("b", "d"): 1,
    ("c", "d"): 2,
    ("c", "e"): 2,
    ("d", "f"): 3,
    ("e", "f"): 2,
}


def test_spc_by_hand() -> None:
    assert analytics.spc(nx.DiGraph(DAG_EDGES)) == DAG_SPC
    # reversing every edge (our stored newer → older direction) swaps sources and sinks, not the counts
    reverse = analytics.spc(nx.DiGraph([(v, u) for u, v in DAG_EDGES]))
    assert {(v, u): w for (u, v), w in reverse.items()} == DAG_SPC


def test_main_paths_by_hand() -> None:
    dag = nx.DiGraph(DAG_EDGES)
    assert analytics.global_main_path(dag) == ["a", "b", "c", "d", "f"]
    assert analytics.local_main_path(dag) == [("a", "b"), ("b", "c"), ("c", "d"), ("c", "e"), ("d", "f"), ("e", "f")]
    assert analytics.key_route_main_path(dag, routes=1) == [("a", "b"), ("b", "c"), ("c", "d"), ("d", "f")]
    assert analytics.key_route_main_path(dag, routes=2) == [("a", "b"), ("b", "c"), ("c", "d"), ("d", "f")]
    assert analytics.key_route_main_path(dag, routes=3) == [("a", "b"), ("a", "c"), ("b", "c"), ("c", "d"), ("d", "f")]


def test_batagelj_style_two_sources() -> None:
    """Two sources, two sinks: a→c, b→c, c→d, c→e. N⁻(c)=2, N⁺(c)=2: SPC is 2 on every edge; 4 paths."""
    assert set(analytics.spc(nx.DiGraph([("a", "c"), ("b", "c"), ("c", "d"), ("c", "e")])).values()) == {2}


def test_cycles_are_broken_once_and_reported() -> None:
    graph = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])
    dag, removed = analytics.acyclic(graph)
    assert removed == [("c", "a")] and nx.is_directed_acyclic_graph(dag)
    assert analytics.acyclic(dag)[1] == []
    with pytest.raises(nx.NetworkXNotImplemented):
        analytics.spc(nx.Graph(DAG_EDGES))


def test_pagerank_by_hand() -> None:
    # x, y, z each point at h; h is dangling and spreads its rank evenly. With α = 0.85, n = 4:
    #   p = (1-α)/4 + α·q/4,   q = (1-α)/4 + α·q/4 + 3α·p,   3p + q = 1   →   q = 71/131, p = 20/131
    scores = analytics.pagerank(nx.DiGraph([("x", "h"), ("y", "h"), ("z", "h")]))
    assert scores["h"] == pytest.approx(71 / 131, abs=1e-9)
    assert scores["x"] == pytest.approx(20 / 131, abs=1e-9)
    cycle = analytics.pagerank(nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a")]))
    assert all(v == pytest.approx(1 / 3) for v in cycle.values())


def paper_chain_records() -> list:
    """The 6-node DAG as citations: paper X cites paper Y for every flow edge Y → X."""
    date = {n: f"2020-0{i + 1}-01" for i, n in enumerate("abcdef")}
    papers = [
        Paper(id=f"arxiv:2002.0000{i + 1}", title=f"Paper {n}", published=date[n]) for i, n in enumerate("abcdef")
    ]
    pid_ = {n: f"arxiv:2002.0000{i + 1}" for i, n in enumerate("abcdef")}
    edges = [Edge(type="CITES", source=pid_[v], target=pid_[u], provenance=SOURCED) for u, v in DAG_EDGES]
    return [*papers, *edges]


def test_main_path_through_the_store_points_from_older_to_newer(store) -> None:
    upsert(store, paper_chain_records())
    name = {f"arxiv:2002.0000{i + 1}": n for i, n in enumerate("abcdef")}
    result = run_query(store, "main-path", {"method": "global"})
    assert [(name[r["from_id"]], name[r["to_id"]], r["spc"]) for r in result.rows] == [
        ("a", "b", 3),
        ("b", "c", 2),
        ("c", "d", 2),
        ("d", "f", 3),
    ]
    assert {r["types"] for r in result.rows} == {"CITES"}
    # the subgraph keeps the stored direction (citing → cited) and only the path's edges
    assert sorted((name[u], name[v]) for u, v in result.graph.edges()) == [
        ("b", "a"),
        ("c", "b"),
        ("d", "c"),
        ("f", "d"),
    ]
    around_c = run_query(store, "main-path", {"id": "arxiv:2002.00003", "depth": 1, "method": "key-route", "routes": 1})
    # c's cone at depth 1 is a, b (what c cites), c, d and e (what cite c); in it a→b has the top SPC
    # (N⁻(a)=1 · N⁺(b)=3), and the heaviest way on from b is b→c→d (2+2 beats b→d's 1; c→d ties c→e, d < e)
    assert {(name[r["from_id"]], name[r["to_id"]]) for r in around_c.rows} == {("a", "b"), ("b", "c"), ("c", "d")}


def impact_records() -> list:
    """method:x (paper P0) ← model:m1 (paper P1, which also introduces method:sib) ← model:m2;
    P2 cites P1; P3 cites P0; P5 cites P1 and introduces model:m3; P4 is unrelated."""
    p = {i: f"arxiv:2003.0000{i}" for i in range(6)}
    nodes = [Paper(id=p[i], title=f"P{i}", published="2023-01-01") for i in range(6)]
    nodes += [Method(id="method:x", name="X"), Method(id="method:sib", name="Sibling")]
    nodes += [Model(id=f"model:m{i}", name=f"M{i}") for i in (1, 2, 3)]
    edges = [
        Edge(type="INTRODUCES", source=p[0], target="method:x", provenance=CURATED),
        Edge(type="INTRODUCES", source=p[1], target="model:m1", provenance=CURATED),
        Edge(type="INTRODUCES", source=p[1], target="method:sib", provenance=CURATED),
        Edge(type="INTRODUCES", source=p[5], target="model:m3", provenance=CURATED),
        Edge(type="BUILDS_ON", kind="uses_method", source="model:m1", target="method:x", provenance=CURATED),
        Edge(type="BUILDS_ON", kind="fine_tuned_from", source="model:m2", target="model:m1", provenance=EXTRACTED),
        Edge(type="CITES", source=p[2], target=p[1], provenance=SOURCED),
        Edge(type="CITES", source=p[3], target=p[0], provenance=SOURCED),
        Edge(type="CITES", source=p[5], target=p[1], provenance=SOURCED),
    ]
    return [*nodes, *edges]


def test_descendant_impact_by_hand(store) -> None:
    upsert(store, impact_records())
    found = analytics.descendant_impact(store, "method:x")
    # m1 builds on x (1); P1 describes m1 (2), m2 builds on m1 (2), P3 cites x's paper P0 (2);
    # P2 and P5 cite P1 (3); P5 introduces m3 (4). The sibling method:sib and P0 itself are out.
    assert found == {
        "model:m1": 1,
        "arxiv:2003.00001": 2,
        "model:m2": 2,
        "arxiv:2003.00003": 2,
        "arxiv:2003.00002": 3,
        "arxiv:2003.00005": 3,
        "model:m3": 4,
    }
    rows = {r["label"]: r for r in run_query(store, "descendant-impact", {"id": "method:x"}).rows}
    assert (rows["Model"]["count"], rows["Method"]["count"], rows["Paper"]["count"]) == (3, 0, 4)
    assert rows["Model"]["nearest"] == ["model:m1", "model:m2", "model:m3"]
    no_cites = {
        r["label"]: r["count"]
        for r in run_query(store, "descendant-impact", {"id": "method:x", "include_cites": "no"}).rows
    }
    assert no_cites == {"Model": 2, "Method": 0, "Paper": 1}
    curated_only = analytics.descendant_impact(store, "method:x", include_cites=False, min_trust=3)
    assert curated_only == {"model:m1": 1, "arxiv:2003.00001": 2}  # m2's edge is extracted only


# --- parity: same rows on every backend --------------------------------------------------------

EXTRA_CASES = [
    ("common-roots", {"ids": "model:zephyr-7b,model:mixtral-8x7b", "scope": "all", "depth": 10}),
    ("common-roots", {"ids": "model:guanaco,model:alpaca,model:llama-2-chat", "min_trust": 3}),
    ("method-impact", {"id": "method:transformer", "depth": 3}),
    ("model-family", {"id": "model:llama", "kinds": "fine_tuned_from,successor_of"}),
    ("timeline", {"id": "model:zephyr-7b", "depth": 10}),
    ("timeline", {"id": "arxiv:2304.03843", "include_cites": "yes"}),
    ("top-influential", {"label": "any", "limit": 50}),
    ("top-influential", {"label": "Method"}),
    ("top-influential", {"label": "Model", "min_trust": 3}),
    ("neighbourhood", {"id": "model:mistral-7b", "depth": 2}),
    ("neighbourhood", {"id": "arxiv:1706.03762", "depth": 3, "limit": 1500}),
    # Neo4j reads a level only while the levels before it hold fewer than the limit (the
    # Transformer paper has 11, 23 and 190 nodes at 1, 2 and 3 hops): limits inside the first
    # level, at its end, just past it, at the end of the second, just past that
    *(("neighbourhood", {"id": "arxiv:1706.03762", "depth": 3, "limit": n}) for n in (5, 11, 12, 34, 35)),
    ("pagerank", {"edges": "cites"}),
    ("pagerank", {"edges": "builds_on", "label": "Method", "damping": 70}),
    ("main-path", {"method": "global"}),
    ("main-path", {"method": "local", "edges": "builds_on"}),
    ("main-path", {"id": "method:dpo", "routes": 5}),
    ("descendant-impact", {"id": "method:transformer"}),
    ("descendant-impact", {"id": "arxiv:1706.03762", "include_cites": "no"}),
    # contrast relations followed on request, since= and the hop columns it keeps (issue 22)
    ("ancestors", {"id": "model:zephyr-7b", "depth": 10, "contrast": "yes"}),
    ("ancestors", {"id": "model:chatgpt", "depth": 10, "kinds": "uses_method,replaces", "contrast": "yes"}),
    ("descendants", {"id": "method:transformer", "depth": 10, "since": "2023-10-01", "contrast": "yes"}),
    ("descendants", {"id": "method:rlhf", "depth": 10, "contrast": "yes"}),
    ("method-impact", {"id": "method:dpo", "since": "2023-11"}),
    ("model-family", {"id": "model:llama", "since": "2023-05-20", "kinds": "fine_tuned_from,successor_of"}),
    ("path", {"source": "method:lstm", "target": "model:zephyr-7b", "contrast": "yes", "limit": 100}),
    ("common-roots", {"ids": "method:dpo,method:rlhf", "scope": "all", "contrast": "yes"}),
    ("timeline", {"id": "model:mamba", "contrast": "yes"}),
    ("main-path", {"id": "model:mamba", "contrast": "yes"}),
    ("descendant-impact", {"id": "method:transformer", "contrast": "yes"}),
    ("pagerank", {"edges": "builds_on", "contrast": "yes"}),
    # overview reads label by label on Neo4j (57 methods, 61 models, 96 papers in the curated
    # lineage): a limit inside the methods, at their end, inside the models, at the end of the
    # models (no papers read), inside the papers, and all of them
    ("overview", {}),
    ("overview", {"limit": 20}),
    ("overview", {"limit": 57}),
    ("overview", {"limit": 80}),
    ("overview", {"limit": 118}),
    ("overview", {"limit": 150, "min_trust": 2}),
]


@pytest.fixture
def both_curated(request):
    from loaders.curated import load_curated

    embedded = request.getfixturevalue("_curated_ladybug")
    conn = request.getfixturevalue("neo4j_server")
    neo = open_store("neo4j", uri=conn["uri"], user=conn["user"] or "neo4j", password=conn["password"])
    load_curated(neo)
    try:
        yield embedded, neo
    finally:
        neo.close()


def assert_same(a: GraphStore, b: GraphStore, name: str, params: dict) -> None:
    ra, rb = run_query(a, name, params), run_query(b, name, params)
    assert ra.rows == rb.rows, (name, params)
    assert json.dumps(ra.rows, default=repr) == json.dumps(rb.rows, default=repr), (name, params)  # same types too
    assert sorted(ra.graph.edges(keys=True)) == sorted(rb.graph.edges(keys=True)), (name, params)
    assert sorted(ra.graph.nodes) == sorted(rb.graph.nodes), (name, params)


def test_every_query_and_analytic_gives_the_same_rows_on_both_backends(both_curated) -> None:
    embedded, neo = both_curated
    for q in registry().values():
        assert_same(embedded, neo, q.name, example_params(q))
    for name, params in EXTRA_CASES:
        assert_same(embedded, neo, name, params)


def test_neo4j_subgraph_is_nodes_and_edges_among(both_curated) -> None:
    """run_query fetches a result's subgraph from Neo4j in one query (``subgraph``): the same
    nodes and edges as ``nodes`` and ``edges_among``, for repeated and unknown ids too."""
    _, neo = both_curated
    every = [r["id"] for r in neo.read("MATCH (n:Node) RETURN n.id AS id ORDER BY id")]
    key = lambda e: (e["type"], e["source"], e["target"], e["kind"])  # noqa: E731
    for ids in (every, every[::7] + every[:3] + ["model:not-there"], ["model:zephyr-7b"], []):
        nodes, edges = neo.subgraph(ids)
        assert nodes == neo.nodes(ids)
        assert sorted(edges, key=key) == sorted(neo.edges_among(ids), key=key)
    assert len(neo.subgraph(every)[1]) > 100


def test_hand_built_graphs_give_the_same_rows_on_both_backends(request, tmp_path) -> None:
    conn = request.getfixturevalue("neo4j_server")
    neo = open_store("neo4j", uri=conn["uri"], user=conn["user"] or "neo4j", password=conn["password"])
    embedded = open_store("ladybug", path=tmp_path / "hand.lbug")
    try:
        neo.clear()
        for s in (embedded, neo):
            upsert(s, [*citation_records(), *paper_chain_records(), *impact_records()])
        cases = [
            ("prior-works", {"ids": f"{pid('C1')},{pid('C2')},{pid('C3')}"}),
            ("derivative-works", {"ids": f"{pid('A')},{pid('B')}", "min_count": 2}),
            ("co-citation", {"id": pid("A")}),
            ("bibliographic-coupling", {"id": pid("C1")}),
            ("top-influential", {"label": "any"}),
            ("timeline", {"id": "arxiv:2002.00003", "include_cites": "yes"}),
            ("common-roots", {"ids": "arxiv:2002.00004,arxiv:2002.00005", "include_cites": "yes", "scope": "all"}),
            ("pagerank", {}),
            ("main-path", {}),
            ("main-path", {"method": "local"}),
            ("descendant-impact", {"id": "method:x"}),
            ("overview", {}),
            ("overview", {"limit": 3}),
            ("overview", {"min_trust": 2}),
            ("overview", {"min_trust": 3, "limit": 4}),
        ]
        for name, params in cases:
            assert_same(embedded, neo, name, params)
    finally:
        neo.clear()
        neo.close()
        embedded.close()


def test_common_roots_through_citations(store) -> None:
    upsert(store, paper_chain_records())
    d, e = "arxiv:2002.00004", "arxiv:2002.00005"
    assert run_query(store, "common-roots", {"ids": f"{d},{e}"}).rows == []  # no builds-on edges
    rows = run_query(store, "common-roots", {"ids": f"{d},{e}", "include_cites": "yes", "scope": "all"}).rows
    # d cites b and c; e cites c. c is the nearest shared reference, a and b lie behind it
    assert [(r["id"], r["nearest"]) for r in rows] == [
        ("arxiv:2002.00003", True),
        ("arxiv:2002.00002", False),
        ("arxiv:2002.00001", False),
    ]


def test_ancestors_and_descendants_can_follow_citations(store) -> None:
    upsert(store, paper_chain_records())
    name = {f"arxiv:2002.0000{i + 1}": n for i, n in enumerate("abcdef")}
    e = "arxiv:2002.00005"
    assert run_query(store, "ancestors", {"id": e}).rows == []  # builds-on only by default
    up = run_query(store, "ancestors", {"id": e, "include_cites": "yes"}).rows
    assert [(name[r["id"]], r["depth"]) for r in up] == [("c", 1), ("a", 2), ("b", 2)]
    down = run_query(store, "descendants", {"id": "arxiv:2002.00002", "include_cites": "yes", "depth": 2}).rows
    assert [(name[r["id"]], r["depth"]) for r in down] == [("c", 1), ("d", 1), ("e", 2), ("f", 2)]


# --- lineage cypher -----------------------------------------------------------------------------


def cypher(*args: str, db: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update({"LINEAGE_DB": str(db), "COLUMNS": "250"})
    return subprocess.run(
        [sys.executable, "-c", "import lineage.cli, lineage.cli_query; lineage.cli.run()", "cypher", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture(scope="module")
def small_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("cypher") / "db.lbug"
    s = open_store("ladybug", path=db)
    upsert(s, citation_records())
    s.close()
    return db


def test_cypher_reads_with_parameters_and_formats(small_db) -> None:
    proc = cypher(
        "MATCH (p:Node {id: $id})-[:CITES]->(q:Node) RETURN q.id AS id ORDER BY id",
        "--param",
        f"id={pid('C1')}",
        "--format",
        "json",
        db=small_db,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [{"id": pid("A")}, {"id": pid("B")}, {"id": pid("C")}]
    proc = cypher("MATCH (n:Node) RETURN n.id AS id ORDER BY id", "--limit", "2", "-f", "csv", db=small_db)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["id", pid("A"), pid("B")]
    assert "--limit" in proc.stderr


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("MATCH (n:Node) DETACH DELETE n", "refused: a write or admin clause"),
        ("CREATE (n:Node {id: 'x'})", "refused: a write or admin clause"),
        ("MATCH (n:Node RETURN n", "Cypher error"),
        ("LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l", "refused: LOAD CSV"),
    ],
)
def test_cypher_refuses_with_one_line(small_db, statement, message) -> None:
    proc = cypher(statement, db=small_db)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
    # and nothing was written
    check = cypher("MATCH (n:Node) RETURN count(n) AS n", "-f", "json", db=small_db)
    assert json.loads(check.stdout) == [{"n": 7}]


def test_cypher_bad_format_and_param(small_db) -> None:
    proc = cypher("MATCH (n:Node) RETURN n.id AS id", "--format", "xml", db=small_db)
    assert proc.returncode == 1 and "--format 'xml'" in proc.stderr
    proc = cypher("MATCH (n:Node) RETURN n.id AS id", "--param", "novalue", db=small_db)
    assert proc.returncode == 1 and "key=value" in proc.stderr
