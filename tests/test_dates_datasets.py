"""Issue 22 items 3 and 4, as a researcher asks them: when did a model or method appear, and
who says so; what was a model trained on, and which models were trained on a dataset; which
models did their cards say were trained with DPO. On both backends, with the curated lineage
and the 82 recorded Hugging Face cards (tests/fixtures/hf_cards)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import ladybug
import pytest

from graph.backends import open_store
from graph.dates import refresh_dates, undated
from graph.errors import DataFileError
from graph.export import export
from graph.ladybug_store import _ddl
from graph.schema import NODE_COLUMNS, Edge, Method, Model, Paper, Provenance, Source
from graph.store import upsert
from loaders.arxiv_api import load_arxiv
from loaders.curated import load_curated, read_curated
from loaders.exported import READERS, graph_records
from loaders.hf_cards import METHOD_TAGS, curated_methods, load_hf_cards
from queries.registry import run_query

FIXTURES = Path(__file__).parent / "fixtures"
CARDS = FIXTURES / "hf_cards"
ARXIV_1707 = FIXTURES / "arxiv_api" / "id_1707.08567_s0_m100_6a1afebfc6a3.json"
DAY = dt.date(2024, 6, 1)

#: Cards whose front matter says ``tags: [dpo]`` (or, for tulu, whose repo name says dpo).
DPO_CARDS = {
    "model:hf.argilla.notus-7b-v1",
    "model:hf.nousresearch.nous-hermes-2-mixtral-8x7b-dpo",
    "model:hf.mlabonne.neuralhermes-2.5-mistral-7b",
    "model:hf.huggingfaceh4.zephyr-7b-gemma-v0.1",
    "model:hf.allenai.tulu-2-dpo-70b",
}


@pytest.fixture
def loaded(store):
    """The curated lineage and the recorded cards, loaded the way a user loads them."""
    load_curated(store)
    report = load_hf_cards(store, CARDS, retrieved=DAY)
    assert not report.failures, report.failures
    store.cards_report = report  # type: ignore[attr-defined]
    return store


def ids(result) -> list[str]:
    return [row["id"] for row in result.rows]


def edge(store, etype: str, source: str, target: str) -> dict:
    found = [e for e in store.edges_among([source, target], [etype]) if e["source"] == source]
    assert len(found) == 1, (etype, source, target, found)
    return found[0]


# --- dates --------------------------------------------------------------------------------------


def test_models_and_methods_are_dated_by_the_papers_that_introduce_them(curated_store) -> None:
    expected = {
        "model:zephyr-7b": ("2023-10-25", "paper:arxiv:2310.16944"),
        "method:dpo": ("2023-05-29", "paper:arxiv:2305.18290"),
        "method:lora": ("2021-06-17", "paper:arxiv:2106.09685"),
        "method:qlora": ("2023-05-23", "paper:arxiv:2305.14314"),
        "method:grouped-query-attention": ("2023-05-22", "paper:arxiv:2305.13245"),
        "method:mezo": ("2023-05-27", "paper:arxiv:2305.17333"),
        # its own release date (27 Sep 2023) wins over the paper's (10 Oct 2023)
        "model:mistral-7b": ("2023-09-27", "curated"),
    }
    nodes = curated_store.nodes(expected)
    assert {n: (nodes[n]["date"], nodes[n]["date_source"]) for n in expected} == expected
    left = {row["id"] for row in undated(curated_store)}
    assert not left & set(expected)
    assert {"method:cnn", "model:grok"} <= left  # no release date, no paper: still undated, and listed


def test_a_paper_dated_after_the_card_dates_the_model(store, tmp_path) -> None:
    """Any load order: a card tags a paper nobody has dated yet; a later arXiv load dates it."""
    cards = tmp_path / "cards"
    cards.mkdir()
    (cards / "someone__agent-7b.md").write_text("---\ntags:\n- arxiv:1707.08567\n---\n# agent\n", encoding="utf-8")
    load_hf_cards(store, cards, retrieved=DAY)
    model = "model:hf.someone.agent-7b"
    assert store.nodes([model])[model]["date"] is None
    assert model in {row["id"] for row in undated(store)}

    load_arxiv(store, from_file=ARXIV_1707, retrieved=DAY)
    row = store.nodes([model])[model]
    assert (row["date"], row["date_source"]) == ("2017-07-27", "paper:arxiv:1707.08567")
    assert model not in {row["id"] for row in undated(store)}
    assert not load_hf_cards(store, cards, retrieved=DAY).changed
    assert not refresh_dates(store).changed


def test_a_paper_dated_before_the_model_is_loaded_dates_it(store) -> None:
    load_arxiv(store, from_file=ARXIV_1707, retrieved=DAY)
    prov = [Provenance(source=Source.hf_card, evidence="arxiv:1707.08567 in the front matter")]
    upsert(store, [Model(id="model:x", name="X", sources=[Source.hf_card])])
    upsert(store, [Edge(type="INTRODUCES", source="arxiv:1707.08567", target="model:x", provenance=prov)])
    assert store.nodes(["model:x"])["model:x"]["date"] is None  # a bare upsert derives nothing
    assert refresh_dates(store).nodes_updated == 1
    assert store.nodes(["model:x"])["model:x"]["date_source"] == "paper:arxiv:1707.08567"


def test_the_earliest_introducing_paper_dates_a_method_and_an_own_date_wins(store) -> None:
    prov = [Provenance(source=Source.curated, evidence="seed")]
    upsert(
        store,
        [
            Paper(id="arxiv:2301.00002", title="Later", published="2023-01-20", sources=[Source.curated]),
            Paper(id="arxiv:2301.00001", title="Earlier", published="2023-01-05", sources=[Source.curated]),
            Model(id="model:y", name="Y", release_date="2020-02-02", sources=[Source.curated]),
            Method(id="method:z", name="Z", sources=[Source.curated]),
            Edge(type="INTRODUCES", source="arxiv:2301.00002", target="model:y", provenance=prov),
            Edge(type="INTRODUCES", source="arxiv:2301.00002", target="method:z", provenance=prov),
            Edge(type="INTRODUCES", source="arxiv:2301.00001", target="method:z", provenance=prov),
        ],
    )
    refresh_dates(store)
    nodes = store.nodes(["method:z", "model:y"])
    assert (nodes["method:z"]["date"], nodes["method:z"]["date_source"]) == ("2023-01-05", "paper:arxiv:2301.00001")
    assert (nodes["model:y"]["date"], nodes["model:y"]["date_source"]) == ("2020-02-02", "curated")


def test_the_curated_file_cannot_set_a_derived_date(tmp_path) -> None:
    bad = tmp_path / "curated.yaml"
    bad.write_text("methods:\n  - id: method:x\n    name: X\n    date_source: curated\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"curated.yaml:2: methods\[0\]: 'date_source' is set by the loader"):
        read_curated(bad)


def test_stats_lists_what_is_still_undated(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update({"LINEAGE_DB": str(tmp_path / "db.lbug"), "COLUMNS": "200"})
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "lineage", *a], capture_output=True, text=True, env=env, timeout=300
    )
    assert run("load", "curated").returncode == 0
    stats = run("stats")
    assert stats.returncode == 0, stats.stderr
    count = len(undated(open_store("ladybug", path=tmp_path / "db.lbug", read_only=True)))
    assert f"undated models and methods ({count})" in stats.stdout
    assert "method:cnn" in stats.stdout and "model:grok" in stats.stdout
    assert "model:zephyr-7b" not in stats.stdout and "method:dpo" not in stats.stdout


# --- datasets and training methods from cards ---------------------------------------------------


def test_a_cards_datasets_become_dataset_nodes_with_trained_on_edges(loaded) -> None:
    ultrachat, feedback = "dataset:huggingfaceh4/ultrachat_200k", "dataset:huggingfaceh4/ultrafeedback_binarized"
    nodes = loaded.nodes([ultrachat, feedback])
    assert nodes[ultrachat]["label"] == "Dataset" and nodes[ultrachat]["hf_id"] == "HuggingFaceH4/ultrachat_200k"
    # HuggingFaceH4/zephyr-7b-beta is the curated Zephyr 7B (its hf_id)
    trained = edge(loaded, "TRAINED_ON", "model:zephyr-7b", ultrachat)
    assert trained["sources"] == ["hf_card"]
    assert trained["evidence"] == ["datasets: HuggingFaceH4/ultrachat_200k in HuggingFaceH4/zephyr-7b-beta/README.md"]
    counts = loaded.counts()
    assert counts["Dataset"] >= 40 and counts["TRAINED_ON"] >= 60


def test_trained_on_and_dataset_models_answer_both_ways(loaded) -> None:
    # Zephyr 7B is both official checkpoints (alpha and beta repos): both cards' datasets
    assert ids(run_query(loaded, "trained-on", {"id": "model:zephyr-7b"})) == [
        "dataset:huggingfaceh4/ultrachat_200k",
        "dataset:huggingfaceh4/ultrafeedback_binarized",
        "dataset:openbmb/ultrafeedback",
        "dataset:stingning/ultrachat",
    ]
    # the Hub id as the user knows it; dated models first, in date order
    result = run_query(loaded, "dataset-models", {"id": "dataset:HuggingFaceH4/ultrafeedback_binarized"})
    assert ids(result) == ["model:zephyr-7b", "model:hf.allenai.tulu-2-dpo-70b"]
    assert result.rows[0]["date"] == "2023-10-25"
    assert set(result.graph.nodes) == {"dataset:huggingfaceh4/ultrafeedback_binarized", *ids(result)}
    hermes = ids(run_query(loaded, "dataset-models", {"id": "dataset:teknium/OpenHermes-2.5"}))
    assert "model:hf.nousresearch.nous-hermes-2-mixtral-8x7b-dpo" in hermes
    # what the seeds say, curated only
    assert ids(run_query(loaded, "trained-on", {"id": "model:lima", "min_trust": 3})) == ["dataset:gair/lima"]
    phi = run_query(loaded, "dataset-models", {"id": "dataset:phi-textbook-quality-data"})
    assert ids(phi) == ["model:phi-1", "model:phi-1.5", "model:phi-2"]


def test_descendants_of_dpo_include_the_models_whose_cards_say_dpo(loaded) -> None:
    found = set(ids(run_query(loaded, "descendants", {"id": "method:dpo"})))
    assert found >= DPO_CARDS
    assert {"model:zephyr-7b", "model:mixtral-8x7b-instruct"} <= found  # the curated ones are still there
    notus = edge(loaded, "BUILDS_ON", "model:hf.argilla.notus-7b-v1", "method:dpo")
    assert notus["kind"] == "uses_method" and notus["sources"] == ["hf_card"]
    assert notus["evidence"] == ["card tag 'dpo' in argilla/notus-7b-v1/README.md"]
    tulu = edge(loaded, "BUILDS_ON", "model:hf.allenai.tulu-2-dpo-70b", "method:dpo")
    assert tulu["evidence"] == ["repo name 'allenai/tulu-2-dpo-70b' says 'dpo' (allenai/tulu-2-dpo-70b/README.md)"]
    assert tulu["confidence"] == [0.8]
    sft = set(ids(run_query(loaded, "descendants", {"id": "method:sft", "depth": 1})))
    assert {"model:hf.alignment-handbook.zephyr-7b-sft-full", "model:hf.huggingfacetb.smollm-135m-instruct"} <= sft


def test_tags_without_a_curated_method_are_counted_not_linked(loaded) -> None:
    """rlaif and simpo have no curated method: counted, not linked. ORPO (curated since issue 26)
    is what zephyr-orpo-141b was trained with, as its card's tag says."""
    notes = " ".join(loaded.cards_report.notes)
    assert "training-method tags with no curated method, not linked: rlaif (2), simpo (1)" in notes
    orpo = "model:hf.huggingfaceh4.zephyr-orpo-141b-a35b-v0.1"
    uses = [e for e in loaded.edges_among([orpo, *curated_methods_ids()], ["BUILDS_ON"]) if e["source"] == orpo]
    assert [(e["target"], e["kind"]) for e in uses] == [("method:orpo", "uses_method")]
    assert uses[0]["evidence"] == ["card tag 'orpo' in HuggingFaceH4/zephyr-orpo-141b-A35b-v0.1/README.md"]


