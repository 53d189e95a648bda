"""``lineage load hf``: the Hub's model tree, crawled with ``huggingface_hub`` itself against a
loopback Hub rebuilt from a real crawl (tests/hub_replay.py; tests/fixtures/hf_tree/PROVENANCE.md).

Each test is a researcher's question with its answer from the recorded crawl of
``meta-llama/Llama-2-7b`` (22 Apr 2025). No test touches the network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hub_replay import FIXTURE, HubReplay

from graph.store import GraphStore
from loaders.hf_cards import hf_model_id
from loaders.hf_hub import HubClient, load_hf_hub
from queries.registry import run_query

ROOT = "meta-llama/Llama-2-7b"
KINDS = {
    "children": "fine_tuned_from",
    "adapters": "adapter_of",
    "quantized": "quantized_from",
    "merges": "merged_from",
}
TOKEN = "hf_replay_token"  # the replay checks no value; a token only lets gated READMEs through


def recorded_links() -> set[tuple[str, str, str]]:
    """``(child node, parent node, kind)`` for each of the crawl's 173 derivative links."""
    rows = json.loads(FIXTURE.read_text(encoding="utf-8"))["models"]
    strip = "https://huggingface.co/"
    return {
        (hf_model_id(url.removeprefix(strip)), hf_model_id(row["model_id"].removeprefix(strip)), kind)
        for row in rows
        for key, kind in KINDS.items()
        for url in row[key]
    }


def lineage_edges(store: GraphStore) -> set[tuple[str, str, str]]:
    rows = store.read(
        "MATCH (a:Node)-[e:BUILDS_ON]->(b:Node) WHERE e.kind <> 'uses_method' "
        "RETURN a.id AS a, b.id AS b, e.kind AS kind"
    )
    return {(r["a"], r["b"], r["kind"]) for r in rows}


def client(hub: HubReplay, cache: Path, **kw: object) -> HubClient:
    kw.setdefault("token", TOKEN)
    return HubClient(cache, endpoint=hub.url, min_interval=0, **kw)  # type: ignore[arg-type]


def test_the_crawl_from_llama_2_7b_reaches_every_recorded_link_with_its_kind(store: GraphStore, tmp_path: Path) -> None:
    """What did the Hub build on Llama-2-7b? All 173 links of the crawl, each with its kind."""
    with HubReplay() as hub:
        report = load_hf_hub(store, ROOT, client=client(hub, tmp_path / "cache"), depth=4)
    assert report.failures == []
    expected = recorded_links()
    assert len(expected) == 173
    assert expected <= lineage_edges(store)
    meditron = store.nodes([hf_model_id("epfl-llm/meditron-7b")])[hf_model_id("epfl-llm/meditron-7b")]
    # the Hub's facts, from the recorded model info
    assert str(meditron["release_date"])[:10] == "2023-11-08"
    assert (meditron["downloads"], meditron["license"], meditron["pipeline_tag"], meditron["library"]) == (
        4086,
        "llama2",
        "text-generation",
        "transformers",
    )
    assert "hf_hub" in meditron["sources"]
    # and the card parser's: the dataset its front matter names
    trained = store.read(
        "MATCH (m:Node {id: $m})-[:TRAINED_ON]->(d:Node) RETURN d.id AS d", {"m": hf_model_id("epfl-llm/meditron-7b")}
    )
    assert {r["d"] for r in trained} == {"dataset:epfl-llm/guidelines"}


def test_a_depth_2_fine_tune_traces_back_through_meditron_to_llama_2(store: GraphStore, tmp_path: Path) -> None:
    """What does malhajar/meditron-7b-chat build on? meditron-7b, which builds on Llama-2-7b."""
    with HubReplay() as hub:
        load_hf_hub(store, ROOT, client=client(hub, tmp_path / "cache"), depth=2)
    rows = run_query(store, "ancestors", {"id": hf_model_id("malhajar/meditron-7b-chat"), "depth": 5}).rows
    by_id = {r["id"]: r for r in rows}
    assert by_id[hf_model_id("epfl-llm/meditron-7b")]["depth"] == 1
    assert by_id[hf_model_id(ROOT)]["depth"] == 2
    assert by_id[hf_model_id(ROOT)]["via_kind"] == "fine_tuned_from"


