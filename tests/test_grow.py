"""``lineage grow``: every source at once, each on a loopback replay of its recordings.

* arXiv: the recorded feeds of ``tests/fixtures/arxiv_api`` by query; an id nothing was recorded
  for gets the recorded empty feed (``id_list=0000.0000``, 0 entries), as arXiv answers an unknown id.
* Semantic Scholar: ``POST /paper/batch`` answers each id with the record the recorded batch
  answer holds for it (``test_get_papers_return_not_found.yaml``), else ``null`` as that same
  recording answers an unknown id; references are the two recorded pages of 10.2139/ssrn.2250500.
* the Hub: :class:`hub_replay.HubReplay`, rebuilt from the recorded crawl under ``meta-llama/Llama-2-7b``;
  a tag filter the crawl cannot answer lists nothing.

No seed here is in every recording (none is), so each test says which source has no record for
its seed and asserts that grow names that source and still loads the rest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hub_replay import FIXTURE, HubReplay, repo_of
from replay import ReplayServer, Seen, cassette_routes
from typer.testing import CliRunner

from lineage.cli import app
from loaders.arxiv_api import ArxivClient
from loaders.grow import Clients, grow
from loaders.hf_hub import HubClient
from loaders.semantic_scholar import s2_client

FIXTURES = Path(__file__).parent / "fixtures"
S2 = FIXTURES / "semantic_scholar"
MICROFINANCE = "doi:10.2139/ssrn.2250500"
MICROFINANCE_PAPER_ID = "cb1ebd913c3724c599f6b276b14b5c6253da68f3"
ROOT = "meta-llama/Llama-2-7b"


# --- the replays ----------------------------------------------------------------------------------


def _key(pairs: Any) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(pairs))


def arxiv_replay() -> ReplayServer:
    from urllib.parse import parse_qsl, urlsplit

    pages: dict[tuple, bytes] = {}
    for path in (FIXTURES / "arxiv_api").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        if "start=" in data["url"] and data["status_code"] == 200:
            pages[_key(parse_qsl(urlsplit(data["url"]).query, keep_blank_values=True))] = data["body"].encode("latin-1")
    empty = json.loads((FIXTURES / "arxiv_api" / "id_0000.0000_s0_m100_8b51d9633a68.json").read_text())["body"]

    def answer(seen: Seen) -> tuple[int, bytes]:
        return 200, pages.get(_key(seen.query.items()), empty.encode("latin-1"))

    return ReplayServer([], fallback=answer)


def s2_replay() -> ReplayServer:
    cassette = yaml.safe_load((S2 / "test_get_papers_return_not_found.yaml").read_text(encoding="utf-8"))
    interaction = cassette["interactions"][0]
    asked = json.loads(interaction["request"]["body"])["ids"]
    answered = json.loads(interaction["response"]["body"]["string"])
    records = {i.lower().removeprefix("doi:"): r for i, r in zip(asked, answered, strict=True)}

    def batch(seen: Seen) -> tuple[int, Any] | None:
        if seen.method == "POST" and seen.path == "/paper/batch":
            return 200, [records.get(i.lower().removeprefix("doi:")) for i in seen.body["ids"]]
        return None

    pages = cassette_routes(S2 / "test_get_paper_references.yaml", match=("offset",), strip_prefix="/graph/v1")
    for route in pages:  # recorded under the DOI; the loader pages by the paperId the batch answer gives
        route.path = f"/paper/{MICROFINANCE_PAPER_ID}/references"
    return ReplayServer(pages, fallback=batch)


@pytest.fixture
def replays() -> Iterator[tuple[ReplayServer, ReplayServer, HubReplay]]:
    with arxiv_replay() as arxiv, s2_replay() as s2, HubReplay() as hub:
        yield arxiv, s2, hub


def clients(replays: tuple, cache: Path, s2_url: str | None = None) -> Clients:
    arxiv, s2, hub = replays
    return Clients(
        arxiv=ArxivClient(base_url=arxiv.url + "/api/query", delay_seconds=0, backoff_seconds=0, timeout=5),
        citations=s2_client(s2_url or s2.url, api_key="", min_interval=0, backoff=0, retries=0, timeout=5),
        hub=HubClient(cache, endpoint=hub.url, token="hf_test", min_interval=0),  # any token reads gated cards
    )


def recorded_children(repo: str) -> set[str]:
    """The repos the recorded crawl lists directly under ``repo`` (any relation)."""
    rows = {repo_of(str(r["model_id"])).lower(): r for r in json.loads(FIXTURE.read_text())["models"]}
    row = rows[repo.lower()]
    return {repo_of(u) for k in ("children", "adapters", "quantized", "merges") for u in row.get(k) or []}


# --- the Python function, both backends -----------------------------------------------------------


def test_a_hub_repo_grows_its_tree_and_names_the_sources_without_its_paper(store, replays, tmp_path) -> None:
    report = grow(store, ROOT, clients=clients(replays, tmp_path / "hub"), depth=1)

    children = recorded_children(ROOT)
    hub = report.by_source["hf_hub"]
    assert hub.nodes_added >= len(children) + 1  # the root and every recorded child (plus their papers)
    rows = store.read(
        "MATCH (c:Node)-[e:BUILDS_ON]->(p:Node) WHERE p.hf_id = $root RETURN c.hf_id AS child", {"root": ROOT}
    )
    assert {r["child"] for r in rows} >= {c for c in children if c.lower() != ROOT.lower()}
    # the Hub tags Llama 2 with its paper, arxiv:2307.09288, which neither arXiv's nor S2's recordings hold:
    assert store.nodes(["arxiv:2307.09288"])
    assert set(report.problems) == {"arxiv", "semantic_scholar"}
    lines = report.problem_lines()
    assert any(line.startswith("arxiv: arxiv:2307.09288: not found on arXiv") for line in lines)
    assert any(line.startswith("semantic_scholar: no paper for arxiv:2307.09288") for line in lines)
    assert report.requests["arxiv"] == 1 and report.requests["semantic_scholar"] == 1

    again = grow(store, ROOT, clients=clients(replays, tmp_path / "hub"), depth=1)
    assert (again.nodes_added, again.nodes_updated, again.edges_added, again.edges_updated) == (0, 0, 0, 0)
    assert again.requests["hf_hub"] == 0  # the Hub's answers come from the disk cache

    # the stored model, by node id, is the same seed: its repo (hf_id) and the paper the Hub tags it with
    by_node = grow(store, "model:hf.meta-llama.llama-2-7b", clients=clients(replays, tmp_path / "hub"), depth=1)
    assert (by_node.nodes_added, by_node.edges_added) == (0, 0)
    assert by_node.requests["arxiv"] == 1 and set(by_node.problems) == {"arxiv", "semantic_scholar"}


def test_a_paper_grows_its_references_from_semantic_scholar(store, replays, tmp_path) -> None:
    report = grow(store, MICROFINANCE, clients=clients(replays, tmp_path / "hub"), depth=1)

    s2 = report.by_source["semantic_scholar"]
    assert (s2.nodes_added, s2.edges_added) == (45, 44)  # the paper and its 44 resolved references
    assert report.requests["semantic_scholar"] == 3  # one batch, two recorded pages of references
    cites = store.read("MATCH (a:Node)-[e:CITES]->(b:Node) WHERE a.id = $id RETURN count(b) AS n", {"id": MICROFINANCE})
    assert cites[0]["n"] == 44
    assert report.problems == {}
    assert "arxiv: no arXiv paper to fetch (the seed has no arXiv id)" in report.notes

    again = grow(store, MICROFINANCE, clients=clients(replays, tmp_path / "hub"), depth=1)
    assert (again.nodes_added, again.edges_added, again.nodes_updated, again.edges_updated) == (0, 0, 0, 0)


def test_the_budget_stops_the_crawl_and_says_what_was_not_fetched(store, replays, tmp_path) -> None:
    """Ten requests: Llama-2-7b's info, card and four child lists, then four children's infos."""
    report = grow(store, ROOT, clients=clients(replays, tmp_path / "hub"), depth=1, max_requests=10)

    assert dict(report.requests) == {"hf_hub": 10}
    assert report.not_fetched == [
        f"the Hub's model tree under {ROOT} (1 level(s) down)",
        "arXiv records of the seed papers",
        "references from semantic_scholar (1 level(s))",
    ]
    # what was fetched before the budget ran out is in the store, and the summary counts it
    root = store.read("MATCH (n:Node) WHERE n.hf_id = $r RETURN n.id AS id", {"r": ROOT})
    assert len(root) == 1
    assert report.by_source["hf_hub"].nodes_added >= 1
    assert not store.nodes(["arxiv:2307.09288"]) or "arxiv" not in report.by_source


def test_a_failing_source_is_named_and_the_rest_loads(store, replays, tmp_path) -> None:
    """arXiv has 1707.08567; Semantic Scholar is down (nothing listens on its port)."""
    report = grow(store, "1707.08567", clients=clients(replays, tmp_path / "hub", s2_url="http://127.0.0.1:9"))

    assert report.by_source["arxiv"].nodes_added >= 1
    assert store.nodes(["arxiv:1707.08567"])["arxiv:1707.08567"]["abstract"]
    assert list(report.problems) == ["semantic_scholar"]
    [line] = report.problem_lines()
    assert line.startswith("semantic_scholar: papers 1-1 (arxiv:1707.08567 …): semantic_scholar: request failed")
    assert "hf_hub: no repo on the Hub tags arxiv:1707.08567" in report.notes


def test_a_method_by_name_grows_from_the_paper_that_introduces_it(store, replays, tmp_path) -> None:
    """``DPO`` resolves as on the CLI to method:dpo, whose curated paper is arXiv 2305.18290; no
    recording holds that paper, so arXiv and S2 are each one line naming it."""
    from loaders.curated import load_curated

    load_curated(store)
    report = grow(store, "DPO", clients=clients(replays, tmp_path / "hub"))

    assert report.requests == {"arxiv": 1, "hf_hub": 1, "semantic_scholar": 1}
    assert report.problem_lines() == [
        "arxiv: arxiv:2305.18290: not found on arXiv (no entry returned)",
        "semantic_scholar: no paper for arxiv:2305.18290 (ARXIV:2305.18290)",
    ]
    assert "hf_hub: no repo on the Hub tags arxiv:2305.18290" in report.notes


def test_references_from_openalex(store, replays, tmp_path) -> None:
    """ChemCrow (arXiv 2304.05376) from OpenAlex's recorded works (served as tests/test_openalex.py
    serves them); arXiv's recordings do not hold it, and grow says so."""
    from test_openalex import fake_openalex, recorded_chemcrow_search

    from loaders.openalex import openalex_client

    with ReplayServer([recorded_chemcrow_search()], fallback=fake_openalex) as oa:
        setup = clients(replays, tmp_path / "hub")
        setup.citations = openalex_client(oa.url, min_interval=0, backoff=0, retries=0, timeout=5)
        setup.citation_source = "openalex"
        report = grow(store, "arXiv:2304.05376", clients=setup)

    assert report.by_source["openalex"].nodes_added == 1
    chem = store.nodes(["arxiv:2304.05376"])["arxiv:2304.05376"]
    assert (chem["title"], chem["venue"]) == (
        "ChemCrow: Augmenting large-language models with chemistry tools",
        "Nature Machine Intelligence",
    )
    assert report.requests["openalex"] == 3  # the DOI look-up, the title search, the journal's references
    assert report.problem_lines() == ["arxiv: arxiv:2304.05376: not found on arXiv (no entry returned)"]


