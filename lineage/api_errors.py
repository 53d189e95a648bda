"""HTTP errors in one place: every error is JSON ``{"error", "parameter"}`` (and ``suggestions``
where known), and the typed errors of graph/errors.py map to one status each, here and nowhere else.

Bad input is a 4xx naming the input, an unreachable store 503, anything unexpected a logged 500.
"""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.errors import (
    NodeNotFoundError,
    OutOfMemoryError,
    QueryError,
    QueryRefusedError,
    QueryTimeoutError,
    StoreError,
    UnknownQueryError,
)
from graph.export import ExportError
from queries.resolve import AmbiguousNodeError

log = logging.getLogger("lineage.api")


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


def error_response(status: int, message: str, parameter: str | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"error": message, "parameter": parameter}
    if extra.get("suggestions") is not None:
        body["suggestions"] = extra["suggestions"]
    return JSONResponse(body, status_code=status, headers=extra.get("headers"))


def _query_error(exc: QueryError) -> JSONResponse:
    """Query errors by type (the stores and the registry raise typed errors for every path)."""
    message = str(exc)
    if isinstance(exc, UnknownQueryError):
        return error_response(404, message, "name")
    if isinstance(exc, QueryRefusedError):
        return error_response(403, message, exc.parameter or "cypher")
    if isinstance(exc, AmbiguousNodeError):
        return error_response(400, message, exc.parameter, suggestions=[c["id"] for c in exc.candidates])
    if isinstance(exc, QueryTimeoutError):
        return error_response(
            400, message if "time limit" in message else f"{message}: ran past the time limit", exc.parameter
        )
    return error_response(400, message, exc.parameter)


def _store_error(exc: StoreError) -> JSONResponse:
    """Out of memory is the request's size (ask for less); anything else, the store's state."""
    return error_response(400 if isinstance(exc, OutOfMemoryError) else 503, str(exc))


def _validation_error(exc: RequestValidationError) -> JSONResponse:
    err = exc.errors()[0]
    loc = [str(x) for x in err.get("loc", ())]
    where = loc[0] if loc else "body"
    name = loc[-1] if len(loc) > 1 else None
    if err.get("type") == "json_invalid":
        return error_response(422, f"request body is not valid JSON: {err.get('ctx', {}).get('error', 'decode error')}")
    status = 422 if where == "body" and (err.get("type") == "json_invalid" or len(loc) == 1) else 400
    got = err.get("input")
    shown = "" if isinstance(got, (dict, list)) or got is None else f"={str(got)[:80]!r}"
    label = f"parameter {name!r}{shown}" if name else "request body"
    return error_response(status, f"{label}: {err.get('msg', 'invalid')}", name)


def install_errors(app: FastAPI) -> None:
    app.add_exception_handler(
        ApiError,
        lambda r, e: error_response(e.status, e.message, e.parameter, suggestions=e.suggestions, headers=e.headers),
    )  # type: ignore[arg-type]
    app.add_exception_handler(QueryError, lambda r, e: _query_error(e))  # type: ignore[arg-type]
    app.add_exception_handler(
        NodeNotFoundError,
        lambda r, e: error_response(404, str(e), "id", suggestions=e.suggestions),  # type: ignore[attr-defined]
    )
    app.add_exception_handler(ExportError, lambda r, e: error_response(404, str(e), "format"))
    app.add_exception_handler(StoreError, lambda r, e: _store_error(e))  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, lambda r, e: _validation_error(e))  # type: ignore[arg-type]
    app.add_exception_handler(
        StarletteHTTPException,
        lambda r, e: error_response(e.status_code, str(e.detail), headers=getattr(e, "headers", None)),  # type: ignore[attr-defined]
    )

    def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return error_response(500, f"internal error ({type(exc).__name__}); see the server log")

    app.add_exception_handler(Exception, unexpected)