def test_depth_and_max_models_bound_the_crawl_and_a_larger_bound_goes_on(store: GraphStore, tmp_path: Path) -> None:
    with HubReplay() as hub:
        report = load_hf_hub(store, ROOT, client=client(hub, tmp_path / "cache"), depth=1, max_models=20)
        assert report.repos == 20
        assert not store.nodes([hf_model_id("malhajar/meditron-7b-chat")])  # depth 2: not reached
        assert any("--max-models 20" in note for note in report.notes)
        assert report.failures == []
        again = load_hf_hub(store, ROOT, client=client(hub, tmp_path / "cache"), depth=1, max_models=20)
        assert again.repos == 0 and not again.changed and again.requests == 0
        more = load_hf_hub(store, ROOT, client=client(hub, tmp_path / "cache"), depth=1, max_models=45)
    assert more.repos == 25 and not any(note.startswith("stopped at") for note in more.notes)
    children = store.read("MATCH (c:Node)-[:BUILDS_ON]->(p:Node {id: $p}) RETURN c.id AS c", {"p": hf_model_id(ROOT)})
    assert len({r["c"] for r in children}) == 44  # the root's 33 fine-tunes, 5 adapters, 6 quantisations


def test_up_from_a_leaf_reaches_the_root(store: GraphStore, tmp_path: Path) -> None:
    """Where does Minbyul/meditron-7b-dpo-full-sft-wo-kqa_golden come from? Up the base_model chain to Llama-2-7b."""
    leaf = "Minbyul/meditron-7b-dpo-full-sft-wo-kqa_golden"
    with HubReplay() as hub:
        report = load_hf_hub(store, leaf, client=client(hub, tmp_path / "cache"), direction="up")
        asked = [s.path for s in hub.requests]
    assert report.failures == []
    assert "/api/models" not in asked  # up needs no listing
    rows = run_query(store, "ancestors", {"id": hf_model_id(leaf), "depth": 10}).rows
    assert hf_model_id(ROOT) in {r["id"] for r in rows}
    assert report.repos == 4  # the leaf, its sft base, meditron-7b, Llama-2-7b


def test_the_tree_joins_the_curated_llama_2(store: GraphStore, tmp_path: Path) -> None:
    """With the curated lineage loaded, Llama-2-7b is the curated Llama 2, and its fine-tunes hang off it."""
    from loaders.curated import load_curated

    load_curated(store)
    with HubReplay() as hub:
        load_hf_hub(store, ROOT, client=client(hub, tmp_path / "cache"), depth=1)
    assert not store.nodes([hf_model_id(ROOT)])  # no second node for the checkpoint repo
    llama = store.nodes(["model:llama-2"])["model:llama-2"]
    assert llama["name"] == "Llama 2"  # the curated node's properties are left alone
    rows = run_query(store, "ancestors", {"id": hf_model_id("epfl-llm/meditron-7b"), "depth": 3}).rows
    assert "model:llama-2" in {r["id"] for r in rows}
    children = store.read(
        "MATCH (c:Node)-[e:BUILDS_ON]->(p:Node {id: 'model:llama-2'}) WHERE c.id STARTS WITH 'model:hf.' "
        "RETURN c.id AS c, e.kind AS kind"
    )
    assert len({(r["c"], r["kind"]) for r in children}) == 33 + 5 + 6  # the root's fine-tunes, adapters, quants


