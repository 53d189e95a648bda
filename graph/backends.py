"""Pick and open a store. The only place that knows which backends exist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph.errors import StoreError
from graph.store import GraphStore


def open_store(
    backend: str = "ladybug",
    *,
    path: str | Path | None = None,
    uri: str | None = None,
    user: str = "neo4j",
    password: str | None = None,
    database: str | None = None,
    read_only: bool = False,
    buffer_pool_mb: int | None = None,
    server: Any = None,
) -> GraphStore:
    """Open the embedded store at ``path`` or the Neo4j database at ``uri``.

    ``buffer_pool_mb`` bounds the embedded engine's memory (None: the store's own default).
    ``server``: the local Neo4j server behind ``uri`` that bulk loads may stop for an import
    (:class:`graph.neo4j_import.OfflineImporter`), if this process owns it.
    """
    if backend == "neo4j":
        from graph.neo4j_store import Neo4jStore

        if not uri:
            raise StoreError("the neo4j backend needs a URI (NEO4J_URI or --neo4j-uri)")
        return Neo4jStore(uri, user=user, password=password, database=database, server=server)
    if backend == "ladybug":
        from graph.ladybug_store import LadybugStore

        if path is None:
            raise StoreError("the embedded backend needs a database path (LINEAGE_DB or --db)")
        sizing = {} if buffer_pool_mb is None else {"buffer_pool_mb": buffer_pool_mb}
        return LadybugStore(path, read_only=read_only, **sizing)
    raise StoreError(f"unknown backend {backend!r}; use 'ladybug' or 'neo4j'")
