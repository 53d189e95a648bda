"""The CLI as users run it: a real process, its output, its exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def lineage(
    *args: str, db: Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    full_env.update({"LINEAGE_DB": str(db), "COLUMNS": "200", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "lineage", *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=300
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path, Path]:
    tmp = tmp_path_factory.mktemp("demo")
    page = tmp / "page.html"
    proc = lineage("demo", "-o", str(page), db=tmp / "db.lbug")
    return proc, page, tmp / "db.lbug"


def test_demo_answers_the_three_questions(demo) -> None:
    proc, _, _ = demo
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    zephyr = out[out.index("What does Zephyr 7B build on?") : out.index("What came of DPO?")]
    for node in (
        "model:mistral-7b",
        "method:dpo",
        "method:sft",
        "method:sliding-window-attention",
        "method:grouped-query-attention",
    ):
        assert node in zephyr
    for replaced in ("method:ppo", "method:reward-model", "method:lstm", "method:cnn"):  # what DPO and the
        assert replaced not in zephyr  # Transformer replaced is not what Zephyr is made of (issue 22)
    dpo = out[out.index("What came of DPO?") : out.index("How does the Transformer paper lead to Mixtral?")]
    assert "model:zephyr-7b" in dpo
    path = out[out.index("How does the Transformer paper lead to Mixtral?") :]
    assert "arxiv:1706.03762" in path and "model:mixtral-8x7b" in path


def test_demo_writes_an_offline_page_with_the_lineage(demo) -> None:
    proc, page, _ = demo
    assert f"wrote {page}" in proc.stdout.replace("\n", "")
    html = page.read_text(encoding="utf-8")
    for node in ("model:zephyr-7b", "model:mistral-7b", "method:dpo", "model:mixtral-8x7b"):
        assert node in html
    assert '<script src="http' not in html and '<link href="http' not in html


def test_demo_twice_changes_nothing(demo, tmp_path) -> None:
    _, _, db = demo
    again = lineage("demo", "-o", str(tmp_path / "again.html"), db=db)
    assert again.returncode == 0, again.stderr
    assert "nodes 0 added, 0 updated" in again.stdout and "edges 0 added, 0 updated" in again.stdout


def test_query_and_stats_on_the_demo_store(demo) -> None:
    _, _, db = demo
    proc = lineage("query", "introduced-by", "id=method:dpo", "--format", "csv", db=db)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "id,title,published,authors"
    assert proc.stdout.splitlines()[1].startswith("arxiv:2305.18290,Direct Preference Optimization")
    stats = lineage("stats", db=db)
    assert stats.returncode == 0 and "BUILDS_ON" in stats.stdout


def test_bad_query_parameter_is_one_clear_line(demo) -> None:
    _, _, db = demo
    proc = lineage("query", "ancestors", "id=model:zephyr-7b", "depth=99", db=db)
    assert proc.returncode == 1
    assert "parameter 'depth'='99'" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = lineage("query", "ancestors", "id=zephyrr", db=db)
    assert proc.returncode == 1 and "did you mean model:zephyr-7b" in proc.stderr
    proc = lineage("query", "ancestors", "depth", db=db)
    assert proc.returncode == 1 and "must be written key=value" in proc.stderr


def test_an_unknown_kind_is_one_line_listing_the_kinds(demo) -> None:
    _, _, db = demo
    proc = lineage("query", "ancestors", "id=model:zephyr-7b", "kinds=fine_tuned", db=db)
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "unknown kind 'fine_tuned'" in proc.stderr and "trained_on_data_from" in proc.stderr
    listing = lineage("query", "--list", db=db)
    assert "kinds: list of kinds" in listing.stdout and "compared_with" in listing.stdout


def test_malformed_curated_file_names_file_and_line(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("models:\n  - id: model:a\n    name: [A\n", encoding="utf-8")
    proc = lineage("load", "curated", str(bad), db=tmp_path / "db.lbug")
    assert proc.returncode == 1
    assert f"{bad}:" in proc.stderr and "not valid YAML" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_help_teaches(tmp_path) -> None:
    proc = lineage("query", "--help", db=tmp_path / "db.lbug")
    assert proc.returncode == 0 and "lineage query ancestors id=model:zephyr-7b" in proc.stdout
    listing = lineage("query", "--list", db=tmp_path / "db.lbug")
    assert "ancestors" in listing.stdout and "depth: int = 3 (1..10)" in listing.stdout


def answers(stdout: str) -> str:
    """The three answer tables, without the load line that names the backend."""
    return stdout[stdout.index("What does Zephyr 7B build on?") : stdout.index("wrote ")]


def test_demo_on_neo4j_gives_the_same_answers(demo, neo4j_server, tmp_path) -> None:
    embedded, _, _ = demo
    env = {"NEO4J_URI": neo4j_server["uri"], "NEO4J_USERNAME": neo4j_server["user"] or "neo4j"}
    if neo4j_server["password"]:
        env["NEO4J_PASSWORD"] = neo4j_server["password"]
    proc = lineage("demo", "-o", str(tmp_path / "neo.html"), db=tmp_path / "unused.lbug", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "into neo4j at" in proc.stdout
    assert answers(proc.stdout) == answers(embedded.stdout)


def test_unreachable_neo4j_is_one_line(tmp_path) -> None:
    proc = lineage("stats", db=tmp_path / "db.lbug", env={"NEO4J_URI": "bolt://127.0.0.1:9"})
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    assert "cannot use Neo4j at bolt://127.0.0.1:9" in proc.stderr and "unreachable" in proc.stderr


def test_wrong_neo4j_password_is_one_line(neo4j_server, tmp_path) -> None:
    if not neo4j_server["password"]:
        pytest.skip("this Neo4j has no authentication")
    env = {"NEO4J_URI": neo4j_server["uri"], "NEO4J_USERNAME": "neo4j", "NEO4J_PASSWORD": "wrong-password"}
    proc = lineage("stats", db=tmp_path / "db.lbug", env=env)
    assert proc.returncode == 1
    assert f"cannot use Neo4j at {neo4j_server['uri']}: authentication failed" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_neo4j_status_when_nothing_runs(tmp_path) -> None:
    proc = lineage("neo4j", "status", "--data", str(tmp_path / "neo4j"), db=tmp_path / "db.lbug")
    assert proc.returncode == 3 and "not running" in proc.stdout
    stop = lineage("neo4j", "stop", "--data", str(tmp_path / "neo4j"), db=tmp_path / "db.lbug")
    assert stop.returncode == 0 and "no local Neo4j was running" in stop.stdout


def test_query_exports_its_subgraph_in_the_format_the_suffix_names(demo, tmp_path) -> None:
    import json

    import networkx as nx

    _, _, db = demo
    out = tmp_path / "llama.graphml"
    proc = lineage("query", "model-family", "id=model:llama", "--format", "json", "--export", str(out), db=db)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)  # stdout stays JSON: the "wrote ..." line goes to stderr
    family = {r["id"] for r in rows} | {"model:llama"}
    assert len(family) >= 3 and "model:alpaca" in family
    assert set(nx.read_graphml(out).nodes) == family
    bad = lineage("query", "model-family", "id=model:llama", "--export", str(tmp_path / "x.docx"), db=db)
    assert bad.returncode == 1 and "x.docx" in bad.stderr and ".graphml" in bad.stderr
    assert "Traceback" not in bad.stderr
