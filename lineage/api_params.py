"""Request parameters: the route's own (``limit``, ``offset``, ``as``, ``format``, ...) and a saved
query's, with their OpenAPI documentation, and running a saved query with them.

Saved-query parameters have one definition, the query file's header: the query string is passed
as text to :func:`queries.registry.validate_params` (the same pydantic models the CLI uses), and
``/openapi.json`` documents them from the same declarations. Bad input raises :class:`ApiError`
naming the parameter (400), an unknown node 404 with suggestions.
"""

import re
from typing import Any

from fastapi import Request

from graph.errors import NodeNotFoundError
from graph.export import FORMATS
from graph.store import GraphStore
from lineage.api_errors import ApiError
from lineage.api_store import ServiceStore, jsonable
from queries.registry import Param, QueryResult, SavedQuery, resolve_node, run_query
from queries.registry import validate_params as registry_validate
from queries.resolve import AmbiguousNodeError, resolve

#: Rows per page of a saved query's result, unless the query declares its own ``limit``.
ROWS_LIMIT, ROWS_MAX = 100, 1000
OFFSET_MAX = 100_000
SEARCH_LIMIT, SEARCH_MAX, SEARCH_OFFSET_MAX = 10, 100, 1000
#: API parameters of the query routes; a saved query that declares one of these names owns it.
API_PARAMS = {"rows": ("limit", "offset", "as"), "export": ("format",), "viz": ("layout", "title")}


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"parameter {name!r}={raw!r}: not an integer", name) from None
    if not low <= value <= high:
        raise ApiError(400, f"parameter {name!r}={value}: must be between {low} and {high}", name)
    return value


def choice(request: Request, name: str, choices: tuple[str, ...], default: str) -> str:
    value = request.query_params.get(name, default)
    if value not in choices:
        raise ApiError(400, f"parameter {name!r}={value!r}: use one of {', '.join(choices)}", name)
    return value


def query_values(request: Request, query: SavedQuery, skip: set[str]) -> dict[str, Any]:
    """The saved query's parameters from the query string, as text for the registry to validate.

    Names in ``skip`` are the route's own (unless the query declares them); anything else
    unknown reaches the registry, which names it in its error.
    """
    declared = {p.name: p for p in query.params}
    raw: dict[str, Any] = {}
    for key in dict.fromkeys(request.query_params.keys()):
        if key in skip and key not in declared:
            continue
        values = request.query_params.getlist(key)
        param = declared.get(key)
        raw[key] = ",".join(values) if param and param.type in ("list", "nodes") else values[-1]
    return raw


def validate(store: ServiceStore, query: SavedQuery, raw: dict[str, Any]) -> dict[str, Any]:
    """The registry's validation; an unknown node id also names the parameter that held it."""
    try:
        return registry_validate(query, raw, store)
    except NodeNotFoundError as exc:
        raise not_found(query, raw, exc) from None


def resolve_id(store: GraphStore, text: str, parameter: str) -> str:
    """What a route's own node parameter names (:func:`queries.resolve.resolve`), as API errors."""
    try:
        return resolve(store, text.strip())
    except NodeNotFoundError as exc:
        raise ApiError(404, str(exc), parameter, suggestions=exc.suggestions) from None
    except AmbiguousNodeError as exc:
        raise ApiError(400, str(exc), parameter, suggestions=[c["id"] for c in exc.candidates]) from None


def not_found(query: SavedQuery, raw: dict[str, Any], exc: NodeNotFoundError) -> ApiError:
    name = next(
        (p.name for p in query.params if p.type in ("node", "nodes") and exc.node_id in _ids_in(raw.get(p.name))),
        None,
    )
    return ApiError(404, str(exc), name, suggestions=exc.suggestions)


def _ids_in(value: Any) -> list[str]:
    values = value.split(",") if isinstance(value, str) else list(value or [])
    return [resolve_node(str(v).strip()) for v in values if str(v).strip()]


def run_rows(store: ServiceStore, query: SavedQuery, raw: dict[str, Any]) -> tuple[dict[str, Any], list[dict]]:
    """Rows only: ``run_query`` without building the subgraph (analytics, which have no Cypher
    text, go through ``run_query`` itself)."""
    if not query.texts:
        result = run_graph(store, query, raw)
        return result.params, result.rows
    from queries.registry import query_rows  # the registry's engine parameters and hop columns

    values = validate(store, query, raw)
    return values, query_rows(store, query, values)


