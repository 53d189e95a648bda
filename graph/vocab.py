"""The graph's vocabulary: sources, edge types, builds-on kinds and the stores' column lists.

Plain enums and constants, apart from the pydantic records of :mod:`graph.schema` (which
re-exports them): a saved query reads the graph with these alone and never imports pydantic,
a tenth of a second of the CLI's start-up (issue 25, BENCHMARKS.md).
"""

from __future__ import annotations

from enum import StrEnum


class Source(StrEnum):
    """Where a fact came from. Users filter on this to decide what to trust."""

    curated = "curated"
    arxiv = "arxiv"
    semantic_scholar = "semantic_scholar"
    openalex = "openalex"
    hf_card = "hf_card"
    hf_hub = "hf_hub"
    edge_list = "edge_list"
    extracted = "extracted"


#: Higher is more trustworthy; an edge's ``trust`` is the best rank among its sources.
TRUST: dict[str, int] = {
    "curated": 3,
    "arxiv": 2,
    "semantic_scholar": 2,
    "openalex": 2,
    "hf_card": 2,
    "hf_hub": 2,
    "edge_list": 2,
    "extracted": 1,
}


class EdgeType(StrEnum):
    CITES = "CITES"
    AUTHORED = "AUTHORED"
    INTRODUCES = "INTRODUCES"
    BUILDS_ON = "BUILDS_ON"
    MENTIONS = "MENTIONS"
    TRAINED_ON = "TRAINED_ON"  # model → the dataset it was trained (or fine-tuned) on


class BuildKind(StrEnum):
    """How one thing relates to an older one on a BUILDS_ON edge (direction: newer → older).

    Most kinds are lineage (:data:`LINEAGE_KINDS`); ``replaces`` and ``compared_with`` are
    contrast (:data:`CONTRAST_KINDS`), kept on the same edge type so nothing is migrated.
    """

    fine_tuned_from = "fine_tuned_from"
    extends = "extends"
    uses_method = "uses_method"
    variant_of = "variant_of"
    replaces = "replaces"
    compared_with = "compared_with"
    derived_from = "derived_from"
    distilled_from = "distilled_from"
    adapter_of = "adapter_of"
    merged_from = "merged_from"
    quantized_from = "quantized_from"
    successor_of = "successor_of"
    trained_on_data_from = "trained_on_data_from"


#: The newer thing is made from, trained from, extends or uses the older one: what lineage
#: queries (ancestors, descendants, path, families, impact, main paths) follow.
LINEAGE_KINDS: tuple[str, ...] = (
    "fine_tuned_from",
    "adapter_of",
    "quantized_from",
    "merged_from",
    "distilled_from",
    "extends",
    "uses_method",
    "variant_of",
    "successor_of",
    "derived_from",
    "trained_on_data_from",
)
#: The newer thing replaces, or is compared with, the older one: not made of it. Lineage
#: queries follow these only when asked (``contrast=yes``); views and exports show them.
CONTRAST_KINDS: tuple[str, ...] = ("replaces", "compared_with")


#: Allowed (source label, target label) pairs per edge type.
ENDPOINTS: dict[EdgeType, tuple[set[str], set[str]]] = {
    EdgeType.CITES: ({"Paper"}, {"Paper"}),
    EdgeType.AUTHORED: ({"Author"}, {"Paper"}),
    EdgeType.INTRODUCES: ({"Paper"}, {"Model", "Method"}),
    EdgeType.BUILDS_ON: ({"Paper", "Model", "Method"}, {"Paper", "Model", "Method"}),
    EdgeType.MENTIONS: ({"Paper"}, {"Model", "Method"}),
    EdgeType.TRAINED_ON: ({"Model"}, {"Dataset"}),
}

NODE_LABELS = ("Paper", "Author", "Model", "Method", "Dataset")


# --- rows: the flat form the stores write ------------------------------------------------

#: Every node property column and its Ladybug type; Neo4j stores the same names.
NODE_COLUMNS: dict[str, str] = {
    "id": "STRING",
    "label": "STRING",
    "name": "STRING",
    "title": "STRING",
    "abstract": "STRING",
    "authors": "STRING[]",
    "authors_complete": "BOOLEAN",
    "published": "STRING",
    "updated": "STRING",
    "version": "INT64",
    "categories": "STRING[]",
    "doi": "STRING",
    "journal_ref": "STRING",
    "comments": "STRING",
    "venue": "STRING",
    "aliases": "STRING[]",
    "organisation": "STRING",
    "release_date": "STRING",
    "parameters": "INT64",
    "hf_id": "STRING",
    "license": "STRING",
    "license_name": "STRING",
    "downloads": "INT64",
    "likes": "INT64",
    "pipeline_tag": "STRING",
    "library": "STRING",
    "note": "STRING",
    "sources": "STRING[]",
    "date": "STRING",
    "date_source": "STRING",
}

#: Every edge property column and its Ladybug type. Provenance is kept as parallel lists
#: (one entry per source) because Neo4j properties cannot hold maps.
EDGE_COLUMNS: dict[str, str] = {
    "kind": "STRING",
    "position": "INT64",
    "sources": "STRING[]",
    "evidence": "STRING[]",
    "confidence": "DOUBLE[]",
    "retrieved": "STRING[]",
    "trust": "INT64",
}
