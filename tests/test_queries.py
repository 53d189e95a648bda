"""Saved queries answer the lineage questions a reader of the seed articles would ask, on every backend."""

from __future__ import annotations

import pytest

from graph.errors import NodeNotFoundError, QueryError
from queries.registry import registry, run_query


def ids(result) -> list[str]:
    return [row["id"] for row in result.rows]


def test_every_saved_query_has_a_header_and_bounded_variable_length_patterns() -> None:
    import re

    assert {"ancestors", "descendants", "path", "introduced-by", "introduces", "neighbourhood"} <= set(registry())
    for q in registry().values():
        assert q.description and q.returns, q.name
        for text in q.texts.values():
            for pattern in re.findall(r"\[[^\]]*\*[^\]]*\]", text):
                assert re.search(r"\*\s*(ALL SHORTEST |SHORTEST )?\d*\.\.\d+", pattern), (
                    f"{q.name}: unbounded {pattern}"
                )
                assert ":" in pattern or q.name == "neighbourhood", f"{q.name}: untyped {pattern}"


def test_zephyr_ancestors_reach_mistral_dpo_sft_and_attention(curated_store) -> None:
    result = run_query(curated_store, "ancestors", {"id": "model:zephyr-7b", "depth": 10})
    found = set(ids(result))
    assert {
        "model:mistral-7b",
        "method:dpo",
        "method:sft",
        "method:sliding-window-attention",
        "method:grouped-query-attention",
    } <= found
    assert "method:rlhf" not in found  # what DPO replaces is not what Zephyr is made of
    depth = {row["id"]: row["depth"] for row in result.rows}
    assert depth["model:mistral-7b"] == 1 and depth["method:dpo"] == 1
    assert depth["method:sft"] == 2
    # the subgraph holds the lineage as edges pointing from newer to older
    assert result.graph.has_edge("model:zephyr-7b", "model:mistral-7b")


def test_depth_bounds_the_ancestors(curated_store) -> None:
    one = run_query(curated_store, "ancestors", {"id": "model:zephyr-7b", "depth": 1})
    assert {row["depth"] for row in one.rows} == {1}
    assert "method:sft" not in ids(one)


def test_kind_filter(curated_store) -> None:
    result = run_query(curated_store, "ancestors", {"id": "model:zephyr-7b", "depth": 10, "kinds": "fine_tuned_from"})
    assert "model:mistral-7b" in ids(result)
    assert "method:dpo" not in ids(result)


def test_what_came_of_dpo(curated_store) -> None:
    result = run_query(curated_store, "descendants", {"id": "method:dpo", "depth": 10})
    assert "model:zephyr-7b" in ids(result)


def test_what_came_of_lora_includes_qlora_and_guanaco(curated_store) -> None:
    found = ids(run_query(curated_store, "descendants", {"id": "method:lora", "depth": 10}))
    assert {"method:qlora", "model:guanaco"} <= set(found)


def test_path_from_the_transformer_paper_to_mixtral(curated_store) -> None:
    result = run_query(curated_store, "path", {"source": "arxiv:1706.03762", "target": "model:mixtral-8x7b"})
    assert result.rows, "no path"
    first = result.rows[0]
    assert first["ids"][0] == "arxiv:1706.03762" and first["ids"][-1] == "model:mixtral-8x7b"
    assert first["hops"] == len(first["ids"]) - 1
    assert all(row["hops"] == first["hops"] for row in result.rows)  # all shortest
    assert set(first["ids"]) <= set(result.graph.nodes)


def test_path_from_a_node_to_itself_is_no_path_on_every_backend(curated_store) -> None:
    """Neo4j's shortest-path algorithm refused equal ends with a raw server error."""
    result = run_query(curated_store, "path", {"source": "model:zephyr-7b", "target": "model:zephyr-7b"})
    assert result.rows == [] and result.graph.number_of_nodes() == 0


def test_introduced_by(curated_store) -> None:
    assert ids(run_query(curated_store, "introduced-by", {"id": "method:dpo"})) == ["arxiv:2305.18290"]
    assert "model:mistral-7b" in ids(run_query(curated_store, "introduces", {"id": "arxiv:2310.06825"}))


