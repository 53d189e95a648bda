"""License lineage (issue 24, item 4): a researcher asks which derivatives of a model declare a
license their base's license does not allow, on the real Hub crawl and cards, on both backends.

The expected rows were read by hand from ``shared/data/hf_tree/Llama-2-7b_finetunes_…json``:
each repo's front-matter ``license:`` and its ``base_model`` chain up to ``meta-llama/Llama-2-7b``
(the curated Llama 2, whose license the crawl's root card states: ``llama2``). Every Llama 2
derivative declaring something other than ``llama2`` drifts (the Llama 2 Community License keeps
governing derivative works). Five more repos of the crawl declare apache-2.0 (linagora ×2,
Solshine ×2, afnan89) but hang under ``inceptionai/jais-adapted-7b-chat``, whose card the crawl
did not get, so no card links them to Llama 2 and they are not listed.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from graph.errors import LineageError, QueryError
from graph.licenses import judge, licenses_of, normalise
from graph.store import GraphStore
from lineage.api import create_app
from loaders.curated import load_curated
from loaders.hf_cards import card_license, hf_model_id, load_hf_cards, read_card, read_tree
from queries.registry import registry, run_query
from viz import render_html

CRAWL = "hf_tree/Llama-2-7b_finetunes_20250422_180448.json"
LLAMA = "model:llama-2"
TOKEN = "test-token-0123456789"

#: derivative repo → (the rest of its path to Llama 2, each hop's declared license, derivative first)
LLAMA2_DRIFT: dict[str, tuple[list[str], list[str]]] = {
    "andreamaduzzi/LLaNA-7B": ([LLAMA], ["mit", "llama2"]),
    "ChengsenWang/ChatTime-1-7B-Base": ([LLAMA], ["apache-2.0", "llama2"]),
    "dongsheng/DTA_llama2_7b": ([LLAMA], ["apache-2.0", "llama2"]),
    "dongsheng/DTA_llama3_8b": ([LLAMA], ["apache-2.0", "llama2"]),
    "heichow/Cantonese-Llama-2-7B-preview20240903-neuronx": ([LLAMA], ["cc-by-sa-4.0", "llama2"]),
    "hon9kon9ize/Cantonese-Llama-2-7B-preview20240625": ([LLAMA], ["cc-by-sa-4.0", "llama2"]),
    "hon9kon9ize/Cantonese-Llama-2-7B-preview20240903": ([LLAMA], ["cc-by-sa-4.0", "llama2"]),
    "Ichate/yaoi-v1-instruct": ([LLAMA], ["mit", "llama2"]),
    "inceptionai/jais-adapted-7b": ([LLAMA], ["apache-2.0", "llama2"]),
    "nivashb/aiadvisorbynivash": ([LLAMA], ["apache-2.0", "llama2"]),
    "nvidia/Llama-2-7B-DMC-4x": ([LLAMA], ["other", "llama2"]),
    "nvidia/Llama-2-7B-DMC-8x": ([LLAMA], ["other", "llama2"]),
    "pucpr-br/Clinical-BR-LlaMA-2-7B": ([LLAMA], ["apache-2.0", "llama2"]),
    "sabersaleh/Llama2-7B-aligned": ([LLAMA], ["mit", "llama2"]),
    "sabersaleh/Llama2-7B-CPO": ([LLAMA], ["mit", "llama2"]),
    "sabersaleh/Llama2-7B-DPO": ([LLAMA], ["mit", "llama2"]),
    "sabersaleh/Llama2-7B-IPO": ([LLAMA], ["mit", "llama2"]),
    "sabersaleh/Llama2-7B-KTO": ([LLAMA], ["mit", "llama2"]),
    "sabersaleh/Llama2-7B-RDPO": ([LLAMA], ["mit", "llama2"]),
    "sabersaleh/Llama2-7B-SimPO": ([LLAMA], ["mit", "llama2"]),
    "YBCarry/Finance-Chinese-LLaMA": ([LLAMA], ["apache-2.0", "llama2"]),
    # two hops: a permissive parent does not free a Llama 2 grandchild
    "cabelo/Clinical-BR-LlaMA-2-7B-fp16-ov": (
        ["pucpr-br/Clinical-BR-LlaMA-2-7B", LLAMA],
        ["creativeml-openrail-m", "apache-2.0", "llama2"],
    ),
    "ChengsenWang/ChatTime-1-7B-Chat": (
        ["ChengsenWang/ChatTime-1-7B-Base", LLAMA],
        ["apache-2.0", "apache-2.0", "llama2"],
    ),
    # under epfl-llm/meditron-7b, which itself stays under llama2
    **{
        repo: (["epfl-llm/meditron-7b", LLAMA], ["apache-2.0", "llama2", "llama2"])
        for repo in (
            "JosephNguyen/meditron-7b-finetuned",
            "veronica-girolimetti/meditron_01",
            "veronica-girolimetti/qt_finetuned_LoRA_meditron_01",
            "veronica-girolimetti/qt_finetuned_LoRA_meditron_01_1500",
            "veronica-girolimetti/qt_finetuned_LoRA_meditron_02",
            "veronica-girolimetti/qt_finetuned_LoRA_meditron_03",
            "veronica-girolimetti/qt_finetuned_LoRA_meditron_04",
        )
    },
}
#: Llama 2 derivatives in the crawl whose card declares no license: undeclared, not drift.
LLAMA2_UNDECLARED = {
    "2imi9/Llama2_7B_TeachingAssistant_Introduction_to_Computers",
    "qu-bit/SuperLLM",
    "TheSunnyBoy123/super_llm_base",
    "TheSunnyBoy123/super_llm_lora",
    "Vinnnf/LLaMA-2-7B-MaskLLM-C4",
    # quantisations of inceptionai/jais-adapted-7b (apache-2.0, itself drifting)
    "PrunaAI/inceptionai-jais-adapted-7b-QUANTO-float8bit-smashed",
    "PrunaAI/inceptionai-jais-adapted-7b-QUANTO-int4bit-smashed",
    "PrunaAI/inceptionai-jais-adapted-7b-QUANTO-int8bit-smashed",
}


def model(repo: str) -> str:
    return repo if repo.startswith("model:") else hf_model_id(repo)


def expected_rows(drift: dict[str, tuple[list[str], list[str]]]) -> dict[str, tuple[list[str], list[str]]]:
    return {model(repo): ([model(repo), *map(model, rest)], licenses) for repo, (rest, licenses) in drift.items()}


def crawl_loaded(store: GraphStore, shared: Path) -> GraphStore:
    load_curated(store)
    report = load_hf_cards(store, shared / CRAWL)
    assert not report.failures
    return store


# --- the researcher's questions, both backends ---------------------------------------------------


def test_which_llama2_derivatives_in_the_real_crawl_declare_a_license_llama2_does_not_allow(
    store: GraphStore, shared_data: Path
) -> None:
    crawl_loaded(store, shared_data)
    result = run_query(store, "license-drift", {"id": "Llama 2"})
    got = {row["id"]: (row["path"], row["licenses"]) for row in result.rows}
    assert got == expected_rows(LLAMA2_DRIFT)
    assert len(got) == 30
    for row in result.rows:
        assert row["status"] == "drift"
        assert row["license"] == row["licenses"][0]
        assert set(row["kinds"]) == {"fine_tuned_from"} and len(row["kinds"]) == row["depth"]
        assert "Llama 2 Community License" in row["why"] and row["license"] in row["why"]
    nvidia = next(r for r in result.rows if r["id"] == model("nvidia/Llama-2-7B-DMC-4x"))
    assert nvidia["license_names"] == ["nvidia-open-model-license", ""]  # other keeps its name
    assert "other (nvidia-open-model-license)" in nvidia["why"]
    grandchild = next(r for r in result.rows if r["id"] == model("cabelo/Clinical-BR-LlaMA-2-7B-fp16-ov"))
    assert "model:llama-2" in grandchild["why"]  # the apache-2.0 parent allows it; Llama 2 does not
    # the subgraph is the drifting models and their paths: nothing that stays under llama2
    assert model("epfl-llm/meditron-7b") in result.graph and model("malhajar/meditron-7b-chat") not in result.graph


def test_a_derivative_declaring_no_license_is_undeclared_not_drift(store: GraphStore, shared_data: Path) -> None:
    crawl_loaded(store, shared_data)
    undeclared = run_query(store, "license-drift", {"id": LLAMA, "show": "undeclared"}).rows
    # curated Orca 2, Code Llama and Tulu 2 (the last two added in issue 26) carry none
    want = {model(r) for r in LLAMA2_UNDECLARED} | {"model:orca-2", "model:code-llama", "model:tulu-2"}
    assert {r["id"] for r in undeclared} == want
    assert all(r["status"] == "undeclared" and r["why"].startswith("declares no license") for r in undeclared)
    everything = run_query(store, "license-drift", {"id": LLAMA, "show": "all"}).rows
    assert Counter(r["status"] for r in everything) == {"ok": 36, "drift": 30, "undeclared": len(want)}
    chat = next(r for r in everything if r["id"] == "model:llama-2-chat")  # curated: llama2, under llama2
    assert chat["status"] == "ok" and chat["licenses"] == ["llama2", "llama2"]


def test_a_permissive_base_flags_its_gguf_declaring_other(store: GraphStore, shared_data: Path) -> None:
    """microsoft/phi-2 declares mit; TheBloke's GGUF of it declares other (microsoft-research-license)."""
    load_curated(store)
    assert not load_hf_cards(store, shared_data / "hf_cards").failures
    rows = run_query(store, "license-drift", {"id": "model:phi-2"}).rows
    assert [(r["id"], r["path"], r["licenses"], r["license_names"], r["kinds"]) for r in rows] == [
        (
            model("TheBloke/phi-2-GGUF"),
            [model("TheBloke/phi-2-GGUF"), "model:phi-2"],
            ["other", "mit"],
            ["microsoft-research-license", ""],
            ["quantized_from"],
        )
    ]
    assert "MIT" in rows[0]["why"] and "'other'" in rows[0]["why"]
    # Mistral 7B (apache-2.0): its card derivatives declare apache-2.0 or mit, which Apache allows
    assert run_query(store, "license-drift", {"id": "model:mistral-7b"}).rows == []
    assert {r["status"] for r in run_query(store, "license-drift", {"id": "model:mistral-7b", "show": "all"}).rows} >= {
        "ok"
    }


