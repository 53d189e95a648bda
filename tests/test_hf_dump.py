"""``lineage load hf-dump``: the Hub's card dump, on both backends.

The dump file is built by :mod:`dump_fixture` (tests/dump_fixture.py) from real recorded cards (the Llama-2-7b
tree crawl with its recorded metadata, and the card files) in the dataset's column layout; it is
not a recorded dump. Bad inputs are that file with a column dropped, a row group's bytes
overwritten, or one real card's front matter broken (said at each test).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from dump_fixture import corrupt_row_group, real_rows, write_dump
from typer.testing import CliRunner

from graph.errors import LineageError
from graph.store import GraphStore
from lineage.cli import app
from loaders.hf_dump import DumpError, load_hf_dump


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    return real_rows()


@pytest.fixture
def dump(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    return write_dump(tmp_path / "model_cards.parquet", rows)


def model(store: GraphStore, repo: str) -> dict[str, Any]:
    found = store.read("MATCH (n:Node) WHERE n.hf_id = $r RETURN n.id AS id", {"r": repo})
    assert found, f"{repo} was not loaded"
    return store.nodes([found[0]["id"]])[found[0]["id"]]


def bases(store: GraphStore, repo: str) -> dict[str, str]:
    """``{base hf_id: kind}`` of a repo's lineage edges."""
    rows = store.read(
        "MATCH (a:Node)-[e:BUILDS_ON]->(b:Node) WHERE a.hf_id = $r AND b.label = 'Model' "
        "RETURN b.hf_id AS base, e.kind AS kind",
        {"r": repo},
    )
    return {r["base"]: r["kind"] for r in rows}


def edges(store: GraphStore) -> set[tuple[str, ...]]:
    """Every edge with its kind and evidence."""
    ids = [r["id"] for r in store.read("MATCH (n:Node) RETURN n.id AS id")]
    return {
        (e["type"], e["source"], e["target"], e.get("kind") or "", *map(str, e.get("evidence") or []))
        for e in store.edges_among(ids)
    }


def test_lineage_and_hub_metadata_from_real_cards(store: GraphStore, dump: Path) -> None:
    report = load_hf_dump(store, dump)
    assert report.failures == []
    # zephyr-7b-beta's card: base_model mistralai/Mistral-7B-v0.1, no relation stated
    assert bases(store, "HuggingFaceH4/zephyr-7b-beta") == {"mistralai/Mistral-7B-v0.1": "fine_tuned_from"}
    # a GGUF of Llama-2-7b-chat: quantized_from its base (the repo name says GGUF)
    assert bases(store, "TheBloke/Llama-2-7B-Chat-GGUF") == {"meta-llama/Llama-2-7b-chat-hf": "quantized_from"}
    # a merge whose base_model is a list of four repos
    merged = bases(store, "OpenPipe/mistral-ft-optimized-1227")
    assert merged == dict.fromkeys(
        [
            "teknium/OpenHermes-2.5-Mistral-7B",
            "Intel/neural-chat-7b-v3-3",
            "meta-math/MetaMath-Mistral-7B",
            "openchat/openchat-3.5-1210",
        ],
        "merged_from",
    )
    # a crawled repo carries the Hub's own metadata from its row (recorded ModelInfo values)
    meditron = model(store, "epfl-llm/meditron-7b")
    assert (meditron["downloads"], meditron["likes"], meditron["license"]) == (4086, 274, "llama2")
    assert (meditron["pipeline_tag"], meditron["library"], meditron["release_date"]) == (
        "text-generation",
        "transformers",
        "2023-11-08",
    )
    assert meditron["sources"] == ["hf_hub"]
    assert bases(store, "epfl-llm/meditron-7b") == {"meta-llama/Llama-2-7b": "fine_tuned_from"}
    # a base named by cards but with no row of its own: a node with its repo id only
    mistral = model(store, "mistralai/Mistral-7B-v0.1")
    assert mistral["downloads"] is None and mistral["name"] == "Mistral-7B-v0.1"


def test_a_rerun_changes_nothing(store: GraphStore, dump: Path) -> None:
    load_hf_dump(store, dump)
    before = (store.counts(), edges(store))
    again = load_hf_dump(store, dump)
    assert any("loaded completely before" in n for n in again.notes)
    redo = load_hf_dump(store, dump, resume=False)  # --restart: every row read again
    assert (redo.nodes_added, redo.nodes_updated, redo.edges_added, redo.edges_updated) == (0, 0, 0, 0)
    assert redo.failures == []
    assert (store.counts(), edges(store)) == before


def test_an_interrupted_load_resumes_to_the_same_graph(store: GraphStore, dump: Path) -> None:
    load_hf_dump(store, dump, batch_size=20)
    whole = (store.counts(), edges(store))
    store.clear()

    class Stop(Exception):
        pass

    ticks = []

    def stop_after_three(p: Any) -> None:
        ticks.append(p.done)
        if len(ticks) == 3:
            raise Stop

    with pytest.raises(Stop):
        load_hf_dump(store, dump, batch_size=20, progress=stop_after_three, commit_rows=1)
    assert 0 < store.counts()["Model"] < whole[0]["Model"]
    report = load_hf_dump(store, dump, batch_size=20)
    assert any(n.startswith("resumed at row") for n in report.notes), report.notes
    assert (store.counts(), edges(store)) == whole


