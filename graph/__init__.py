"""Schema, stores and export of the lineage graph."""

from graph.backends import open_store
from graph.errors import LineageError
from graph.schema import Author, Edge, Method, Model, Paper, Provenance, Source
from graph.store import GraphStore, LoadReport, upsert

__all__ = [
    "Author",
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
