"""The service: one store per process (opened lazily if the first open failed), the write token,
the limits and the loaders, and the FastAPI dependencies that hand them to the routes.

:class:`lineage.api_store.ServiceStore` serialises calls on the embedded store, caches its read
results (dropped on every write) and time-limits every read.
"""

import hmac
import logging
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from graph.store import GraphStore, LoadReport
from lineage.api_errors import ApiError
from lineage.api_store import ServiceStore
from lineage.settings import Settings

log = logging.getLogger("lineage.api")

Loader = Callable[[GraphStore, dict[str, Any]], LoadReport]
#: Responses that are files or pages are not to be sniffed into something else.
NOSNIFF = {"X-Content-Type-Options": "nosniff"}


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


async def get_service(request: Request) -> Service:
    """The app's :class:`Service` (``create_app`` puts it on ``app.state``); ``async``, so no thread hop."""
    return request.app.state.service


ServiceDep = Annotated[Service, Depends(get_service)]
