"""Routes over the graph itself: ``/health``, ``/nodes/{id}``, ``/search`` and ad-hoc ``/cypher``."""

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi import Path as PathParam

from graph.errors import QueryError
from lineage.api_errors import ApiError
from lineage.api_models import ERRORS, CypherIn, CypherOut, ErrorOut, HealthOut, NodeOut, SearchOut
from lineage.api_params import SEARCH_LIMIT, SEARCH_MAX, SEARCH_OFFSET_MAX, resolve_id, run_rows
from lineage.api_service import ServiceDep, StoreDep, require_cypher_access
from lineage.api_store import jsonable
from queries.adhoc import check_read_only, run_read_only
from queries.registry import get_query

router = APIRouter()


@router.get("/health", response_model=HealthOut, tags=["service"], responses={503: {"model": HealthOut}})
def health(service: ServiceDep, response: Response) -> HealthOut:
    """Which store the service uses, whether it answers, and what it holds."""
    body: dict[str, Any] = {"backend": service.backend, "location": service.location}
    body["writes_enabled"] = bool(service.token)
    body["cypher_access"] = service.cypher_access
    try:
        counts = service.store().counts()
        body.update(status="ok", reachable=True, counts=counts, error=None)
    except Exception as exc:
        message = exc.message if isinstance(exc, ApiError) else str(exc) or type(exc).__name__
        body.update(status="unavailable", reachable=False, counts={}, error=message)
        response.status_code = 503
    return HealthOut.model_validate(body)


@router.get("/nodes/{id:path}", response_model=NodeOut, tags=["graph"], responses=ERRORS)
def node(
    id: Annotated[str, PathParam(min_length=1, max_length=300, examples=["model:zephyr-7b"])],
    store: StoreDep,
) -> NodeOut:
    """One node: its properties and its degree per edge type. Any id spelling works
    (``arXiv:2310.06825v2``, an arxiv.org URL, ``10.48550/arXiv.2310.06825``), and so do
    Hugging Face repo ids, names and aliases (``HuggingFaceH4/zephyr-7b-beta``, ``zephyr``);
    an unknown id gets suggestions, an ambiguous name its candidates."""
    node_id = resolve_id(store, id, "id")
    found = store.nodes([node_id])[node_id]
    degree = store.degree(node_id)
    props = {k: v for k, v in found.items() if v not in (None, [], "")}
    return NodeOut(
        id=node_id,
        label=found.get("label"),
        name=found.get("name"),
        properties=jsonable(props),
        degree=degree,
        degree_total=sum(d["out"] + d["in"] for d in degree.values()),
        links={
            "ancestors": f"/lineage/{node_id}?direction=ancestors",
            "descendants": f"/lineage/{node_id}?direction=descendants",
            "neighbourhood": f"/queries/neighbourhood?id={node_id}",
            "page": f"/?node={node_id}&query=ancestors",
        },
    )


@router.get("/search", response_model=SearchOut, tags=["graph"], responses=ERRORS)
def search(
    q: Annotated[str, Query(min_length=1, max_length=200, description="name, title, alias or id text")],
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=SEARCH_MAX)] = SEARCH_LIMIT,
    offset: Annotated[int, Query(ge=0, le=SEARCH_OFFSET_MAX)] = 0,
) -> SearchOut:
    """Nodes whose name, title, alias or id contains ``q`` (any case): exact matches first,
    then prefixes, then substrings (the saved query ``search``)."""
    text = q.strip()
    if not text:
        raise ApiError(400, "parameter 'q' is blank", "q")
    query = get_query("search")
    _, rows = run_rows(store, query, {"q": text, "limit": offset + limit + 1})
    hits = rows[offset : offset + limit]
    more = len(rows) > offset + limit
    return SearchOut.model_validate(
        {
            "q": text,
            "results": jsonable(hits),
            "total": None if more else len(rows),
            "limit": limit,
            "offset": offset,
            "next_offset": offset + limit if more else None,
        }
    )


@router.post(
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
def cypher(body: CypherIn, store: StoreDep, service: ServiceDep) -> CypherOut:
    """One ad-hoc read-only Cypher statement, time-, memory- and row-limited. Who may run it is
    the server's LINEAGE_CYPHER_ACCESS (default: the bearer token, as for writes). Writes,
    files (``LOAD``, ``COPY``), ``CALL``, ``USE``, transaction control and more than one
    statement are refused with 403 naming the clause; the engine refuses what slips past."""
    try:
        check_read_only(body.cypher)
    except QueryError as exc:
        raise ApiError(403 if str(exc).startswith("refused") else 400, str(exc), "cypher") from None
    started = time.perf_counter()
    rows = run_read_only(store, body.cypher, dict(body.params), limit=body.limit + 1, timeout=service.cypher_timeout)
    elapsed = (time.perf_counter() - started) * 1000
    return CypherOut(
        columns=list(rows[0]) if rows else [],
        rows=jsonable(rows[: body.limit]),
        truncated=len(rows) > body.limit,
        limit=body.limit,
        elapsed_ms=round(elapsed, 2),
    )
