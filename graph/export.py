"""Subgraph export: GraphML, GEXF, node-link JSON, neo4j-admin CSV, a Cypher script, BibTeX.

Each writer takes the one subgraph form (a networkx MultiDiGraph from ``to_networkx``). JSON,
CSV and Cypher have readers too (:mod:`loaders.exported`), so an export loads back into an empty
store through the normal upsert path and gives the same graph.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx

# the format decision lives in graph.formats (no networkx); its names stay importable from here
from graph.formats import FORMATS, SUFFIX, ExportError, choose_format, format_of  # noqa: F401
from graph.vocab import EDGE_COLUMNS, NODE_COLUMNS

CONTENT_TYPE = {
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
    "json": "application/json",
    "csv": "application/zip",
    "cypher": "text/plain; charset=utf-8",
    "bibtex": "application/x-bibtex",
}
#: neo4j-admin import splits array fields on this (pass ``--array-delimiter='|'``).
ARRAY_DELIMITER = "|"
CSV_TYPES = {"STRING": "", "STRING[]": ":string[]", "INT64": ":long", "DOUBLE[]": ":double[]", "BOOLEAN": ":boolean"}


def _flat(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """GraphML/GEXF hold scalars only: lists become JSON text (re-read with json.loads)."""
    flat = nx.MultiDiGraph()
    for node, data in graph.nodes(data=True):
        flat.add_node(node, **{k: json.dumps(v) if isinstance(v, list) else v for k, v in data.items()})
    for u, v, key, data in graph.edges(keys=True, data=True):
        flat.add_edge(u, v, key=key, **{k: json.dumps(x) if isinstance(x, list) else x for k, x in data.items()})
    return flat


def write_graphml(graph: nx.MultiDiGraph, path: Path) -> None:
    nx.write_graphml(_flat(graph), path, named_key_ids=True)


def write_gexf(graph: nx.MultiDiGraph, path: Path) -> None:
    """Node type as attribute ``type``, display name as GEXF label, date as GEXF ``start`` (time)."""
    flat = _flat(graph)
    gexf = nx.MultiDiGraph()
    for node, data in flat.nodes(data=True):
        attrs = {k: v for k, v in data.items() if k not in ("label", "name", "date")}
        attrs.update(type=data.get("label", ""), label=data.get("name", node))
        if data.get("date"):
            attrs["start"] = data["date"]
        gexf.add_node(node, **attrs)
    for u, v, key, data in flat.edges(keys=True, data=True):
        gexf.add_edge(u, v, key=key, **data)
    nx.write_gexf(gexf, path)


def node_link(graph: nx.MultiDiGraph) -> dict[str, Any]:
    return nx.node_link_data(graph, edges="edges")


def write_json(graph: nx.MultiDiGraph, path: Path) -> None:
    path.write_text(json.dumps(node_link(graph), indent=1, ensure_ascii=False, default=str), encoding="utf-8")


def write_csv(graph: nx.MultiDiGraph, directory: Path) -> None:
    """``nodes.csv`` + ``relationships.csv`` with neo4j-admin import headers."""
    directory.mkdir(parents=True, exist_ok=True)
    node_cols = [c for c in NODE_COLUMNS if c not in ("id", "label")]
    with open(directory / "nodes.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id:ID", ":LABEL", *(c + CSV_TYPES[NODE_COLUMNS[c]] for c in node_cols)])
        for node, data in graph.nodes(data=True):
            labels = ARRAY_DELIMITER.join(["Node", data.get("label", "")])
            writer.writerow([node, labels, *(_csv_value(data.get(c)) for c in node_cols)])
    with open(directory / "relationships.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([":START_ID", ":END_ID", ":TYPE", *(c + CSV_TYPES[t] for c, t in EDGE_COLUMNS.items())])
        for u, v, data in graph.edges(data=True):
            writer.writerow([u, v, data["type"], *(_csv_value(data.get(c)) for c in EDGE_COLUMNS)])


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ARRAY_DELIMITER.join(str(v) for v in value)
    return str(value)


def cypher_literal(value: Any) -> str:
    """A Cypher literal. JSON's escapes are a subset of Cypher's, so json.dumps serves strings."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {cypher_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    if value is None:
        return "null"
    return json.dumps(value, ensure_ascii=False)


