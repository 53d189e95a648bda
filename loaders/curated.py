"""The curated lineage: hand-checked papers, models, methods and relations from the seed articles.

The whole file is validated before anything is written, so a bad file leaves the store as it
was; every error names the file and the line of the offending record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from graph.errors import DataFileError
from graph.ids import author_id
from graph.schema import Author, Edge, Method, Model, Paper, Provenance, Source
from graph.store import GraphStore, LoadReport, upsert

CURATED_FILE = Path(__file__).parent / "data" / "curated.yaml"
SECTIONS = {"papers": Paper, "models": Model, "methods": Method}


def _lines(node: yaml.Node) -> dict[str, list[int]]:
    """1-based start line of every item in each top-level list, from the YAML node tree."""
    out: dict[str, list[int]] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(value, yaml.SequenceNode):
                out[key.value] = [item.start_mark.line + 1 for item in value.value]
    return out


def _describe(err: dict[str, Any]) -> str:
    field = ".".join(str(x) for x in err["loc"]) or "record"
    return f"field {field!r}: {err['msg']}"


def read_curated(path: str | Path = CURATED_FILE) -> list[Any]:
    """Parse and validate the curated file into records (nodes first, then edges)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(path, None, f"cannot read: {exc.strerror}") from None
    try:
        tree = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise DataFileError(path, line, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise DataFileError(path, 1, "expected a mapping with papers, models, methods and edges")
    unknown = set(data) - {"version", "retrieved", *SECTIONS, "edges"}
    if unknown:
        raise DataFileError(path, 1, f"unknown top-level keys: {', '.join(sorted(unknown))}")
    lines = _lines(tree) if tree is not None else {}
    retrieved = data.get("retrieved") or dt.date.today()
    if isinstance(retrieved, str):
        retrieved = dt.date.fromisoformat(retrieved)

    nodes: list[Any] = []
    where: dict[str, int] = {}
    for section, cls in SECTIONS.items():
        for i, item in enumerate(data.get(section) or []):
            line = lines.get(section, [None] * (i + 1))[i]
            if not isinstance(item, dict):
                raise DataFileError(path, line, f"{section}[{i}] must be a mapping")
            try:
                node = cls(**{**item, "sources": [Source.curated]})
            except ValidationError as exc:
                raise DataFileError(
                    path, line, f"{section}[{i}] ({item.get('id', '?')}): {_describe(exc.errors()[0])}"
                ) from None
            if node.id in where:
                raise DataFileError(path, line, f"duplicate id {node.id!r} (first defined on line {where[node.id]})")
            where[node.id] = line or 0
            nodes.append(node)

    edges: list[Edge] = []
    authors: dict[str, Author] = {}
    for paper in (n for n in nodes if isinstance(n, Paper)):
        for position, name in enumerate(paper.authors):
            author = Author(id=author_id(name), name=name, sources=[Source.curated])
            authors.setdefault(author.id, author)
            edges.append(
                Edge(
                    type="AUTHORED",
                    source=author.id,
                    target=paper.id,
                    position=position,
                    provenance=[
                        Provenance(source=Source.curated, evidence=f"author list of {paper.id}", retrieved=retrieved)
                    ],
                )
            )
    for i, item in enumerate(data.get("edges") or []):
        line = lines.get("edges", [None] * (i + 1))[i]
        if not isinstance(item, dict):
            raise DataFileError(path, line, f"edges[{i}] must be a mapping")
        item = dict(item)
        seed, evidence = item.pop("seed", None), item.pop("evidence", "")
        if not seed or not evidence:
            raise DataFileError(path, line, f"edges[{i}]: every curated edge needs 'seed' and 'evidence'")
        provenance = Provenance(source=Source.curated, evidence=f"{seed}: {evidence}", retrieved=retrieved)
        try:
            edge = Edge(**item, provenance=[provenance])
        except ValidationError as exc:
            desc = f"{item.get('source', '?')} -> {item.get('target', '?')}"
            raise DataFileError(path, line, f"edges[{i}] ({desc}): {_describe(exc.errors()[0])}") from None
        for end in (edge.source, edge.target):
            if end not in where:
                raise DataFileError(path, line, f"edges[{i}]: {edge.source} -> {edge.target}: unknown node {end!r}")
        edges.append(edge)
    return [*nodes, *authors.values(), *edges]


def iter_curated(path: str | Path = CURATED_FILE) -> Iterator[Any]:
    yield from read_curated(path)


def load_curated(store: GraphStore, path: str | Path = CURATED_FILE, batch_size: int = 5000) -> LoadReport:
    """Validate the file, then upsert it. Running it twice changes nothing."""
    records = read_curated(path)
    return upsert(store, records, batch_size=batch_size)
