"""Validated records: the nodes, edges and provenance every loader produces and every store accepts.

Records are pydantic models at the edge of the system; inside the stores they travel as plain
row dicts (:func:`node_row`, :func:`edge_row`) because that is what ``UNWIND $rows`` wants.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from graph import vocab
from graph.ids import InvalidIdError, label_of, normalize_id
from graph.vocab import ENDPOINTS, NODE_COLUMNS, TRUST, BuildKind, EdgeType, Source

# The vocabulary (enums, kinds, column lists) lives in graph.vocab, which a read needs no
# pydantic for; these names stay importable from here, where loaders have always found them.
CONTRAST_KINDS, LINEAGE_KINDS, NODE_LABELS = vocab.CONTRAST_KINDS, vocab.LINEAGE_KINDS, vocab.NODE_LABELS
EDGE_COLUMNS = vocab.EDGE_COLUMNS


def _canonical_id(value: Any) -> str:
    try:
        return normalize_id(value)
    except InvalidIdError as exc:
        raise ValueError(str(exc)) from None


NodeId = Annotated[str, Field(description="canonical id, e.g. arxiv:2310.06825 or model:mistral-7b")]


class Provenance(BaseModel):
    """Why we believe an edge: which source, on what evidence, how sure, retrieved when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Source
    evidence: str = Field("", description="the sentence or record the edge rests on")
    confidence: float = Field(1.0, ge=0.0, le=1.0)
    retrieved: dt.date = Field(default_factory=dt.date.today)


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: NodeId
    sources: list[Source] = Field(default_factory=list, description="sources that stated this node")
    note: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _normalise(cls, value: Any) -> str:
        return _canonical_id(value)

    @model_validator(mode="after")
    def _label_matches(self) -> _Node:
        expected = label_of(self.id)
        if expected != self.label:  # type: ignore[attr-defined]
            raise ValueError(f"id {self.id!r} is a {expected} id, not a {self.label} id")  # type: ignore[attr-defined]
        return self


class Paper(_Node):
    label: Literal["Paper"] = "Paper"
    title: str = Field(min_length=1)
    abstract: str | None = None
    authors: list[str] = Field(default_factory=list, description="author names in paper order")
    authors_complete: bool = True
    published: dt.date | None = Field(None, description="first version (v1) submission date")
    updated: dt.date | None = None
    version: int | None = Field(None, ge=1, description="latest arXiv version number")
    categories: list[str] = Field(default_factory=list, description="primary category first")
    doi: str | None = None
    journal_ref: str | None = None
    comments: str | None = None
    venue: str | None = None


class Author(_Node):
    label: Literal["Author"] = "Author"
    name: str = Field(min_length=1)


class _Named(_Node):
    """Models, methods and datasets: known by a name and its aliases (the resolver and the
    mention gazetteer read both)."""

    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)


class _Dated(_Named):
    """Models and methods are placed in time by :mod:`graph.dates`."""

    date: dt.date | None = Field(None, description="derived by graph.dates; set here only to carry it (an import)")
    date_source: str | None = Field(None, description="where date came from: curated, hf_card or paper:<id>")


class Model(_Dated):
    label: Literal["Model"] = "Model"
    organisation: str | None = None
    release_date: dt.date | None = None
    parameters: int | None = Field(None, gt=0, description="parameter count, where known")
    hf_id: str | None = Field(None, description="Hugging Face repo id, e.g. mistralai/Mistral-7B-v0.1")
    license: str | None = Field(None, description="declared license id as the Hub or card states it, e.g. llama2")
    license_name: str | None = Field(None, description="the card's license_name where license is other")
    downloads: int | None = Field(None, ge=0, description="Hub downloads (last 30 days) when loaded")
    likes: int | None = Field(None, ge=0, description="Hub likes when loaded")
    pipeline_tag: str | None = Field(None, description="Hub task, e.g. text-generation")
    library: str | None = Field(None, description="Hub library name, e.g. transformers")


class Method(_Dated):
    label: Literal["Method"] = "Method"


class Dataset(_Named):
    """Training data, keyed by its Hub id where it has one (:func:`graph.ids.dataset_id`)."""

    label: Literal["Dataset"] = "Dataset"
    organisation: str | None = None
    hf_id: str | None = Field(None, description="Hugging Face dataset repo id, e.g. HuggingFaceH4/ultrachat_200k")


Node = Paper | Author | Model | Method | Dataset
NODE_CLASSES: dict[str, type[_Node]] = {
    "Paper": Paper,
    "Author": Author,
    "Model": Model,
    "Method": Method,
    "Dataset": Dataset,
}