def write_cypher(graph: nx.MultiDiGraph, path: Path) -> None:
    """A script for ``cypher-shell -f``: constraints, then one MERGE statement per line."""
    lines = [
        "// LLM Lineage subgraph export. Run: cypher-shell -f <this file>",
        "CREATE CONSTRAINT node_id IF NOT EXISTS FOR (n:Node) REQUIRE n.id IS UNIQUE;",
    ]
    for node, data in graph.nodes(data=True):
        props = {k: data[k] for k in NODE_COLUMNS if k != "id" and data.get(k) is not None}
        label = re.sub(r"\W", "", data.get("label", "Node")) or "Node"
        lines.append(f"MERGE (n:Node {{id: {cypher_literal(node)}}}) SET n += {cypher_literal(props)}, n:{label};")
    for u, v, data in graph.edges(data=True):
        props = {k: data[k] for k in EDGE_COLUMNS if data.get(k) is not None}
        props.setdefault("kind", "")
        etype = re.sub(r"\W", "", data["type"])
        lines.append(
            f"MATCH (a:Node {{id: {cypher_literal(u)}}}), (b:Node {{id: {cypher_literal(v)}}}) "
            f"MERGE (a)-[e:{etype} {{kind: {cypher_literal(props['kind'])}}}]->(b) SET e += {cypher_literal(props)};"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _bib_escape(text: str) -> str:
    return re.sub(r"([&%$#_{}])", r"\\\1", text)


def bibtex_entry(node: str, data: dict[str, Any], taken: set[str]) -> str:
    authors = data.get("authors") or []
    last = (authors[0].split()[-1] if authors else "anon").lower()
    year = (data.get("published") or data.get("date") or "")[:4]
    word = next((w.lower() for w in re.findall(r"[A-Za-z]+", data.get("title") or "") if len(w) > 3), "paper")
    key = re.sub(r"[^a-z0-9]", "", f"{last}{year}{word}")
    base, n = key, 1
    while key in taken:
        n += 1
        key = f"{base}{chr(ord('a') + n - 1)}"
    taken.add(key)
    fields = {"title": "{" + _bib_escape(data.get("title") or data.get("name") or node) + "}"}
    if authors:
        fields["author"] = " and ".join(authors) + (" and others" if data.get("authors_complete") is False else "")
    if year:
        fields["year"] = year
    if node.startswith("arxiv:"):
        arxiv_id = node.partition(":")[2]
        fields.update(eprint=arxiv_id, archivePrefix="arXiv", url=f"https://arxiv.org/abs/{arxiv_id}")
        if data.get("categories"):
            fields["primaryClass"] = data["categories"][0]
    if data.get("doi"):
        fields["doi"] = data["doi"]
    elif node.startswith("doi:"):
        fields["doi"] = node.partition(":")[2]
    elif node.startswith("arxiv:"):  # arXiv's DataCite DOI: what Zotero looks a record up by
        fields["doi"] = f"10.48550/arXiv.{node.partition(':')[2]}"
    if data.get("venue") or data.get("journal_ref"):
        fields["note"] = _bib_escape(data.get("venue") or data.get("journal_ref"))
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items())
    return f"@misc{{{key},\n{body}\n}}\n"


def bibtex(graph: nx.MultiDiGraph) -> str:
    """One ``@misc`` entry per paper of the subgraph (add the papers behind its models and
    methods first: :func:`queries.cite.with_introducing_papers`)."""
    taken: set[str] = set()
    papers = sorted((n, d) for n, d in graph.nodes(data=True) if d.get("label") == "Paper")
    return "\n".join(bibtex_entry(n, d, taken) for n, d in papers)


def write_bibtex(graph: nx.MultiDiGraph, path: Path) -> None:
    path.write_text(bibtex(graph), encoding="utf-8")


WRITERS: dict[str, Callable[[nx.MultiDiGraph, Path], None]] = {
    "graphml": write_graphml,
    "gexf": write_gexf,
    "json": write_json,
    "csv": write_csv,
    "cypher": write_cypher,
    "bibtex": write_bibtex,
}


def user_file_mode() -> int:
    """The mode a plain ``open(path, "w")`` would give a new file: 0666 less the umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def export(graph: nx.MultiDiGraph, fmt: str, path: str | Path) -> Path:
    """Write ``graph`` as ``fmt`` at ``path`` (a directory for csv); atomic for single files."""
    if fmt not in WRITERS:
        raise ExportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if graph.number_of_nodes() == 0:
        raise ExportError("the subgraph is empty; nothing written")
    if fmt == "bibtex" and not any(d.get("label") == "Paper" for _, d in graph.nodes(data=True)):
        raise ExportError("the subgraph has no papers, so there is no BibTeX to write; nothing written")
    path = Path(path)
    parent = path if fmt == "csv" else path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            WRITERS[fmt](graph, path)
            return path
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            WRITERS[fmt](graph, Path(tmp))
            os.chmod(tmp, user_file_mode())  # mkstemp's 0600 would outlive the rename
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def write_bundle(
    graph: nx.MultiDiGraph,
    directory: str | Path,
    manifest: dict[str, Any],
    cited: nx.MultiDiGraph | None = None,
) -> Path:
    """Every format plus ``manifest.json`` (query, parameters, time, backend, counts, sources).
    ``cited``: the subgraph the BibTeX file is written from (default ``graph``)."""
    directory = Path(directory)
    written = {}
    for fmt in FORMATS:
        source = cited if fmt == "bibtex" and cited is not None else graph
        if fmt == "bibtex" and not any(d.get("label") == "Paper" for _, d in source.nodes(data=True)):
            continue
        target = directory / ("csv" if fmt == "csv" else f"lineage{SUFFIX[fmt]}")
        written[fmt] = str(export(source, fmt, target).relative_to(directory))
    sources = sorted({s for _, _, d in graph.edges(data=True) for s in d.get("sources") or []})
    full = {
        **manifest,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "node_types": dict(sorted(_count(d.get("label") for _, d in graph.nodes(data=True)).items())),
        "edge_types": dict(sorted(_count(d.get("type") for _, _, d in graph.edges(data=True)).items())),
        "provenance_sources": sources,
        "files": written,
        "csv_import": "neo4j-admin database import full --array-delimiter='|' "
        "--nodes=csv/nodes.csv --relationships=csv/relationships.csv",
    }
    (directory / "manifest.json").write_text(json.dumps(full, indent=2, default=str), encoding="utf-8")
    return directory


def _count(values: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[str(v)] = out.get(str(v), 0) + 1
    return out
