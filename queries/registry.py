"""Saved queries: ``.cypher`` files with a typed header, validated before anything runs.

Header grammar (``//`` comment lines at the top of the file)::

    // name: ancestors
    // description: Everything a node builds on, transitively.
    // param id: node -- the node to start from
    // param depth: int = 3 (1..10) -- builds-on hops to follow
    // returns: id, name, label, depth
    // subgraph: $id, id
    // example: lineage query ancestors id=model:zephyr-7b depth=4

Parameter types: ``node`` (an id, normalised and checked to exist), ``nodes`` (a comma
list of ids), ``int`` (with bounds), ``str``, ``date`` (``YYYY-MM-DD``; ``YYYY`` and ``YYYY-MM``
mean their first day; empty: none), ``list`` (comma list of strings; ``list of kinds`` takes
only the builds-on kinds of :class:`graph.schema.BuildKind`, and its help lists them) and
``choice[a|b]``. ``subgraph`` names the columns (and ``$params``) that hold node ids; the
result's networkx subgraph is induced on those nodes. Where the embedded engine needs other
text for the same question the body has ``// --- neo4j`` and ``// --- ladybug`` sections.

Lineage walks declare ``contrast: choice[no|yes] = no``: their Cypher skips builds-on edges
whose kind is in ``$contrast_kinds`` (:data:`graph.schema.CONTRAST_KINDS`, passed to the engine
by :func:`run_query`) unless ``$contrast = 'yes'``. ``// reached:`` and ``// filled:`` header
lines ask for each row's hop (``via``, ``via_kind``, ``via_source``; see :mod:`queries.hops`).
``// filter: NAME`` runs :data:`ROW_FILTERS` ``[NAME]`` on the engine's rows, for a judgement
Cypher cannot make (``license-drift``'s rule table, :mod:`queries.licenses`); the columns it adds
are listed in ``// filled:``.

Analytics that Cypher does badly (PageRank, main paths, descendant impact) live in
:mod:`queries.analytics` as :class:`Analytic` entries: same parameter declarations, same
validation, listed by :func:`registry` and run by :func:`run_query` like any saved query.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.errors import LineageError, QueryError, QueryTimeoutError, StoreError, UnknownQueryError
from graph.ids import InvalidIdError, normalize_id
from graph.store import GraphStore, to_networkx
from graph.vocab import CONTRAST_KINDS
from queries import indexed
from queries.analytics import ANALYTICS, time_bound
from queries.hops import annotate
from queries.licenses import drift_rows
from queries.resolve import AmbiguousNodeError, resolve, resolve_all
from queries.resolve import suggest as resolve_suggest

if TYPE_CHECKING:
    import networkx as nx

# The spec types live in queries.spec (so queries.analytics need not import this module);
# they stay importable from here, where callers have always found them.
from queries.spec import (
    MAX_TEXT,
    PARAM_LINE,
    QUERY_DIR,
    VOCABULARIES,
    Analytic,
    Param,
    QueryResult,
    SavedQuery,
    Subgraph,
    build_param_model,
    check_names,
    parse_param,
    parse_query_file,
    plain_values,
)

__all__ = [
    "MAX_TEXT",
    "PARAM_LINE",
    "QUERY_DIR",
    "VOCABULARIES",
    "Analytic",
    "Param",
    "QueryResult",
    "SavedQuery",
    "build_param_model",
    "get_query",
    "named",
    "node_ids_of",
    "parse_param",
    "parse_query_file",
    "query_rows",
    "registry",
    "resolve_node",
    "run_query",
    "subgraph_of",
    "suggest",
    "validate_params",
]


#: Python row filters a saved query names in its ``// filter:`` header line.
ROW_FILTERS = {"license_drift": drift_rows}


@cache
def registry(directory: Path = QUERY_DIR) -> dict[str, SavedQuery]:
    """All saved queries by name (loaded once), including the Python analytics."""
    queries: list[SavedQuery] = [parse_query_file(p) for p in sorted(directory.glob("*.cypher"))]
    if directory == QUERY_DIR:
        queries += list(ANALYTICS.values())
    out: dict[str, SavedQuery] = {}
    for q in queries:
        if q.name in out:
            raise QueryError(f"two saved queries are named {q.name!r}: {out[q.name].path} and {q.path}")
        if q.filter and q.filter not in ROW_FILTERS:
            raise QueryError(f"{q.path}: unknown filter {q.filter!r} (filters: {', '.join(sorted(ROW_FILTERS))})")
        out[q.name] = q
    return out


def get_query(name: str) -> SavedQuery:
    queries = registry()
    if name not in queries:
        near = difflib.get_close_matches(name, list(queries), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(near)}?" if near else f"; known: {', '.join(sorted(queries))}"
        raise UnknownQueryError(f"unknown query {name!r}{hint}")
    return queries[name]


# --- parameter validation ------------------------------------------------------------------


def validate_params(query: SavedQuery, raw: dict[str, Any], store: GraphStore | None = None) -> dict[str, Any]:
    """Check types, bounds and unknown names; resolve node parameters to ids that exist (with a store)."""
    check_names(query.name, query.params, list(raw))
    values = plain_values(query.params, raw)
    if values is None:
        values = _checked_by_model(query, raw)
    _check_values(query, values)
    for p in query.params:
        if p.type == "node" and not p.required and not values[p.name]:
            values[p.name] = None  # an optional node left out (an analytic's scope)
        elif p.type in ("node", "nodes"):
            given = values[p.name] if p.type == "nodes" else [values[p.name]]
            ids = _resolve_param(query, p.name, given, store)
            values[p.name] = ids if p.type == "nodes" else ids[0]
    return values


def _checked_by_model(query: SavedQuery, raw: dict[str, Any]) -> dict[str, Any]:
    """The values the query's pydantic model gives, or its first complaint as a :class:`QueryError`."""
    from pydantic import ValidationError

    try:
        return query.param_model()(**raw).model_dump()
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else "?"
        if err["type"] == "extra_forbidden":
            known = ", ".join(p.name for p in query.params)
            raise QueryError(f"{query.name}: unknown parameter {name!r} (parameters: {known})", name) from None
        got = repr(raw.get(name, "<missing>"))
        got = got if len(got) <= 80 else f"{got[:60]}… ({len(got):,} characters)"
        raise QueryError(f"{query.name}: parameter {name!r}={got}: {err['msg']}", name) from None