def test_a_second_run_changes_nothing_and_asks_nothing(store: GraphStore, tmp_path: Path) -> None:
    with HubReplay() as hub:
        first = load_hf_hub(store, ROOT, client=client(hub, tmp_path / "cache"), depth=2)
        before = len(hub.requests)
        second = load_hf_hub(store, ROOT, client=client(hub, tmp_path / "cache"), depth=2)
        assert len(hub.requests) == before  # every answer came from the disk cache
    assert first.changed and first.requests > 0
    assert not second.changed and second.requests == 0 and second.cached > 0
    assert second.edges_unchanged == first.edges_added


def test_an_interrupted_crawl_resumes_where_it_stopped(store: GraphStore, tmp_path: Path) -> None:
    class Stop(Exception):
        pass

    def stop_at_60(done: int, bound: int, repo: str) -> None:
        if done == 60:
            raise Stop(repo)

    with HubReplay() as hub:
        with pytest.raises(Stop):
            load_hf_hub(store, ROOT, client=client(hub, tmp_path / "a"), depth=4, progress=stop_at_60)
        asked_first = {s.path for s in hub.requests if s.path.startswith("/api/models/")}
        hub.requests.clear()
        # a new cache: only the checkpoint in the store can say what was done
        report = load_hf_hub(store, ROOT, client=client(hub, tmp_path / "b"), depth=4)
        asked_again = {s.path for s in hub.requests if s.path.startswith("/api/models/")}
    assert any("went on from the checkpoint" in note for note in report.notes)
    assert report.repos < 175 - 50
    assert len(asked_first & asked_again) <= 10  # the first 50 repos were written with the checkpoint
    assert recorded_links() <= lineage_edges(store)
    assert report.failures == []


