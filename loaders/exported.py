"""Exported subgraphs as a source: ``lineage load export FILE`` loads what ``lineage export`` or
``query --export`` wrote (node-link JSON, the neo4j-admin CSV folder, Cypher) into any store.

A colleague's subgraph, or a backup of one, goes back in through the same path as every other
source: file → validated records → ``upsert`` in batches (idempotent: loading it twice changes
nothing). The whole file is read and validated before anything is written, so a bad line fails
the load with the file and line and leaves the store as it was.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
from pydantic import ValidationError

from graph.errors import DataFileError
from graph.export import ARRAY_DELIMITER, format_of
from graph.schema import EDGE_COLUMNS, NODE_CLASSES, NODE_COLUMNS, Edge, provenance_of
from graph.store import GraphStore, LoadReport, upsert


def node_record(node_id: str, data: dict[str, Any]) -> Any:
    cls = NODE_CLASSES[data["label"]]
    fields = {k: v for k, v in data.items() if k in cls.model_fields and k != "label" and v not in (None, [])}
    return cls(id=node_id, **fields)


def edge_record(source: str, target: str, data: dict[str, Any]) -> Edge:
    return Edge(
        type=data["type"],
        source=source,
        target=target,
        kind=data.get("kind") or None,
        position=data.get("position"),
        provenance=provenance_of(data),
    )


def graph_records(graph: nx.MultiDiGraph) -> Iterator[Any]:
    """Nodes first, then edges: the order ``upsert`` wants."""
    for node, data in graph.nodes(data=True):
        yield node_record(node, data)
    for u, v, data in graph.edges(data=True):
        yield edge_record(u, v, data)


def read_json(path: Path) -> nx.MultiDiGraph:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return nx.node_link_graph(data, directed=True, multigraph=True, edges="edges")
    except (json.JSONDecodeError, KeyError) as exc:
        raise DataFileError(path, getattr(exc, "lineno", None), f"not a node-link JSON export: {exc}") from None


def _parse_csv_value(header: str, raw: str) -> tuple[str, Any]:
    name, _, typ = header.partition(":")
    if raw == "":
        return name, [] if typ.endswith("[]") else None
    if typ == "string[]":
        return name, raw.split(ARRAY_DELIMITER)
    if typ == "double[]":
        return name, [float(x) for x in raw.split(ARRAY_DELIMITER)]
    if typ == "long":
        return name, int(raw)
    if typ == "boolean":
        return name, raw == "true"
    return name, raw


def read_csv(directory: Path) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    directory = Path(directory)
    with open(directory / "nodes.csv", newline="", encoding="utf-8") as fh:
        rows = csv.reader(fh)
        header = next(rows)
        for row in rows:
            labels = row[1].split(ARRAY_DELIMITER)
            data = dict(_parse_csv_value(h, v) for h, v in zip(header[2:], row[2:], strict=True))
            graph.add_node(row[0], label=next(x for x in labels if x != "Node"), **data)
    with open(directory / "relationships.csv", newline="", encoding="utf-8") as fh:
        rows = csv.reader(fh)
        header = next(rows)
        for row in rows:
            data = dict(_parse_csv_value(h, v) for h, v in zip(header[3:], row[3:], strict=True))
            graph.add_edge(
                row[0], row[1], key=row[2] + (f":{data['kind']}" if data.get("kind") else ""), type=row[2], **data
            )
    return graph


_NODE_LINE = re.compile(r"^MERGE \(n:Node \{id: (?P<id>.+?)\}\) SET n \+= (?P<props>\{.*\}), n:(?P<label>\w+);$")
_EDGE_LINE = re.compile(
    r"^MATCH \(a:Node \{id: (?P<a>.+?)\}\), \(b:Node \{id: (?P<b>.+?)\}\) "
    r"MERGE \(a\)-\[e:(?P<type>\w+) \{kind: (?P<kind>.+?)\}\]->\(b\) SET e \+= (?P<props>\{.*\});$"
)


def _literal_map(text: str) -> dict[str, Any]:
    """Parse the ``{key: <json value>, ...}`` maps :func:`graph.export.write_cypher` writes."""
    decoder = json.JSONDecoder()
    out: dict[str, Any] = {}
    i = 1
    while i < len(text) - 1:
        match = re.compile(r"\s*(\w+):\s*").match(text, i)
        if not match:
            raise ValueError(f"expected a key at offset {i}")
        value, end = decoder.raw_decode(text, match.end())
        out[match.group(1)] = value
        i = end + (2 if text.startswith(", ", end) else 0)
        if text[end] == "}":
            break
    return out


def read_cypher(path: Path) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    decoder = json.JSONDecoder()
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("//") or line.startswith("CREATE CONSTRAINT"):
            continue
        try:
            if m := _NODE_LINE.match(line):
                graph.add_node(decoder.decode(m["id"]), **_literal_map(m["props"]))
            elif m := _EDGE_LINE.match(line):
                props = _literal_map(m["props"])
                kind = props.get("kind") or ""
                key = m["type"] + (f":{kind}" if kind else "")
                graph.add_edge(decoder.decode(m["a"]), decoder.decode(m["b"]), key=key, type=m["type"], **props)
            else:
                raise ValueError("not a statement this exporter writes")
        except ValueError as exc:
            raise DataFileError(path, lineno, f"cannot read Cypher export line: {exc}") from None
    return graph


READERS = {"json": read_json, "csv": read_csv, "cypher": read_cypher}
__all__ = [
    "EDGE_COLUMNS",
    "NODE_COLUMNS",
    "READERS",
    "graph_records",
    "load_exported",
    "read_csv",
    "read_cypher",
    "read_exported",
    "read_json",
]


def read_exported(path: str | Path) -> list[Any]:
    """Every record of an export, validated; the format comes from the name as ``export`` chose it."""
    path = Path(path)
    fmt = format_of(path)
    if fmt not in READERS:
        raise DataFileError(path, None, f"a {fmt} export cannot be loaded back; load JSON, CSV or Cypher exports")
    if not path.exists():
        raise DataFileError(path, None, "no such file or directory")
    graph = READERS[fmt](path)
    records: list[Any] = []
    for node, data in graph.nodes(data=True):
        try:
            records.append(node_record(node, data))
        except (ValidationError, KeyError) as exc:
            raise DataFileError(path, None, f"node {node!r}: {_reason(exc)}") from None
    for u, v, data in graph.edges(data=True):
        try:
            records.append(edge_record(u, v, data))
        except (ValidationError, KeyError) as exc:
            raise DataFileError(path, None, f"edge {u!r} -> {v!r}: {_reason(exc)}") from None
    return records


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{where}: {first['msg']}" if where else first["msg"]
    return f"missing {exc}"


def load_exported(store: GraphStore, path: str | Path, batch_size: int = 5000) -> LoadReport:
    """Load an export into ``store``; nothing is written unless the whole file reads."""
    return upsert(store, read_exported(path), batch_size=batch_size)