def _check_values(query: SavedQuery, values: dict[str, Any]) -> None:
    """Dates, vocabularies, and contrast kinds named without ``contrast=yes``: one line each."""
    for p in query.params:
        value = values.get(p.name)
        if p.type == "date" and value:
            values[p.name] = _iso_date(query.name, p.name, value)
        for item in value if p.allowed and isinstance(value, list) else []:
            if item not in p.allowed:
                raise QueryError(
                    f"{query.name}: parameter {p.name!r}: unknown {p.of[:-1]} {item!r} ({p.of}: {', '.join(p.allowed)})",
                    p.name,
                )
    contrast = [k for k in values.get("kinds") or [] if k in CONTRAST_KINDS]
    if contrast and values.get("contrast") != "yes" and any(p.name == "contrast" for p in query.params):
        raise QueryError(
            f"{query.name}: parameter 'kinds': {', '.join(contrast)} is a contrast kind, not lineage; "
            "add contrast=yes to follow it",
            "kinds",
        )


def _iso_date(query: str, name: str, value: str) -> str:
    """``YYYY-MM-DD`` (``YYYY`` and ``YYYY-MM`` mean their first day)."""
    text = value.strip()
    padded = text + {4: "-01-01", 7: "-01"}.get(len(text), "")
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", padded):
            raise ValueError
        return dt.date.fromisoformat(padded).isoformat()
    except ValueError:
        raise QueryError(f"{query}: parameter {name!r}={value!r}: not a date; use YYYY-MM-DD", name) from None


def _resolve_param(query: SavedQuery, name: str, given: list[str], store: GraphStore | None) -> list[str]:
    """Node ids for what a user typed (:mod:`queries.resolve`); without a store, normalised only."""
    if store is None:
        return [resolve_node(v) for v in given]
    try:
        return [r.id for r in resolve_all(store, given, name)]
    except AmbiguousNodeError as exc:
        raise AmbiguousNodeError(exc.text, exc.candidates, name, f"{query.name}: parameter {name!r}=") from None


