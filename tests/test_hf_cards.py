"""Hugging Face model cards: the 82 recorded cards on both backends, plus bad cards."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graph.schema import BuildKind, Edge, Model, Provenance, Source
from graph.store import upsert
from loaders.hf_cards import (
    CardError,
    base_models,
    find_cards,
    hf_model_id,
    infer_relation,
    load_hf_cards,
    own_paper_links,
    read_card,
    split_front_matter,
)

CARDS = Path(__file__).parent / "fixtures" / "hf_cards"
DAY = dt.date(2024, 6, 1)
MISTRAL, ZEPHYR = "model:mistral-7b", "model:zephyr-7b"


def card(name: str):
    repo = dict(find_cards(CARDS))[CARDS / name]
    return read_card(CARDS / name, repo)


def curated_like() -> list:
    """Stand-ins for two curated models and their curated edge (the test must not depend on curated.yaml)."""
    return [
        Model(id=MISTRAL, name="Mistral 7B", hf_id="mistralai/Mistral-7B-v0.1", sources=[Source.curated]),
        Model(id=ZEPHYR, name="Zephyr 7B", hf_id="HuggingFaceH4/zephyr-7b-beta", sources=[Source.curated]),
        Edge(
            type="BUILDS_ON",
            source=ZEPHYR,
            target=MISTRAL,
            kind="fine_tuned_from",
            provenance=[Provenance(source=Source.curated, evidence="seed: Zephyr is a fine-tuned Mistral 7B")],
        ),
    ]


# --- parsing, no store ------------------------------------------------------------------------


def test_manifest_lists_the_82_cards() -> None:
    cards = find_cards(CARDS)
    assert len(cards) == 82  # PROVENANCE.md is not a card: the manifest lists the cards
    assert dict(cards)[CARDS / "TheBloke__zephyr-7B-beta-GGUF.md"] == "TheBloke/zephyr-7B-beta-GGUF"


def test_repo_ids_become_model_ids() -> None:
    assert hf_model_id("teknium/OpenHermes-2.5-Mistral-7B") == "model:hf.teknium.openhermes-2.5-mistral-7b"
    assert hf_model_id("lizpreciatior/lzlv_70b_fp16_hf") == "model:hf.lizpreciatior.lzlv_70b_fp16_hf"
    assert hf_model_id("152334H/miqu-1-70b-sf") == "model:hf.152334h.miqu-1-70b-sf"
    assert hf_model_id("gpt2") == "model:hf.gpt2"


@pytest.mark.parametrize(
    ("name", "kind", "how"),
    [
        ("HuggingFaceH4__zephyr-7b-beta.md", BuildKind.fine_tuned_from, "inferred: a single base model"),
        ("TheBloke__Mistral-7B-v0.1-GGUF.md", BuildKind.quantized_from, "inferred: GGUF in the repo name"),
        ("TheBloke__Mixtral-8x7B-v0.1-GPTQ.md", BuildKind.quantized_from, "inferred: GPTQ in the repo name"),
        ("TheBloke__Mistral-7B-Instruct-v0.2-AWQ.md", BuildKind.quantized_from, "inferred: AWQ in the repo name"),
        ("neuralmagic__Meta-Llama-3.1-8B-Instruct-FP8.md", BuildKind.quantized_from, "inferred: FP8 in the repo name"),
        (
            "unsloth__Meta-Llama-3.1-70B-Instruct-bnb-4bit.md",
            BuildKind.quantized_from,
            "base_model_relation: quantized",
        ),
        ("FinGPT__fingpt-forecaster_dow30_llama2-7b_lora.md", BuildKind.adapter_of, "inferred: library_name: peft"),
        ("latent-consistency__lcm-lora-sdxl.md", BuildKind.adapter_of, "inferred: tag lora"),
        ("OpenPipe__mistral-ft-optimized-1227.md", BuildKind.merged_from, "inferred: a list of base models"),
        ("OpenGVLab__InternVL2-8B.md", BuildKind.merged_from, "base_model_relation: merge"),
        ("OpenGVLab__InternViT-6B-448px-V1-5.md", BuildKind.fine_tuned_from, "base_model_relation: finetune"),
        ("upstage__SOLAR-10.7B-Instruct-v1.0.md", BuildKind.fine_tuned_from, "inferred: a single base model"),
    ],
)
def test_relation_of_real_cards(name: str, kind: BuildKind, how: str) -> None:
    c = card(name)
    assert infer_relation(c, base_models(c)) == (kind, how)


def test_front_matter_variants() -> None:
    assert base_models(card("upstage__SOLAR-10.7B-Instruct-v1.0.md")) == ["upstage/SOLAR-10.7B-v1.0"]  # 1-item list
    assert (
        base_models(card("cognitivecomputations__MegaDolphin-120b.md")) == ["cognitivecomputations/dolphin-2.2-70b"] * 7
    )
    plain = card("daryl149__llama-2-7b-chat-hf.md")
    assert (plain.has_front_matter, plain.meta, base_models(plain)) == (False, {}, [])
    assert split_front_matter("---\nno closing line\n") == (None, "---\nno closing line\n", 1)


def test_paper_links_only_when_the_card_calls_it_its_own() -> None:
    assert [p for p, _ in own_paper_links(card("HuggingFaceH4__zephyr-7b-beta.md"))] == ["arxiv:2310.16944"]  # not DPO
    assert [p for p, _ in own_paper_links(card("openchat__openchat-3.5-0106.md"))] == []  # GPT-4's report
    assert [p for p, _ in own_paper_links(card("Qwen__Qwen2-7B-Instruct.md"))] == []  # YaRN, a method it uses
    assert [p for p, _ in own_paper_links(card("microsoft__Orca-2-7b.md"))] == ["arxiv:2311.11045"]


# --- loading ------------------------------------------------------------------------------------


def edges_of(store, etype: str) -> dict[tuple[str, str], dict]:
    """Every edge of one type, by (source, target), with decoded provenance lists."""
    ids = [r["id"] for r in store.read("MATCH (n:Node) RETURN n.id AS id")]
    return {(e["source"], e["target"]): e for e in store.edges_among(ids, [etype])}


def test_the_82_cards(store) -> None:
    upsert(store, curated_like())
    report = load_hf_cards(store, CARDS, retrieved=DAY)
    assert report.failures == []
    assert report.notes == [
        "MaziyarPanahi/WizardLM-2-7B-GGUF/README.md: 3 arXiv tags (arxiv:2304.12244, arxiv:2306.08568, "
        "arxiv:2308.09583); which one introduces the model is ambiguous, so none was linked",
        "training-method tags with no curated method, not linked: rlaif (2), simpo (1)",  # ORPO is curated
        "1 card(s) without front matter: model node only",
    ]
    counts = store.counts()
    assert (counts["Model"], counts["Paper"], counts["Dataset"]) == (120, 11, 42)
    # 67 base-model edges and 21 uses_method edges from training-method tags (dpo, sft, lora, orpo…)
    assert (counts["BUILDS_ON"], counts["INTRODUCES"], counts["MENTIONS"], counts["TRAINED_ON"]) == (88, 1, 18, 56)
    builds = edges_of(store, "BUILDS_ON")

    # zephyr-7b-beta is the curated Zephyr: the card's statement joins the curated edge.
    zephyr = builds[(ZEPHYR, MISTRAL)]
    assert (zephyr["kind"], zephyr["sources"]) == ("fine_tuned_from", ["curated", "hf_card"])
    assert zephyr["evidence"][1] == (
        "base_model: mistralai/Mistral-7B-v0.1 in HuggingFaceH4/zephyr-7b-beta/README.md (inferred: a single base model)"
    )
    assert store.nodes([ZEPHYR])[ZEPHYR]["name"] == "Zephyr 7B"  # the curated node's properties are untouched
    assert "model:hf.huggingfaceh4.zephyr-7b-beta" not in store.nodes(["model:hf.huggingfaceh4.zephyr-7b-beta"])
    assert builds[("model:hf.huggingfaceh4.zephyr-7b-alpha", MISTRAL)]["kind"] == "fine_tuned_from"
    # chains: notus → zephyr-7b-sft-full → Mistral 7B
    assert builds[("model:hf.argilla.notus-7b-v1", "model:hf.alignment-handbook.zephyr-7b-sft-full")]
    assert builds[("model:hf.alignment-handbook.zephyr-7b-sft-full", MISTRAL)]["kind"] == "fine_tuned_from"

    # quantised and adapter repos under their bases
    assert builds[("model:hf.thebloke.mistral-7b-v0.1-gguf", MISTRAL)]["kind"] == "quantized_from"
    assert builds[("model:hf.thebloke.zephyr-7b-beta-gguf", ZEPHYR)]["kind"] == "quantized_from"
    bnb = builds[
        ("model:hf.unsloth.meta-llama-3.1-70b-instruct-bnb-4bit", "model:hf.meta-llama.meta-llama-3.1-70b-instruct")
    ]
    assert (bnb["kind"], bnb["confidence"]) == ("quantized_from", [1.0])  # stated, not inferred
    lora = builds[("model:hf.fingpt.fingpt-forecaster_dow30_llama2-7b_lora", "model:hf.meta-llama.llama-2-7b-chat-hf")]
    assert (lora["kind"], lora["confidence"]) == ("adapter_of", [0.9])

    # merges: a list of four bases; a self-merge listing one model seven times is one edge
    merged = sorted(dst for (src, dst), e in builds.items() if src == "model:hf.openpipe.mistral-ft-optimized-1227")
    assert merged == [
        "model:hf.intel.neural-chat-7b-v3-3",
        "model:hf.meta-math.metamath-mistral-7b",
        "model:hf.openchat.openchat-3.5-1210",
        "model:hf.teknium.openhermes-2.5-mistral-7b",
    ]
    assert {builds[("model:hf.openpipe.mistral-ft-optimized-1227", d)]["kind"] for d in merged} == {"merged_from"}
    mega = [k for k in builds if k[0] == "model:hf.cognitivecomputations.megadolphin-120b"]
    assert mega == [
        ("model:hf.cognitivecomputations.megadolphin-120b", "model:hf.cognitivecomputations.dolphin-2.2-70b")
    ]

    # base-only repos become model nodes with their hf_id; the card without front matter is a bare node
    nodes = store.nodes(["model:hf.meta-math.metamath-mistral-7b", "model:hf.daryl149.llama-2-7b-chat-hf"])
    assert nodes["model:hf.meta-math.metamath-mistral-7b"]["hf_id"] == "meta-math/MetaMath-Mistral-7B"
    assert nodes["model:hf.meta-math.metamath-mistral-7b"]["name"] == "MetaMath-Mistral-7B"
    assert nodes["model:hf.daryl149.llama-2-7b-chat-hf"]["sources"] == ["hf_card"]
    assert not [k for k in builds if k[0] == "model:hf.daryl149.llama-2-7b-chat-hf"]

    # papers: the one arxiv: key (on a GGUF card, so about its base) and own-paper links
    intro = edges_of(store, "INTRODUCES")
    assert list(intro) == [("arxiv:2307.09288", "model:hf.meta-llama.llama-2-7b-chat-hf")]
    mentions = edges_of(store, "MENTIONS")
    assert ("arxiv:2310.16944", ZEPHYR) in mentions  # "the technical report" in the zephyr-7b-beta card
    assert ("arxiv:2311.11045", "model:hf.microsoft.orca-2-7b") in mentions
    assert not [k for k in mentions if k[0] == "arxiv:2305.18290"]  # DPO: a method the cards use
    assert store.nodes(["arxiv:2311.11045"])["arxiv:2311.11045"]["title"] == "2311.11045"  # placeholder

    again = load_hf_cards(store, CARDS, retrieved=DAY)
    assert (again.nodes_added, again.nodes_updated, again.edges_added, again.edges_updated) == (0, 0, 0, 0)
    assert again.edges_unchanged == 86 + 21 + 56  # lineage and papers, uses_method (orpo too), trained_on


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_cards_fail_by_name_and_the_rest_loads(store, tmp_path: Path) -> None:
    d = tmp_path / "cards"
    d.mkdir()
    write(d, "a__base.md", "---\nlicense: mit\n---\n# base\n")
    bad_yaml = write(d, "b__broken.md", "---\nbase_model: [a/base\ntags: x\n---\n")
    as_list = write(d, "c__list.md", "---\n- just\n- a list\n---\n")
    own = write(d, "d__self.md", "---\nbase_model: D/Self\n---\n")
    odd_relation = write(d, "e__odd.md", "---\nbase_model: a/base\nbase_model_relation: distilled\n---\n")
    not_repo = write(d, "f__mapping.md", "---\nbase_model: {name: a/base}\n---\n")
    write(d, "g__one.md", "---\nbase_model: h/two\n---\n")
    cycle = write(d, "h__two.md", "---\nbase_model: g/one\n---\n")
    write(d, "i__fine.md", "---\nbase_model: a/base\n---\n")

    report = load_hf_cards(store, d, retrieved=DAY)
    assert report.failures == [
        f"{bad_yaml}:3: front matter is not valid YAML: expected ',' or ']', but got ':'",
        f"{as_list}:2: front matter must be a mapping, not list",
        f"{own}: base_model 'D/Self' is the card's own repo",
        f"{odd_relation}: base_model_relation 'distilled' is not one of adapter, finetune, merge, quantized",
        f"{not_repo}: base_model {{'name': 'a/base'}} is not a repo id or a list of repo ids",
        f"{cycle}: base_model would close a lineage cycle (model:hf.h.two -> model:hf.g.one -> model:hf.h.two); "
        "its lineage edges were not loaded",
    ]
    assert sorted(edges_of(store, "BUILDS_ON")) == [
        ("model:hf.g.one", "model:hf.h.two"),
        ("model:hf.i.fine", "model:hf.a.base"),
    ]
    assert store.counts()["Model"] == 9  # every card's model loads, even when its fields are bad


def test_a_cycle_with_stored_lineage_is_refused(store, tmp_path: Path) -> None:
    upsert(store, curated_like())
    d = tmp_path / "cards"
    d.mkdir()
    card_path = write(d, "mistralai__Mistral-7B-v0.1.md", "---\nbase_model: HuggingFaceH4/zephyr-7b-beta\n---\n")
    report = load_hf_cards(store, d, retrieved=DAY)
    assert report.failures == [
        f"{card_path}: base_model would close a lineage cycle (model:mistral-7b -> model:zephyr-7b -> model:mistral-7b); "
        "its lineage edges were not loaded"
    ]
    assert store.counts()["BUILDS_ON"] == 1


def test_a_missing_listed_card_is_a_failure(store, tmp_path: Path) -> None:
    d = tmp_path / "cards"
    d.mkdir()
    write(d, "a__x.md", "---\nbase_model: a/y\n---\n")
    (tmp_path / "cards.manifest.tsv").write_text("file\thf_repo_id\na__x.md\ta/x\ngone.md\tb/gone\n")
    report = load_hf_cards(store, d, retrieved=DAY)
    assert len(report.failures) == 1 and report.failures[0].startswith(f"{d / 'gone.md'}: cannot read")
    assert store.counts()["Model"] == 2


def test_card_error_is_a_value_error() -> None:
    assert issubclass(CardError, ValueError)
