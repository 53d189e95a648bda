"""One resolver for every id a user types, on both backends (issue 22, item 2).

Ids, arXiv ids in any form, Hugging Face repo ids in any case, names and aliases all name one
node; an ambiguous name lists its candidates; an unknown one gets near matches. A curated model
and its official checkpoint repos are one node, so the Llama 2 family reaches the quantisations
and fine-tunes of Meta's checkpoints, and Orca 2 is one node. Cards are the real ones in
../shared/data/hf_cards.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from graph.errors import NodeNotFoundError
from graph.store import GraphStore
from loaders.checkpoints import REPO_ID, tie_checkpoints
from loaders.curated import CURATED_FILE, load_curated
from loaders.hf_cards import load_hf_cards
from queries.registry import resolve_node, run_query, suggest
from queries.resolve import AmbiguousNodeError, resolve

TYPED = {
    "HuggingFaceH4/zephyr-7b-beta": "model:zephyr-7b",
    "huggingfaceh4/ZEPHYR-7B-BETA": "model:zephyr-7b",
    "zephyr": "model:zephyr-7b",
    "Zephyr 7B": "model:zephyr-7b",
    "ZEPHYR": "model:zephyr-7b",
    "zephyr-7b": "model:zephyr-7b",
    "model:Zephyr-7B": "model:zephyr-7b",
    "DPO": "method:dpo",
    "dpo": "method:dpo",
    "Direct Preference Optimization": "method:dpo",
    "arXiv:2310.06825v2": "arxiv:2310.06825",
    "https://arxiv.org/abs/2305.18290": "arxiv:2305.18290",
    "10.48550/arXiv.1706.03762": "arxiv:1706.03762",
    "meta-llama/Llama-2-7b-hf": "model:llama-2",
    "META-LLAMA/llama-2-70b-chat-hf": "model:llama-2-chat",
    "mistralai/Mistral-7B-Instruct-v0.2": "model:mistral-7b",
    "microsoft/Orca-2-13b": "model:orca-2",
    # a paper named after what it introduces gives way to it
    "Mistral 7B": "model:mistral-7b",
    "Layer Normalization": "method:layer-normalization",
    "Attention Is All You Need": "arxiv:1706.03762",
}


@pytest.mark.parametrize(("typed", "expected"), TYPED.items())
def test_what_users_type_names_one_node(curated_store: GraphStore, typed: str, expected: str) -> None:
    assert resolve(curated_store, typed) == expected
    assert resolve_node(typed, curated_store) == expected


def test_saved_queries_take_repo_ids_and_names(curated_store: GraphStore) -> None:
    for typed in ("HuggingFaceH4/zephyr-7b-beta", "zephyr", "Zephyr 7B"):
        result = run_query(curated_store, "ancestors", {"id": typed})
        assert result.params["id"] == "model:zephyr-7b"
        assert {"model:mistral-7b", "method:dpo"} <= {r["id"] for r in result.rows}
    path = run_query(curated_store, "path", {"source": "Attention Is All You Need", "target": "Mixtral"})
    assert (path.params["source"], path.params["target"]) == ("arxiv:1706.03762", "model:mixtral-8x7b")


def test_unknown_name_suggests_near_matches(curated_store: GraphStore) -> None:
    with pytest.raises(NodeNotFoundError) as caught:
        resolve(curated_store, "zephyrr")
    assert "model:zephyr-7b" in caught.value.suggestions
    assert "model:zephyr-7b" in suggest(curated_store, "zephyrr")
    with pytest.raises(NodeNotFoundError, match="'model:nothing-like-this'"):
        run_query(curated_store, "ancestors", {"id": "model:nothing-like-this"})


def test_curated_models_list_their_checkpoint_repos_once() -> None:
    data = yaml.safe_load(CURATED_FILE.read_text(encoding="utf-8"))
    claims: Counter[str] = Counter()
    for model in data["models"]:
        repos = [a for a in model.get("aliases") or [] if REPO_ID.match(a)]
        claims.update(r.lower() for r in repos)
        if model.get("hf_id"):
            assert model["hf_id"] in repos, f"{model['id']}: hf_id is not among its aliases"
    assert [r for r, n in claims.items() if n > 1] == []
    by_id = {m["id"]: set(m.get("aliases") or []) for m in data["models"]}
    for size in ("7b", "13b", "70b"):
        assert {f"meta-llama/Llama-2-{size}", f"meta-llama/Llama-2-{size}-hf"} <= by_id["model:llama-2"]
        assert {f"meta-llama/Llama-2-{size}-chat", f"meta-llama/Llama-2-{size}-chat-hf"} <= by_id["model:llama-2-chat"]
    assert {"HuggingFaceH4/zephyr-7b-alpha", "HuggingFaceH4/zephyr-7b-beta"} <= by_id["model:zephyr-7b"]
    assert {"microsoft/Orca-2-7b", "microsoft/Orca-2-13b"} <= by_id["model:orca-2"]


# --- with the real model cards loaded ------------------------------------------------------


@pytest.fixture
def cards_store(store: GraphStore, shared_data: Path) -> Iterator[GraphStore]:
    """The curated lineage, then the 82 real cards, as ``lineage load curated`` and ``load hf-cards`` do."""
    load_curated(store)
    report = load_hf_cards(store, shared_data / "hf_cards")
    assert report.failures == []
    tie_checkpoints(store)
    yield store


FAMILY_FROM_CHECKPOINTS = {
    "model:hf.thebloke.llama-2-7b-gguf",  # base_model: meta-llama/Llama-2-7b-hf
    "model:hf.thebloke.llama-2-7b-chat-gguf",  # meta-llama/Llama-2-7b-chat-hf
    "model:hf.allenai.tulu-2-dpo-70b",  # meta-llama/Llama-2-70b-hf
    "model:hf.motherduckdb.duckdb-nsql-7b-v0.1",  # meta-llama/Llama-2-7b
    "model:hf.fingpt.fingpt-forecaster_dow30_llama2-7b_lora",  # meta-llama/Llama-2-7b-chat-hf
}


def test_llama_2_family_reaches_meta_checkpoints_derivatives_and_orca_once(cards_store: GraphStore) -> None:
    rows = run_query(cards_store, "model-family", {"id": "Llama 2"}).rows
    members = {r["id"] for r in rows}
    assert members >= FAMILY_FROM_CHECKPOINTS | {"model:llama-2-chat", "model:orca-2"}
    assert not [m for m in members if m.startswith("model:hf.meta-llama.")]  # the checkpoints are Llama 2 itself
    orca = [r for r in rows if "orca" in (r["name"] or "").lower()]
    assert [r["id"] for r in orca] == ["model:orca-2"], orca
    found = run_query(cards_store, "search", {"q": "orca-2"}).rows
    assert [r["id"] for r in found if r["label"] == "Model"] == ["model:orca-2"]


def test_card_repos_resolve_to_their_nodes(cards_store: GraphStore) -> None:
    assert resolve(cards_store, "HuggingFaceH4/zephyr-7b-beta") == "model:zephyr-7b"
    assert resolve(cards_store, "microsoft/orca-2-7b") == "model:orca-2"
    assert resolve(cards_store, "TheBloke/zephyr-7B-beta-GGUF") == "model:hf.thebloke.zephyr-7b-beta-gguf"
    assert resolve(cards_store, "notus-7b-v1") == "model:hf.argilla.notus-7b-v1"


def test_ambiguous_name_lists_its_candidates(cards_store: GraphStore) -> None:
    with pytest.raises(AmbiguousNodeError) as caught:
        run_query(cards_store, "ancestors", {"id": "llama-2-7b-chat-hf"})
    message = str(caught.value)
    assert "\n" not in message and "ambiguous" in message and "'id'" in message
    assert "model:hf.daryl149.llama-2-7b-chat-hf" in message
    assert "model:hf.nousresearch.llama-2-7b-chat-hf" in message
    assert caught.value.parameter == "id"


def test_cards_loaded_before_the_curated_model_are_tied_to_it(store: GraphStore, shared_data: Path) -> None:
    load_hf_cards(store, shared_data / "hf_cards")
    load_curated(store)
    first = tie_checkpoints(store)
    assert first.edges_added >= 6  # Meta's and Microsoft's repos, now separate nodes, become checkpoints
    assert not tie_checkpoints(store).changed  # idempotent
    members = {r["id"] for r in run_query(store, "model-family", {"id": "model:llama-2"}).rows}
    assert members >= FAMILY_FROM_CHECKPOINTS
    assert resolve(store, "meta-llama/Llama-2-7b-hf") == "model:llama-2"  # the curated node, not the card's


def test_name_lookup_is_index_backed_on_neo4j(curated_store: GraphStore, request: pytest.FixtureRequest) -> None:
    """On Neo4j the exact-name look-up seeks the search_text text index instead of reading every node."""
    if curated_store.backend != "neo4j":
        pytest.skip("the embedded store has no text index; it scans, as search does")
    import neo4j

    from graph.neo4j_derived import SEPARATOR
    from queries.resolve import _BY_NAME

    conn = request.getfixturevalue("neo4j_server")
    with neo4j.GraphDatabase.driver(conn["uri"], auth=(conn["user"] or "neo4j", conn["password"])) as driver:
        summary = driver.execute_query("EXPLAIN " + _BY_NAME["neo4j"], text="zephyr", sep=SEPARATOR, limit=20).summary
    operators: list[str] = []
    stack = [summary.plan]
    while stack:
        step = stack.pop()
        operators.append(step["operatorType"])
        stack += step.get("children") or []
    assert any("IndexContainsScan" in op for op in operators), operators
    assert not any(op.startswith(("AllNodesScan", "NodeByLabelScan")) for op in operators), operators