def test_cards_and_crawl_together_add_the_chat_lora_and_tulu(store: GraphStore, shared_data: Path) -> None:
    """The cards add two Llama 2 derivatives that drift: FinGPT's LoRA (apache-2.0) on Llama 2-Chat,
    and Tulu 2 DPO 70B (other, ai2-impact-license-low-risk)."""
    crawl_loaded(store, shared_data)
    load_hf_cards(store, shared_data / "hf_cards")
    rows = {r["id"]: r for r in run_query(store, "license-drift", {"id": LLAMA}).rows}
    assert set(rows) == set(expected_rows(LLAMA2_DRIFT)) | {
        model("FinGPT/fingpt-forecaster_dow30_llama2-7b_lora"),
        model("allenai/tulu-2-dpo-70b"),
    }
    fingpt = rows[model("FinGPT/fingpt-forecaster_dow30_llama2-7b_lora")]
    assert fingpt["path"] == [model("FinGPT/fingpt-forecaster_dow30_llama2-7b_lora"), "model:llama-2-chat", LLAMA]
    assert fingpt["licenses"] == ["apache-2.0", "llama2", "llama2"]
    assert "model:llama-2-chat" in fingpt["why"]  # the nearest ancestor that refuses it
    assert rows[model("allenai/tulu-2-dpo-70b")]["license_names"][0] == "ai2-impact-license-low-risk"


