"""Write routes: ``POST /load/{source}`` runs one of the service's loaders, behind the bearer token."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool

from graph.errors import LineageError, StoreError
from lineage.api_errors import ApiError
from lineage.api_models import ERRORS, ErrorOut, LoadIn, LoadOut
from lineage.api_service import Loader, Service, ServiceDep, require_token
from lineage.api_store import jsonable


def router(loaders: list[str]) -> APIRouter:
    """The route, its ``source`` documented as one of ``loaders`` (the app's, so built per app)."""
    routes = APIRouter()

    async def load(
        source: Annotated[str, PathParam(json_schema_extra={"enum": sorted(loaders)})],
        request: Request,
        service: ServiceDep,
    ) -> LoadOut:
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

    routes.add_api_route(
        "/load/{source}",
        load,
        methods=["POST"],
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
    return routes


def _run_loader(service: Service, source: str, loader: Loader, params: dict[str, Any]) -> LoadOut:
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
    return LoadOut.model_validate(jsonable(body))