def resolve_node(raw: str, store: GraphStore | None = None) -> str:
    """The node id ``raw`` names. With a store, anything :func:`queries.resolve.resolve` accepts
    (ids, arXiv ids, Hugging Face repo ids, names, aliases), raising when there is none or several;
    without one, the id normalised however it is spelled (one that cannot be stays as typed)."""
    if store is not None:
        return resolve(store, raw)
    try:
        return normalize_id(raw)
    except InvalidIdError:
        return raw


def suggest(store: GraphStore, text: str, n: int = 3) -> list[str]:
    """Near matches for a text that names no node (:func:`queries.resolve.suggest`)."""
    return resolve_suggest(store, text, n)


# --- running -------------------------------------------------------------------------------


def node_ids_of(query: SavedQuery, params: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    ids: list[str] = []
    for col in query.subgraph:
        if col.startswith("$"):
            value = params.get(col[1:])
            ids += value if isinstance(value, list) else [value] if value else []
            continue
        for row in rows:
            value = row.get(col)
            ids += value if isinstance(value, list) else [value] if value else []
    return list(dict.fromkeys(i for i in ids if isinstance(i, str)))


def run_query(
    store: GraphStore, name: str, params: dict[str, Any] | None = None, *, timeout: float | None = None
) -> QueryResult:
    """Validate, run on the store's dialect, and build the subgraph.

    ``timeout`` (seconds) stops the saved query's own Cypher in the engine.
    """
    query = get_query(name)
    values = validate_params(query, params or {}, store)
    if isinstance(query, Analytic) and query.func is not None:
        try:
            with time_bound(timeout):  # its own bound: ANALYTIC_TIMEOUT unless the caller gives one
                rows, graph = query.func(store, values)
        except QueryTimeoutError as exc:
            raise named(query.name, exc) from None
        return QueryResult(query, values, rows, graph)
    rows = query_rows(store, query, values, timeout=timeout)
    ids = node_ids_of(query, values, rows)
    # read now, while the store is open; made a networkx graph only if the caller uses it
    return QueryResult(query, values, rows, Subgraph(*store.subgraph(ids)) if ids else Subgraph({}, []))


def query_rows(
    store: GraphStore, query: SavedQuery, values: dict[str, Any], *, timeout: float | None = None
) -> list[dict[str, Any]]:
    """A saved Cypher query's rows for validated ``values``: the engine's answer plus the columns
    the registry fills (each row's hop, :mod:`queries.hops`). What :func:`run_query` runs, and
    the API where it needs rows without a subgraph."""
    engine = {**values, "contrast_kinds": list(CONTRAST_KINDS)}
    try:
        rows = indexed.answer(store, query, engine)  # the embedded store's graph index, if any
        if rows is None:
            rows = store.read(query.text(store.backend), engine, timeout=timeout, columns=query.engine_columns)
        everyone = None
        if query.reached and "via" in query.filled and values.get("since"):  # hops may pass older nodes
            unfiltered = {**engine, "since": ""}
            everyone = indexed.answer(store, query, unfiltered)
            if everyone is None:
                everyone = store.read(query.text(store.backend), unfiltered, timeout=timeout)
    except Exception as exc:  # the engine's own message is the useful part
        raise named(query.name, exc) from exc
    if query.reached:
        rows = annotate(
            store, rows, values, reached=query.reached, filled=query.filled, columns=query.returns, everyone=everyone
        )
    if query.filter:
        rows = ROW_FILTERS[query.filter](rows, values)
    return rows


def named(name: str, exc: Exception) -> LineageError:
    """``exc`` with the query's name in front, of the same type where it is one of ours (a
    timeout stays a timeout, out of memory stays out of memory), else a :class:`QueryError`."""
    message = f"{name}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    if isinstance(exc, QueryError):
        return type(exc)(message, exc.parameter)
    if isinstance(exc, StoreError):
        return type(exc)(message)
    return QueryError(message)


def subgraph_of(store: GraphStore, ids: list[str]) -> nx.MultiDiGraph:
    """The nodes ``ids`` and the edges among them (``store.subgraph``: one round trip on Neo4j)."""
    if not ids:
        return to_networkx({}, [])
    return to_networkx(*store.subgraph(ids))
