"""Schema, stores and export of the lineage graph."""

from graph.backends import open_store
from graph.errors import LineageError
from graph.schema import Author, Dataset, Edge, Method, Model, Paper, Provenance, Source
from graph.store import GraphStore, LoadReport, upsert

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
