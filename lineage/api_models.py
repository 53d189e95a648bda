"""Request and response shapes of the HTTP API (they are what /openapi.json and /docs show).

Saved-query parameters are not redeclared here: their one definition is the query file's
header, validated by :func:`queries.registry.validate_params` (see ``lineage.api_params``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

INT64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
Scalar = str | INT64 | float | bool | None


def _no_wide_ints(value: Any) -> Any:
    """An integer beyond 64 bits is an error, not silently the nearest float."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, int) and not isinstance(item, bool) and not -(2**63) <= item <= 2**63 - 1:
            raise ValueError(f"{str(item)[:30]}… does not fit in a 64-bit integer")
    return value


ParamValue = Annotated[Scalar | list[str] | list[INT64] | list[float], BeforeValidator(_no_wide_ints)]


class ErrorOut(BaseModel):
    """Every error: a message for people and, where one input is at fault, its name."""

    error: str = Field(description="what went wrong, naming the input")
    parameter: str | None = Field(None, description="the parameter at fault, if one is")
    suggestions: list[str] | None = Field(None, description="ids close to an unknown node id")


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "a parameter is malformed or out of bounds (named in `parameter`)"},
    404: {"model": ErrorOut, "description": "no such node, query or result (with suggestions where known)"},
    503: {"model": ErrorOut, "description": "the graph store is unreachable"},
}
#: The same errors for a route whose own media type is not JSON (an HTML page): FastAPI would
#: otherwise document the error body under the route's media type.
ERRORS_AS_JSON: dict[int | str, dict[str, Any]] = {
    status: {
        "description": doc["description"],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
    }
    for status, doc in ERRORS.items()
}


class Page(BaseModel):
    """Pagination of a list: ``next_offset`` is null on the last page."""

    total: int | None = Field(None, description="items in the whole list, where known")
    limit: int
    offset: int
    next_offset: int | None = None


class HealthOut(BaseModel):
    status: str = Field(description="ok, or unavailable when the store cannot be reached")
    backend: str = Field(description="ladybug (embedded) or neo4j")
    location: str = Field(description="the embedded store's directory or the Neo4j URI")
    reachable: bool
    counts: dict[str, int] = Field(default_factory=dict, description="nodes per label and edges per type")
    error: str | None = None
    writes_enabled: bool = Field(description="whether LINEAGE_API_TOKEN is set, so /load/* accepts writes")
    cypher_access: str = Field(description="who may run ad-hoc Cypher: token, open or off (LINEAGE_CYPHER_ACCESS)")


class NodeOut(BaseModel):
    id: str
    label: str | None
    name: str | None
    properties: dict[str, Any] = Field(description="every stored property that has a value")
    degree: dict[str, dict[str, int]] = Field(description="edge type -> {'out': n, 'in': m}")
    degree_total: int
    links: dict[str, str] = Field(description="where to go next: lineage, neighbourhood, page")


class SearchHit(BaseModel):
    id: str
    name: str | None
    label: str | None
    aliases: list[str] = Field(default_factory=list)
    rank: int = Field(description="0: exact name/alias/id match, 1: prefix, 2: substring")


class SearchOut(Page):
    q: str
    results: list[SearchHit]


class EvidenceOut(BaseModel):
    source: str = Field(description="provenance source: curated, hf_card, arxiv, ...")
    origin: str = Field(description="where it came from: the seed article, the model card, the record")
    evidence: str
    confidence: float | None = None


class HopOut(BaseModel):
    source: str
    target: str
    source_name: str
    target_name: str
    type: str = Field(description="BUILDS_ON, INTRODUCES or CITES")
    kind: str = Field(description="the builds-on kind, or introduces / introduced_by / cites / cited_by")
    along: bool = Field(description="the stored edge points from source to target")
    evidence: list[EvidenceOut]


class ExplainOut(BaseModel):
    source: str
    target: str
    source_name: str
    target_name: str
    paths: list[list[HopOut]]
    how: str = Field(description="path: the shortest connections; ancestors: found through the source's lineage")


class ParamInfo(BaseModel):
    name: str
    type: str = Field(description="node, nodes, int, str, list (comma-separated) or choice[a|b]")
    required: bool
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None
    choices: list[str] | None = None
    help: str = ""


class QueryInfo(BaseModel):
    name: str
    description: str
    params: list[ParamInfo]
    returns: list[str]
    example: str = ""
    links: dict[str, str]


class QueryListOut(Page):
    queries: list[QueryInfo]


class RowsOut(Page):
    query: str
    params: dict[str, Any] = Field(description="the parameters as run: normalised ids, defaults filled in")
    columns: list[str]
    rows: list[dict[str, Any]]


class SubgraphOut(BaseModel):
    """Node-link JSON (networkx ``node_link_data``) of the nodes and edges a query's rows describe."""

    directed: bool
    multigraph: bool
    graph: dict[str, Any] = Field(description="the query and its parameters as run")
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]


class CypherIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "cypher": "MATCH (n:Node) WHERE n.label = $label RETURN n.id AS id, n.name AS name",
                    "params": {"label": "Model"},
                    "limit": 10,
                }
            ]
        },
    )

    cypher: str = Field(min_length=1, max_length=4000, description="one read-only Cypher statement")
    params: dict[str, ParamValue] = Field(default_factory=dict, description="$parameters of the statement")
    limit: int = Field(100, ge=1, le=1000, description="at most this many rows come back")


class CypherOut(BaseModel):
    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool = Field(description="true when more rows matched than `limit`")
    limit: int
    elapsed_ms: float


class LoadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    params: dict[str, ParamValue] = Field(default_factory=dict, description="loader options (none for curated)")


class LoadOut(BaseModel):
    source: str
    report: dict[str, Any] = Field(description="nodes/edges added, updated, unchanged")
    counts_before: dict[str, int]
    counts_after: dict[str, int]