def test_a_missing_card_column_loads_nothing(store: GraphStore, tmp_path: Path, rows: list[dict[str, Any]]) -> None:
    bad = write_dump(tmp_path / "no_card.parquet", rows, drop=("card",))
    with pytest.raises(DumpError, match=r"no_card\.parquet: no 'card' column"):
        load_hf_dump(store, bad)
    assert store.counts().get("Model", 0) == 0


def test_a_missing_metadata_column_is_one_failure(
    store: GraphStore, tmp_path: Path, rows: list[dict[str, Any]]
) -> None:
    bad = write_dump(tmp_path / "no_likes.parquet", rows, drop=("likes",))
    report = load_hf_dump(store, bad)
    assert report.failures == [f"{bad}: no 'likes' column: the models' likes stays empty"]
    meditron = model(store, "epfl-llm/meditron-7b")
    assert (meditron["downloads"], meditron["likes"]) == (4086, None)
    assert bases(store, "HuggingFaceH4/zephyr-7b-beta") == {"mistralai/Mistral-7B-v0.1": "fine_tuned_from"}


def test_an_unreadable_row_group_is_named_and_skipped(
    store: GraphStore, tmp_path: Path, rows: list[dict[str, Any]]
) -> None:
    bad = write_dump(tmp_path / "corrupt.parquet", rows, row_group_size=40)
    corrupt_row_group(bad, 1)  # rows 40-79: their card column's pages overwritten with 0xff
    report = load_hf_dump(store, bad)
    assert len(report.failures) == 1, report.failures
    assert report.failures[0].startswith(f"{bad}: row group 1 (rows 40-79) cannot be read: ")
    lost, kept = rows[45]["modelId"], rows[120]["modelId"]
    assert not store.read("MATCH (n:Node) WHERE n.hf_id = $r AND n.downloads IS NOT NULL RETURN n.id", {"r": lost})
    assert model(store, kept)["sources"] == ["hf_hub"]
    assert bases(store, "HuggingFaceH4/zephyr-7b-beta") == {"mistralai/Mistral-7B-v0.1": "fine_tuned_from"}


def test_a_card_with_broken_yaml_is_named_by_row(store: GraphStore, tmp_path: Path, rows: list[dict[str, Any]]) -> None:
    # the real zephyr-7b-beta card with one line of its front matter broken (an unclosed list)
    at = next(i for i, r in enumerate(rows) if r["modelId"] == "HuggingFaceH4/zephyr-7b-beta")
    card = rows[at]["card"].replace("base_model: mistralai/Mistral-7B-v0.1", "base_model: [mistralai/Mistral-7B", 1)
    assert card != rows[at]["card"]
    broken = [*rows[:at], {**rows[at], "card": card}, *rows[at + 1 :]]
    bad = write_dump(tmp_path / "broken.parquet", broken)
    report = load_hf_dump(store, bad)
    assert len(report.failures) == 1, report.failures
    line = report.failures[0]
    assert line.startswith(f"{bad} row {at} (HuggingFaceH4/zephyr-7b-beta):") and "not valid YAML" in line
    assert model(store, "HuggingFaceH4/zephyr-7b-beta")  # the model loads, without its lineage
    assert bases(store, "HuggingFaceH4/zephyr-7b-beta") == {}
    assert bases(store, "HuggingFaceH4/zephyr-7b-alpha") == {"mistralai/Mistral-7B-v0.1": "fine_tuned_from"}


def test_cli_loads_and_exits_1_on_a_bad_file(tmp_path: Path, dump: Path, rows: list[dict[str, Any]]) -> None:
    db = tmp_path / "cli.lbug"
    ok = CliRunner().invoke(app, ["--db", str(db), "load", "hf-dump", str(dump)])
    assert ok.exit_code == 0, ok.output
    assert "failures 0" in ok.output
    bad = write_dump(tmp_path / "no_likes.parquet", rows, drop=("likes",))
    failed = CliRunner().invoke(app, ["--db", str(db), "load", "hf-dump", str(bad)])
    assert failed.exit_code == 1
    assert "no 'likes' column" in failed.output
    none = write_dump(tmp_path / "no_id.parquet", rows, drop=("modelId",))
    refused = CliRunner().invoke(app, ["--db", str(db), "load", "hf-dump", str(none)])
    assert isinstance(refused.exception, LineageError)  # `lineage` prints it as one line, exit 1
    assert "no_id.parquet: no 'modelId' column" in str(refused.exception)
    assert CliRunner().invoke(app, ["--db", str(db), "stats"]).exit_code == 0
    helped = CliRunner().invoke(app, ["load", "hf-dump", "--help"])
    assert "model_cards_with_metadata" in helped.output and "--restart" in helped.output


def test_the_fixture_is_the_dump_layout(dump: Path) -> None:
    names = pq.ParquetFile(dump).schema_arrow.names
    assert names[:3] == ["modelId", "author", "last_modified"] and names[-1] == "card"


def test_parsing_in_worker_processes_gives_the_same_graph(store: GraphStore, tmp_path: Path, rows: list) -> None:
    dump = write_dump(tmp_path / "groups.parquet", rows, row_group_size=30)
    load_hf_dump(store, dump, workers=0, batch_size=20)
    alone = (store.counts(), edges(store))
    store.clear()
    report = load_hf_dump(store, dump, workers=2, batch_size=20)
    assert report.failures == []
    assert (store.counts(), edges(store)) == alone
