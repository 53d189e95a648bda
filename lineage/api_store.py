"""The one store a server process uses, made safe to share between request threads.

FastAPI runs the (sync) handlers in a thread pool. The Neo4j driver is thread-safe (each call
takes its own session), so Neo4j calls run concurrently. The embedded store has one connection
and not every method takes its internal lock, so here every call on it is serialised with one
lock. Every read gets the service's time limit unless the caller gives its own, so saved
queries, which do not pass one, are time-limited too.

On the embedded store this process is the only writer (Ladybug locks the directory), so read
results are cached (LRU, ``cache_size`` entries) and the whole cache is dropped on every write
through this wrapper: a repeated lineage question costs a dictionary look-up. Neo4j may have
other writers, so nothing is cached there. Ad-hoc Cypher reads through :meth:`uncached`.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from graph.store import Batch, GraphStore, LoadReport


class ServiceStore:
    """A :class:`graph.store.GraphStore` wrapper: serialised (embedded), cached and time-limited reads."""

    #: Results larger than this are not cached; all cached results together hold at most
    #: ``MAX_TOTAL_ROWS`` rows (least recently used first out), which bounds the memory.
    MAX_CACHED_ROWS = 5000
    MAX_TOTAL_ROWS = 200_000

    def __init__(self, store: GraphStore, timeout: float | None = 10.0, *, cache_size: int = 1024) -> None:
        self.inner = store
        self.backend = store.backend
        self.single_writer = store.single_writer
        self.location = store.location
        self.timeout = timeout
        embedded = store.single_writer
        self._lock: Any = threading.RLock() if embedded else contextlib.nullcontext()
        self._cache_size = cache_size if embedded else 0
        self._cache: OrderedDict[Any, Any] = OrderedDict()
        self._cached_rows = 0

    def uncached(self) -> ServiceStore:
        """The same store and lock, without the cache (for ad-hoc Cypher)."""
        view = object.__new__(ServiceStore)
        view.__dict__.update(self.__dict__)
        view._cache_size = 0
        return view

    def _cached(self, key: Any, compute: Any) -> Any:
        if not self._cache_size:
            return compute()
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return _copy(self._cache[key])
            value = compute()
            if len(value) <= self.MAX_CACHED_ROWS:
                self._cache[key] = _copy(value)
                self._cached_rows += len(value)
                while len(self._cache) > self._cache_size or self._cached_rows > self.MAX_TOTAL_ROWS:
                    self._cached_rows -= len(self._cache.popitem(last=False)[1])
            return value

    def _changed(self) -> None:
        self._cache.clear()
        self._cached_rows = 0

    def read(
        self,
        cypher: str,
        params: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,
        columns: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        limit = timeout if timeout is not None else self.timeout

        def compute() -> list[dict[str, Any]]:
            with self._lock:
                return self.inner.read(cypher, params, timeout=limit, columns=columns)

        return self._cached(("read", cypher, _key(params)), compute)

    def adhoc(
        self, statement: str, params: dict[str, Any], *, limit: int, timeout: float, open_lock: Any = None
    ) -> list[dict[str, Any]]:
        """Not serialised or cached: the store isolates ad-hoc Cypher itself and holds this
        wrapper's lock only while the statement is set up, so a runaway delays nobody."""
        lock = self._lock if open_lock is None else open_lock
        return self.inner.adhoc(statement, params, limit=limit, timeout=timeout, open_lock=lock)

    def nodes(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = list(ids)

        def compute() -> dict[str, dict[str, Any]]:
            with self._lock:
                return self.inner.nodes(ids)

        return self._cached(("nodes", tuple(ids)), compute)

    def subgraph(self, ids: Iterable[str]) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
        """Through the cached :meth:`nodes` and :meth:`edges_among`."""
        ids = list(dict.fromkeys(ids))
        return self.nodes(ids), self.edges_among(ids)

    def degree(self, node_id: str) -> dict[str, dict[str, int]]:
        def compute() -> dict[str, dict[str, int]]:
            with self._lock:
                return self.inner.degree(node_id)

        return self._cached(("degree", node_id), compute)

    def edges_among(self, ids: Iterable[str], types: Iterable[str] | None = None) -> list[dict[str, Any]]:
        ids, types = list(ids), list(types) if types is not None else None

        def compute() -> list[dict[str, Any]]:
            with self._lock:
                return self.inner.edges_among(ids, types)

        return self._cached(("edges", tuple(ids), tuple(types) if types is not None else None), compute)

    def graph_index(self, build: bool = True) -> Any:
        """The embedded store's graph index (graph/ladybug_index.py), under this wrapper's lock."""
        index_of = getattr(self.inner, "graph_index", None)
        if index_of is None:
            return None
        with self._lock:
            return index_of(build=build)

    def counts(self) -> dict[str, int]:
        with self._lock:
            return self.inner.counts()

    def checkpoint(self, key: str) -> str | None:
        with self._lock:
            return self.inner.checkpoint(key)

    def write_batch(
        self, nodes: Sequence[Any] | Batch, edges: Sequence[Any] = (), checkpoint: tuple[str, str] | None = None
    ) -> LoadReport:
        with self._lock:
            try:
                return self.inner.write_batch(nodes, edges, checkpoint)
            finally:
                self._changed()

    def clear(self) -> None:
        with self._lock:
            try:
                self.inner.clear()
            finally:
                self._changed()

    def close(self) -> None:
        with self._lock:
            self._changed()
            self.inner.close()


def _key(value: Any) -> Any:
    """A hashable form of query parameters."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), _key(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("[", *(_key(v) for v in value))
    return (type(value).__name__, value) if isinstance(value, (bool, int, float)) else value


def _copy(value: Any) -> Any:
    """Callers get their own rows, so nothing they do can change the cache."""
    if isinstance(value, dict):
        return {k: dict(v) if isinstance(v, dict) else v for k, v in value.items()}
    return [dict(row) if isinstance(row, dict) else row for row in value]


def jsonable(value: Any) -> Any:
    """Rows as plain JSON: engine values (dates, decimals, node objects, NaN) become text or null."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if hasattr(value, "iso_format"):  # neo4j.time types
        return value.iso_format()
    if hasattr(value, "items"):  # neo4j Node / Relationship
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)
