"""The stores a benchmark compares, side by side in one run."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

from graph.backends import open_store
from graph.store import GraphStore

BENCH_MEMORY = {"LINEAGE_NEO4J_HEAP": "2g", "LINEAGE_NEO4J_PAGECACHE": "1g", "LINEAGE_NEO4J_TX_MEMORY": "1g"}


def use_bench_memory(env: MutableMapping[str, str]) -> None:
    """Size the server the benchmark starts for bulk loads on this 24 GiB box (the test suite's
    stays small); settings already in ``env`` win."""
    for name, value in BENCH_MEMORY.items():
        env.setdefault(name, value)


def worker_store(backend: str, tmp: str | Path) -> tuple[GraphStore, Any]:
    """The store a load benchmark's worker process writes into, and the server it started for
    it (or None): an emptied Neo4j at NEO4J_URI (the parent started it); for ``neo4j-import`` a
    server of its own in ``tmp``, since the import stops and restarts it, which a server the
    parent process owns (and watches) would not survive; else a fresh embedded store in ``tmp``
    with the configured buffer pool."""
    if backend == "neo4j-import":
        from lineage.neo4j_server import Neo4jServer

        server = Neo4jServer.start(Path(tmp) / "neo4j", password="bench-pass")
        uri, user, password = server.uri, server.user, server.password
        return open_store("neo4j", uri=uri, user=user, password=password, server=server), server
    if backend == "neo4j":
        store = open_store(
            "neo4j",
            uri=os.environ["NEO4J_URI"],
            user=os.environ.get("NEO4J_USERNAME", "neo4j"),
            password=os.environ.get("NEO4J_PASSWORD"),
        )
        store.clear()
        return store, None
    from lineage.settings import Settings

    return open_store("ladybug", path=Path(tmp) / "bench.lbug", buffer_pool_mb=Settings().buffer_pool_mb), None


def stores(neo4j: bool, embedded: bool = True) -> Iterator[tuple[str, Callable[[], GraphStore]]]:
    """Yield ``(backend, make_empty_store)``: embedded always; Neo4j when asked or NEO4J_URI is set.

    Without NEO4J_URI the project's own server is started (Java 17 + Maven) and stopped after.
    """
    tmp = tempfile.mkdtemp(prefix="lineage-bench-")
    counter = iter(range(10**6))

    def embedded_store() -> GraphStore:
        return open_store("ladybug", path=Path(tmp) / f"db{next(counter)}.lbug")

    if embedded:
        yield "ladybug", embedded_store
    if not (neo4j or os.environ.get("NEO4J_URI")):
        return
    uri, user, pw = (
        os.environ.get("NEO4J_URI"),
        os.environ.get("NEO4J_USERNAME", "neo4j"),
        os.environ.get("NEO4J_PASSWORD"),
    )
    server = None
    if not uri:
        from lineage.neo4j_server import Neo4jServer

        use_bench_memory(os.environ)
        server = Neo4jServer.start(password="bench-pass")
        uri, user, pw = server.uri, server.user, server.password

    def neo() -> GraphStore:
        store = open_store("neo4j", uri=uri, user=user, password=pw)
        store.clear()
        return store

    try:
        yield "neo4j", neo
    finally:
        if server:
            server.stop()