def curated_methods_ids() -> list[str]:
    return sorted({node_id for node_id, _ in curated_methods().values()})


def test_method_tags_name_curated_methods() -> None:
    known = curated_methods()
    linked = {tag: known[tag][0] for tag in METHOD_TAGS if tag in known}
    assert linked == {
        "dpo": "method:dpo",
        "sft": "method:sft",
        "rlhf": "method:rlhf",
        "ppo": "method:ppo",
        "lora": "method:lora",
        "qlora": "method:qlora",
        "reward-model": "method:reward-model",
        "orpo": "method:orpo",  # curated since issue 26
        "kto": "method:kto",  # curated since issue 26
    }


def test_loading_curated_and_cards_again_changes_nothing(loaded) -> None:
    assert not load_curated(loaded).changed
    assert not load_hf_cards(loaded, CARDS, retrieved=DAY).changed
    assert not refresh_dates(loaded).changed


def test_cards_before_curated_reach_the_same_methods_and_dates(store) -> None:
    load_hf_cards(store, CARDS, retrieved=DAY)
    dpo = store.nodes(["method:dpo"])["method:dpo"]
    assert dpo["name"] == "Direct Preference Optimization" and dpo["sources"] == ["hf_card"]
    load_curated(store)
    dpo = store.nodes(["method:dpo"])["method:dpo"]
    assert dpo["sources"] == ["curated", "hf_card"]
    assert (dpo["date"], dpo["date_source"]) == ("2023-05-29", "paper:arxiv:2305.18290")
    assert set(ids(run_query(store, "descendants", {"id": "method:dpo"}))) >= DPO_CARDS


