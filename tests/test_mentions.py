"""Mention extraction: the gazetteer's rules, the labelled benchmark, and edges on both backends."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from graph.schema import Edge, Method, Model, Paper, Provenance, Source
from graph.store import upsert
from loaders.curated import load_curated
from loaders.hf_cards import load_hf_cards
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
    gazetteer = bench.curated_gazetteer()
    # the tuned set was labelled against the seed-derived nodes only
    scores = bench.evaluate(bench.read_labelled(), gazetteer, bench.seed_nodes())["all"]
    assert scores.precision >= 0.95, scores.errors
    assert scores.recall >= 0.90, scores.errors
    dev = bench.evaluate(bench.read_labelled(bench.SETS["dev"]), gazetteer)["all"]
    assert dev.precision >= 0.95 and dev.recall >= 0.90, dev.errors
    # The frozen test set is not tuned on; this guards the targets measured on it when the rules of
    # issue 26 were finished (BENCHMARKS.md: P 0.965, R 1.000; the old rules scored 0.817 / 0.891).
    test = bench.evaluate(bench.read_labelled(bench.SETS["test"]), gazetteer)["all"]
    assert test.precision >= 0.95 and test.recall >= 0.90


def test_the_held_out_sets_are_big_enough_and_the_test_part_is_frozen() -> None:
    """The test part is byte for byte the file committed in 84231c1, labelled before any rule change."""
    mentions = FIXTURES / "mentions"
    dev, test = (
        [json.loads(line) for line in (mentions / f"heldout_{part}.jsonl").read_text().splitlines()]
        for part in ("dev", "test")
    )
    assert len(dev) + len(test) >= 400 and len(test) >= 200
    assert all({"text", "source", "kind", "expected"} <= set(r) for r in dev + test)
    tuned = {r["text"] for r in (json.loads(line) for line in (mentions / "labelled.jsonl").read_text().splitlines())}
    assert not tuned & {r["text"] for r in dev + test}
    frozen = hashlib.sha256((mentions / "heldout_test.jsonl").read_bytes()).hexdigest()
    assert frozen == "e074baa0dc1fcaf095f38ffec8930ced63c6e3d48ffd39563f35afe954db20eb"


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


# --- issue 26: the causes of wrong edges, each with examples not taken from the issue --------------

CAUSE_NODES = [
    *NODES,
    {"id": "model:vicuna", "label": "Model", "name": "Vicuna", "aliases": ["Vicuna", "Vicuna-13B"]},
    {"id": "model:zephyr-7b", "label": "Model", "name": "Zephyr 7B", "aliases": ["Zephyr"]},
    {"id": "model:chatgpt", "label": "Model", "name": "ChatGPT", "aliases": ["ChatGPT"]},
    {"id": "model:stable-diffusion", "label": "Model", "name": "Stable Diffusion", "aliases": []},
    {"id": "model:gpt-3.5", "label": "Model", "name": "GPT-3.5", "aliases": ["GPT 3.5"]},
    {"id": "model:palm", "label": "Model", "name": "PaLM", "aliases": ["PaLM"]},
    {"id": "method:qlora", "label": "Method", "name": "QLoRA", "aliases": ["QLoRA", "quantized LoRA"]},
    {
        "id": "method:autoregressive-language-modeling",
        "label": "Method",
        "name": "Autoregressive language modeling",
        "aliases": ["autoregressive language modeling", "causal language modeling"],
    },
    {"id": "method:sft", "label": "Method", "name": "Supervised fine-tuning", "aliases": ["SFT"]},
]


@pytest.fixture(scope="module")
def causes() -> Gazetteer:
    return Gazetteer.from_rows(CAUSE_NODES)


def test_a_name_inside_another_models_name_is_not_a_mention(causes: Gazetteer) -> None:
    for text in (
        "We benchmark Tiny Vicuna 1B against larger chat models.",  # a run of name words with a size
        "Weights of Mistral-7B-SlimOrca were merged into the base model.",  # Name-Size-Word
        "Orca-2-13b-Medical is a domain model fine-tuned for clinical QA.",
        "We release Chinese Llama 2 7B, which extends the vocabulary with Chinese tokens.",
        "We fine-tune Zephyr Gemma 7B on UltraFeedback.",
    ):
        assert found(causes, text) == [], text
    # ... while the same names stay names where nothing longer is written
    assert found(causes, "Meta Llama 2 and Vicuna-13B were fine-tuned with DPO.") == [
        ("Llama 2", "model:llama-2"),
        ("Vicuna-13B", "model:vicuna"),
        ("DPO", "method:dpo"),
    ]
    assert found(causes, "We compare PaLM 2 with GPT-4.") == [("GPT-4", "model:gpt-4")]  # another PaLM
    assert found(causes, "ChatGPT 4 and PaLM answer medical questions.") == [
        ("ChatGPT", "model:chatgpt"),  # ChatGPT on GPT-4 is still ChatGPT
        ("PaLM", "model:palm"),
    ]
    assert found(causes, "Evaluating GPT-4 Against Human Raters\nWe ask GPT-4 to grade essays.") == [
        ("GPT-4", "model:gpt-4"),
        ("GPT-4", "model:gpt-4"),
    ]
    assert found(causes, "[TheBloke/Mistral-7B-Instruct-v0.1-GGUF](x) quantises Mistral 7B.") == [
        ("Mistral-7B", "model:mistral-7b"),  # an instruct checkpoint or a quantised copy is the model
        ("Mistral 7B", "model:mistral-7b"),
    ]


def test_the_transformers_library_is_not_the_transformer(causes: Gazetteer) -> None:
    for text in (
        "Install the Transformers library first, then load the model.",
        "This checkpoint requires transformers>=4.36 and accelerate.",
        "Run it with HuggingFace Transformers and bitsandbytes for inference.",
        "Loading works with `transformers` out of the box; fine-tuned weights are in safetensors.",
        "The tokenizer is available in the Transformers 4.40 release for inference.",
        "Accurate Quantization for Generative Pre-trained Transformers",  # GPT's long name
    ):
        assert found(causes, text) == [], text
    assert found(causes, "Transformers have replaced recurrent networks in most NLP models.") == [
        ("Transformers", "method:transformer")
    ]


def test_data_tools_teams_and_licences_named_after_a_model(causes: Gazetteer) -> None:
    for text in (
        "The model was fine-tuned on the Alpaca data with LoRA.",
        "We report scores on the Vicuna benchmark of 80 questions used for language models.",
        "The Zephyr team recommends a low temperature for this chat model.",
        "Prompts follow the Alpaca-style template used by many fine-tuned models.",
        "**License:** llama 2 (see the repository for the model weights)",
        "Use of this model is governed by the Llama 2 Community License Agreement.",
        "It was trained with LLaMA-Factory on two GPUs.",
    ):
        assert found(causes, text) == [], text


def test_case_and_hyphen_variants_of_distinctive_names(causes: Gazetteer) -> None:
    assert found(causes, "we asked chatgpt and CHATGPT to rewrite the prompt") == [
        ("chatgpt", "model:chatgpt"),
        ("CHATGPT", "model:chatgpt"),
    ]
    assert found(causes, "fine-tuning with Qlora on one GPU") == [("Qlora", "method:qlora")]
    assert found(causes, "an auto-regressive language modeling objective for the decoder") == [
        ("auto-regressive language modeling", "method:autoregressive-language-modeling")
    ]
    assert found(causes, "a causal language model trained on tokens from the web") == [
        ("causal language model", "method:autoregressive-language-modeling")
    ]
    assert found(causes, "We compare Llama13B with Llama 2 on reasoning benchmarks.") == [
        ("Llama", "model:llama"),
        ("Llama 2", "model:llama-2"),
    ]


def test_urls_do_not_eat_the_context_of_a_weak_name(causes: Gazetteer) -> None:
    url = "https://huggingface.co/datasets/" + "very-long-organisation-name/" * 6 + "card"
    text = f"Alpaca ({url}) is an instruction-following language model."
    assert found(causes, text) == [("Alpaca", "model:alpaca")]
    # and a weak name far from any model word still is not a name
    assert found(causes, f"Alpaca ({url}) wool is warm.") == []


def test_common_abbreviations(causes: Gazetteer) -> None:
    assert found(causes, "We fine-tune SD 1.5 with LoRA on 20 images of one subject for diffusion.") == [
        ("SD 1.5", "model:stable-diffusion")
    ]
    assert found(causes, "Azure's gpt-35-turbo deployment was prompted with chain-of-thought prompts.") == [
        ("gpt-35-turbo", "model:gpt-3.5")
    ]
    assert found(causes, "Mean age was 54 years (SD 2.1) in the treated group.") == []


# --- issue 26: a gazetteer that grows with the graph, and no edge from a listed cause -------------


def test_models_loaded_from_the_hub_and_their_repo_names_are_mentioned(store, tmp_path: Path) -> None:
    cards = tmp_path / "cards"
    cards.mkdir()
    for name in ("motherduckdb__DuckDB-NSQL-7B-v0.1.md", "argilla__notus-7b-v1.md"):
        shutil.copy(FIXTURES / "hf_cards" / name, cards)
    assert load_hf_cards(store, cards, retrieved=DAY).failures == []
    abstract = (
        "We compare DuckDB-NSQL-7B-v0.1, notus-7b-v1 and openchat_3.5 as text-to-SQL models; "
        "the fine-tuned models beat larger ones."
    )
    upsert(
        store,
        [
            Paper(id="arxiv:2501.00001", title="Small open models for SQL", abstract=abstract, sources=[Source.arxiv]),
            # a node that is not from the Hub loader is named by its repo name too
            Model(
                id="model:openchat-3.5", name="OpenChat 3.5", hf_id="openchat/openchat_3.5", sources=[Source.curated]
            ),
        ],
    )
    extract_mentions(store, retrieved=DAY)
    ids = [r["id"] for r in store.read("MATCH (n:Node) RETURN n.id AS id")]
    mentioned = {e["target"] for e in store.edges_among(ids, ["MENTIONS"]) if e["source"] == "arxiv:2501.00001"}
    assert mentioned == {
        "model:hf.motherduckdb.duckdb-nsql-7b-v0.1",
        "model:hf.argilla.notus-7b-v1",
        "model:openchat-3.5",
    }

    # Two Hub models with one repo name: the name is ambiguous, like a curated alias two nodes claim.
    upsert(store, [Model(id="model:hf.someone.notus-7b-v1", name="notus-7b-v1", hf_id="someone/notus-7b-v1")])
    gaz = Gazetteer.from_store(store)
    assert (
        "'notus 7 b v 1' names model:hf.argilla.notus-7b-v1, model:hf.someone.notus-7b-v1: not matched" in gaz.conflicts
    )
    assert [m.node_id for m in gaz.find(abstract)] == [
        "model:hf.motherduckdb.duckdb-nsql-7b-v0.1",
        "model:openchat-3.5",
    ]


#: What an extracted edge's evidence («span» in context) looks like when it comes from one of the
#: causes issue 26 lists.
CAUSES = [
    (  # the evidence writes "«span» right-context": "«Llama-2» -7B-DMC-8x uses ..."
        "a name inside a longer name",
        re.compile(r"«[^»]+» -(?:[\d.]+[BbMm]?-)*(?!(?:Chat|Instruct|Base|GGUF|AWQ|GPTQ)\b)[A-Z][A-Za-z]"),
    ),
    (
        "the transformers library, or GPT's long name",
        re.compile(
            r"(?i)(?:hugging ?face|with|install|sentence|pre-?trained) «transformers»|«transformers» (?:library|version|format)"
        ),
    ),
    (
        "data, a tool, a team or a licence",
        re.compile(r"(?i)» (?:data|dataset|benchmark|team|licen[cs]e|factory)\b|licen[cs]e:? «"),
    ),
]


def test_extracting_the_curated_graph_and_the_cards_gives_no_edge_from_a_listed_cause(store) -> None:
    load_curated(store)
    cards = FIXTURES / "hf_cards"  # the shared cards (../shared/data/hf_cards), copied
    load_hf_cards(store, cards, retrieved=DAY)
    report = extract_mentions(store, cards=cards, retrieved=DAY)
    assert report.failures == []
    ids = [r["id"] for r in store.read("MATCH (n:Node) RETURN n.id AS id")]
    extracted = [e for e in store.edges_among(ids, ["MENTIONS"]) if "extracted" in e["sources"]]
    assert len(extracted) > 50
    wrong = [
        (cause, e["evidence"][-1]) for e in extracted for cause, pattern in CAUSES if pattern.search(e["evidence"][-1])
    ]
    assert wrong == []
    mentions = {(e["source"], e["target"]) for e in extracted}
    assert ("arxiv:2210.17323", "method:gptq") in mentions  # GPTQ's title names the method...
    assert ("arxiv:2210.17323", "method:transformer") not in mentions  # ...and GPT, not the Transformer
    assert ("arxiv:2308.12950", "model:code-llama") in mentions
    assert ("arxiv:2308.12950", "model:llama") not in mentions  # "Code Llama" is not LLaMA