def test_with_the_hub_gone_a_rerun_works_from_the_disk_cache(store: GraphStore, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with HubReplay() as hub:
        load_hf_hub(store, ROOT, client=client(hub, cache), depth=2)
        gone = hub.url
    edges = lineage_edges(store)
    store.clear()
    report = load_hf_hub(store, ROOT, client=HubClient(cache, endpoint=gone, token=TOKEN, offline=True), depth=2)
    assert report.failures == [] and report.requests == 0
    assert lineage_edges(store) == edges


def test_a_repo_that_does_not_exist_is_one_line_and_nothing_is_written(store: GraphStore, tmp_path: Path) -> None:
    with HubReplay() as hub:
        report = load_hf_hub(store, "nobody/no-such-model", client=client(hub, tmp_path / "cache"))
    assert report.failures == ["nobody/no-such-model: not found on the Hub (no such repo, or private)"]
    assert store.counts().get("Model", 0) == 0


def test_a_missing_child_is_named_and_the_rest_loads(store: GraphStore, tmp_path: Path) -> None:
    gone = "epfl-llm/meditron-7b"
    with HubReplay() as hub:
        hub.faults[f"/api/models/{gone}"].append((404, {"x-error-code": "RepoNotFound"}))
        report = load_hf_hub(store, ROOT, client=client(hub, tmp_path / "cache"), depth=1)
    assert report.failures == [f"{gone}: not found on the Hub (no such repo, or private)"]
    assert store.nodes([hf_model_id("motherduckdb/DuckDB-NSQL-7B-v0.1")])  # a sibling loaded
    assert not store.nodes([hf_model_id(gone)])


def test_a_429_then_200_is_retried_and_a_429_storm_is_one_line(store: GraphStore, tmp_path: Path) -> None:
    once, storm = "epfl-llm/meditron-7b", "motherduckdb/DuckDB-NSQL-7B-v0.1"
    with HubReplay() as hub:
        hub.faults[f"/api/models/{once}"].append((429, {"retry-after": "0"}))
        hub.faults[f"/api/models/{storm}"] += [(429, {"retry-after": "0"})] * 3
        report = load_hf_hub(store, ROOT, client=client(hub, tmp_path / "cache", max_retries=1), depth=1)
        asked = [s.path for s in hub.requests]
    assert asked.count(f"/api/models/{once}") == 2
    assert store.nodes([hf_model_id(once)])
    assert len(report.failures) == 1 and report.failures[0].startswith(f"{storm}: ")
    assert "429" in report.failures[0]
    assert store.counts()["Model"] > 40  # the rest loaded


def test_a_card_with_broken_yaml_is_named_and_the_model_still_loads(store: GraphStore, tmp_path: Path) -> None:
    """A README whose front matter is not YAML: one line naming the card and line; the tree still loads."""
    repo = "epfl-llm/meditron-7b"
    with HubReplay() as hub:
        hub.cards[repo.lower()] = "---\nbase_model: [meta-llama/Llama-2-7b\n---\n# a card a test broke\n"
        report = load_hf_hub(store, ROOT, client=client(hub, tmp_path / "cache"), depth=1)
    assert len(report.failures) == 1
    assert report.failures[0].startswith(f"{repo}/README.md:") and "not valid YAML" in report.failures[0]
    edges = lineage_edges(store)
    assert (hf_model_id(repo), hf_model_id(ROOT), "fine_tuned_from") in edges  # the Hub's listing still says so
    assert len({e for e in edges if e[1] == hf_model_id(ROOT)}) == 44


def test_a_gated_card_is_named_and_its_metadata_still_loads(store: GraphStore, tmp_path: Path) -> None:
    """Without a token the Llama 2 README (gated) cannot be read; its card metadata still loads."""
    with HubReplay() as hub:
        report = load_hf_hub(store, ROOT, client=client(hub, tmp_path / "cache", token=False), depth=0)
    assert len(report.failures) == 1
    assert report.failures[0].startswith(f"{ROOT}: README gated")
    root = store.nodes([hf_model_id(ROOT)])[hf_model_id(ROOT)]
    assert root["license"] == "llama2" and root["likes"] == 4312


def test_the_client_waits_min_interval_between_requests_and_not_for_its_cache(tmp_path: Path) -> None:
    """The Hub's politeness bound (``lineage load hf --rate``): requests at least ``min_interval``
    apart; an answer from the disk cache is no request."""
    repos = [ROOT, "epfl-llm/meditron-7b", "malhajar/meditron-7b-chat"]
    with HubReplay() as hub:
        paced = HubClient(tmp_path / "cache", endpoint=hub.url, token=TOKEN, min_interval=0.3)
        started = time.monotonic()
        for repo in repos:
            paced.info(repo)
        took = time.monotonic() - started
        assert took >= 0.3 * (len(repos) - 1) and paced.requests == len(repos)
        for repo in repos:
            paced.info(repo)
        assert paced.requests == len(repos) and paced.cached == len(repos)


def lineage_cli(*args: str, db: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "HF_"))}
    full.update({"LINEAGE_DB": str(db), "COLUMNS": "200", **env})
    return subprocess.run(
        [sys.executable, "-m", "lineage", *args], capture_output=True, text=True, env=full, timeout=300
    )


def test_cli_load_hf_summarises_and_exits_1_naming_a_missing_repo(tmp_path: Path) -> None:
    with HubReplay() as hub:
        env = {"HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN}
        cache = str(tmp_path / "cache")
        meditron = ["epfl-llm/meditron-7b", "--depth", "1", "--rate", "100"]  # the bound: tested below
        ok = lineage_cli("load", "hf", *meditron, "--cache", cache, db=tmp_path / "db", env=env)
        bad = lineage_cli("load", "hf", "nobody/no-such-model", "--cache", cache, db=tmp_path / "db", env=env)
        typo = lineage_cli("load", "hf", "not a repo", "--cache", cache, db=tmp_path / "db", env=env)
    assert ok.returncode == 0, ok.stderr
    assert "failures 0" in ok.stdout and "edges" in ok.stdout
    assert bad.returncode == 1
    assert "nobody/no-such-model: not found on the Hub" in bad.stderr
    assert typo.returncode == 1 and "not a repo: not a Hub repo id" in typo.stderr
