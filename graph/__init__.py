"""Schema, stores and export of the lineage graph.

The names below load on first use (PEP 562): ``import graph.errors`` — which every CLI
command module does — must not pay for networkx, pydantic and the store, or ``lineage --help``
would (issue 25).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graph.backends import open_store
    from graph.errors import LineageError
    from graph.schema import Author, Dataset, Edge, Method, Model, Paper, Provenance, Source
    from graph.store import GraphStore, LoadReport, upsert

_HOME = {
    "open_store": "graph.backends",
    "LineageError": "graph.errors",
    **dict.fromkeys(("Author", "Dataset", "Edge", "Method", "Model", "Paper", "Provenance", "Source"), "graph.schema"),
    **dict.fromkeys(("GraphStore", "LoadReport", "upsert"), "graph.store"),
}

__all__ = [
    "Author",
    "Dataset",
    "Edge",
    "GraphStore",
    "LineageError",
    "LoadReport",
    "Method",
    "Model",
    "Paper",
    "Provenance",
    "Source",
    "open_store",
    "upsert",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'graph' has no attribute {name!r}")
    return getattr(import_module(_HOME[name]), name)
