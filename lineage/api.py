"""The HTTP service: lineage as JSON, downloads and offline pages, over the one configured store.

``create_app()`` builds the FastAPI app; ``lineage serve`` runs it with uvicorn. One store per
process, opened at startup and closed at shutdown (or handed in: ``create_app(store=...)``, as
the tests do). Handlers are plain ``def`` functions, so FastAPI runs them in its thread pool;
:class:`lineage.api_store.ServiceStore` serialises calls on the embedded store, caches its read
results (dropped on every write) and time-limits every read.

Saved-query parameters have one definition, the query file's header: the query string is
passed as text to :func:`queries.registry.validate_params` (the same pydantic models the CLI
uses), and ``/openapi.json`` documents them from the same declarations. Every error is JSON
``{"error": message, "parameter": name}``; bad input gets a 4xx, never a 500.
"""

import contextlib
import hmac
import io
import logging
import os
import re
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.errors import (
    LineageError,
    NodeNotFoundError,
    OutOfMemoryError,
    QueryError,
    QueryRefusedError,
    QueryTimeoutError,
    StoreError,
    UnknownQueryError,
)
from graph.export import CONTENT_TYPE, FORMATS, SUFFIX, ExportError, bibtex, export, node_link
from graph.store import GraphStore, LoadReport
from lineage.api_home import HOME_CSP, home_page
from lineage.api_models import (
    ERRORS,
    CypherIn,
    CypherOut,
    ErrorOut,
    ExplainOut,
    HealthOut,
    LoadIn,
    LoadOut,
    NodeOut,
    QueryListOut,
    RowsOut,
    SearchOut,
)
from lineage.api_security import SecurityMiddleware, allowed_hosts, cypher_access
from lineage.api_store import ServiceStore, jsonable
from lineage.settings import Settings
from queries.adhoc import check_read_only, run_read_only
from queries.cite import for_export, lineage_graph
from queries.explain import explain as explain_lineage
from queries.registry import Param, QueryResult, SavedQuery, get_query, registry, resolve_node, run_query
from queries.registry import validate_params as registry_validate
from queries.resolve import AmbiguousNodeError, resolve

log = logging.getLogger("lineage.api")

#: Rows per page of a saved query's result, unless the query declares its own ``limit``.
ROWS_LIMIT, ROWS_MAX = 100, 1000
OFFSET_MAX = 100_000
SEARCH_LIMIT, SEARCH_MAX, SEARCH_OFFSET_MAX = 10, 100, 1000
#: API parameters of the query routes; a saved query that declares one of these names owns it.
API_PARAMS = {"rows": ("limit", "offset", "as"), "export": ("format",), "viz": ("layout", "title")}
DEGREE = {
    "neo4j": (
        "MATCH (n:Node {id: $id})-[e]->(:Node) RETURN type(e) AS type, count(e) AS n",
        "MATCH (n:Node {id: $id})<-[e]-(:Node) RETURN type(e) AS type, count(e) AS n",
    ),
    "ladybug": (
        "MATCH (n:Node {id: $id})-[e]->(:Node) RETURN label(e) AS type, count(e) AS n",
        "MATCH (n:Node {id: $id})<-[e]-(:Node) RETURN label(e) AS type, count(e) AS n",
    ),
}
Loader = Callable[[GraphStore, dict[str, Any]], LoadReport]


