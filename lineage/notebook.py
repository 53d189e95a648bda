"""LLM Lineage from Python, made for notebooks: one import, one connection, any saved question::

    import lineage
    g = lineage.connect()                              # the store the CLI uses (LINEAGE_DB or NEO4J_URI)
    g.load_curated()                                   # once: the hand-checked lineage
    r = g.query("ancestors", id="Zephyr-7B", depth=4)  # ids resolved as on the CLI
    r                                                  # in Jupyter: the table and the lineage page
    r.to_pandas(), r.to_networkx(), r.to_pyvis()

Everything runs through the registry (:func:`queries.registry.run_query`), exactly as
``lineage query`` does: the same validation, the same id resolution, the same rows and subgraph.
A :class:`Result` only draws and converts what the query returned; it never reads the store again.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from lineage.settings import Settings

if TYPE_CHECKING:
    from graph.store import GraphStore, LoadReport
    from queries.spec import QueryResult, SavedQuery

__all__ = ["Lineage", "Result", "connect"]

#: What ``pip install`` names for the optional notebook dependencies (pandas).
EXTRA = "llm-lineage[notebook]"


def connect(
    path: str | os.PathLike[str] | None = None,
    *,
    uri: str | None = None,
    user: str | None = None,
    password: str | None = None,
    database: str | None = None,
    timeout: float = 120.0,
) -> Lineage:
    """Connect to the configured store, as the ``lineage`` command does.

    The embedded store allows one process at a time, so it is opened for each call and closed
    after: the CLI (``lineage load …``) or ``lineage serve`` can use it between two cells. Inside
    ``with lineage.connect() as g:`` it stays open for the block. A Neo4j connection stays open
    until :meth:`Lineage.close`.

    Parameters
    ----------
    path : embedded store directory; default ``$LINEAGE_DB`` (or the data home). Giving one means
        the embedded store even when ``NEO4J_URI`` is set.
    uri, user, password, database : a Neo4j server instead; default ``NEO4J_URI``, ``NEO4J_USERNAME``,
        ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``.
    timeout : seconds before the engine stops a saved query (the CLI's ``--timeout``).

    Examples
    --------
    >>> g = lineage.connect()                       # doctest: +SKIP
    >>> g = lineage.connect("zephyr.lbug")          # doctest: +SKIP
    >>> with lineage.connect(uri="bolt://localhost:7687", password="…") as g:  # doctest: +SKIP
    ...     g.query("descendants", id="DPO")
    """
    if path is not None and uri is not None:
        raise ValueError("connect(): give path (embedded store) or uri (Neo4j), not both")
    settings = Settings()
    if path is not None:
        settings.db, settings.neo4j_uri = Path(path), None
    if uri is not None:
        settings.neo4j_uri = uri
    settings.neo4j_user = user or settings.neo4j_user
    settings.neo4j_password = password if password is not None else settings.neo4j_password
    settings.neo4j_database = database or settings.neo4j_database
    store = settings.open_store()  # fails here, not at the first query, when the store cannot be opened
    if store.single_writer:
        store.close()
        return Lineage(settings=settings, timeout=timeout)
    return Lineage(store, settings, timeout=timeout)


class Lineage:
    """The saved questions to ask one store.

    ``Lineage(store)`` wraps a store you opened (and :meth:`close` closes it);
    ``Lineage(settings=...)`` opens the store those settings name for each call.
    """

    def __init__(
        self, store: GraphStore | None = None, settings: Settings | None = None, *, timeout: float = 120.0
    ) -> None:
        if store is None and settings is None:
            raise ValueError("Lineage(): give a store or settings (or use lineage.connect())")
        self._held = store
        self._depth = 0  # nesting of ``with`` blocks holding an embedded store open
        self.settings = settings
        self.timeout = timeout

    @property
    def backend(self) -> str:
        return self._held.backend if self._held is not None else self.settings.backend  # type: ignore[union-attr]

    @contextmanager
    def opened(self) -> Iterator[GraphStore]:
        """The store for one call: the held one, else one opened for the call and closed after."""
        if self._held is not None:
            yield self._held
            return
        store = self.settings.open_store()  # type: ignore[union-attr]
        try:
            yield store
        finally:
            store.close()

    def query(self, name: str, /, **params: Any) -> Result:
        """Run the saved query or analytic ``name`` with keyword parameters.

        Node parameters take anything the CLI takes: ids (``model:zephyr-7b``), names
        (``"Zephyr-7B"``), arXiv or Hugging Face ids. Lists may be Python lists, dates
        ``datetime.date``. An unknown query or parameter raises :class:`graph.errors.QueryError`
        naming it; see :meth:`queries` for what there is.

        >>> g.query("ancestors", id="Zephyr-7B", depth=4)       # doctest: +SKIP
        >>> g.query("pagerank", limit=10)                        # doctest: +SKIP
        """
        from queries.registry import get_query, run_query

        get_query(name)  # an unknown name fails before the store is opened
        raw = {key: _plain(value) for key, value in params.items()}
        with self.opened() as store:
            return Result(run_query(store, name, raw, timeout=self.timeout))

    def queries(self) -> QueryList:
        """The saved queries and analytics, with their parameters (a table in a notebook)."""
        from queries.registry import registry

        return QueryList(list(registry().values()))

    def load_curated(self, file: str | os.PathLike[str] | None = None) -> LoadReport:
        """Load the curated lineage (``lineage load curated``): idempotent, so safe to re-run."""
        from loaders.checkpoints import tie_checkpoints
        from loaders.curated import CURATED_FILE, load_curated

        batch_size = self.settings.batch_size if self.settings else 5000
        with self.opened() as store:
            report = load_curated(store, Path(file) if file else CURATED_FILE, batch_size=batch_size)
            report += tie_checkpoints(store)  # card nodes of repos the curated models list, as the CLI does
        return report

    def close(self) -> None:
        """Release the store (a held one; an embedded store opened per call is already closed)."""
        if self._held is not None:
            self._held.close()
            self._held = None if self.settings is not None else self._held

    def __enter__(self) -> Lineage:
        if self._held is None:
            self._held = self.settings.open_store()  # type: ignore[union-attr]
            self._depth = 1
        elif self._depth:
            self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        if self._depth:
            self._depth -= 1
            if self._depth == 0:
                self.close()
        else:
            self.close()

    def __repr__(self) -> str:
        s = self.settings
        where = (s.neo4j_uri or str(s.db)) if s is not None else ""
        return f"<Lineage {self.backend}{' ' + where if where else ''}>"


class Result:
    """A saved query's answer: rows (a table) and the subgraph they describe.

    Iterate it for the rows (dicts), or convert: :meth:`to_pandas`, :meth:`to_networkx`,
    :meth:`to_pyvis`, :meth:`write_html`. In Jupyter it shows the table and the lineage page.
    """

    def __init__(self, result: QueryResult) -> None:
        self._result = result

    @property
    def name(self) -> str:
        return self._result.query.name

    @property
    def params(self) -> dict[str, Any]:
        """The validated parameters, node ids resolved (``{"id": "model:zephyr-7b", "depth": 3, …}``)."""
        return dict(self._result.params)

    @property
    def columns(self) -> list[str]:
        return self._result.columns

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self._result.rows

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The subgraph itself (shared: :meth:`to_networkx` gives a copy to change)."""
        return self._result.graph

    @property
    def title(self) -> str:
        from lineage.cli_common import format_params

        return f"{self.name} {format_params(self.params)}".strip()

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.rows[index]

    def __repr__(self) -> str:
        g = self.graph
        return (
            f"<Result {self.title}: {len(self):,} rows, {g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges>"
        )

    def _repr_html_(self) -> str:
        from viz.notebook import result_html

        return result_html(self.title, self.columns, self.rows, self.graph)

    def to_pandas(self) -> Any:
        """The rows as a ``pandas.DataFrame`` (columns in the query's order). Needs pandas."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(f"to_pandas() needs pandas: pip install '{EXTRA}' (or pip install pandas)") from None
        return pd.DataFrame(self.rows, columns=self.columns)

    def to_networkx(self) -> nx.MultiDiGraph:
        """A copy of the subgraph: node attributes as stored, one edge per relation (key ``TYPE:kind``)."""
        return self.graph.copy()

    def to_pyvis(self, **kw: Any) -> Any:
        """A ``pyvis.network.Network`` drawn like the project's pages; see :func:`viz.notebook.to_pyvis`."""
        from viz.notebook import to_pyvis

        return to_pyvis(self.graph, title=self.title, **kw)

    def write_html(self, path: str | os.PathLike[str], *, layout: str = "force") -> Path:
        """Write the offline lineage page (as ``lineage query --viz`` does) and return its path."""
        from viz import write_page

        write_page(self.graph, path, title=self.title, layout=layout)
        return Path(path)


class QueryList(list["SavedQuery"]):
    """The saved queries; a table in a notebook."""

    def _repr_html_(self) -> str:
        from viz.notebook import table_html

        rows = [
            {"name": q.name, "parameters": ", ".join(p.describe() for p in q.params), "description": q.description}
            for q in self
        ]
        return table_html(["name", "parameters", "description"], rows, max_rows=len(rows))

    def __repr__(self) -> str:
        return "\n".join(f"{q.name}({', '.join(p.describe() for p in q.params)})" for q in self)


def _plain(value: Any) -> Any:
    """What the registry's parameter model takes: dates as ISO text, tuples and sets as lists."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    return value
