"""Routes of the saved queries: the library (``/queries``), one ``/queries``, ``/export`` and
``/viz`` route per saved query (documented from its header), and ``/lineage/{id}``."""

import io
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from graph.export import CONTENT_TYPE, FORMATS, SUFFIX, export, node_link
from lineage.api_errors import ApiError
from lineage.api_models import ERRORS, ERRORS_AS_JSON, QueryListOut, RowsOut, SubgraphOut
from lineage.api_params import (
    API_PARAMS,
    OFFSET_MAX,
    ROWS_LIMIT,
    ROWS_MAX,
    api_param_docs,
    choice,
    file_stem,
    format_params,
    int_param,
    page,
    query_values,
    rows_body,
    run_graph,
    run_rows,
    saved_param_docs,
)
from lineage.api_service import NOSNIFF, StoreDep
from lineage.api_store import ServiceStore, jsonable
from queries.cite import for_export
from queries.registry import SavedQuery, get_query, registry

#: A saved query's rows, or with ``as=subgraph`` the node-link JSON of what they describe.
RowsOrSubgraph = RowsOut | SubgraphOut


def router() -> APIRouter:
    """The routes, built from the saved-query registry as it is when the app is created."""
    routes = APIRouter()
    routes.add_api_route(
        "/queries", list_queries, methods=["GET"], response_model=QueryListOut, tags=["queries"], responses=ERRORS
    )
    for saved in sorted(registry().values(), key=lambda q: q.name):
        _add_query_routes(routes, saved)
    for prefix in ("/queries", "/export", "/viz"):  # after the saved queries' own routes
        routes.add_api_route(f"{prefix}/{{name}}", unknown_query, methods=["GET"], include_in_schema=False)
    routes.add_api_route(
        "/lineage/{id:path}",
        lineage,
        methods=["GET"],
        response_model=RowsOrSubgraph,
        tags=["queries"],
        responses=ERRORS,
        openapi_extra={
            "parameters": saved_param_docs(get_query("ancestors"), frozenset({"id"})) + api_param_docs("rows", None)
        },
    )
    return routes


def list_queries(
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> QueryListOut:
    """The saved query library: each query's parameters with types, defaults and bounds."""
    queries = sorted(registry().values(), key=lambda q: q.name)
    items = [_query_info(q) for q in queries[offset : offset + limit]]
    return QueryListOut.model_validate({"queries": items, **page(len(queries), limit, offset)})


def unknown_query(name: str) -> None:
    get_query(name)  # raises "unknown query ... did you mean"
    raise ApiError(404, f"unknown query {name!r}", "name")  # pragma: no cover (registered above)


def lineage(
    id: Annotated[str, PathParam(min_length=1, max_length=300, examples=["model:zephyr-7b"])],
    request: Request,
    store: StoreDep,
    direction: Annotated[Literal["ancestors", "descendants"], Query()] = "ancestors",
) -> RowsOrSubgraph:
    """Ancestors (what a node builds on) or descendants (what builds on it), transitively:
    the ``ancestors`` / ``descendants`` saved queries. ``as=subgraph`` gives node-link JSON."""
    query = get_query(direction)
    if "id" in request.query_params:
        raise ApiError(400, "give the node id in the path, not as ?id=", "id")
    raw = {"id": id, **query_values(request, query, {"direction", *API_PARAMS["rows"]})}
    return _rows_or_subgraph(request, store, query, raw)


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


def _rows_or_subgraph(request: Request, store: ServiceStore, query: SavedQuery, raw: dict[str, Any]) -> RowsOrSubgraph:
    declared = {p.name for p in query.params}
    # the route's own parameters are checked before anything runs
    as_ = choice(request, "as", ("rows", "subgraph"), "rows") if "as" not in declared else "rows"
    offset = int_param(request, "offset", 0, 0, OFFSET_MAX) if "offset" not in declared else 0
    limit = int_param(request, "limit", ROWS_LIMIT, 1, ROWS_MAX) if "limit" not in declared else None
    if as_ == "subgraph":
        result = run_graph(store, query, raw)
        data = node_link(result.graph)
        data["graph"] = {"query": query.name, "params": result.params}
        return SubgraphOut.model_validate(jsonable(data))
    values, rows = run_rows(store, query, raw)
    return RowsOut.model_validate(rows_body(query, values, rows, limit or values["limit"], offset))


def _add_query_routes(routes: APIRouter, query: SavedQuery) -> None:
    """``/queries/<name>``, ``/export/<name>`` and ``/viz/<name>``, documented from the query header."""
    name = query.name
    ident = re.sub(r"\W", "_", name)
    params = saved_param_docs(query)

    def rows(request: Request, store: StoreDep) -> RowsOrSubgraph:
        raw = query_values(request, query, set(API_PARAMS["rows"]))
        return _rows_or_subgraph(request, store, query, raw)

    def download(request: Request, store: StoreDep) -> Response:
        fmt = choice(request, "format", FORMATS, "graphml")
        raw = query_values(request, query, set(API_PARAMS["export"]))
        result = run_graph(store, query, raw)
        if result.graph.number_of_nodes() == 0:
            raise ApiError(404, f"{name} {format_params(result.params)} found nothing; nothing to export")
        stem = file_stem(query, result.params)
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
        headers = {"Content-Disposition": f'attachment; filename="{filename}"', **NOSNIFF}
        return Response(data, media_type=CONTENT_TYPE[fmt], headers=headers)

    def viz_page(request: Request, store: StoreDep) -> HTMLResponse:
        from viz import render_html

        layout = choice(request, "layout", ("force", "time"), "force")
        title = request.query_params.get("title")
        if title is not None and not 1 <= len(title) <= 200:
            raise ApiError(400, "parameter 'title': 1 to 200 characters", "title")
        raw = query_values(request, query, set(API_PARAMS["viz"]))
        result = run_graph(store, query, raw)
        rendered = render_html(result.graph, title=title or f"{name} {format_params(result.params)}", layout=layout)
        headers = dict(NOSNIFF)
        if rendered.warning:
            headers["X-Lineage-Warning"] = rendered.warning
        return HTMLResponse(rendered.html, headers=headers)

    routes.add_api_route(
        f"/queries/{name}",
        rows,
        methods=["GET"],
        response_model=RowsOrSubgraph,
        tags=["queries"],
        operation_id=f"query_{ident}",
        summary=f"Run {name}",
        description=query.description + " Rows by default; `as=subgraph` gives node-link JSON.",
        responses={**ERRORS, 200: {"description": "rows, or node-link JSON with as=subgraph"}},
        openapi_extra={"parameters": params + api_param_docs("rows", query)},
    )
    routes.add_api_route(
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
        openapi_extra={"parameters": params + api_param_docs("export", query)},
    )
    routes.add_api_route(
        f"/viz/{name}",
        viz_page,
        methods=["GET"],
        tags=["viz"],
        operation_id=f"viz_{ident}",
        summary=f"Draw the {name} subgraph",
        description=query.description + " One offline, interactive HTML page.",
        response_class=HTMLResponse,
        responses={**ERRORS_AS_JSON, 200: {"description": "an offline HTML page", "content": {"text/html": {}}}},
        openapi_extra={"parameters": params + api_param_docs("viz", query)},
    )