def test_the_api_answers_the_same_and_its_page_marks_the_drifting_models(store: GraphStore, shared_data: Path) -> None:
    crawl_loaded(store, shared_data)
    expected = run_query(store, "license-drift", {"id": LLAMA}).rows
    with TestClient(create_app(store=store, token=TOKEN), base_url="http://localhost") as client:
        body = client.get("/queries/license-drift", params={"id": LLAMA, "limit": 100}).json()
        assert body["rows"] == json.loads(json.dumps(expected)) and body["total"] == 30
        assert body["columns"][-2:] == ["status", "why"]
        page = client.get("/viz/license-drift", params={"id": LLAMA})
        missing = client.get("/queries/license-drift", params={"id": "model:no-such-model"})
    assert page.status_code == 200
    nodes = {n["id"]: n for n in page_data(page.text)["nodes"]}
    marked = {i for i, n in nodes.items() if n.get("licenseDrift")}
    assert marked == set(expected_rows(LLAMA2_DRIFT))
    sabersaleh = nodes[model("sabersaleh/Llama2-7B-DPO")]
    assert sabersaleh["label"].startswith("\u26a0") and sabersaleh["borderWidth"] > 1
    assert "license drift: declares mit" in sabersaleh["title"] and "Llama 2 Community License" in sabersaleh["title"]
    meditron = nodes[model("epfl-llm/meditron-7b")]  # on the paths, under llama2: no mark
    assert not meditron.get("licenseDrift") and "license drift" not in meditron["title"]
    assert "llama2" in meditron["title"]  # every model's tooltip shows its license
    assert missing.status_code == 404 and "model:no-such-model" in missing.json()["error"]


def test_any_lineage_page_marks_drift(store: GraphStore, shared_data: Path) -> None:
    """The mark is judged on the drawn subgraph, so the family page of meditron shows it too."""
    crawl_loaded(store, shared_data)
    result = run_query(store, "model-family", {"id": "epfl-llm/meditron-7b"})
    nodes = {n["id"]: n for n in page_data(render_html(result.graph).html)["nodes"]}
    marked = {i for i, n in nodes.items() if n.get("licenseDrift")}
    assert marked == {model(r) for r, (rest, _) in LLAMA2_DRIFT.items() if rest[0] == "epfl-llm/meditron-7b"}


# --- bad input ---------------------------------------------------------------------------------