def test_ids_are_normalised_in_parameters(curated_store) -> None:
    result = run_query(curated_store, "introduces", {"id": "https://arxiv.org/abs/2310.06825v2"})
    assert result.params["id"] == "arxiv:2310.06825"


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("ancestors", {"id": "model:zephyr-7b", "depth": 99}, "parameter 'depth'=99"),
        ("ancestors", {"id": "model:zephyr-7b", "depth": "deep"}, "parameter 'depth'='deep'"),
        ("ancestors", {"id": "model:zephyr-7b", "width": 2}, "unknown parameter 'width'"),
        ("ancestors", {}, "parameter 'id'"),
        ("ancestor", {"id": "model:zephyr-7b"}, "did you mean ancestors"),
    ],
)
def test_bad_parameters_are_refused_before_running(curated_store, name, params, message) -> None:
    with pytest.raises(QueryError, match=message):
        run_query(curated_store, name, params)


def test_unknown_node_suggests_by_name(curated_store) -> None:
    with pytest.raises(NodeNotFoundError) as exc:
        run_query(curated_store, "ancestors", {"id": "zephyrr"})
    assert "model:zephyr-7b" in exc.value.suggestions


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("mistrel", "model:mistral-7b"),  # no name contains it: the fuzzy fallback finds it
        ("direct preference", "method:dpo"),  # a part of a method's name
        ("arxiv:Attention is all you need", "arxiv:1706.03762"),  # a paper title, found by search
    ],
)
def test_unknown_node_suggests_despite_typos_and_partial_names(curated_store, typed, meant) -> None:
    with pytest.raises(NodeNotFoundError) as exc:
        run_query(curated_store, "descendants", {"id": typed})
    assert meant in exc.value.suggestions


def test_both_backends_give_the_same_answers(request) -> None:
    """Parity: every saved query with its example parameters returns identical rows on both backends."""
    from graph.backends import open_store
    from loaders.curated import load_curated

    embedded = request.getfixturevalue("_curated_ladybug")
    conn = request.getfixturevalue("neo4j_server")
    neo = open_store("neo4j", uri=conn["uri"], user=conn["user"] or "neo4j", password=conn["password"])
    try:
        load_curated(neo)
        for q in registry().values():
            example = dict(pair.split("=", 1) for pair in q.example.split()[3:])
            a = run_query(embedded, q.name, example)
            b = run_query(neo, q.name, example)
            assert a.rows == b.rows, q.name
            assert sorted(a.graph.edges(keys=True)) == sorted(b.graph.edges(keys=True)), q.name
    finally:
        neo.close()


#: What users type for parameters, valid and not: digits with and without padding or signs,
#: blank and over-long text, comma lists, choices in another case, JSON-ish values from the API.
TYPED = [
    "4", "04", "0", "10", "11", "-1", "+3", " 4", "4 ", "4.0", "1e1", "", " ", "yes", "no", "Yes", "x",
    "model:zephyr-7b", "a,b", "a, ,b", ",", "fine_tuned_from,uses_method", "x" * 300, "x" * 301,
    4, 0, 11, True, 4.0, None, ["a", "b"], ("a",), [], ["x" * 301], [1], {"a": 1},
]  # fmt: skip


@pytest.mark.parametrize("name", sorted(registry()))
def test_the_plain_parameter_check_gives_what_the_pydantic_model_gives(name: str) -> None:
    """A saved query's plainly valid parameters skip pydantic (issue 25: a CLI query imports none);
    whatever the plain check accepts, the model accepts with the same values, and what it leaves
    to the model is still checked there."""
    from pydantic import ValidationError

    from queries.spec import plain_values

    query = registry()[name]
    model = query.param_model()
    required = {p.name: "model:zephyr-7b" if p.type != "nodes" else "a,b" for p in query.params if p.required}
    checked = 0
    for p in query.params:
        for typed in TYPED:
            raw = {**required, p.name: typed}
            plain = plain_values(query.params, raw)
            try:
                expected = model(**raw).model_dump()
            except (ValidationError, TypeError):  # TypeError: the model's list splitter on a non-list
                assert plain is None, (p.name, typed)
                continue
            if plain is not None:
                assert plain == expected and [type(v) for v in plain.values()] == [type(v) for v in expected.values()]
                checked += 1
    assert plain_values(query.params, required) == model(**required).model_dump()
    assert checked > 0 or not query.params
