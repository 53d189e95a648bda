"""The curated lineage: hand-checked papers, models, methods and relations from the seed articles.

The whole file is validated before anything is written, so a bad file leaves the store as it
was; every error is one line naming the file and the line of the offending record (or field).
The YAML is read by :mod:`loaders.safe_yaml`: no aliases, bounded nesting, string keys only.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from graph.dates import refresh_dates
from graph.errors import DataFileError
from graph.ids import InvalidIdError, author_id, dataset_id
from graph.schema import Author, Dataset, Edge, EdgeType, Method, Model, Paper, Provenance, Source
from graph.store import GraphStore, LoadReport, upsert
from loaders.safe_yaml import YamlInputError, load_yaml
from loaders.shown import cut, shown, validation_line

CURATED_FILE = Path(__file__).parent / "data" / "curated.yaml"
SECTIONS = {"papers": Paper, "models": Model, "methods": Method, "datasets": Dataset}
#: A dataset record lists the models the seeds say were trained on it; each becomes a
#: ``TRAINED_ON`` edge model → dataset with the entry's ``seed`` and ``evidence``.
TRAINED = "used_to_train"


#: Record keys the loader sets itself; a file that sets them is refused rather than overridden.
_LOADER_SET = {
    "sources": "nodes get 'sources: [curated]'",
    "provenance": "it is built from 'seed' and 'evidence'",
    "date": "write release_date, or an INTRODUCES edge from a paper with a published date",
    "date_source": "it says which of release_date or an introducing paper gave the date",
}


class _Lines:
    """1-based lines from the YAML node tree: each top-level key's value and each list item."""

    def __init__(self, node: yaml.Node | None) -> None:
        self.keys: dict[str, int] = {}
        self.items: dict[str, list[int]] = {}
        if not isinstance(node, yaml.MappingNode):
            return
        for key, value in node.value:
            self.keys[key.value] = value.start_mark.line + 1
            if isinstance(value, yaml.SequenceNode):
                self.items[key.value] = [item.start_mark.line + 1 for item in value.value]

    def item(self, section: str, i: int) -> int | None:
        items = self.items.get(section, [])
        return items[i] if i < len(items) else None


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataFileError(path, None, f"cannot read: {exc.strerror}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DataFileError(
            path, line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}): a YAML file is expected"
        ) from None


def _retrieved(value: Any, path: Path, line: int | None) -> dt.date:
    """The file's ``retrieved`` date (today when absent)."""
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise DataFileError(path, line, f"retrieved: {shown(value)} is not a date (write YYYY-MM-DD)")


def read_curated(path: str | Path = CURATED_FILE) -> list[Any]:
    """Parse and validate the curated file into records (nodes first, then edges)."""
    path = Path(path)
    text = _read_text(path)
    try:
        data, tree = load_yaml(text, string_keys=True)
    except YamlInputError as exc:
        raise DataFileError(path, exc.line, f"not valid YAML: {exc.message}" if exc.syntax else exc.message) from None
    if not isinstance(data, dict):
        raise DataFileError(path, 1, "expected a mapping with papers, models, methods and edges")
    lines = _Lines(tree)
    unknown = set(data) - {"version", "retrieved", *SECTIONS, "edges"}
    if unknown:
        first = min(unknown, key=lambda k: lines.keys.get(k, 0))
        listed = cut(", ".join(sorted(unknown)), 100)
        raise DataFileError(path, lines.keys.get(first, 1), f"unknown top-level keys: {listed}")
    for section in (*SECTIONS, "edges"):
        if data.get(section) is not None and not isinstance(data[section], list):
            raise DataFileError(path, lines.keys.get(section), f"{section} must be a list, not {_kind(data[section])}")
    retrieved = _retrieved(data.get("retrieved"), path, lines.keys.get("retrieved"))

    nodes: list[Any] = []
    where: dict[str, int] = {}
    trained: list[tuple[str, int | None, int, Any]] = []  # (dataset id, line, index, used_to_train)
    for section, cls in SECTIONS.items():
        for i, item in enumerate(data.get(section) or []):
            line = lines.item(section, i)
            if not isinstance(item, dict):
                raise DataFileError(path, line, f"{section}[{i}] must be a mapping, not {_kind(item)}")
            for key in ("sources", "date", "date_source"):
                if key in item:
                    raise DataFileError(path, line, f"{section}[{i}]: {_set_by_loader(key)}")
            item = dict(item)
            used = item.pop(TRAINED, None) if cls is Dataset else None
            try:
                node = cls(**{**item, "sources": [Source.curated]})
            except ValidationError as exc:
                desc = f"{section}[{i}] ({_name(item.get('id'))}): {validation_line(exc.errors()[0])}"
                raise DataFileError(path, line, desc) from None
            if isinstance(node, Dataset):
                _check_hub_key(node, path, line, i)
                trained.append((node.id, line, i, used))
            if node.id in where:
                first = where[node.id]
                raise DataFileError(path, line, f"duplicate id {shown(node.id)} (first defined on line {first})")
            where[node.id] = line or 0
            nodes.append(node)

    edges: list[Edge] = []
    authors: dict[str, Author] = {}
    for paper in (n for n in nodes if isinstance(n, Paper)):
        for position, name in enumerate(paper.authors):
            try:
                author = Author(id=author_id(name), name=name, sources=[Source.curated])
            except (InvalidIdError, ValidationError):
                raise DataFileError(
                    path,
                    where[paper.id],
                    f"{paper.id}: author {shown(name, 100)} gives no id (no Latin letters or digits)",
                ) from None
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
    edges += _trained_on(trained, where, path, retrieved)
    for i, item in enumerate(data.get("edges") or []):
        line = lines.item("edges", i)
        if not isinstance(item, dict):
            raise DataFileError(path, line, f"edges[{i}] must be a mapping, not {_kind(item)}")
        if "provenance" in item:
            raise DataFileError(path, line, f"edges[{i}]: {_set_by_loader('provenance')}")
        item = dict(item)
        seed, evidence = item.pop("seed", None), item.pop("evidence", "")
        if not seed or not evidence:
            raise DataFileError(path, line, f"edges[{i}]: every curated edge needs 'seed' and 'evidence'")
        provenance = Provenance(source=Source.curated, evidence=f"{seed}: {evidence}", retrieved=retrieved)
        try:
            edge = Edge(**item, provenance=[provenance])
        except ValidationError as exc:
            desc = f"{_name(item.get('source'))} -> {_name(item.get('target'))}"
            raise DataFileError(path, line, f"edges[{i}] ({desc}): {validation_line(exc.errors()[0])}") from None
        for end in (edge.source, edge.target):
            if end not in where:
                desc = f"{_name(edge.source)} -> {_name(edge.target)}"
                raise DataFileError(path, line, f"edges[{i}]: {desc}: unknown node {shown(end, 100)}")
        edges.append(edge)
    return [*nodes, *authors.values(), *edges]