def test_a_hub_that_is_down_or_refuses_is_named_and_the_rest_loads(store, replays, tmp_path) -> None:
    """Nothing listens on the Hub's port (a model seed); then the loopback Hub answers the listing
    with a 403 status line the test puts in front of it (a paper seed: arXiv still loads it)."""
    setup = clients(replays, tmp_path / "hub")
    setup.hub = HubClient(
        tmp_path / "down", endpoint="http://127.0.0.1:9", token="hf_test", min_interval=0, max_retries=0
    )
    down = grow(store, ROOT, clients=setup)
    assert list(down.problems) == ["hf_hub"]
    [line] = down.problem_lines()
    assert line.startswith(f"hf_hub: the Hub's model tree under {ROOT} (1 level(s) down): ConnectError")

    replays[2].faults["/api/models"].append((403, {}))
    refused = grow(store, "1707.08567", clients=clients(replays, tmp_path / "hub"))
    assert set(refused.problems) == {"hf_hub", "semantic_scholar"}  # S2's replay has no record of it
    hub_line = next(line for line in refused.problem_lines() if line.startswith("hf_hub: "))
    assert hub_line.startswith("hf_hub: arxiv:1707.08567: listing the repos that tag it failed: 403")
    assert refused.by_source["arxiv"].nodes_added >= 1 and store.nodes(["arxiv:1707.08567"])


# --- the command ----------------------------------------------------------------------------------


def test_cli_grow_prints_what_came_from_where(replays, tmp_path, monkeypatch) -> None:
    arxiv, s2, hub = replays
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.setenv("S2_API_URL", s2.url)
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    args = ["--db", str(tmp_path / "db"), "grow", "1707.08567", "--delay", "0", "--hub-cache", str(tmp_path / "c")]
    result = CliRunner().invoke(app, [*args, "--arxiv-url", arxiv.url + "/api/query"])
    assert result.exit_code == 3, result.output  # S2 has no record of it; arXiv loaded: partial (lineage load --help)
    assert "arxiv: 1 request(s), nodes " in result.output
    assert "semantic_scholar: no paper for arxiv:1707.08567" in result.output

    budget = CliRunner().invoke(app, [*args, "--arxiv-url", arxiv.url + "/api/query", "--max-requests", "0"])
    assert "request budget spent (--max-requests): not fetched: arXiv records of the seed papers" in budget.output
