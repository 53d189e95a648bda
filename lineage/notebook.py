"""LLM Lineage from Python, made for notebooks: one import, one connection, any saved question.

>>> import lineage                                          # doctest: +SKIP
>>> g = lineage.connect()                                   # the store the CLI uses (LINEAGE_DB or NEO4J_URI)
>>> g.load_curated()                                        # once: the hand-checked lineage
>>> r = g.query("ancestors", id="Zephyr-7B", depth=4)       # ids resolved as on the CLI
>>> r                                                       # in Jupyter: the table and the lineage page
>>> r.to_pandas(), r.to_networkx(), r.to_pyvis()

Everything runs through the registry (:func:`queries.registry.run_query`), exactly as
``lineage query`` does: the same validation, the same id resolution, the same rows and subgraph.
A :class:`Result` only draws and converts what the query returned; it never reads the store again.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
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
    """Open the configured store, as the ``lineage`` command does.

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
    return Lineage(settings.open_store(), settings, timeout=timeout)


class Lineage:
    """An open store and the saved questions to ask it. Close it (or use ``with``) to release the store."""

    def __init__(self, store: GraphStore, settings: Settings | None = None, *, timeout: float = 120.0) -> None:
        self.store = store
        self.settings = settings
        self.timeout = timeout

    @property
    def backend(self) -> str:
        return self.store.backend

    def query(self, name: str, /, **params: Any) -> Result:
        """Run the saved query or analytic ``name`` with keyword parameters.

        Node parameters take anything the CLI takes: ids (``model:zephyr-7b``), names
        (``"Zephyr-7B"``), arXiv or Hugging Face ids. Lists may be Python lists, dates
        ``datetime.date``. An unknown query or parameter raises :class:`graph.errors.QueryError`
        naming it; see :meth:`queries` for what there is.

        >>> g.query("ancestors", id="Zephyr-7B", depth=4)       # doctest: +SKIP
        >>> g.query("pagerank", limit=10)                        # doctest: +SKIP
        """
        from queries.registry import run_query

        raw = {key: _plain(value) for key, value in params.items()}
        return Result(run_query(self.store, name, raw, timeout=self.timeout))

    def queries(self) -> QueryList:
        """The saved queries and analytics, with their parameters (a table in a notebook)."""
        from queries.registry import registry

        return QueryList(list(registry().values()))

    def load_curated(self, file: str | os.PathLike[str] | None = None) -> LoadReport:
        """Load the curated lineage (``lineage load curated``): idempotent, so safe to re-run."""
        from loaders.checkpoints import tie_checkpoints
        from loaders.curated import CURATED_FILE, load_curated

        report = load_curated(self.store, Path(file) if file else CURATED_FILE, batch_size=self._batch_size)
        report += tie_checkpoints(self.store)  # card nodes of repos the curated models list, as the CLI does
        return report

    @property
    def _batch_size(self) -> int:
        return self.settings.batch_size if self.settings else 5000

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Lineage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.settings.neo4j_uri or str(self.settings.db) if self.settings else ""
        return f"<Lineage {self.backend} {where}>".replace("  ", " ")


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