def _check_hub_key(node: Dataset, path: Path, line: int | None, i: int) -> None:
    """A dataset on the Hub is keyed by its Hub id, so that cards naming it reach the same node."""
    if node.hf_id is None:
        return
    try:
        expected = dataset_id(node.hf_id)
    except InvalidIdError:
        raise DataFileError(
            path, line, f"datasets[{i}] ({node.id}): hf_id {shown(node.hf_id, 100)} is not a Hub id"
        ) from None
    if node.id != expected:
        raise DataFileError(
            path, line, f"datasets[{i}]: a dataset with hf_id {node.hf_id} has the id {expected}, not {node.id}"
        )


def _trained_on(
    trained: list[tuple[str, int | None, int, Any]], where: dict[str, int], path: Path, retrieved: dt.date
) -> list[Edge]:
    """``TRAINED_ON`` edges from each dataset's ``used_to_train`` list (see :data:`TRAINED`)."""
    edges: list[Edge] = []
    for dataset, line, i, used in trained:
        if used is None:
            continue
        if not isinstance(used, list):
            raise DataFileError(path, line, f"datasets[{i}] ({dataset}): {TRAINED} must be a list, not {_kind(used)}")
        for j, entry in enumerate(used):
            here = f"datasets[{i}] ({dataset}): {TRAINED}[{j}]"
            if not isinstance(entry, dict) or set(entry) != {"model", "seed", "evidence"}:
                raise DataFileError(path, line, f"{here} must be a mapping of exactly model, seed and evidence")
            if not entry["seed"] or not entry["evidence"]:
                raise DataFileError(path, line, f"{here}: every curated edge needs 'seed' and 'evidence'")
            provenance = Provenance(
                source=Source.curated, evidence=f"{entry['seed']}: {entry['evidence']}", retrieved=retrieved
            )
            try:
                edge = Edge(type=EdgeType.TRAINED_ON, source=entry["model"], target=dataset, provenance=[provenance])
            except ValidationError as exc:
                raise DataFileError(path, line, f"{here}: {validation_line(exc.errors()[0])}") from None
            if edge.source not in where:
                raise DataFileError(path, line, f"{here}: unknown node {shown(edge.source, 100)}")
            edges.append(edge)
    return edges


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string"}.get(type(value), type(value).__name__)


def _name(value: Any) -> str:
    """A record's id (or an edge end) as the error shows it: as written, cut, '?' when absent."""
    return "?" if value is None else cut(str(value), 100) if isinstance(value, str) else shown(value, 100)


def _set_by_loader(key: str) -> str:
    return f"{key!r} is set by the loader ({_LOADER_SET[key]}); remove it"


def load_curated(store: GraphStore, path: str | Path = CURATED_FILE, batch_size: int = 5000) -> LoadReport:
    """Validate the file, then upsert it. Running it twice changes nothing."""
    records = read_curated(path)
    report = upsert(store, records, batch_size=batch_size)
    report += refresh_dates(store)  # models and methods dated by the papers introducing them
    return report
