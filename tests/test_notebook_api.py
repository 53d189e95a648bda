"""The notebook API (``lineage.connect``, ``Lineage.query``, ``Result``) on both backends.

It must answer exactly as the registry (and so the CLI) does, display itself in Jupyter without
two results sharing an element id, and convert to pandas, networkx and a styled pyvis Network.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import networkx as nx
import pytest

import lineage
from graph.errors import QueryError, UnknownQueryError
from graph.store import GraphStore
from lineage.notebook import Lineage
from queries.registry import run_query
from viz.style import EDGE_STYLES, LABEL_COLOURS

ZEPHYR_PARENTS = {
    ("model:zephyr-7b", "model:mistral-7b", "BUILDS_ON:fine_tuned_from"),
    ("model:zephyr-7b", "method:dpo", "BUILDS_ON:uses_method"),
}
_ID = re.compile(r'\bid="([^"]+)"')


def test_connect_opens_the_configured_store_and_loads_curated(
    curated_store: GraphStore, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``lineage.connect()`` opens what the settings name (LINEAGE_DB, or NEO4J_URI) and loads curated
    (on Neo4j into the database ``curated_store`` already loaded: the load is idempotent)."""
    if curated_store.backend == "neo4j":
        conn = request.getfixturevalue("neo4j_server")
        monkeypatch.setenv("NEO4J_URI", conn["uri"])
        monkeypatch.setenv("NEO4J_USERNAME", conn["user"] or "neo4j")
        monkeypatch.setenv("NEO4J_PASSWORD", conn["password"] or "")
    else:
        monkeypatch.delenv("NEO4J_URI", raising=False)
        monkeypatch.setenv("LINEAGE_DB", str(tmp_path / "notebook.lbug"))
    with lineage.connect() as g:
        assert g.backend == curated_store.backend
        report = g.load_curated()
        assert report.failures == [] and report.nodes_added + report.nodes_unchanged > 1000
        r = g.query("ancestors", id="Zephyr-7B", depth=1)
        assert {row["id"] for row in r} == {"model:mistral-7b", "method:dpo"}
    if curated_store.backend == "ladybug":
        assert (tmp_path / "notebook.lbug").exists()


def test_query_by_name_gives_the_registry_rows_with_ids_resolved(curated_store: GraphStore) -> None:
    g = Lineage(curated_store)
    r = g.query("ancestors", id="Zephyr-7B", depth=2)  # a name, resolved as on the CLI
    expected = run_query(curated_store, "ancestors", {"id": "model:zephyr-7b", "depth": "2"})
    assert r.params["id"] == "model:zephyr-7b"
    assert r.rows == expected.rows
    assert r.columns == expected.columns
    assert len(r) == 7 and "model:mistral-7b" in {row["id"] for row in r}
    # an analytic by name, with a keyword parameter, the same way
    top = g.query("pagerank", limit=3)
    assert top.rows == run_query(curated_store, "pagerank", {"limit": 3}).rows
    assert len(top) == 3


def test_two_results_display_inline_without_shared_ids(curated_store: GraphStore) -> None:
    g = Lineage(curated_store)
    zephyr = g.query("ancestors", id="model:zephyr-7b", depth=1)
    dpo = g.query("descendants", id="DPO", depth=1)
    first, second, again = zephyr._repr_html_(), dpo._repr_html_(), zephyr._repr_html_()
    ids = [set(_ID.findall(html)) for html in (first, second, again)]
    assert all(ids)
    assert not ids[0] & ids[1] and not ids[0] & ids[2] and not ids[1] & ids[2]
    # the table, then the offline page in an iframe of its own
    assert first.index("<table") < first.index("<iframe")
    page = unescape(re.search(r'srcdoc="([^"]*)"', first)[1])
    assert 'id="lineage-network"' in page and "Mistral 7B" in page
    assert "<script src" not in page  # vis-network is inlined: works offline


def test_to_networkx_has_the_lineage_edges(curated_store: GraphStore) -> None:
    r = Lineage(curated_store).query("ancestors", id="Zephyr-7B", depth=1)
    graph = r.to_networkx()
    assert isinstance(graph, nx.MultiDiGraph)
    assert set(graph.edges(keys=True)) == ZEPHYR_PARENTS
    assert graph.nodes["model:mistral-7b"]["name"] == "Mistral 7B"
    graph.remove_node("method:dpo")  # a copy: the result (and its display) keep their graph
    assert r.graph.has_node("method:dpo")


def test_to_pyvis_is_a_network_styled_like_the_pages(curated_store: GraphStore, tmp_path: Path) -> None:
    from pyvis.network import Network

    net = Lineage(curated_store).query("ancestors", id="Zephyr-7B", depth=1).to_pyvis()
    assert isinstance(net, Network) and net.directed
    nodes = {n["id"]: n for n in net.nodes}
    assert nodes["model:mistral-7b"]["color"]["background"] == LABEL_COLOURS["Model"]
    assert nodes["method:dpo"]["color"]["background"] == LABEL_COLOURS["Method"]
    assert nodes["model:mistral-7b"]["shape"] == "diamond"
    assert {(e["from"], e["to"]) for e in net.edges} == {(a, b) for a, b, _ in ZEPHYR_PARENTS}
    assert {e["color"]["color"] for e in net.edges} == {EDGE_STYLES["BUILDS_ON"].colour}
    # customised the pyvis way, then written as pyvis writes it
    net.toggle_physics(False)
    out = tmp_path / "zephyr.html"
    net.write_html(str(out))
    html = out.read_text(encoding="utf-8")
    assert LABEL_COLOURS["Model"] in html and "Mistral 7B" in html


def test_to_pandas_and_its_missing_extra(curated_store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    r = Lineage(curated_store).query("ancestors", id="Zephyr-7B", depth=1)
    df = r.to_pandas()
    assert list(df.columns) == r.columns
    assert sorted(df["id"]) == ["method:dpo", "model:mistral-7b"]
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if pandas were not installed
    with pytest.raises(ImportError, match=r"llm-lineage\[notebook\]"):
        r.to_pandas()


def test_unknown_query_or_parameter_is_one_clear_error(curated_store: GraphStore) -> None:
    g = Lineage(curated_store)
    with pytest.raises(UnknownQueryError, match="unknown query 'ancestor'; did you mean ancestors"):
        g.query("ancestor", id="Zephyr-7B")
    with pytest.raises(QueryError, match=r"unknown parameter '?node\b") as caught:
        g.query("ancestors", id="Zephyr-7B", node="model:mistral-7b")
    assert caught.value.parameter == "node"
    with pytest.raises(QueryError, match="'depth'"):
        g.query("ancestors", id="Zephyr-7B", depth=99)


def test_embedded_store_is_free_between_calls(tmp_path: Path) -> None:
    """The embedded store takes one process at a time: a connected notebook must not keep the CLI
    (or ``lineage serve``) out between two cells; inside ``with`` it stays open for the block."""
    path = tmp_path / "shared.lbug"
    g = lineage.connect(path)
    g.load_curated()

    def other_process() -> subprocess.CompletedProcess[str]:  # `lineage load …` in a terminal, meanwhile
        code = f"from graph.backends import open_store; open_store('ladybug', path={str(path)!r}).close()"
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)

    done = other_process()
    assert done.returncode == 0, done.stderr
    with g:
        assert len(g.query("ancestors", id="Zephyr-7B", depth=1)) == 2
        assert "Lock" in other_process().stderr  # held for the block, as documented
    assert other_process().returncode == 0
    assert repr(g) == f"<Lineage ladybug {path}>"