class Edge(BaseModel):
    """A typed, directed edge. Its identity is ``(type, source, target, kind)``."""

    model_config = ConfigDict(extra="forbid")

    type: EdgeType
    source: NodeId
    target: NodeId
    kind: BuildKind | None = None
    position: int | None = Field(None, ge=0, description="author position (AUTHORED only)")
    provenance: list[Provenance] = Field(min_length=1)

    @field_validator("source", "target", mode="before")
    @classmethod
    def _normalise(cls, value: Any) -> str:
        return _canonical_id(value)

    @model_validator(mode="after")
    def _check_shape(self) -> Edge:
        if self.source == self.target:
            raise ValueError(f"edge {self.source} -> {self.target} points at itself")
        if (self.type is EdgeType.BUILDS_ON) != (self.kind is not None):
            raise ValueError("kind is required on BUILDS_ON edges and not allowed on others")
        sources, targets = ENDPOINTS[self.type]
        src_label, dst_label = label_of(self.source), label_of(self.target)
        if src_label not in sources or dst_label not in targets:
            raise ValueError(
                f"{self.type.value} cannot go from a {src_label} ({self.source}) to a {dst_label} ({self.target})"
            )
        return self

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.type.value, self.source, self.target, self.kind.value if self.kind else "")


# --- rows: the flat form the stores write ------------------------------------------------


def display_name(node: _Node) -> str:
    """Papers are shown by title, everything else by name."""
    return getattr(node, "title", None) or getattr(node, "name", None) or node.id


_DATE_COLUMNS = ("published", "updated", "release_date", "date")


def node_row(node: _Node) -> dict[str, Any]:
    """Flatten a node to its column dict (dates as ISO strings; ``date`` for time ordering).

    Reads the validated fields directly: ``model_dump`` was a large part of a bulk load's
    Python time (BENCHMARKS.md, design measurements); tests/test_schema.py checks both give the same row.
    """
    row: dict[str, Any] = dict.fromkeys(NODE_COLUMNS)
    for key, value in node.__dict__.items():
        if key in row:
            row[key] = list(value) if isinstance(value, list) else value
    row["sources"] = [s.value for s in node.sources]
    for col in _DATE_COLUMNS:
        if row[col] is not None:
            row[col] = row[col].isoformat()
    row["name"] = display_name(node)
    row["date"] = row["published"] or row["release_date"] or row["date"]
    if row["release_date"]:  # a model's own date says who stated it; papers' dates are their own
        row["date_source"] = date_source_of(row["sources"])
    return row


def date_source_of(sources: list[str]) -> str | None:
    """Who stated a node's own ``release_date``: ``curated`` when the curated file did, else its
    first source (``hf_card``: the card's creation). Dates taken from an introducing paper are
    set by :mod:`graph.dates` as ``paper:<id>``."""
    if not sources:
        return None
    return "curated" if "curated" in sources else sources[0]


def edge_row(edge: Edge, provenance: list[Provenance] | None = None) -> dict[str, Any]:
    """Flatten an edge; provenance (its own unless given) becomes parallel lists, one entry per source."""
    prov = merge_provenance([], edge.provenance if provenance is None else provenance)
    kind = edge.kind.value if edge.kind else ""
    return flat_edge_row(edge.type.value, edge.source, edge.target, kind, edge.position, prov)


def flat_edge_row(
    etype: str, source: str, target: str, kind: str, position: int | None, provenance: dict[str, Any]
) -> dict[str, Any]:
    """The row an edge is written as; ``provenance`` is :func:`merge_provenance` output."""
    return {"type": etype, "source": source, "target": target, "kind": kind, "position": position, **provenance}


def merge_provenance(
    existing: list[Provenance] | list[dict[str, Any]], new: list[Provenance] | list[dict[str, Any]]
) -> dict[str, Any]:
    """Union of provenance by source: a source stated again replaces its own entry only.

    This is how the same builds-on edge stated by two sources keeps both.
    """
    if not existing and len(new) == 1 and isinstance(new[0], Provenance):  # the common case in bulk loads
        source, evidence, confidence, retrieved = _flat(new[0])
        return {
            "sources": [source],
            "evidence": [evidence],
            "confidence": [confidence],
            "retrieved": [retrieved],
            "trust": TRUST[source],
        }
    by_source: dict[str, dict[str, Any]] = {}
    for item in list(existing) + list(new):
        entry = item.model_dump(mode="json") if isinstance(item, Provenance) else dict(item)
        by_source[str(entry["source"])] = entry
    ordered = sorted(by_source.values(), key=lambda e: (-TRUST[e["source"]], e["source"]))
    return {
        "sources": [e["source"] for e in ordered],
        "evidence": [e["evidence"] for e in ordered],
        "confidence": [float(e["confidence"]) for e in ordered],
        "retrieved": [str(e["retrieved"]) for e in ordered],
        "trust": max((TRUST[e["source"]] for e in ordered), default=0),
    }


@lru_cache(maxsize=4096)
def _flat(p: Provenance) -> tuple[str, str, float, str]:
    """A provenance entry as plain values; bulk loads share a few entries across many edges."""
    return p.source.value, p.evidence, float(p.confidence), p.retrieved.isoformat()


def provenance_of(row: dict[str, Any]) -> list[dict[str, Any]]:
    """Inverse of the parallel-list layout: one dict per source."""
    return [
        {"source": s, "evidence": ev, "confidence": c, "retrieved": r}
        for s, ev, c, r in zip(
            row.get("sources") or [],
            row.get("evidence") or [],
            row.get("confidence") or [],
            row.get("retrieved") or [],
            strict=False,
        )
    ]