def test_a_bad_datasets_entry_is_one_failure_naming_the_card(store, tmp_path) -> None:
    cards = tmp_path / "cards"
    cards.mkdir()
    text = "---\nbase_model: mistralai/Mistral-7B-v0.1\ndatasets:\n- good/data\n- {nested: 1}\n- 'bad id!'\n---\n"
    (cards / "someone__tuned.md").write_text(text, encoding="utf-8")
    report = load_hf_cards(store, cards, retrieved=DAY)
    assert report.failures == [
        f"{cards / 'someone__tuned.md'}: datasets entry {{'nested': 1}} is not a dataset repo id; it was skipped",
        f"{cards / 'someone__tuned.md'}: datasets entry 'bad id!' is not a dataset repo id; it was skipped",
    ]
    model = "model:hf.someone.tuned"
    assert ids(run_query(store, "trained-on", {"id": model})) == ["dataset:good/data"]
    assert [e["target"] for e in store.edges_among([model, "model:hf.mistralai.mistral-7b-v0.1"], ["BUILDS_ON"])] == [
        "model:hf.mistralai.mistral-7b-v0.1"
    ]


# --- curated datasets ---------------------------------------------------------------------------


def test_curated_datasets_are_what_the_seeds_name(curated_store) -> None:
    assert ids(run_query(curated_store, "trained-on", {"id": "model:alpaca"})) == ["dataset:tatsu-lab/alpaca"]
    assert ids(run_query(curated_store, "trained-on", {"id": "model:sam"})) == ["dataset:sa-1b"]
    trained = edge(curated_store, "TRAINED_ON", "model:lima", "dataset:gair/lima")
    assert trained["sources"] == ["curated"] and trained["evidence"][0].startswith("004_dde17ed22e705058.txt: ")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("      - {model: model:nope, seed: s.txt, evidence: e}", r"used_to_train\[0\]: unknown node 'model:nope'"),
        ("      - {model: model:m, seed: s.txt}", r"used_to_train\[0\] must be a mapping of exactly model, seed and"),
        (
            "      - {model: method:m, seed: s.txt, evidence: e}",
            r"used_to_train\[0\]: .*TRAINED_ON cannot go from a Method",
        ),
    ],
)
def test_bad_used_to_train_names_the_dataset_and_line(tmp_path, entry, message) -> None:
    bad = tmp_path / "curated.yaml"
    bad.write_text(
        "models:\n  - id: model:m\n    name: M\nmethods:\n  - id: method:m\n    name: M\n"
        "datasets:\n  - id: dataset:d\n    name: D\n    used_to_train:\n" + entry + "\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError, match=rf"curated.yaml:8: datasets\[0\] \(dataset:d\): {message}"):
        read_curated(bad)


def test_a_hub_dataset_is_keyed_by_its_hub_id(tmp_path) -> None:
    bad = tmp_path / "curated.yaml"
    bad.write_text("datasets:\n  - id: dataset:lima\n    name: L\n    hf_id: GAIR/lima\n", encoding="utf-8")
    with pytest.raises(
        DataFileError, match="datasets\\[0\\]: a dataset with hf_id GAIR/lima has the id dataset:gair/lima"
    ):
        read_curated(bad)


# --- stores, exports ----------------------------------------------------------------------------


def test_an_older_embedded_store_opens_with_the_new_table_and_column(tmp_path) -> None:
    """A store written before datasets and date sources existed: no TRAINED_ON table, no date_source."""
    path = tmp_path / "old.lbug"
    db = ladybug.Database(str(path))
    conn = ladybug.Connection(db)
    for stmt in _ddl():
        if "TRAINED_ON" not in stmt:
            conn.execute(stmt.replace(", date_source STRING", ""))
    conn.execute("CREATE (n:Node {id: 'model:old', label: 'Model', name: 'Old', sources: ['curated']})")
    conn.close()
    db.close()

    store = open_store("ladybug", path=path)
    try:
        assert store.nodes(["model:old"])["model:old"]["date_source"] is None
        load_curated(store)
        assert store.counts()["TRAINED_ON"] == 10
        assert store.nodes(["model:zephyr-7b"])["model:zephyr-7b"]["date_source"] == "paper:arxiv:2310.16944"
    finally:
        store.close()
    assert set(NODE_COLUMNS) <= {
        c["name"] for c in open_store("ladybug", path=path).rows("CALL table_info('Node') RETURN name")
    }


#: Node columns added after the first release of the embedded store's layout, in the middle of
#: NODE_COLUMNS: a store from before them gets them appended at the end of its table.
LATER_COLUMNS = ("license", "license_name", "downloads", "likes", "pipeline_tag", "library", "date_source")


def test_a_store_from_before_the_hub_columns_loads_the_curated_lineage_and_a_snapshot(tmp_path) -> None:
    """COPY maps a file's columns by position: after the migration appends the new columns, new
    rows must land in the right ones (a session-10 store failed `lineage demo` with "could not
    convert 'Not from the seeds…' to INT64")."""
    from loaders.arxiv_snapshot import load_snapshot

    path = tmp_path / "old.lbug"
    db = ladybug.Database(str(path))
    conn = ladybug.Connection(db)
    for stmt in _ddl():
        for column in LATER_COLUMNS:
            stmt = stmt.replace(f", {column} {NODE_COLUMNS[column]}", "")
        conn.execute(stmt)
    conn.close()
    db.close()

    store = open_store("ladybug", path=path)
    try:
        later = [c for c in NODE_COLUMNS if c in LATER_COLUMNS]
        order = [r["name"] for r in store.rows("CALL table_info('Node') RETURN name")]
        assert order[-len(later) :] == later != list(NODE_COLUMNS)[-len(later) :]  # appended last
        load_curated(store)  # single batches: LadybugWrite._copy
        llama = store.nodes(["model:llama-2"])["model:llama-2"]
        assert (llama["license"], llama["name"]) == ("llama2", "Llama 2")
        assert store.nodes(["model:zephyr-7b"])["model:zephyr-7b"]["date_source"] == "paper:arxiv:2310.16944"
        report = load_snapshot(store, FIXTURES / "arxiv_snapshot" / "sample.jsonl", categories=None)  # staged bulk COPY
        assert report.nodes_added > 200 and not report.failures
        paper = store.nodes(["arxiv:0704.0001"])["arxiv:0704.0001"]
        assert paper["title"].startswith("Calculation of prompt diphoton") and paper["published"] == "2007-04-02"
    finally:
        store.close()


@pytest.mark.parametrize("fmt", ["json", "csv", "cypher"])
def test_exports_keep_dataset_nodes_and_dates(loaded, tmp_path, fmt) -> None:
    graph = run_query(loaded, "dataset-models", {"id": "dataset:HuggingFaceH4/ultrafeedback_binarized"}).graph
    path = export(graph, fmt, tmp_path / f"out.{fmt}")
    back = open_store("ladybug", path=tmp_path / "back.lbug")
    try:
        upsert(back, graph_records(READERS[fmt](path)))
        nodes = back.nodes(list(graph.nodes))
        dataset = nodes["dataset:huggingfaceh4/ultrafeedback_binarized"]
        assert dataset["label"] == "Dataset" and dataset["hf_id"] == "HuggingFaceH4/ultrafeedback_binarized"
        zephyr = nodes["model:zephyr-7b"]
        assert (zephyr["date"], zephyr["date_source"]) == ("2023-10-25", "paper:arxiv:2310.16944")
        assert back.counts()["TRAINED_ON"] == 2
    finally:
        back.close()


def test_graphml_gexf_and_bundle_json_carry_datasets(loaded, tmp_path) -> None:
    graph = run_query(loaded, "trained-on", {"id": "model:zephyr-7b"}).graph
    graphml = export(graph, "graphml", tmp_path / "out.graphml").read_text(encoding="utf-8")
    assert "dataset:huggingfaceh4/ultrachat_200k" in graphml and ">Dataset<" in graphml and ">TRAINED_ON<" in graphml
    gexf = ET.parse(export(graph, "gexf", tmp_path / "out.gexf"))
    labels = {n.get("label") for n in gexf.iter() if n.tag.endswith("node")}
    assert "HuggingFaceH4/ultrachat_200k" in labels
    data = json.loads(export(graph, "json", tmp_path / "out.json").read_text(encoding="utf-8"))
    assert any(n.get("label") == "Dataset" for n in data["nodes"])


# --- a card's creation date: the Hub model-tree crawl -------------------------------------------


def test_a_crawled_cards_creation_dates_its_model(store, shared_data) -> None:
    """shared/data/hf_tree records each repo's created_at; plain card files do not."""
    tree = shared_data / "hf_tree" / "Llama-2-7b_finetunes_20250422_180448.json"
    report = load_hf_cards(store, tree, retrieved=DAY)
    assert report.failures == []
    nodes = store.nodes(["model:hf.epfl-llm.meditron-7b", "model:hf.malhajar.meditron-7b-chat"])
    dated = {n: (row["date"], row["date_source"]) for n, row in nodes.items()}
    assert dated == {
        "model:hf.epfl-llm.meditron-7b": ("2023-11-08", "hf_card"),
        "model:hf.malhajar.meditron-7b-chat": ("2023-12-09", "hf_card"),
    }
    assert ("model:hf.malhajar.meditron-7b-chat", "model:hf.epfl-llm.meditron-7b") in {
        (e["source"], e["target"]) for e in store.edges_among(list(nodes), ["BUILDS_ON"])
    }
    assert "dataset:epfl-llm/guidelines" in ids(run_query(store, "trained-on", {"id": "model:hf.epfl-llm.meditron-7b"}))
    assert not load_hf_cards(store, tree, retrieved=DAY).changed


def test_a_plain_card_file_gives_no_creation_date(store) -> None:
    load_hf_cards(store, CARDS, retrieved=DAY)
    row = store.nodes(["model:hf.argilla.notus-7b-v1"])["model:hf.argilla.notus-7b-v1"]
    assert (row["date"], row["date_source"]) == (None, None)


def test_a_crawl_that_is_not_one_is_one_line(store, tmp_path) -> None:
    from loaders.hf_cards import CardError

    bad = tmp_path / "tree.json"
    bad.write_text('{"rows": []}', encoding="utf-8")
    with pytest.raises(CardError, match=r"tree.json: a model-tree crawl is a JSON object with a 'models' list"):
        load_hf_cards(store, bad)
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CardError, match=r"tree.json: not a model-tree crawl \(JSON\)"):
        load_hf_cards(store, bad)
    assert store.counts().get("Model", 0) == 0
