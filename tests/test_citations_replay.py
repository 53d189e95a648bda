"""``lineage load citations --source s2|openalex --from-file DIR``: recorded answers, no network.

Every file is a real recorded answer from tests/fixtures/semantic_scholar and tests/fixtures/openalex
(see their PROVENANCE.md). The one bad file is a real answer cut in half (said at that test).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from typer.testing import CliRunner

from graph.store import GraphStore
from lineage.cli import app
from loaders.openalex import replay_openalex
from loaders.semantic_scholar import replay_semantic_scholar

FIXTURES = Path(__file__).parent / "fixtures"
S2, OPENALEX = FIXTURES / "semantic_scholar", FIXTURES / "openalex"
DAY = dt.date(2026, 5, 1)
TURING = "doi:10.1093/mind/lix.236.433"
MICROFINANCE = "doi:10.2139/ssrn.2250500"


def cites(store: GraphStore) -> list[dict]:
    ids = [r["id"] for r in store.read("MATCH (n:Node) RETURN n.id AS id")]
    return store.edges_among(ids, ["CITES"])


def only(tmp_path: Path, *names: str, source: Path = S2) -> Path:
    folder = tmp_path / "recorded"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(source / name, folder / name)
    return folder


def test_a_recorded_paper_gives_its_references_and_citations(store: GraphStore, tmp_path: Path) -> None:
    """Paper.json (Turing): 14 inline references, 8 resolved; 1,000 citing papers listed."""
    report = replay_semantic_scholar(store, only(tmp_path, "Paper.json"), retrieved=DAY)
    assert report.failures == []
    edges = cites(store)
    out = sorted(e["target"] for e in edges if e["source"] == TURING)
    assert out == [
        "doi:10.1007/s00605-006-0423-7",
        "doi:10.1136/bmj.1.4616.1105",
        "doi:10.2307/2268801",
        "doi:10.2307/2268810",
        "doi:10.2307/2371045",
        "doi:10.2307/2371199",
        "doi:10.2307/3610576",
        "doi:10.26686/wgtn.25018733",
    ]
    assert len([e for e in edges if e["target"] == TURING]) == 1000
    assert report.skip_reasons == {"references S2 did not resolve to a paper": 6}
    assert store.nodes([TURING])[TURING]["title"] == "Computing Machinery and Intelligence"


def test_a_recorded_references_page_is_the_paper_in_its_url(store: GraphStore, tmp_path: Path) -> None:
    """test_get_paper_references.yaml: GET /paper/10.2139/ssrn.2250500/references, 2 pages, 67 items."""
    report = replay_semantic_scholar(store, only(tmp_path, "test_get_paper_references.yaml"), retrieved=DAY)
    assert report.failures == []
    edges = cites(store)
    assert len(edges) == 44 and {e["source"] for e in edges} == {MICROFINANCE}
    assert report.skip_reasons == {"references S2 did not resolve to a paper": 23}
    first = next(e for e in edges if e["target"] == "s2:e945ca4fdcf45b1a118f1462db7afa12629a131f")
    assert first["evidence"] == ["S2 paper 10.2139/ssrn.2250500 references e945ca4fdcf45b1a118f1462db7afa12629a131f"]
    again = replay_semantic_scholar(store, tmp_path / "recorded", retrieved=DAY)
    assert (again.nodes_added, again.nodes_updated, again.edges_added, again.edges_updated) == (0, 0, 0, 0)


def test_recorded_errors_and_odd_files_are_named(store: GraphStore, tmp_path: Path) -> None:
    folder = only(
        tmp_path, "test_get_papers_return_not_found.yaml", "test_not_found.yaml", "Reference.json", "Paper.json"
    )
    # a real answer cut in half: the one constructed bad file
    text = (S2 / "Paper.json").read_text(encoding="utf-8")
    (folder / "cut.json").write_text(text[: len(text) // 2], encoding="utf-8")
    report = replay_semantic_scholar(store, folder, retrieved=DAY)
    lines = sorted(line.replace(str(folder) + "/", "") for line in report.failures)
    assert lines[0].startswith("Reference.json: not a Semantic Scholar paper, batch or references/citations page")
    assert lines[1].startswith("cut.json: not a recorded answer (JSON body, JSON wrapper or VCR cassette): ")
    assert lines[2:] == [
        "test_get_papers_return_not_found.yaml#1: item 1 of the batch answer is null: S2 found no paper for "
        "CorpusId:211530585",
        "test_not_found.yaml#1: recorded HTTP 404 (https://api.semanticscholar.org/graph/v1/paper/0?"
        "fields=t%2Ci%2Ct%2Cl%2Ce): Paper with id 0 not found",
        "test_not_found.yaml#2: recorded HTTP 404 (https://api.semanticscholar.org/graph/v1/author/0?"
        "fields=n%2Ca%2Cm%2Ce): Author with id 0 not found",
    ]
    assert len(cites(store)) == 1008  # Paper.json still loads
    out = CliRunner().invoke(
        app, ["--db", str(tmp_path / "cli.lbug"), "load", "citations", "--source", "s2", "--from-file", str(folder)]
    )
    assert out.exit_code == 3 and "Paper with id 0 not found" in out.output  # partial: Paper.json loaded


def test_openalex_recorded_works(store: GraphStore, tmp_path: Path) -> None:
    """The three recorded /works bodies: the ChemCrow preprint (0 references) is merged with its
    journal version (57); no referenced work has a record among them, so no edge can be keyed."""
    report = replay_openalex(store, OPENALEX, retrieved=DAY)
    assert report.failures == []
    assert cites(store) == []
    assert "116 referenced work(s) have no record among the recorded answers" in report.notes[0]
    chem = store.nodes(["arxiv:2304.05376"])["arxiv:2304.05376"]
    assert (chem["doi"], chem["venue"]) == ("10.1038/s42256-024-00832-8", "Nature Machine Intelligence")
    assert sorted(r["id"] for r in store.read("MATCH (n:Node) RETURN n.id AS id")) == [
        "arxiv:2304.05376",
        "arxiv:2312.07559",
        "doi:10.1016/j.xgen.2025.100814",
    ]


def test_cli_from_file(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.lbug")
    folder = only(tmp_path, "test_get_paper_references.yaml")
    ok = CliRunner().invoke(app, ["--db", db, "load", "citations", "--source", "s2", "--from-file", str(folder)])
    assert ok.exit_code == 0, ok.output
    assert "failures 0" in ok.output
    oa = CliRunner().invoke(
        app, ["--db", db, "load", "citations", "--source", "openalex", "--from-file", str(OPENALEX)]
    )
    assert oa.exit_code == 0, oa.output
    helped = CliRunner().invoke(app, ["load", "citations", "--help"])
    assert "--from-file" in helped.output
