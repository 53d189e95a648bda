"""Mention extraction: the gazetteer's rules, the labelled benchmark, and edges on both backends."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

from graph.schema import Edge, Method, Model, Paper, Provenance, Source
from graph.store import upsert
from loaders.mentions import Gazetteer, extract_mentions

FIXTURES = Path(__file__).parent / "fixtures"
DAY = dt.date(2026, 5, 1)

NODES = [
    {"id": "model:llama", "label": "Model", "name": "LLaMA", "aliases": ["LLaMA", "Llama 1"]},
    {"id": "model:llama-2", "label": "Model", "name": "Llama 2", "aliases": ["Llama 2", "Llama-2"]},
    {"id": "model:llama-2-chat", "label": "Model", "name": "Llama 2-Chat", "aliases": ["Llama 2 Chat"]},
    {"id": "model:mistral-7b", "label": "Model", "name": "Mistral 7B", "aliases": ["Mistral-7B", "Mistral"]},
    {"id": "model:phi-2", "label": "Model", "name": "phi-2", "aliases": ["Phi-2"]},
    {"id": "model:orca-2", "label": "Model", "name": "Orca 2", "aliases": ["Orca-2", "Orca"]},
    {"id": "model:alpaca", "label": "Model", "name": "Alpaca", "aliases": ["Stanford Alpaca"]},
    {"id": "model:gpt-4", "label": "Model", "name": "GPT-4", "aliases": []},
    {"id": "model:sam", "label": "Model", "name": "Segment Anything Model", "aliases": ["SAM"]},
    {"id": "method:dpo", "label": "Method", "name": "Direct Preference Optimization", "aliases": ["DPO"]},
    {"id": "method:transformer", "label": "Method", "name": "Transformer", "aliases": []},
    {"id": "method:instruction-tuning", "label": "Method", "name": "Instruction tuning", "aliases": []},
]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.from_rows(NODES)


def found(gaz: Gazetteer, text: str) -> list[tuple[str, str]]:
    return [(m.span, m.node_id) for m in gaz.find(text)]


def test_spellings_of_one_name(gaz: Gazetteer) -> None:
    assert found(gaz, "We compare LLaMA 2, Llama-2-70B and Llama2 with LLAMA-2.") == [
        ("LLaMA 2", "model:llama-2"),
        ("Llama-2", "model:llama-2"),  # the size is not part of the name
        ("Llama2", "model:llama-2"),
        ("LLAMA-2", "model:llama-2"),
    ]
    assert found(gaz, "Llama-2-70B-chat and Llama 2 13B Chat") == [
        ("Llama-2-70B-chat", "model:llama-2-chat"),  # a size inside the name is skipped
        ("Llama 2 13B Chat", "model:llama-2-chat"),
    ]
    assert found(gaz, "a model fine-tuned with direct preference optimization") == [
        ("direct preference optimization", "method:dpo")
    ]
    assert found(gaz, "Qwen2 releases instruction-tuned language models") == [
        ("instruction-tuned", "method:instruction-tuning")  # a generated variant
    ]


def test_ordinary_words_are_not_names(gaz: Gazetteer) -> None:
    for text in (
        "The Mistral is a strong, cold wind in southern France.",
        "An orca is a toothed whale; Orca pods hunt seals.",
        "Alpaca fibre is warmer than sheep's wool.",
        "The angle phi and the field $\\phi_2$ satisfy phi = 2 pi.",
        "SAM monolayers were deposited on gold.",
        "Power transformer windings overheat.",
        "We used Mistral AI's inference API.",  # a company
    ):
        assert found(gaz, text) == [], text


def test_ambiguous_names_in_model_context(gaz: Gazetteer) -> None:
    assert found(gaz, "Orca and Alpaca are instruction-tuned language models.") == [
        ("Orca", "model:orca-2"),
        ("Alpaca", "model:alpaca"),
        ("instruction-tuned", "method:instruction-tuning"),
    ]
    assert found(gaz, "Mistral outperforms Llama 2 on most benchmarks") == [
        ("Mistral", "model:mistral-7b"),
        ("Llama 2", "model:llama-2"),
    ]
    assert found(gaz, "SAM segments any object in an image with a promptable model") == [("SAM", "model:sam")]
    assert found(gaz, "a transformer-based language model") == [("transformer", "method:transformer")]
    assert found(gaz, "基于Transformer的架构") == [("Transformer", "method:transformer")]  # a name inside Chinese


def test_other_models_with_the_name_inside(gaz: Gazetteer) -> None:
    assert found(gaz, "GPT-4o is not GPT-4.") == [("GPT-4", "model:gpt-4")]
    assert found(gaz, "OpenHermes-2.5-Mistral-7B and Meta-Llama-3") == []  # hyphenated compounds
    assert found(gaz, "We fine-tune Llama 3.1 8B.") == []  # another version of LLaMA
    assert found(gaz, "see https://huggingface.co/mistralai/Mistral-7B-v0.1 and llama.cpp") == []
    assert found(gaz, "[mistralai/Mistral-7B-v0.1](https://huggingface.co/x)") == [("Mistral-7B", "model:mistral-7b")]


def test_phi_is_only_a_name_with_a_number(gaz: Gazetteer) -> None:
    assert found(gaz, "Phi-2 is a Transformer with 2.7 billion parameters.") == [
        ("Phi-2", "model:phi-2"),
        ("Transformer", "method:transformer"),
    ]
    assert Gazetteer.from_rows([{"id": "model:phi", "label": "Model", "name": "phi", "aliases": []}]).entries == []


def test_a_form_two_nodes_claim_is_dropped() -> None:
    rows = [
        {"id": "model:a", "label": "Model", "name": "Zeta-7B", "aliases": []},
        {"id": "model:b", "label": "Model", "name": "Zeta 7B", "aliases": []},
        {"id": "model:hf.x.zeta-7b", "label": "Model", "name": "zeta-7b", "aliases": [], "hf_id": "x/Zeta-7B"},
    ]
    gaz = Gazetteer.from_rows(rows)
    assert gaz.conflicts == ["'zeta 7 b' names model:a, model:b, model:hf.x.zeta-7b: not matched"]
    assert gaz.find("Zeta-7B is a model") == []


# --- the labelled benchmark -------------------------------------------------------------------


def test_labelled_set_is_real_and_big_enough() -> None:
    rows = [json.loads(line) for line in (FIXTURES / "mentions" / "labelled.jsonl").read_text().splitlines()]
    assert len(rows) == 284 and all({"text", "source", "kind", "expected"} <= set(r) for r in rows)
    assert sum(len(r["expected"]) for r in rows) == 249
    seeds = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
    if seeds.exists():  # the seed lines are quoted verbatim
        for r in (r for r in rows if r["kind"] == "seed"):
            name, line = r["source"].removeprefix("shared/seeds/").split(":")
            assert (seeds / name).read_text(encoding="utf-8").splitlines()[int(line) - 1] == r["text"]


def test_precision_and_recall_on_the_labelled_set() -> None:
    """``python -m bench.mentions`` as a test (bench/ is not an installed package: loaded by path)."""
    root = Path(__file__).resolve().parents[1]
    if not (root / "loaders" / "data" / "curated.yaml").exists():
        pytest.skip("the curated lineage file is not there")
    spec = importlib.util.spec_from_file_location("bench_mentions", root / "bench" / "mentions.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # dataclasses look their module up
    spec.loader.exec_module(bench)
    scores = bench.evaluate(bench.read_labelled(), bench.curated_gazetteer())["all"]
    assert scores.precision >= 0.95, scores.errors
    assert scores.recall >= 0.90, scores.errors


# --- edges --------------------------------------------------------------------------------------


def recorded_paper() -> Paper:
    """arXiv 2302.03287 exactly as the recorded arXiv response gives it (see labelled.jsonl)."""
    rows = [json.loads(line) for line in (FIXTURES / "mentions" / "labelled.jsonl").read_text().splitlines()]
    row = next(r for r in rows if "(entry 2302.03287v3)" in r["source"])
    title, abstract = row["text"].split("\n", 1)
    return Paper(id="arxiv:2302.03287", title=title, abstract=abstract, sources=[Source.arxiv])


def test_mentions_and_candidate_lineage_on_the_store(store, tmp_path: Path) -> None:
    curated = Provenance(source=Source.curated, evidence="seed: Zephyr is a fine-tuned Mistral 7B", retrieved=DAY)
    upsert(
        store,
        [
            recorded_paper(),
            Paper(id="arxiv:hep-th/9201001", title="hep-th/9201001", sources=[Source.edge_list]),  # a placeholder
            Model(id="model:chatgpt", name="ChatGPT", aliases=["ChatGPT"], sources=[Source.curated]),
            Method(id="method:transformer", name="Transformer", aliases=["Transformer"], sources=[Source.curated]),
            Model(id="model:mistral-7b", name="Mistral 7B", aliases=["Mistral-7B"], hf_id="mistralai/Mistral-7B-v0.1"),
            Model(id="model:zephyr-7b", name="Zephyr 7B", aliases=["Zephyr"], hf_id="HuggingFaceH4/zephyr-7b-beta"),
            Method(id="method:dpo", name="Direct Preference Optimization", aliases=["DPO"]),
            Edge(
                type="BUILDS_ON",
                source="model:zephyr-7b",
                target="model:mistral-7b",
                kind="fine_tuned_from",
                provenance=[curated],
            ),
        ],
    )
    cards = tmp_path / "cards"
    cards.mkdir()
    shutil.copy(FIXTURES / "hf_cards" / "HuggingFaceH4__zephyr-7b-beta.md", cards)

    report = extract_mentions(store, cards=cards, retrieved=DAY)
    assert report.failures == []
    assert report.skip_reasons == {"papers with no title or abstract (placeholders)": 1}
    ids = [r["id"] for r in store.read("MATCH (n:Node) RETURN n.id AS id")]
    mentions = {e["target"]: e for e in store.edges_among(ids, ["MENTIONS"])}
    assert set(mentions) == {"model:chatgpt", "method:transformer"}
    chatgpt = mentions["model:chatgpt"]
    assert (chatgpt["source"], chatgpt["sources"], chatgpt["confidence"]) == ("arxiv:2302.03287", ["extracted"], [0.95])
    assert chatgpt["evidence"] == ["title: … «ChatGPT» and Software Testing Education: Promises & Perils…"]
    assert mentions["method:transformer"]["evidence"][0].startswith("abstract: …")
    assert "«transformer» architectures" in mentions["method:transformer"]["evidence"][0]

    # The card says "a fine-tuned version of mistralai/Mistral-7B-v0.1": the curated edge gains an
    # extracted entry and keeps its own.
    [lineage] = store.edges_among(["model:zephyr-7b", "model:mistral-7b"], ["BUILDS_ON"])
    assert lineage["sources"] == ["curated", "extracted"] and lineage["trust"] == 3
    assert lineage["evidence"][0] == "seed: Zephyr is a fine-tuned Mistral 7B"
    assert lineage["evidence"][1].startswith('HuggingFaceH4/zephyr-7b-beta/README.md: "Zephyr-7B-β is the second model')
    assert lineage["confidence"] == [1.0, 0.5]
    assert report.edges_updated == 1  # that edge; everything else is new

    again = extract_mentions(store, cards=cards, retrieved=DAY)
    assert (again.edges_added, again.edges_updated) == (0, 0)