def run_graph(store: ServiceStore, query: SavedQuery, raw: dict[str, Any]) -> QueryResult:
    try:
        return run_query(store, query.name, raw)
    except NodeNotFoundError as exc:
        raise not_found(query, raw, exc) from None


def page(total: int, limit: int, offset: int) -> dict[str, Any]:
    end = offset + limit
    return {"total": total, "limit": limit, "offset": offset, "next_offset": end if end < total else None}


def rows_body(query: SavedQuery, values: dict[str, Any], rows: list[dict], limit: int, offset: int) -> dict:
    columns = list(query.returns) or (list(rows[0]) if rows else [])
    return {
        "query": query.name,
        "params": jsonable(values),
        "columns": columns,
        "rows": jsonable(rows[offset : offset + limit]),
        **page(len(rows), limit, offset),
    }


def format_params(values: dict[str, Any]) -> str:
    return " ".join(
        f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in values.items() if v not in ([], None)
    )


def file_stem(query: SavedQuery, values: dict[str, Any]) -> str:
    parts = [query.name]
    for p in query.params:
        if p.type in ("node", "nodes", "str") and values.get(p.name):
            value = values[p.name]
            parts.append("-".join(value) if isinstance(value, list) else str(value))
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", "-".join(parts)).strip("-.")
    return stem[:100] or "lineage"


# --- OpenAPI documentation of saved-query parameters --------------------------------------------


def _example_values(query: SavedQuery) -> dict[str, str]:
    pairs = [w.split("=", 1) for w in query.example.split() if "=" in w]
    return {k: v for k, v in pairs}


def param_doc(p: Param, example: str | None = None) -> dict[str, Any]:
    """An OpenAPI query parameter from a saved query's declaration (type, bounds, default)."""
    schema: dict[str, Any]
    help_text = p.help
    if p.type == "int":
        schema = {"type": "integer"}
        if p.low is not None:
            schema.update(minimum=p.low, maximum=p.high)
    elif p.type in ("list", "nodes"):
        schema = {"type": "string"}
        count = f", {p.low} to {p.high} of them" if p.low is not None else ""
        help_text += f" (comma-separated{count})"
    elif p.choices:
        schema = {"type": "string", "enum": p.choices}
    else:
        schema = {"type": "string", "maxLength": 300} | ({"minLength": 1} if p.required else {})
    if not p.required:
        schema["default"] = ",".join(p.default) if isinstance(p.default, tuple) else p.default
    doc: dict[str, Any] = {"name": p.name, "in": "query", "required": p.required, "schema": schema}
    doc["description"] = f"{help_text} [{p.type}]" if help_text else f"[{p.type}]"
    if example is not None:
        doc["example"] = example
    return doc


def api_param_docs(kind: str, query: SavedQuery | None) -> list[dict[str, Any]]:
    declared = {p.name for p in query.params} if query else set()
    docs = {
        "limit": {"type": "integer", "minimum": 1, "maximum": ROWS_MAX, "default": ROWS_LIMIT},
        "offset": {"type": "integer", "minimum": 0, "maximum": OFFSET_MAX, "default": 0},
        "as": {"type": "string", "enum": ["rows", "subgraph"], "default": "rows"},
        "format": {"type": "string", "enum": list(FORMATS), "default": "graphml"},
        "layout": {"type": "string", "enum": ["force", "time"], "default": "force"},
        "title": {"type": "string", "maxLength": 200},
    }
    text = {
        "limit": "rows per page",
        "offset": "rows to skip",
        "as": "rows (a table) or subgraph (node-link JSON of the nodes and edges the rows describe)",
        "format": "download format (csv: a zip of nodes.csv and relationships.csv for neo4j-admin import)",
        "layout": "force, or time (x = date)",
        "title": "page title (default: the query and its parameters)",
    }
    return [
        {"name": n, "in": "query", "required": False, "schema": docs[n], "description": text[n]}
        for n in API_PARAMS[kind]
        if n not in declared
    ]


def saved_param_docs(query: SavedQuery, exclude: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    examples = _example_values(query)
    return [param_doc(p, examples.get(p.name)) for p in query.params if p.name not in exclude]
