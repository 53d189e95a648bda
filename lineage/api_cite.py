"""Routes that answer about one lineage: ``/explain`` (why does A trace to B) and ``/cite/{id}``
(the BibTeX of what a node builds on)."""

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi import Path as PathParam

from graph.errors import NodeNotFoundError
from graph.export import CONTENT_TYPE, bibtex
from lineage.api_errors import ApiError
from lineage.api_models import ERRORS, ExplainOut
from lineage.api_params import not_found
from lineage.api_service import NOSNIFF, StoreDep
from lineage.api_store import jsonable
from queries.cite import lineage_graph
from queries.explain import explain as explain_lineage
from queries.registry import get_query

router = APIRouter()


@router.get("/explain", response_model=ExplainOut, tags=["graph"], responses=ERRORS)
def explain(
    source: Annotated[str, Query(min_length=1, max_length=300, description="the newer thing, e.g. zephyr")],
    target: Annotated[str, Query(min_length=1, max_length=300, description="what it may trace to")],
    store: StoreDep,
    max_hops: Annotated[int, Query(ge=1, le=10)] = 8,
    limit: Annotated[int, Query(ge=1, le=100)] = 5,
) -> ExplainOut:
    """Why does ``source`` trace to ``target``? The lineage paths between them, each hop with
    its relation (the builds-on kind, or introduces / cites), which way the stored edge points,
    and each source's evidence and origin (seed article, model card, paper record). Ids as
    everywhere: ids, arXiv ids, Hugging Face repo ids, names. No path: ``paths`` is empty."""
    query = get_query("path")
    try:
        answer = explain_lineage(store, source, target, max_hops=max_hops, limit=limit)
    except NodeNotFoundError as exc:
        raise not_found(query, {"source": source, "target": target}, exc) from None
    return ExplainOut.model_validate(jsonable(answer.as_dict()))


@router.get(
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
        raise not_found(query, {"id": id}, exc) from None
    if not any(d.get("label") == "Paper" for _, d in graph.nodes(data=True)):
        raise ApiError(404, f"the lineage of {graph.graph['root']} has no papers to cite", "id")
    return Response(bibtex(graph), media_type=CONTENT_TYPE["bibtex"], headers=NOSNIFF)
