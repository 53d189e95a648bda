"""The curated lineage that ships with the project, and what users get when a curated file is bad."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from graph.errors import DataFileError
from graph.schema import Edge, Paper
from loaders.curated import CURATED_FILE, load_curated, read_curated

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
ID_PATTERN = re.compile(
    r"^(arxiv:(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})|doi:10\..+|s2:\w+|model:[a-z0-9][a-z0-9._-]*"
    r"|method:[a-z0-9][a-z0-9._-]*|author:[a-z0-9][a-z0-9._-]*|dataset:[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)?)$"
)


@pytest.fixture(scope="module")
def records() -> list:
    return read_curated()


def test_curated_file_validates_and_is_big_enough(records) -> None:
    nodes = [r for r in records if not isinstance(r, Edge)]
    builds_on = [r for r in records if isinstance(r, Edge) and r.type == "BUILDS_ON"]
    non_author = [n for n in nodes if n.label != "Author"]
    assert len(non_author) >= 40
    assert len(builds_on) >= 35


def test_ids_are_unique_and_well_formed(records) -> None:
    ids = [r.id for r in records if not isinstance(r, Edge)]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert [i for i in ids if not ID_PATTERN.match(i)] == []


def test_every_edge_endpoint_exists(records) -> None:
    ids = {r.id for r in records if not isinstance(r, Edge)}
    dangling = [(e.source, e.target) for e in records if isinstance(e, Edge) and not {e.source, e.target} <= ids]
    assert dangling == []


BEYOND_SEEDS = "(not from the seeds)"


def test_every_curated_edge_names_a_real_seed_file(records) -> None:
    raw = yaml.safe_load(CURATED_FILE.read_text(encoding="utf-8"))
    # Landmarks added beyond the seeds (issue 26) name their own source and say so.
    seeds = {e["seed"] for e in raw["edges"] if not e["seed"].endswith(BEYOND_SEEDS)}
    if SEEDS.exists():
        assert seeds <= {p.name for p in SEEDS.iterdir()}
    assert all(e["evidence"].strip() for e in raw["edges"])
    # all four articles contribute
    assert len(seeds) == 4


def test_nodes_beyond_the_seeds_say_so_and_touch_only_marked_edges() -> None:
    raw = yaml.safe_load(CURATED_FILE.read_text(encoding="utf-8"))
    added = {
        n["id"]
        for section in ("papers", "models", "methods")
        for n in raw[section]
        if str(n.get("note", "")).startswith("Not from the seeds")
    }
    for landmark in ("model:llama-3", "model:code-llama", "model:orca", "method:rope", "method:kto", "method:slerp"):
        assert landmark in added
    for edge in raw["edges"]:
        if {edge["source"], edge["target"]} & added:
            assert edge["seed"].endswith(BEYOND_SEEDS), edge


@pytest.mark.parametrize(
    ("arxiv_id", "title_start"),
    [
        ("arxiv:2310.06825", "Mistral 7B"),
        ("arxiv:2310.16944", "Zephyr"),
        ("arxiv:2401.04088", "Mixtral of Experts"),
        ("arxiv:2307.09288", "Llama 2"),
        ("arxiv:2305.18290", "Direct Preference Optimization"),
        ("arxiv:1706.03762", "Attention Is All You Need"),
        ("arxiv:2305.14314", "QLoRA"),
        ("arxiv:2106.09685", "LoRA"),
    ],
)
def test_core_papers_carry_their_real_arxiv_ids(records, arxiv_id: str, title_start: str) -> None:
    papers = {r.id: r for r in records if isinstance(r, Paper)}
    assert papers[arxiv_id].title.startswith(title_start)


@pytest.mark.parametrize(
    ("source", "kind", "target"),
    [
        ("model:zephyr-7b", "fine_tuned_from", "model:mistral-7b"),
        ("model:zephyr-7b", "uses_method", "method:dpo"),
        ("model:guanaco", "fine_tuned_from", "model:llama"),
        ("model:guanaco", "uses_method", "method:qlora"),
        ("method:qlora", "extends", "method:lora"),
        ("method:dpo", "replaces", "method:rlhf"),
        ("model:mistral-7b", "uses_method", "method:sliding-window-attention"),
        ("model:mistral-7b", "uses_method", "method:grouped-query-attention"),
        ("model:mixtral-8x7b", "uses_method", "method:mixture-of-experts"),
    ],
)
def test_mission_core_relations_are_curated(records, source: str, kind: str, target: str) -> None:
    edges = {(e.source, e.kind, e.target) for e in records if isinstance(e, Edge) and e.type == "BUILDS_ON"}
    assert (source, kind, target) in edges


def test_lima_author_disagreement_is_noted(records) -> None:
    lima = next(r for r in records if isinstance(r, Paper) and r.id == "arxiv:2305.11206")
    assert lima.authors[0] == "Chunting Zhou"
    assert lima.note and "Collin Burns" in lima.note


def test_loading_twice_changes_nothing(store) -> None:
    first = load_curated(store)
    assert first.nodes_added > 40 and first.edges_added > 35
    counts = store.counts()
    second = load_curated(store)
    assert not second.changed
    assert store.counts() == counts


# --- bad input ------------------------------------------------------------------------------

GOOD = """\
version: 1
retrieved: 2026-11-23
models:
  - id: model:a
    name: A
  - id: model:b
    name: B
edges:
  - type: BUILDS_ON
    kind: fine_tuned_from
    source: model:a
    target: model:b
    seed: 000_60680a6923abaaed.txt
    evidence: "A is B fine-tuned."
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "curated.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("    name: B\n", "    name: [B\n"))
    with pytest.raises(DataFileError) as exc:
        read_curated(path)
    assert str(path) in str(exc.value) and exc.value.line is not None and exc.value.line >= 7


def test_edge_to_unknown_node_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("target: model:b", "target: model:nope"))
    with pytest.raises(DataFileError, match=r"curated.yaml:9: .*unknown node 'model:nope'"):
        read_curated(path)


def test_invalid_field_names_record_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("kind: fine_tuned_from", "kind: fine_tuned"))
    with pytest.raises(DataFileError, match=r"curated.yaml:9: edges\[0\] \(model:a -> model:b\): field 'kind'"):
        read_curated(path)
    path = write(tmp_path, GOOD.replace("id: model:b", "id: model:B B"))
    with pytest.raises(DataFileError, match=r"curated.yaml:6: models\[1\] \(model:B B\): field 'id'"):
        read_curated(path)


def test_bad_file_leaves_the_store_as_it_was(store, tmp_path: Path) -> None:
    load_curated(store, write(tmp_path, GOOD))
    before = store.counts()
    bad = GOOD.replace("models:\n", "models:\n  - id: model:c\n    name: C\n").replace(
        "target: model:b", "target: model:zz"
    )
    with pytest.raises(DataFileError):
        load_curated(store, write(tmp_path, bad))
    assert store.counts() == before
    assert not store.nodes(["model:c"])
