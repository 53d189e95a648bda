"""The HTTP service: lineage as JSON, downloads and offline pages, over the one configured store.

``create_app()`` builds the FastAPI app; ``lineage serve`` runs it with uvicorn. One store per
process, opened at startup and closed at shutdown (or handed in: ``create_app(store=...)``, as
the tests do). Handlers are plain ``def`` functions, so FastAPI runs them in its thread pool,
and return the response models of :mod:`lineage.api_models`, so a body that strays from its
documented shape is an error, not a silent change.

Where things are: the service and its dependencies in :mod:`lineage.api_service`; routes by
concern in :mod:`lineage.api_graph` (health, nodes, search, cypher), :mod:`lineage.api_queries`
(the saved queries, their downloads and pages, lineage), :mod:`lineage.api_cite` (explain, cite)
and :mod:`lineage.api_writes` (load); parameters in :mod:`lineage.api_params`; errors, one JSON
shape ``{"error", "parameter"}`` and one status per typed error, in :mod:`lineage.api_errors`.
A new endpoint goes in the router of its concern (or a new ``api_*.py`` included below).
"""

import contextlib
import os
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

from graph.store import GraphStore
from lineage import api_cite, api_graph, api_queries, api_writes
from lineage.api_errors import ApiError, install_errors
from lineage.api_home import HOME_CSP, home_page
from lineage.api_params import param_doc
from lineage.api_security import SecurityMiddleware, allowed_hosts, cypher_access
from lineage.api_service import LOADERS, NOSNIFF, Loader, Service
from lineage.settings import Settings

__all__ = ["LOADERS", "ApiError", "Loader", "Service", "create_app", "param_doc"]


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
    install_errors(app)
    _install_docs(app)

    @app.get("/", include_in_schema=False)
    def home() -> HTMLResponse:
        return HTMLResponse(home_page(), headers={"Content-Security-Policy": HOME_CSP, **NOSNIFF})

    app.include_router(api_graph.router)
    app.include_router(api_queries.router())
    app.include_router(api_cite.router)
    app.include_router(api_writes.router(sorted(service.loaders)))
    return app


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
