"""Exports open in the usual tools and load back into an empty store as the same graph."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from graph.backends import open_store
from graph.export import ExportError, export, write_bundle
from graph.store import upsert
from loaders.exported import READERS, graph_records
from queries.registry import run_query


@pytest.fixture
def lineage(curated_store):
    return run_query(curated_store, "ancestors", {"id": "model:zephyr-7b", "depth": 10}).graph


def same_graph(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> bool:
    return sorted(a.nodes(data=True)) == sorted(b.nodes(data=True)) and sorted(a.edges(keys=True, data=True)) == sorted(
        b.edges(keys=True, data=True)
    )


@pytest.mark.parametrize("fmt", ["json", "csv", "cypher"])
def test_round_trip_into_an_empty_store(lineage, store, tmp_path, fmt) -> None:
    path = export(lineage, fmt, tmp_path / f"out.{fmt}")
    upsert(store, graph_records(READERS[fmt](path)))
    ids = list(lineage.nodes)
    from graph.store import to_networkx

    back = to_networkx(store.nodes(ids), store.edges_among(ids))
    assert same_graph(lineage, back)


def test_cypher_script_runs_in_neo4j_as_is(lineage, tmp_path, request) -> None:
    """The script is for cypher-shell: run each statement through the driver and compare."""
    import neo4j

    conn = request.getfixturevalue("neo4j_server")
    path = export(lineage, "cypher", tmp_path / "out.cypher")
    store = open_store("neo4j", uri=conn["uri"], user=conn["user"] or "neo4j", password=conn["password"])
    try:
        store.clear()
        auth = (conn["user"], conn["password"])
        with neo4j.GraphDatabase.driver(conn["uri"], auth=auth) as driver, driver.session() as session:
            for line in path.read_text(encoding="utf-8").splitlines():
                if line and not line.startswith("//"):
                    session.run(line.rstrip(";")).consume()
        from graph.store import to_networkx

        ids = list(lineage.nodes)
        assert same_graph(lineage, to_networkx(store.nodes(ids), store.edges_among(ids)))
        labels = store.read("MATCH (n:Model {id: 'model:zephyr-7b'}) RETURN labels(n) AS l")[0]["l"]
        assert set(labels) == {"Node", "Model"}
    finally:
        store.clear()
        store.close()


def test_graphml_and_gexf_validate_and_reread_with_attributes(lineage, tmp_path) -> None:
    graphml = export(lineage, "graphml", tmp_path / "g.graphml")
    ET.parse(graphml)
    back = nx.read_graphml(graphml)
    assert back.nodes["model:zephyr-7b"]["label"] == "Model"
    edge = next(d for _, _, d in back.edges(data=True) if d.get("kind") == "fine_tuned_from")
    assert json.loads(edge["sources"])[0] == "curated"
    gexf = export(lineage, "gexf", tmp_path / "g.gexf")
    root = ET.parse(gexf).getroot()
    ns = {"g": root.tag.split("}")[0].strip("{")}
    graph_el = root.find("g:graph", ns)
    assert graph_el.get("mode") == "dynamic" and graph_el.get("timeformat") == "date"
    back = nx.read_gexf(gexf)
    assert back.nodes["model:mistral-7b"]["type"] == "Model"
    assert back.nodes["model:mistral-7b"]["label"] == "Mistral 7B"


def test_bibtex_has_arxiv_fields(curated_store, tmp_path) -> None:
    graph = run_query(curated_store, "introduced-by", {"id": "model:mistral-7b"}).graph
    text = export(graph, "bibtex", tmp_path / "refs.bib").read_text(encoding="utf-8")
    assert "@misc{jiang2023mistral," in text
    assert "eprint = {2310.06825}" in text and "archivePrefix = {arXiv}" in text and "primaryClass = {cs.CL}" in text


def test_bundle_has_every_format_and_a_manifest(lineage, tmp_path) -> None:
    write_bundle(
        lineage, tmp_path / "b", {"query": "ancestors", "parameters": {"id": "model:zephyr-7b"}, "backend": "x"}
    )
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["query"] == "ancestors" and manifest["nodes"] == lineage.number_of_nodes()
    assert "curated" in manifest["provenance_sources"]
    assert set(manifest["files"]) >= {"graphml", "gexf", "json", "csv", "cypher"}
    for rel in manifest["files"].values():
        assert (tmp_path / "b" / rel).exists()


def test_bad_exports_write_nothing(lineage, tmp_path) -> None:
    with pytest.raises(ExportError, match="unknown format 'xlsx'"):
        export(lineage, "xlsx", tmp_path / "x")
    with pytest.raises(ExportError, match="empty"):
        export(nx.MultiDiGraph(), "json", tmp_path / "empty.json")
    assert not (tmp_path / "empty.json").exists()
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ExportError, match="cannot write"):
        export(lineage, "json", blocker / "out.json")


@pytest.mark.parametrize("fmt", ["json", "csv", "cypher"])
def test_a_colleagues_export_loads_into_any_store_once(lineage, store, tmp_path, fmt) -> None:
    """Zephyr's lineage, exported by one researcher, is the same lineage in another's store;
    loading it again adds nothing."""
    from graph.store import to_networkx
    from loaders.exported import load_exported

    path = export(lineage, fmt, tmp_path / ("family" if fmt == "csv" else f"family.{fmt}"))
    first = load_exported(store, path)
    assert first.nodes_added == lineage.number_of_nodes() and first.edges_added == lineage.number_of_edges()
    ids = list(lineage.nodes)
    assert same_graph(lineage, to_networkx(store.nodes(ids), store.edges_among(ids)))
    again = load_exported(store, path)
    assert (again.nodes_added, again.nodes_updated, again.edges_added, again.edges_updated) == (0, 0, 0, 0)


def test_a_bad_export_names_file_and_line_and_writes_nothing(lineage, store, tmp_path) -> None:
    from graph.errors import DataFileError
    from loaders.exported import load_exported

    path = export(lineage, "cypher", tmp_path / "family.cypher")
    lines = path.read_text(encoding="utf-8").splitlines()
    last = len(lines)
    lines[-1] = lines[-1].replace("MERGE (a)", "MERGE (a) DETACH DELETE a //")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=rf"family\.cypher:{last}: cannot read Cypher export line"):
        load_exported(store, path)
    assert not any(store.counts().values())

    broken = json.loads(export(lineage, "json", tmp_path / "family.json").read_text(encoding="utf-8"))
    broken["nodes"][0].pop("name")
    broken["nodes"][0]["label"] = "Model"
    bad = tmp_path / "broken.json"
    bad.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(DataFileError, match=rf"broken\.json: node '{broken['nodes'][0]['id']}': "):
        load_exported(store, bad)
    assert not any(store.counts().values())


def test_load_export_from_the_cli(lineage, tmp_path) -> None:
    """`lineage export … -o x.json` on one machine, `lineage load export x.json` on another."""
    from test_cli import lineage as cli

    path = export(lineage, "json", tmp_path / "family.json")
    done = cli("load", "export", str(path), db=tmp_path / "other.lbug")
    assert done.returncode == 0, done.stderr
    assert f"nodes {lineage.number_of_nodes()} added" in " ".join(done.stdout.split())
    rows = cli("query", "ancestors", "id=model:zephyr-7b", "--format", "json", db=tmp_path / "other.lbug")
    assert rows.returncode == 0, rows.stderr
    assert "model:mistral-7b" in rows.stdout
    missing = cli("load", "export", str(tmp_path / "nope.json"), db=tmp_path / "other.lbug")
    assert missing.returncode != 0 and "nope.json: no such file or directory" in missing.stderr
    assert "Traceback" not in missing.stderr