def test_an_unknown_id_is_one_line_naming_it(store: GraphStore, shared_data: Path) -> None:
    crawl_loaded(store, shared_data)
    with pytest.raises(LineageError) as err:
        run_query(store, "license-drift", {"id": "model:no-such-model"})
    assert "model:no-such-model" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(QueryError, match="show"):
        run_query(store, "license-drift", {"id": LLAMA, "show": "everything"})


def test_a_card_license_that_is_not_an_id_is_reported_and_the_model_still_loads(store: GraphStore, tmp_path: Path):
    cards = tmp_path / "cards"
    cards.mkdir()
    (cards / "someone__broken.md").write_text("---\nlicense: {name: mit}\nbase_model: x/y\n---\nbody\n")
    (cards / "someone__listed.md").write_text("---\nlicense: [Apache-2.0, MIT]\n---\n")
    (cards / "someone__custom.md").write_text("---\nlicense: Other\nlicense_name: My  License\n---\n")
    report = load_hf_cards(store, cards)
    assert report.failures == [
        f"{cards / 'someone__broken.md'}: license {{'name': 'mit'}} is not a license id or a list of them"
    ]
    got = {
        n["id"]: (n.get("license"), n.get("license_name"))
        for n in store.nodes([model("someone/broken"), model("someone/listed"), model("someone/custom")]).values()
    }
    assert got == {
        model("someone/broken"): (None, None),  # the model and its lineage still load
        model("someone/listed"): ("apache-2.0, mit", None),
        model("someone/custom"): ("other", "My License"),
    }
    assert store.edges_among([model("someone/broken"), model("x/y")], ["BUILDS_ON"])


def test_a_filter_the_registry_does_not_know_is_refused(tmp_path: Path) -> None:
    text = (Path(registry()["license-drift"].path)).read_text().replace("filter: license_drift", "filter: nope")
    (tmp_path / "x.cypher").write_text(text)
    with pytest.raises(QueryError, match="unknown filter 'nope'"):
        registry(tmp_path)


# --- the parser and the table, no store ----------------------------------------------------------


def test_the_crawl_declares_what_its_cards_say(shared_data: Path) -> None:
    """The issue says about one in eight Llama-2-7b-chat derivatives declares apache-2.0 or MIT.
    The recorded crawl is of Llama-2-7b, not -chat: there 29 of its 91 derivatives do (20
    apache-2.0, 9 mit), about one in three; 20 declare nothing."""
    declared = Counter()
    for where, repo, text, created in read_tree(shared_data / CRAWL):
        if repo != "meta-llama/Llama-2-7b":
            declared[card_license(read_card(where, repo, text, created))[0]] += 1
    assert declared == {
        "llama2": 36,
        None: 20,
        "apache-2.0": 20,
        "mit": 9,
        "cc-by-sa-4.0": 3,
        "other": 2,
        "creativeml-openrail-m": 1,
    }


@pytest.mark.parametrize(
    "spelling", ["llama2", "llama-2", "Llama 2", "LLAMA-2", "Llama 2 Community License", "llama2-community-license"]
)
def test_spellings_of_the_llama2_license_are_one_id(spelling: str) -> None:
    assert normalise(spelling) == "llama2"


def test_the_table_by_hand() -> None:
    assert normalise("Apache 2.0") == "apache-2.0" and normalise("MIT License") == "mit"
    assert licenses_of("other", "gemma-terms-of-use") == ["gemma"]  # other naming a license the table knows
    assert licenses_of("apache-2.0, mit") == ["apache-2.0", "mit"]
    base = [("model:base", "llama2", None)]
    assert judge("llama2", None, base).status == "ok"
    assert judge("Llama 2 Community License", None, base).status == "ok"
    assert judge("apache-2.0", None, base).status == "drift"
    assert judge(None, None, base).status == "undeclared"
    assert judge("cc-by-nc-4.0", None, [("model:b", "apache-2.0", None)]).status == "ok"  # permissive: most go
    assert judge("unknown", None, [("model:b", "mit", None)]).status == "drift"
    assert judge("apache-2.0", None, [("model:b", "other", "some-custom")]).status == "unchecked"
    assert judge("apache-2.0", None, [("model:b", "mit", None), ("model:a", "llama2", None)]).status == "drift"


def page_data(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="lineage-data">(.*?)</script>', html, re.S)
    assert match, "no embedded data"
    return json.loads(match.group(1))


def test_the_query_and_the_page_follow_the_same_derivation_kinds() -> None:
    """license-drift's rows and the viz marks must agree on what makes a derivative."""
    from graph.licenses import DERIVATION_KINDS

    kinds = next(p for p in registry()["license-drift"].params if p.name == "kinds")
    assert set(kinds.default) == set(DERIVATION_KINDS)