class ApiError(Exception):
    """An error with its HTTP status, turned into ``{"error", "parameter"}`` JSON."""

    def __init__(
        self,
        status: int,
        message: str,
        parameter: str | None = None,
        *,
        suggestions: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.parameter = status, message, parameter
        self.suggestions, self.headers = suggestions, headers


# --- the service: one store per process ------------------------------------------------------


def _load_curated(store: GraphStore, params: dict[str, Any]) -> LoadReport:
    from loaders.curated import CURATED_FILE, load_curated

    if params:
        name = next(iter(params))
        raise ApiError(400, f"the curated loader takes no parameters (got {name!r})", name)
    from loaders.checkpoints import tie_checkpoints

    report = load_curated(store, CURATED_FILE)
    report += tie_checkpoints(store)  # card nodes of repos the curated models list
    return report


#: Write endpoints: ``POST /load/{name}`` runs ``loader(store, params)``. Add future loaders here.
LOADERS: dict[str, Loader] = {"curated": _load_curated}


class Service:
    """The store (opened lazily if the first open failed), the write token and the limits."""

    RETRY_SECONDS = 2.0

    def __init__(
        self,
        store: GraphStore | None,
        settings: Settings,
        token: str | None,
        query_timeout: float,
        cypher_timeout: float,
        loaders: dict[str, Loader],
        cache_size: int = 1024,
        cypher_access: str = "token",
    ) -> None:
        self.settings, self.token, self.loaders = settings, token or None, loaders
        self.cypher_access = cypher_access
        self.query_timeout, self.cypher_timeout = query_timeout, cypher_timeout
        self.owned = store is None
        self.cache_size = cache_size
        self._store = ServiceStore(store, query_timeout, cache_size=cache_size) if store is not None else None
        self.error: str | None = None
        self._failed_at = 0.0
        self._open_lock = threading.Lock()

    @property
    def backend(self) -> str:
        return self._store.backend if self._store else self.settings.backend

    @property
    def location(self) -> str:
        if self._store:
            return self._store.location
        return self.settings.neo4j_uri or "" if self.settings.backend == "neo4j" else str(self.settings.db)

    @property
    def opened(self) -> ServiceStore | None:
        """The store if it is open, without trying to open it."""
        return self._store

    def store(self) -> ServiceStore:
        if self._store is not None:
            return self._store
        with self._open_lock:
            if self._store is None:
                if self.error and time.monotonic() - self._failed_at < self.RETRY_SECONDS:
                    raise ApiError(503, self.error)
                try:
                    self._store = ServiceStore(
                        self.settings.open_store(), self.query_timeout, cache_size=self.cache_size
                    )
                    self.error = None
                except Exception as exc:  # unreachable server, locked directory, bad credentials
                    self.error = str(exc) or type(exc).__name__
                    self._failed_at = time.monotonic()
                    log.warning("cannot open the %s store: %s", self.settings.backend, self.error)
                    raise ApiError(503, self.error) from None
            return self._store

    def close(self) -> None:
        if self.owned and self._store is not None:
            self._store.close()
            self._store = None


async def get_store(request: Request) -> ServiceStore:
    """The open store; opening (after a failed start) happens off the event loop. An ``async``
    dependency, so a request does not pay a thread-pool hop for it."""
    service: Service = request.app.state.service
    return service.opened or await run_in_threadpool(service.store)


StoreDep = Annotated[ServiceStore, Depends(get_store)]
bearer = HTTPBearer(auto_error=False, description="the server's LINEAGE_API_TOKEN")


async def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    """No token configured: writes disabled (403). Missing token: 401. Wrong token: 403."""
    _check_token(
        request.app.state.service.token,
        credentials,
        "write endpoints are disabled: start the server with LINEAGE_API_TOKEN set",
    )


async def require_cypher_access(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    """``/cypher`` per LINEAGE_CYPHER_ACCESS: ``token`` (default) as ``/load``, ``open``, or ``off``."""
    service: Service = request.app.state.service
    if service.cypher_access == "off":
        raise ApiError(403, "ad-hoc Cypher is off on this server (LINEAGE_CYPHER_ACCESS=off); use the saved queries")
    if service.cypher_access == "token":
        _check_token(
            service.token,
            credentials,
            "ad-hoc Cypher needs the server's bearer token and none is set: start the server with "
            "LINEAGE_API_TOKEN, or with LINEAGE_CYPHER_ACCESS=open for a public read-only explorer",
        )


def _check_token(token: str | None, credentials: HTTPAuthorizationCredentials | None, no_token: str) -> None:
    """``no_token``: the 403 message when the server has no token configured."""
    if not token:
        raise ApiError(403, no_token)
    if credentials is None:
        raise ApiError(
            401,
            "missing bearer token: send 'Authorization: Bearer <LINEAGE_API_TOKEN>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not hmac.compare_digest(credentials.credentials.encode(), token.encode()):
        raise ApiError(403, "wrong bearer token")


# --- parameters ------------------------------------------------------------------------------


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
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


def _choice(request: Request, name: str, choices: tuple[str, ...], default: str) -> str:
    value = request.query_params.get(name, default)
    if value not in choices:
        raise ApiError(400, f"parameter {name!r}={value!r}: use one of {', '.join(choices)}", name)
    return value


def _query_values(request: Request, query: SavedQuery, skip: set[str]) -> dict[str, Any]:
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


def _validate(store: ServiceStore, query: SavedQuery, raw: dict[str, Any]) -> dict[str, Any]:
    """The registry's validation; an unknown node id also names the parameter that held it."""
    try:
        return registry_validate(query, raw, store)
    except NodeNotFoundError as exc:
        raise _not_found(query, raw, exc) from None


def _resolve(store: GraphStore, text: str, parameter: str) -> str:
    """What a route's own node parameter names (:func:`queries.resolve.resolve`), as API errors."""
    try:
        return resolve(store, text.strip())
    except NodeNotFoundError as exc:
        raise ApiError(404, str(exc), parameter, suggestions=exc.suggestions) from None
    except AmbiguousNodeError as exc:
        raise ApiError(400, str(exc), parameter, suggestions=[c["id"] for c in exc.candidates]) from None


def _not_found(query: SavedQuery, raw: dict[str, Any], exc: NodeNotFoundError) -> ApiError:
    name = next(
        (p.name for p in query.params if p.type in ("node", "nodes") and exc.node_id in _ids_in(raw.get(p.name))),
        None,
    )
    return ApiError(404, str(exc), name, suggestions=exc.suggestions)


def _ids_in(value: Any) -> list[str]:
    values = value.split(",") if isinstance(value, str) else list(value or [])
    return [resolve_node(str(v).strip()) for v in values if str(v).strip()]


def _run_rows(store: ServiceStore, query: SavedQuery, raw: dict[str, Any]) -> tuple[dict[str, Any], list[dict]]:
    """Rows only: ``run_query`` without building the subgraph (analytics, which have no Cypher
    text, go through ``run_query`` itself)."""
    if not query.texts:
        result = _run_graph(store, query, raw)
        return result.params, result.rows
    from queries.registry import query_rows  # the registry's engine parameters and hop columns

    values = _validate(store, query, raw)
    return values, query_rows(store, query, values)


def _run_graph(store: ServiceStore, query: SavedQuery, raw: dict[str, Any]) -> QueryResult:
    try:
        return run_query(store, query.name, raw)
    except NodeNotFoundError as exc:
        raise _not_found(query, raw, exc) from None


def _page(total: int, limit: int, offset: int) -> dict[str, Any]:
    end = offset + limit
    return {"total": total, "limit": limit, "offset": offset, "next_offset": end if end < total else None}


def _rows_body(query: SavedQuery, values: dict[str, Any], rows: list[dict], limit: int, offset: int) -> dict:
    columns = list(query.returns) or (list(rows[0]) if rows else [])
    return {
        "query": query.name,
        "params": jsonable(values),
        "columns": columns,
        "rows": jsonable(rows[offset : offset + limit]),
        **_page(len(rows), limit, offset),
    }


def _format_params(values: dict[str, Any]) -> str:
    return " ".join(
        f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in values.items() if v not in ([], None)
    )


def _file_stem(query: SavedQuery, values: dict[str, Any]) -> str:
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


def _api_param_docs(kind: str, query: SavedQuery | None) -> list[dict[str, Any]]:
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


def _saved_param_docs(query: SavedQuery, exclude: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    examples = _example_values(query)
    return [param_doc(p, examples.get(p.name)) for p in query.params if p.name not in exclude]


# --- the app -----------------------------------------------------------------------------------


def create_app(
    store: GraphStore | None = None,
    *,
    settings: Settings | None = None,
    token: str | None = None,
    query_timeout: float = 10.0,
    cypher_timeout: float = 10.0,
    loaders: dict[str, Loader] | None = None,
    cache_size: int = 1024,
    cypher: str | None = None,
    bind: str | None = None,
    hosts: str | list[str] | None = None,
) -> FastAPI:
    """The API over ``store`` (owned by the caller), or over the store ``settings`` name (opened at
    startup, closed at shutdown). ``token`` (default ``$LINEAGE_API_TOKEN``) enables ``/load``;
    ``cache_size`` read results are cached on the embedded store (0: none). ``cypher``: who may
    run ad-hoc Cypher (``token``, ``open``, ``off``; default ``$LINEAGE_CYPHER_ACCESS`` or
    ``token``); ``hosts``: the Host names answered (default: loopback names when ``bind`` is a
    loopback address or not given; see lineage/api_security.py)."""
    settings = settings or Settings()
    if token is None:
        token = os.environ.get("LINEAGE_API_TOKEN") or None
    service = Service(
        store,
        settings,
        token,
        query_timeout,
        cypher_timeout,
        dict(loaders or LOADERS),
        cache_size,
        cypher_access(cypher),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if service.owned:
            with contextlib.suppress(ApiError):  # logged; /health says so and requests retry the open
                await run_in_threadpool(service.store)
        try:
            yield
        finally:
            await run_in_threadpool(service.close)

    app = FastAPI(
        title="LLM Lineage",
        version="0.1.0",
        description=(
            "Where a model or method comes from, and what came of it: the LLM lineage graph as JSON, "
            "downloads (GraphML, GEXF, JSON, CSV, Cypher, BibTeX) and offline interactive pages. "
            "Errors are JSON `{error, parameter}`. Writes (`/load/*`) need `Authorization: Bearer` with "
            "the server's LINEAGE_API_TOKEN."
        ),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service
    app.add_middleware(SecurityMiddleware, hosts=allowed_hosts(bind, hosts))
    _install_errors(app)
    _install_docs(app)

    @app.get("/", include_in_schema=False)
    def home() -> HTMLResponse:
        return HTMLResponse(home_page(), headers={"Content-Security-Policy": HOME_CSP, **_NOSNIFF})

    @app.get("/health", response_model=HealthOut, tags=["service"], responses={503: {"model": HealthOut}})
    def health() -> JSONResponse:
        """Which store the service uses, whether it answers, and what it holds."""
        body: dict[str, Any] = {"backend": service.backend, "location": service.location}
        body["writes_enabled"] = bool(service.token)
        body["cypher_access"] = service.cypher_access
        try:
            counts = service.store().counts()
            body.update(status="ok", reachable=True, counts=counts, error=None)
            status = 200
        except Exception as exc:
            message = exc.message if isinstance(exc, ApiError) else str(exc) or type(exc).__name__
            body.update(status="unavailable", reachable=False, counts={}, error=message)
            status = 503
        return JSONResponse(body, status_code=status)

    @app.get("/nodes/{id:path}", response_model=NodeOut, tags=["graph"], responses=ERRORS)
    def node(
        id: Annotated[str, PathParam(min_length=1, max_length=300, examples=["model:zephyr-7b"])],
        store: StoreDep,
    ) -> JSONResponse:
        """One node: its properties and its degree per edge type. Any id spelling works
        (``arXiv:2310.06825v2``, an arxiv.org URL, ``10.48550/arXiv.2310.06825``), and so do
        Hugging Face repo ids, names and aliases (``HuggingFaceH4/zephyr-7b-beta``, ``zephyr``);
        an unknown id gets suggestions, an ambiguous name its candidates."""
        node_id = _resolve(store, id, "id")
        found = store.nodes([node_id])[node_id]
        out_q, in_q = DEGREE.get(store.backend, DEGREE["ladybug"])
        degree: dict[str, dict[str, int]] = {}
        for direction, cypher in (("out", out_q), ("in", in_q)):
            for row in store.read(cypher, {"id": node_id}):
                degree.setdefault(row["type"], {"out": 0, "in": 0})[direction] = row["n"]
        props = {k: v for k, v in found.items() if v not in (None, [], "")}
        body = {
            "id": node_id,
            "label": found.get("label"),
            "name": found.get("name"),
            "properties": jsonable(props),
            "degree": dict(sorted(degree.items())),
            "degree_total": sum(d["out"] + d["in"] for d in degree.values()),
            "links": {
                "ancestors": f"/lineage/{node_id}?direction=ancestors",
                "descendants": f"/lineage/{node_id}?direction=descendants",
                "neighbourhood": f"/queries/neighbourhood?id={node_id}",
                "page": f"/?node={node_id}&query=ancestors",
            },
        }
        return JSONResponse(body)

    @app.get("/search", response_model=SearchOut, tags=["graph"], responses=ERRORS)
    def search(
        q: Annotated[str, Query(min_length=1, max_length=200, description="name, title, alias or id text")],
        store: StoreDep,
        limit: Annotated[int, Query(ge=1, le=SEARCH_MAX)] = SEARCH_LIMIT,
        offset: Annotated[int, Query(ge=0, le=SEARCH_OFFSET_MAX)] = 0,
    ) -> JSONResponse:
        """Nodes whose name, title, alias or id contains ``q`` (any case): exact matches first,
        then prefixes, then substrings (the saved query ``search``)."""
        text = q.strip()
        if not text:
            raise ApiError(400, "parameter 'q' is blank", "q")
        query = get_query("search")
        _, rows = _run_rows(store, query, {"q": text, "limit": offset + limit + 1})
        hits = rows[offset : offset + limit]
        more = len(rows) > offset + limit
        body = {
            "q": text,
            "results": jsonable(hits),
            "total": None if more else len(rows),
            "limit": limit,
            "offset": offset,
            "next_offset": offset + limit if more else None,
        }
        return JSONResponse(body)

    @app.get("/queries", response_model=QueryListOut, tags=["queries"], responses=ERRORS)
    def list_queries(
        limit: Annotated[int, Query(ge=1, le=100)] = 50,
        offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    ) -> JSONResponse:
        """The saved query library: each query's parameters with types, defaults and bounds."""
        queries = sorted(registry().values(), key=lambda q: q.name)
        items = [_query_info(q) for q in queries[offset : offset + limit]]
        return JSONResponse({"queries": items, **_page(len(queries), limit, offset)})

    for saved in sorted(registry().values(), key=lambda q: q.name):
        _add_query_routes(app, saved)

    @app.get("/queries/{name}", include_in_schema=False)
    @app.get("/export/{name}", include_in_schema=False)
    @app.get("/viz/{name}", include_in_schema=False)
    def unknown_query(name: str) -> None:
        get_query(name)  # raises "unknown query ... did you mean"
        raise ApiError(404, f"unknown query {name!r}", "name")  # pragma: no cover (registered above)

    @app.get(
        "/lineage/{id:path}",
        response_model=RowsOut,
        tags=["queries"],
        responses=ERRORS,
        openapi_extra={
            "parameters": _saved_param_docs(get_query("ancestors"), frozenset({"id"})) + _api_param_docs("rows", None)
        },
    )
    def lineage(
        id: Annotated[str, PathParam(min_length=1, max_length=300, examples=["model:zephyr-7b"])],
        request: Request,
        store: StoreDep,
        direction: Annotated[Literal["ancestors", "descendants"], Query()] = "ancestors",
    ) -> JSONResponse:
        """Ancestors (what a node builds on) or descendants (what builds on it), transitively:
        the ``ancestors`` / ``descendants`` saved queries. ``as=subgraph`` gives node-link JSON."""
        query = get_query(direction)
        if "id" in request.query_params:
            raise ApiError(400, "give the node id in the path, not as ?id=", "id")
        raw = {"id": id, **_query_values(request, query, {"direction", *API_PARAMS["rows"]})}
        return _rows_or_subgraph(request, store, query, raw)

    @app.get("/explain", response_model=ExplainOut, tags=["graph"], responses=ERRORS)
    def explain(
        source: Annotated[str, Query(min_length=1, max_length=300, description="the newer thing, e.g. zephyr")],
        target: Annotated[str, Query(min_length=1, max_length=300, description="what it may trace to")],
        store: StoreDep,
        max_hops: Annotated[int, Query(ge=1, le=10)] = 8,
        limit: Annotated[int, Query(ge=1, le=100)] = 5,
    ) -> JSONResponse:
        """Why does ``source`` trace to ``target``? The lineage paths between them, each hop with
        its relation (the builds-on kind, or introduces / cites), which way the stored edge points,
        and each source's evidence and origin (seed article, model card, paper record). Ids as
        everywhere: ids, arXiv ids, Hugging Face repo ids, names. No path: ``paths`` is empty."""
        query = get_query("path")
        try:
            answer = explain_lineage(store, source, target, max_hops=max_hops, limit=limit)
        except NodeNotFoundError as exc:
            raise _not_found(query, {"source": source, "target": target}, exc) from None
        return JSONResponse(jsonable(answer.as_dict()))

    @app.get(
        "/cite/{id:path}",
        tags=["export"],
        response_class=Response,
        responses={**ERRORS, 200: {"description": "BibTeX", "content": {CONTENT_TYPE["bibtex"]: {}}}},
    )
    def cite(
        id: Annotated[str, PathParam(min_length=1, max_length=300, examples=["model:zephyr-7b"])],
        store: StoreDep,
    ) -> Response:
        """The BibTeX of a node's lineage: the papers that introduce it and everything it builds
        on (``ancestors``, 10 hops), and the papers among them."""
        query = get_query("ancestors")
        try:
            graph = lineage_graph(store, id.strip())
        except NodeNotFoundError as exc:
            raise _not_found(query, {"id": id}, exc) from None
        if not any(d.get("label") == "Paper" for _, d in graph.nodes(data=True)):
            raise ApiError(404, f"the lineage of {graph.graph['root']} has no papers to cite", "id")
        return Response(bibtex(graph), media_type=CONTENT_TYPE["bibtex"], headers=_NOSNIFF)

    @app.post(
        "/cypher",
        response_model=CypherOut,
        tags=["graph"],
        dependencies=[Depends(require_cypher_access)],
        responses={
            **ERRORS,
            401: {"model": ErrorOut, "description": "no bearer token sent (LINEAGE_CYPHER_ACCESS=token)"},
            403: {"model": ErrorOut, "description": "refused: a write, file, procedure or admin clause; or no access"},
        },
    )
    def cypher(body: CypherIn, store: StoreDep) -> JSONResponse:
        """One ad-hoc read-only Cypher statement, time-, memory- and row-limited. Who may run it is
        the server's LINEAGE_CYPHER_ACCESS (default: the bearer token, as for writes). Writes,
        files (``LOAD``, ``COPY``), ``CALL``, ``USE``, transaction control and more than one
        statement are refused with 403 naming the clause; the engine refuses what slips past."""
        try:
            check_read_only(body.cypher)
        except QueryError as exc:
            raise ApiError(403 if str(exc).startswith("refused") else 400, str(exc), "cypher") from None
        started = time.perf_counter()
        rows = run_read_only(
            store, body.cypher, dict(body.params), limit=body.limit + 1, timeout=service.cypher_timeout
        )
        elapsed = (time.perf_counter() - started) * 1000
        columns = list(rows[0]) if rows else []
        out = {
            "columns": columns,
            "rows": jsonable(rows[: body.limit]),
            "truncated": len(rows) > body.limit,
            "limit": body.limit,
            "elapsed_ms": round(elapsed, 2),
        }
        return JSONResponse(out)

    @app.post(
        "/load/{source}",
        response_model=LoadOut,
        tags=["writes"],
        dependencies=[Depends(require_token)],
        responses={
            **ERRORS,
            401: {"model": ErrorOut, "description": "no bearer token sent"},
            403: {"model": ErrorOut, "description": "wrong token, or writes disabled (no LINEAGE_API_TOKEN)"},
            422: {"model": ErrorOut, "description": "the data was refused; nothing was written"},
        },
        openapi_extra={
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": LoadIn.model_json_schema()}},
            }
        },
    )
    async def load(
        source: Annotated[str, PathParam(json_schema_extra={"enum": sorted(service.loaders)})],
        request: Request,
    ) -> JSONResponse:
        """Run a loader (``curated``: the shipped curated lineage) into the store; idempotent.
        Needs ``Authorization: Bearer <LINEAGE_API_TOKEN>``; a refused request changes nothing."""
        loader = service.loaders.get(source)
        if loader is None:
            raise ApiError(404, f"unknown loader {source!r}; known: {', '.join(sorted(service.loaders))}", "source")
        raw = await request.body()
        params: dict[str, Any] = {}
        if raw.strip():
            try:
                params = LoadIn.model_validate_json(raw).params
            except ValueError as exc:
                raise ApiError(422, f"request body: {str(exc).splitlines()[0]}", "params") from None
        return await run_in_threadpool(_run_loader, service, source, loader, params)

    return app


def _run_loader(service: Service, source: str, loader: Loader, params: dict[str, Any]) -> JSONResponse:
    store = service.store()
    before = store.counts()
    try:
        report = loader(store, params)
    except LineageError as exc:
        if isinstance(exc, StoreError):
            raise
        raise ApiError(422, f"{source}: {exc}; nothing was written") from None
    after = store.counts()
    body = {
        "source": source,
        "report": {k: v for k, v in vars(report).items()},
        "counts_before": before,
        "counts_after": after,
    }
    return JSONResponse(jsonable(body))


def _query_info(query: SavedQuery) -> dict[str, Any]:
    params = [
        {
            "name": p.name,
            "type": p.type,
            "required": p.required,
            "default": list(p.default) if isinstance(p.default, tuple) else p.default,
            "minimum": p.low,
            "maximum": p.high,
            "choices": p.choices or None,
            "help": p.help,
        }
        for p in query.params
    ]
    return {
        "name": query.name,
        "description": query.description,
        "params": params,
        "returns": list(query.returns),
        "example": query.example,
        "links": {
            "rows": f"/queries/{query.name}",
            "subgraph": f"/queries/{query.name}?as=subgraph",
            "export": f"/export/{query.name}",
            "viz": f"/viz/{query.name}",
        },
    }


def _rows_or_subgraph(request: Request, store: ServiceStore, query: SavedQuery, raw: dict[str, Any]) -> JSONResponse:
    declared = {p.name for p in query.params}
    # the route's own parameters are checked before anything runs
    as_ = _choice(request, "as", ("rows", "subgraph"), "rows") if "as" not in declared else "rows"
    offset = _int(request, "offset", 0, 0, OFFSET_MAX) if "offset" not in declared else 0
    page = _int(request, "limit", ROWS_LIMIT, 1, ROWS_MAX) if "limit" not in declared else None
    if as_ == "subgraph":
        result = _run_graph(store, query, raw)
        data = node_link(result.graph)
        data["graph"] = {"query": query.name, "params": result.params}
        return JSONResponse(jsonable(data))
    values, rows = _run_rows(store, query, raw)
    return JSONResponse(_rows_body(query, values, rows, page or values["limit"], offset))


def _add_query_routes(app: FastAPI, query: SavedQuery) -> None:
    """``/queries/<name>``, ``/export/<name>`` and ``/viz/<name>``, documented from the query header."""
    name = query.name
    ident = re.sub(r"\W", "_", name)
    params = _saved_param_docs(query)

    def rows(request: Request, store: StoreDep) -> JSONResponse:
        raw = _query_values(request, query, set(API_PARAMS["rows"]))
        return _rows_or_subgraph(request, store, query, raw)

    def download(request: Request, store: StoreDep) -> Response:
        fmt = _choice(request, "format", FORMATS, "graphml")
        raw = _query_values(request, query, set(API_PARAMS["export"]))
        result = _run_graph(store, query, raw)
        if result.graph.number_of_nodes() == 0:
            raise ApiError(404, f"{name} {_format_params(result.params)} found nothing; nothing to export")
        stem = _file_stem(query, result.params)
        graph = for_export(store, result.graph, fmt)  # BibTeX: with the papers behind its models and methods
        with tempfile.TemporaryDirectory(prefix="lineage-export-") as tmp:
            if fmt == "csv":
                folder = export(graph, "csv", Path(tmp) / "csv")
                buffer = io.BytesIO()
                with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                    for part in ("nodes.csv", "relationships.csv"):
                        archive.write(folder / part, part)
                data, filename = buffer.getvalue(), f"{stem}.zip"
            else:
                filename = f"{stem}{SUFFIX[fmt]}"
                data = export(graph, fmt, Path(tmp) / filename).read_bytes()
        headers = {"Content-Disposition": f'attachment; filename="{filename}"', **_NOSNIFF}
        return Response(data, media_type=CONTENT_TYPE[fmt], headers=headers)

    def page(request: Request, store: StoreDep) -> HTMLResponse:
        from viz import render_html

        layout = _choice(request, "layout", ("force", "time"), "force")
        title = request.query_params.get("title")
        if title is not None and not 1 <= len(title) <= 200:
            raise ApiError(400, "parameter 'title': 1 to 200 characters", "title")
        raw = _query_values(request, query, set(API_PARAMS["viz"]))
        result = _run_graph(store, query, raw)
        rendered = render_html(result.graph, title=title or f"{name} {_format_params(result.params)}", layout=layout)
        headers = dict(_NOSNIFF)
        if rendered.warning:
            headers["X-Lineage-Warning"] = rendered.warning
        return HTMLResponse(rendered.html, headers=headers)

    app.add_api_route(
        f"/queries/{name}",
        rows,
        methods=["GET"],
        tags=["queries"],
        operation_id=f"query_{ident}",
        summary=f"Run {name}",
        description=query.description + " Rows by default; `as=subgraph` gives node-link JSON.",
        responses={**ERRORS, 200: {"model": RowsOut, "description": "rows, or node-link JSON with as=subgraph"}},
        openapi_extra={"parameters": params + _api_param_docs("rows", query)},
    )
    app.add_api_route(
        f"/export/{name}",
        download,
        methods=["GET"],
        tags=["export"],
        operation_id=f"export_{ident}",
        summary=f"Download the {name} subgraph",
        description=query.description,
        response_class=Response,
        responses={
            **ERRORS,
            200: {
                "description": "the file, as an attachment",
                "content": {t: {} for t in sorted(set(CONTENT_TYPE.values()))},
            },
        },
        openapi_extra={"parameters": params + _api_param_docs("export", query)},
    )
    app.add_api_route(
        f"/viz/{name}",
        page,
        methods=["GET"],
        tags=["viz"],
        operation_id=f"viz_{ident}",
        summary=f"Draw the {name} subgraph",
        description=query.description + " One offline, interactive HTML page.",
        response_class=HTMLResponse,
        responses={**ERRORS, 200: {"description": "an offline HTML page", "content": {"text/html": {}}}},
        openapi_extra={"parameters": params + _api_param_docs("viz", query)},
    )


_NOSNIFF = {"X-Content-Type-Options": "nosniff"}


# --- errors ------------------------------------------------------------------------------------


def _error(status: int, message: str, parameter: str | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"error": message, "parameter": parameter}
    if extra.get("suggestions") is not None:
        body["suggestions"] = extra["suggestions"]
    return JSONResponse(body, status_code=status, headers=extra.get("headers"))


def _query_error(exc: QueryError) -> JSONResponse:
    """Query errors by type (the stores and the registry raise typed errors for every path)."""
    message = str(exc)
    if isinstance(exc, UnknownQueryError):
        return _error(404, message, "name")
    if isinstance(exc, QueryRefusedError):
        return _error(403, message, exc.parameter or "cypher")
    if isinstance(exc, AmbiguousNodeError):
        return _error(400, message, exc.parameter, suggestions=[c["id"] for c in exc.candidates])
    if isinstance(exc, QueryTimeoutError):
        return _error(400, message if "time limit" in message else f"{message}: ran past the time limit", exc.parameter)
    return _error(400, message, exc.parameter)


def _store_error(exc: StoreError) -> JSONResponse:
    """Out of memory is the request's size (ask for less); anything else, the store's state."""
    return _error(400 if isinstance(exc, OutOfMemoryError) else 503, str(exc))


def _validation_error(exc: RequestValidationError) -> JSONResponse:
    err = exc.errors()[0]
    loc = [str(x) for x in err.get("loc", ())]
    where = loc[0] if loc else "body"
    name = loc[-1] if len(loc) > 1 else None
    if err.get("type") == "json_invalid":
        return _error(422, f"request body is not valid JSON: {err.get('ctx', {}).get('error', 'decode error')}")
    status = 422 if where == "body" and (err.get("type") == "json_invalid" or len(loc) == 1) else 400
    got = err.get("input")
    shown = "" if isinstance(got, (dict, list)) or got is None else f"={str(got)[:80]!r}"
    label = f"parameter {name!r}{shown}" if name else "request body"
    return _error(status, f"{label}: {err.get('msg', 'invalid')}", name)


def _install_errors(app: FastAPI) -> None:
    app.add_exception_handler(
        ApiError, lambda r, e: _error(e.status, e.message, e.parameter, suggestions=e.suggestions, headers=e.headers)
    )  # type: ignore[arg-type]
    app.add_exception_handler(QueryError, lambda r, e: _query_error(e))  # type: ignore[arg-type]
    app.add_exception_handler(
        NodeNotFoundError,
        lambda r, e: _error(404, str(e), "id", suggestions=e.suggestions),  # type: ignore[attr-defined]
    )
    app.add_exception_handler(ExportError, lambda r, e: _error(404, str(e), "format"))
    app.add_exception_handler(StoreError, lambda r, e: _store_error(e))  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, lambda r, e: _validation_error(e))  # type: ignore[arg-type]
    app.add_exception_handler(
        StarletteHTTPException,
        lambda r, e: _error(e.status_code, str(e.detail), headers=getattr(e, "headers", None)),  # type: ignore[attr-defined]
    )

    def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return _error(500, f"internal error ({type(exc).__name__}); see the server log")

    app.add_exception_handler(Exception, unexpected)


def _install_docs(app: FastAPI) -> None:
    """Swagger UI at /docs, served from the installed swagger-ui bundle (no CDN) when present."""
    try:
        from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-not-found]
    except ImportError:
        swagger_ui_path = None
    assets = Path(str(swagger_ui_path)) if swagger_ui_path else None

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        if assets is None:
            return get_swagger_ui_html(openapi_url="/openapi.json", title="LLM Lineage API")
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="LLM Lineage API",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="/docs/assets/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None},  # no calls to swagger.io
        )

    @app.get("/docs/assets/{name}", include_in_schema=False)
    def docs_asset(name: str) -> Response:
        allowed = {
            "swagger-ui-bundle.js": "text/javascript",
            "swagger-ui.css": "text/css",
            "favicon-32x32.png": "image/png",
        }
        if assets is None or name not in allowed:
            raise ApiError(404, f"no docs asset {name!r}")
        return Response(
            (assets / name).read_bytes(), media_type=allowed[name], headers={"Cache-Control": "max-age=86400"}
        )
