"""Researchers' questions with the answers the seed articles give, on every backend.

A lineage answer follows what a thing is made of (fine-tuned from, uses, extends, ...), never
what it replaced or was compared with, unless ``contrast=yes`` asks for those too. Every row
says how it was reached. The seeds are the four articles in ../shared/seeds (Chinese); the
curated lineage quotes them in its evidence.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from graph.errors import QueryError
from graph.schema import CONTRAST_KINDS, LINEAGE_KINDS, BuildKind
from loaders.curated import CURATED_FILE
from queries.registry import get_query, run_query

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
REPLACED_OR_COMPARED = {"method:ppo", "method:reward-model", "method:lstm", "method:cnn"}


def by_id(result) -> dict[str, dict]:
    return {row["id"]: row for row in result.rows}


# --- what a model is made of ----------------------------------------------------------------


def test_zephyr_builds_on_mistral_and_dpo_not_on_what_dpo_or_the_transformer_replaced(curated_store) -> None:
    found = by_id(run_query(curated_store, "ancestors", {"id": "model:zephyr-7b", "depth": 10}))
    assert {"model:mistral-7b", "method:dpo", "method:sft", "method:transformer"} <= set(found)
    assert not REPLACED_OR_COMPARED & set(found)
    assert "method:rlhf" not in found  # DPO replaces RLHF's procedure ...
    assert found["method:preference-alignment"]["via"] == "method:dpo"  # ... and keeps its objective


def test_with_contrast_zephyr_reaches_ppo_through_a_replaces_hop(curated_store) -> None:
    found = by_id(run_query(curated_store, "ancestors", {"id": "model:zephyr-7b", "depth": 10, "contrast": "yes"}))
    ppo = found["method:ppo"]
    assert (ppo["via"], ppo["via_kind"], ppo["via_source"], ppo["depth"]) == ("method:dpo", "replaces", "curated", 2)
    assert found["method:lstm"]["via_kind"] == "replaces"


def test_mamba_builds_on_the_selective_ssm_and_s4_not_on_the_transformer_it_replaces(curated_store) -> None:
    found = by_id(run_query(curated_store, "ancestors", {"id": "model:mamba", "depth": 10}))
    assert found["method:selective-ssm"]["depth"] == 1
    assert (found["method:selective-ssm"]["via"], found["method:selective-ssm"]["via_kind"]) == (
        "model:mamba",
        "uses_method",
    )
    assert found["method:s4"]["via"] == "method:selective-ssm"
    assert not {"method:transformer", "method:attention", "method:multi-head-attention"} & set(found)


def test_guanaco_is_llama_fine_tuned_with_qlora_which_extends_lora(curated_store) -> None:
    found = by_id(run_query(curated_store, "ancestors", {"id": "model:guanaco", "depth": 10}))
    assert (found["model:llama"]["via_kind"], found["method:qlora"]["via_kind"]) == ("fine_tuned_from", "uses_method")
    assert (found["method:lora"]["via"], found["method:lora"]["via_kind"]) == ("method:qlora", "extends")
    assert not REPLACED_OR_COMPARED & set(found)


def test_mixtral_is_mistral_7b_made_a_mixture_of_experts(curated_store) -> None:
    found = by_id(run_query(curated_store, "ancestors", {"id": "model:mixtral-8x7b", "depth": 10}))
    assert (found["model:mistral-7b"]["via_kind"], found["model:mistral-7b"]["depth"]) == ("derived_from", 1)
    assert {"method:mixture-of-experts", "method:sparse-moe"} <= set(found)
    assert not REPLACED_OR_COMPARED & set(found)
    assert "model:llama-2" not in found  # the seed compares them: contrast, not lineage


def test_dpo_keeps_sft_and_the_preference_objective_and_replaces_the_reward_model_and_ppo(curated_store) -> None:
    found = by_id(run_query(curated_store, "ancestors", {"id": "method:dpo", "depth": 10}))
    assert {"method:sft", "method:preference-alignment"} <= set(found)
    assert not {"method:rlhf", "method:ppo", "method:reward-model"} & set(found)
    roots = run_query(curated_store, "common-roots", {"ids": "method:dpo,method:rlhf"}).rows
    assert {r["id"] for r in roots if r["nearest"]} == {"method:preference-alignment", "method:sft"}


def test_what_came_of_rlhf_is_not_what_replaced_it(curated_store) -> None:
    found = by_id(run_query(curated_store, "descendants", {"id": "method:rlhf", "depth": 10}))
    assert {"model:instructgpt", "model:chatgpt", "model:llama-2-chat", "method:fine-grained-rlhf"} <= set(found)
    assert not {"method:dpo", "model:zephyr-7b"} & set(found)
    with_contrast = by_id(
        run_query(curated_store, "descendants", {"id": "method:rlhf", "depth": 10, "contrast": "yes"})
    )
    assert with_contrast["method:dpo"]["via_kind"] == "replaces"


def test_what_came_of_the_transformer_does_not_count_mamba(curated_store) -> None:
    assert "model:mamba" not in by_id(run_query(curated_store, "descendants", {"id": "method:transformer"}))
    impact = by_id(run_query(curated_store, "method-impact", {"id": "method:transformer"}))
    assert "model:mamba" not in impact and "model:mistral-7b" in impact
    rows = {r["label"]: r for r in run_query(curated_store, "descendant-impact", {"id": "method:transformer"}).rows}
    assert "model:mamba" not in rows["Model"]["nearest"]
    wide = {
        r["label"]: r
        for r in run_query(
            curated_store, "descendant-impact", {"id": "method:transformer", "include_cites": "no", "contrast": "yes"}
        ).rows
    }
    narrow = {
        r["label"]: r
        for r in run_query(curated_store, "descendant-impact", {"id": "method:transformer", "include_cites": "no"}).rows
    }
    assert wide["Model"]["count"] > narrow["Model"]["count"]  # Mamba, reached only by a replaces hop


def test_main_path_of_mamba_stays_in_its_lineage(curated_store) -> None:
    rows = run_query(curated_store, "main-path", {"id": "model:mamba", "edges": "builds_on", "method": "global"}).rows
    nodes = {r["from_id"] for r in rows} | {r["to_id"] for r in rows}
    assert "method:selective-ssm" in nodes and "method:transformer" not in nodes


def test_path_from_the_transformer_paper_to_mixtral_follows_lineage_only(curated_store) -> None:
    rows = run_query(curated_store, "path", {"source": "arxiv:1706.03762", "target": "model:mixtral-8x7b"}).rows
    assert rows
    for row in rows:
        assert len(row["kinds"]) == row["hops"]
        assert not set(row["kinds"]) & set(CONTRAST_KINDS)
    assert rows[0]["kinds"] == ["introduces", "uses_method", "derived_from"]


def test_a_replaced_method_is_no_lineage_path_unless_asked(curated_store) -> None:
    plain = run_query(curated_store, "path", {"source": "method:lstm", "target": "model:zephyr-7b"}).rows
    assert all(not set(r["kinds"]) & set(CONTRAST_KINDS) for r in plain)
    wide = run_query(curated_store, "path", {"source": "method:lstm", "target": "model:zephyr-7b", "contrast": "yes"})
    assert wide.rows[0]["kinds"][0] == "replaces" and wide.rows[0]["hops"] == 3


# --- how each row was reached ----------------------------------------------------------------


def test_every_lineage_row_says_how_it_was_reached(curated_store) -> None:
    zephyr = by_id(run_query(curated_store, "ancestors", {"id": "model:zephyr-7b", "depth": 10}))
    assert {k: zephyr["model:mistral-7b"][k] for k in ("via", "via_kind", "via_source")} == {
        "via": "model:zephyr-7b",
        "via_kind": "fine_tuned_from",
        "via_source": "curated",
    }
    assert (zephyr["method:transformer"]["via"], zephyr["method:transformer"]["via_kind"]) == (
        "model:mistral-7b",
        "uses_method",
    )
    lora = by_id(run_query(curated_store, "descendants", {"id": "method:lora", "depth": 10}))
    assert (lora["model:guanaco"]["via"], lora["model:guanaco"]["via_kind"]) == ("method:qlora", "uses_method")
    impact = by_id(run_query(curated_store, "method-impact", {"id": "method:lora"}))
    assert impact["model:guanaco"]["via"] == "method:qlora" and impact["model:guanaco"]["via_source"] == "curated"
    family = run_query(curated_store, "model-family", {"id": "model:llama"}).rows
    assert ("model:guanaco", "model:llama", "fine_tuned_from", "curated") in {
        (r["id"], r["via"], r["via_kind"], r["via_source"]) for r in family
    }
    for name in ("ancestors", "descendants", "method-impact", "model-family"):
        assert {"via", "via_kind", "via_source"} <= set(get_query(name).returns), name


# --- kinds= takes real kinds only -------------------------------------------------------------


def test_the_kinds_are_split_into_lineage_and_contrast() -> None:
    assert set(LINEAGE_KINDS) | set(CONTRAST_KINDS) == {k.value for k in BuildKind}
    assert not set(LINEAGE_KINDS) & set(CONTRAST_KINDS)
    assert {"replaces", "compared_with"} == set(CONTRAST_KINDS)


@pytest.mark.parametrize("name", ["ancestors", "descendants", "model-family"])
def test_an_unknown_kind_is_one_line_naming_every_kind(curated_store, name) -> None:
    with pytest.raises(QueryError) as exc:
        run_query(curated_store, name, {"id": "model:llama", "kinds": "fine_tuned_from,fine_tuned"})
    message = str(exc.value)
    assert "\n" not in message and "'fine_tuned'" in message and "kinds" in message
    assert all(kind.value in message for kind in BuildKind)
    help_text = next(p.help for p in get_query(name).params if p.name == "kinds")
    assert all(kind.value in help_text for kind in BuildKind)  # --help and the API docs list them


def test_a_contrast_kind_needs_contrast_yes(curated_store) -> None:
    with pytest.raises(QueryError, match="contrast=yes"):
        run_query(curated_store, "ancestors", {"id": "model:zephyr-7b", "kinds": "replaces"})
    rows = run_query(curated_store, "ancestors", {"id": "method:dpo", "kinds": "replaces", "contrast": "yes"}).rows
    assert {r["id"] for r in rows} == {"method:rlhf", "method:ppo", "method:reward-model"}


@pytest.mark.parametrize(
    "name", ["ancestors", "descendants", "path", "common-roots", "model-family", "method-impact", "timeline"]
)
def test_every_lineage_query_declares_contrast(name) -> None:
    contrast = next(p for p in get_query(name).params if p.name == "contrast")
    assert contrast.choices == ["no", "yes"] and contrast.default == "no"


@pytest.mark.parametrize("name", ["main-path", "descendant-impact", "pagerank"])
def test_every_lineage_analytic_declares_contrast(name) -> None:
    contrast = next(p for p in get_query(name).params if p.name == "contrast")
    assert contrast.choices == ["no", "yes"] and contrast.default == "no"


# --- since=DATE ---------------------------------------------------------------------------------


def test_what_came_of_the_transformer_since_october_2023(curated_store) -> None:
    found = by_id(run_query(curated_store, "descendants", {"id": "method:transformer", "since": "2023-10-01"}))
    assert {"model:zephyr-7b", "model:mixtral-8x7b"} <= set(found)  # Zephyr dated by its paper (2023-10-25)
    assert not {"model:mistral-7b", "model:llama", "model:bert"} & set(found)
    assert all(row["date"] >= "2023-10-01" for row in found.values())
    assert found["model:zephyr-7b"]["via"] == "model:mistral-7b"  # the hop is named even when its node is older


def test_since_on_model_family_and_method_impact(curated_store) -> None:
    family = run_query(curated_store, "model-family", {"id": "model:llama", "since": "2023-05-20"}).rows
    assert {r["id"] for r in family} == {"model:guanaco"}  # the QLoRA paper, 2023-05-23; LIMA's is 2023-05-18
    impact = by_id(run_query(curated_store, "method-impact", {"id": "method:dpo", "since": "2023-11"}))
    assert "model:mixtral-8x7b-instruct" in impact and "model:zephyr-7b" not in impact
    assert all(row["count"] == sum(r["label"] == row["label"] for r in impact.values()) for row in impact.values())


@pytest.mark.parametrize("since", ["2023-13-01", "last year", "23-10-01"])
def test_a_bad_since_is_refused(curated_store, since) -> None:
    with pytest.raises(QueryError, match=r"parameter 'since'.*YYYY-MM-DD"):
        run_query(curated_store, "descendants", {"id": "method:dpo", "since": since})


# --- the curated file --------------------------------------------------------------------------


def test_the_bidirectionality_paper_has_its_real_arxiv_id() -> None:
    data = yaml.safe_load(CURATED_FILE.read_text(encoding="utf-8"))
    papers = {p["id"]: p for p in data["papers"]}
    assert "arxiv:2205.10487" not in papers  # Hernandez et al., repeated data
    paper = papers["arxiv:2205.11726"]
    assert paper["title"] == "On the Role of Bidirectionality in Language Model Pre-Training"
    assert str(paper["published"]) == "2022-05-24"


def test_every_quoted_seed_sentence_is_in_its_seed() -> None:
    """Evidence that quotes a seed (「...」) quotes it exactly, so a reader can find the sentence."""
    if not SEEDS.exists():
        pytest.skip("../shared/seeds is not next to this checkout")
    data = yaml.safe_load(CURATED_FILE.read_text(encoding="utf-8"))
    quoted = 0
    for edge in data["edges"]:
        if edge["seed"].endswith("(not from the seeds)"):
            continue  # a landmark added beyond the seeds (issue 26) quotes its own source, not a seed
        seed = (SEEDS / edge["seed"]).read_text(encoding="utf-8")
        for quote in re.findall(r"「([^」]+)」", edge["evidence"]):
            assert quote in seed, (edge["source"], edge["target"], quote)
            quoted += 1
    assert quoted >= 10


def test_contrast_relations_in_the_curated_file_are_the_seeds_comparisons() -> None:
    data = yaml.safe_load(CURATED_FILE.read_text(encoding="utf-8"))
    contrast = {(e["source"], e["kind"], e["target"]) for e in data["edges"] if e.get("kind") in CONTRAST_KINDS}
    assert {
        ("method:dpo", "replaces", "method:rlhf"),
        ("method:dpo", "replaces", "method:reward-model"),
        ("method:dpo", "replaces", "method:ppo"),
        ("method:transformer", "replaces", "method:lstm"),
        ("method:transformer", "replaces", "method:cnn"),
        ("model:mamba", "replaces", "method:transformer"),
    } <= contrast
    assert ("model:chinchilla", "compared_with", "model:gopher") in contrast
