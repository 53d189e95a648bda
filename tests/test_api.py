"""The HTTP API on both backends: FastAPI's TestClient over a real store (no mocks).

Read tests use the curated lineage (``curated_store``, never written to); write tests use an
empty ``store``. Security: ad-hoc Cypher is read-only, writes need the bearer token, and
out-of-bounds parameters are refused before anything runs.
"""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from graph.export import CONTENT_TYPE, FORMATS, SUFFIX
from graph.store import GraphStore
from lineage.api import create_app
from queries.registry import registry

TOKEN = "test-token-0123456789"
LOCAL = "http://localhost"  # the server answers loopback host names only (DNS rebinding)
AUTH = {"Authorization": f"Bearer {TOKEN}"}  # /cypher needs the token by default


@pytest.fixture
def client(curated_store: GraphStore) -> Iterator[TestClient]:
    with TestClient(create_app(store=curated_store, token=TOKEN), base_url=LOCAL, headers=AUTH) as c:
        yield c


def ids(body: dict[str, Any]) -> list[str]:
    return [row["id"] for row in body["rows"]]


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"error", "parameter"} and body["error"], body
    return body


# --- reads -------------------------------------------------------------------------------------


def test_health_names_backend_and_counts(client: TestClient, curated_store: GraphStore) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["reachable"] is True
    assert body["backend"] == curated_store.backend
    assert body["location"] == curated_store.location
    assert body["counts"]["Model"] > 10 and body["counts"]["BUILDS_ON"] > 30
    assert body["writes_enabled"] is True


def test_node_accepts_any_id_spelling(client: TestClient) -> None:
    for spelling in ("arxiv:2310.06825", "arXiv:2310.06825v2", "https://arxiv.org/abs/2310.06825"):
        body = client.get(f"/nodes/{spelling}").json()
        assert body["id"] == "arxiv:2310.06825", spelling
        assert body["label"] == "Paper" and body["name"].startswith("Mistral 7B")
        assert body["degree"]["INTRODUCES"]["out"] >= 1


def test_node_properties_and_degree(client: TestClient) -> None:
    body = client.get("/nodes/model:zephyr-7b").json()
    assert body["properties"]["hf_id"] == "HuggingFaceH4/zephyr-7b-beta"
    assert "Zephyr" in body["properties"]["aliases"]
    assert body["degree"]["BUILDS_ON"]["out"] >= 2  # Mistral 7B and DPO at least
    assert body["degree"]["INTRODUCES"]["in"] >= 1
    assert body["degree_total"] == sum(d["in"] + d["out"] for d in body["degree"].values())


def test_unknown_node_is_404_with_suggestions(client: TestClient) -> None:
    body = error_of(client.get("/nodes/zephyrr"), 404)
    assert body["parameter"] == "id"
    assert "model:zephyr-7b" in body["suggestions"]
    assert "model:zephyr-7b" in body["error"]


def test_search_ranks_exact_then_prefix_then_substring(client: TestClient) -> None:
    body = client.get("/search", params={"q": "ZEPHYR"}).json()
    assert body["results"][0]["id"] == "model:zephyr-7b" and body["results"][0]["rank"] == 0
    ranks = [hit["rank"] for hit in body["results"]]
    assert ranks == sorted(ranks)
    alias = client.get("/search", params={"q": "direct preference optimization"}).json()["results"]
    assert "method:dpo" in [hit["id"] for hit in alias if hit["rank"] == 0]


def test_search_pages(client: TestClient) -> None:
    everything = client.get("/search", params={"q": "7b", "limit": 100}).json()["results"]
    assert len(everything) > 3
    first = client.get("/search", params={"q": "7b", "limit": 2}).json()
    assert first["next_offset"] == 2 and first["total"] is None
    second = client.get("/search", params={"q": "7b", "limit": 2, "offset": 2}).json()
    assert [h["id"] for h in first["results"] + second["results"]] == [h["id"] for h in everything[:4]]


def test_queries_lists_the_library_with_types_defaults_and_bounds(client: TestClient) -> None:
    body = client.get("/queries", params={"limit": 100}).json()
    assert body["total"] == len(registry()) and body["next_offset"] is None
    ancestors = next(q for q in body["queries"] if q["name"] == "ancestors")
    depth = next(p for p in ancestors["params"] if p["name"] == "depth")
    assert depth == {
        "name": "depth",
        "type": "int",
        "required": False,
        "default": 3,
        "minimum": 1,
        "maximum": 10,
        "choices": None,
        "help": depth["help"],
    }
    page = client.get("/queries", params={"limit": 2, "offset": 2}).json()
    assert [q["name"] for q in page["queries"]] == [q["name"] for q in body["queries"][2:4]]
    assert page["next_offset"] == 4


def test_saved_query_rows(client: TestClient) -> None:
    body = client.get("/queries/ancestors", params={"id": "model:zephyr-7b", "depth": "10"}).json()
    assert body["columns"] == ["id", "name", "label", "depth", "via", "via_kind", "via_source"]
    assert {"model:mistral-7b", "method:dpo", "method:sft"} <= set(ids(body))
    assert "method:ppo" not in ids(body)  # DPO replaces it: not lineage unless contrast=yes
    mistral = next(row for row in body["rows"] if row["id"] == "model:mistral-7b")
    assert (mistral["via"], mistral["via_kind"], mistral["via_source"]) == (
        "model:zephyr-7b",
        "fine_tuned_from",
        "curated",
    )
    wide = client.get("/queries/ancestors", params={"id": "model:zephyr-7b", "depth": "10", "contrast": "yes"}).json()
    assert "method:ppo" in ids(wide)
    assert body["params"] | {"id": "model:zephyr-7b", "depth": 10, "min_trust": 1, "kinds": []} == body["params"]


def test_saved_query_as_subgraph_is_node_link_json(client: TestClient) -> None:
    body = client.get("/queries/ancestors", params={"id": "model:zephyr-7b", "as": "subgraph"}).json()
    graph = nx.node_link_graph(body, edges="edges")
    assert graph.has_edge("model:zephyr-7b", "model:mistral-7b")
    assert body["graph"]["query"] == "ancestors"
    assert graph.nodes["model:zephyr-7b"]["label"] == "Model"


def test_rows_page_through_the_result(client: TestClient) -> None:
    params = {"id": "model:zephyr-7b", "depth": "10"}
    whole = client.get("/queries/ancestors", params=params).json()
    assert whole["total"] > 4
    pages, offset = [], 0
    while offset is not None:
        page = client.get("/queries/ancestors", params={**params, "limit": 3, "offset": offset}).json()
        assert len(page["rows"]) <= 3 and page["total"] == whole["total"]
        pages += page["rows"]
        offset = page["next_offset"]
    assert pages == whole["rows"]


def test_lineage_ancestors_and_descendants(client: TestClient) -> None:
    up = client.get("/lineage/model:zephyr-7b", params={"depth": 1}).json()
    assert up["query"] == "ancestors" and {"model:mistral-7b", "method:dpo"} <= set(ids(up))
    assert "method:rlhf" not in ids(up)
    only = client.get("/lineage/model:zephyr-7b", params={"depth": 10, "kinds": "fine_tuned_from"}).json()
    assert "model:mistral-7b" in ids(only) and "method:dpo" not in ids(only)
    down = client.get("/lineage/method:dpo", params={"direction": "descendants", "depth": 10}).json()
    assert down["query"] == "descendants" and "model:zephyr-7b" in ids(down)
    trusted = client.get("/lineage/model:zephyr-7b", params={"min_trust": 3}).json()
    assert trusted["params"]["min_trust"] == 3
    sub = client.get("/lineage/model:zephyr-7b", params={"as": "subgraph", "depth": 1}).json()
    assert {n["id"] for n in sub["nodes"]} >= {"model:zephyr-7b", "model:mistral-7b"}


def test_two_node_query_names_the_unknown_one(client: TestClient) -> None:
    body = error_of(client.get("/queries/path", params={"source": "arxiv:1706.03762", "target": "mixtrall"}), 404)
    assert body["parameter"] == "target"
    assert "model:mixtral-8x7b" in body["suggestions"]
    found = client.get("/queries/path", params={"source": "arxiv:1706.03762", "target": "model:mixtral-8x7b"})
    assert found.json()["rows"][0]["ids"][-1] == "model:mixtral-8x7b"


BAD_PARAMETERS = [
    ("/queries/ancestors", {"id": "model:zephyr-7b", "depth": "11"}, "depth"),
    ("/queries/ancestors", {"id": "model:zephyr-7b", "depth": str(10**30)}, "depth"),
    ("/queries/ancestors", {"id": "model:zephyr-7b", "depth": "deep"}, "depth"),
    ("/queries/ancestors", {"id": "model:zephyr-7b", "min_trust": "0"}, "min_trust"),
    ("/queries/ancestors", {"id": "model:zephyr-7b", "width": "2"}, "width"),
    ("/queries/ancestors", {"id": "model:zephyr-7b", "limit": "1000000"}, "limit"),
    ("/queries/ancestors", {"id": "model:zephyr-7b", "offset": "-1"}, "offset"),
    ("/queries/ancestors", {"id": "model:zephyr-7b", "as": "table"}, "as"),
    ("/queries/ancestors", {}, "id"),
    ("/queries/neighbourhood", {"id": "model:zephyr-7b", "limit": "99999"}, "limit"),
    ("/lineage/model:zephyr-7b", {"depth": "100000"}, "depth"),
    ("/lineage/model:zephyr-7b", {"direction": "sideways"}, "direction"),
    ("/lineage/model:zephyr-7b", {"limit": "0"}, "limit"),
    ("/lineage/model:zephyr-7b", {"kinds": "fine_tuned"}, "kinds"),  # not a kind
    ("/lineage/model:zephyr-7b", {"kinds": "replaces"}, "kinds"),  # a contrast kind without contrast=yes
    ("/queries/descendants", {"id": "method:dpo", "since": "2023-13-01"}, "since"),
    ("/queries/ancestors", {"id": "model:zephyr-7b", "contrast": "maybe"}, "contrast"),
    ("/search", {"q": "zephyr", "limit": "101"}, "limit"),
    ("/search", {"q": ""}, "q"),
    ("/search", {"q": "   "}, "q"),
    ("/search", {}, "q"),
    ("/queries", {"limit": "5000"}, "limit"),
    ("/export/ancestors", {"id": "model:zephyr-7b", "format": "pdf"}, "format"),
    ("/viz/ancestors", {"id": "model:zephyr-7b", "layout": "spiral"}, "layout"),
]


def test_bad_parameters_are_400_naming_them(client: TestClient) -> None:
    for url, params, parameter in BAD_PARAMETERS:
        assert error_of(client.get(url, params=params), 400)["parameter"] == parameter, (url, params)


def test_unknown_query_route_and_method_are_json(client: TestClient) -> None:
    body = error_of(client.get("/queries/ancestor", params={"id": "model:zephyr-7b"}), 404)
    assert "did you mean ancestors" in body["error"]
    error_of(client.get("/viz/nope"), 404)
    error_of(client.get("/no/such/route"), 404)
    error_of(client.delete("/health"), 405)


def test_huge_bounds_are_refused_before_anything_runs(curated_store: GraphStore) -> None:
    """A refused depth or limit never reaches the database."""

    class Counting:
        def __init__(self, inner: GraphStore) -> None:
            self.inner, self.backend, self.location, self.reads = inner, inner.backend, inner.location, 0

        def read(self, cypher: str, params: dict | None = None, *, timeout: float | None = None) -> list[dict]:
            self.reads += 1
            return self.inner.read(cypher, params, timeout=timeout)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    counting = Counting(curated_store)
    with TestClient(create_app(store=counting, token=TOKEN), base_url=LOCAL) as c:  # type: ignore[arg-type]
        for params in ({"depth": 10**9}, {"depth": 11}, {"limit": 10**6}, {"min_trust": 99}):
            error_of(c.get("/lineage/model:zephyr-7b", params=params), 400)
        error_of(c.get("/queries/neighbourhood", params={"id": "model:zephyr-7b", "limit": 10**6}), 400)
        error_of(c.get("/search", params={"q": "x", "limit": 10**6}), 400)
        assert counting.reads == 0


# --- downloads and pages -------------------------------------------------------------------------


def test_export_downloads(client: TestClient) -> None:
    for fmt in FORMATS:
        if fmt != "bibtex":
            check_download(client, fmt)


def check_download(client: TestClient, fmt: str) -> None:
    response = client.get("/export/ancestors", params={"id": "model:zephyr-7b", "format": fmt})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == CONTENT_TYPE[fmt].split(";")[0]
    suffix = ".zip" if fmt == "csv" else SUFFIX[fmt]
    assert response.headers["content-disposition"] == f'attachment; filename="ancestors-model-zephyr-7b{suffix}"'
    data = response.content
    if fmt == "csv":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert sorted(archive.namelist()) == ["nodes.csv", "relationships.csv"]
            assert "model:zephyr-7b" in archive.read("nodes.csv").decode()
            assert "BUILDS_ON" in archive.read("relationships.csv").decode()
    elif fmt == "json":
        graph = nx.node_link_graph(json.loads(data), edges="edges")
        assert graph.has_edge("model:zephyr-7b", "model:mistral-7b")
    elif fmt == "graphml":
        graph = nx.read_graphml(io.BytesIO(data))
        assert "model:zephyr-7b" in graph
    else:
        assert b"model:zephyr-7b" in data


def test_export_bibtex_of_papers(client: TestClient) -> None:
    response = client.get("/export/introduced-by", params={"id": "method:dpo", "format": "bibtex"})
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="introduced-by-method-dpo.bib"'
    assert b"eprint = {2305.18290}" in response.content
    # a model no paper introduces (Midjourney): nothing to cite
    body = error_of(client.get("/export/search", params={"q": "midjourney", "format": "bibtex"}), 404)
    assert "no papers" in body["error"]


def test_viz_page_is_offline_html(client: TestClient) -> None:
    response = client.get("/viz/ancestors", params={"id": "model:zephyr-7b", "title": "Zephyr <lineage>"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "<title>Zephyr &lt;lineage&gt;</title>" in html
    assert 'data-ready="0"' in html and "model:mistral-7b" in html
    assert "<script src=" not in html and "<link " not in html


#: Requests whose responses must be what /openapi.json says, status by status (schemathesis
#: fuzzes the embedded store; these run on both backends).
DOCUMENTED = [
    ("GET", "/health", None),
    ("GET", "/nodes/model:zephyr-7b", None),
    ("GET", "/nodes/zephyrr", None),
    ("GET", "/search?q=zephyr", None),
    ("GET", "/queries?limit=3", None),
    ("GET", "/queries/ancestors?id=model:zephyr-7b", None),
    ("GET", "/queries/ancestors?id=model:zephyr-7b&as=subgraph", None),
    ("GET", "/lineage/model:zephyr-7b?as=subgraph", None),
    ("GET", "/lineage/model:zephyr-7b?direction=descendants", None),
    ("GET", "/explain?source=zephyr&target=model:mistral-7b", None),
    ("GET", "/viz/ancestors?id=model:nope", None),
    ("GET", "/export/ancestors?id=model:zephyr-7b&format=json", None),
    ("POST", "/cypher", {"cypher": "MATCH (n:Node) RETURN n.id AS id LIMIT 2"}),
]


@pytest.mark.parametrize(("method", "url", "body"), DOCUMENTED, ids=[u for _, u, _ in DOCUMENTED])
def test_responses_match_the_openapi_schema(client: TestClient, method: str, url: str, body: Any) -> None:
    import jsonschema_rs

    response = client.request(method, url, json=body)
    path = url.split("?")[0]
    spec = client.get("/openapi.json").json()
    template = next(
        p for p in spec["paths"] if p == path or (p.endswith("{id}") and path.startswith(p.removesuffix("{id}")))
    )
    documented = spec["paths"][template][method.lower()]["responses"][str(response.status_code)]
    media_type = response.headers["content-type"].split(";")[0]
    assert media_type in documented["content"], (response.status_code, media_type, list(documented["content"]))
    schema = documented["content"][media_type].get("schema")
    if schema is not None:
        jsonschema_rs.validate({**schema, "components": spec["components"]}, response.json())


def test_home_page_is_self_contained(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert "/search?" in html and "/queries?" in html and "/viz/" in html
    assert "http://" not in html and "https://" not in html and "<script src" not in html
    assert "connect-src 'self'" in response.headers["content-security-policy"]


def test_openapi_documents_saved_query_parameters(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/queries/ancestors"]["get"]["parameters"]}
    assert params["depth"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 10, "default": 3}
    assert params["id"]["required"] is True and params["id"]["example"] == "model:zephyr-7b"
    assert {"limit", "offset", "as"} <= set(params)
    neighbourhood = {p["name"]: p for p in spec["paths"]["/queries/neighbourhood"]["get"]["parameters"]}
    assert neighbourhood["limit"]["schema"]["maximum"] == 1500  # the query's own limit, not the page size
    for path in ("/health", "/search", "/queries", "/lineage/{id}", "/cypher", "/load/{source}"):
        assert path in spec["paths"], path
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/openapi.json" in docs.text


# --- ad-hoc Cypher ---------------------------------------------------------------------------------


def test_cypher_reads_with_a_row_limit(client: TestClient) -> None:
    body = client.post(
        "/cypher",
        json={
            "cypher": "MATCH (n:Node) WHERE n.label = $label RETURN n.id AS id ORDER BY id",
            "params": {"label": "Model"},
            "limit": 3,
        },
    ).json()
    assert body["columns"] == ["id"] and len(body["rows"]) == 3 and body["truncated"] is True
    assert all(row["id"].startswith("model:") for row in body["rows"])
    whole = client.post("/cypher", json={"cypher": "MATCH (n:Node {id: 'model:zephyr-7b'}) RETURN n.name AS name"})
    assert whole.json()["rows"] == [{"name": "Zephyr 7B"}] and whole.json()["truncated"] is False


REFUSED = [
    ("CREATE (n:Node {id: 'model:evil'})", "CREATE"),
    ("MATCH (n:Node {id: 'model:zephyr-7b'}) SET n.name = 'x'", "SET"),
    ("MATCH (n:Node {id: 'model:zephyr-7b'}) DETACH DELETE n", "DETACH"),
    ("MERGE (n:Node {id: 'model:evil'})", "MERGE"),
    ("MATCH (n) REMOVE n.name", "REMOVE"),
    ("CALL dbms.components()", "CALL"),
    ("CALL db.labels()", "CALL"),
    ("CALL dbms.security.createUser('x', 'y', false)", "CALL"),
    ("LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line", "LOAD CSV"),
    ("RETURN apoc.version()", "apoc"),
    ("MATCH (n) RETURN apoc.text.join([n.id], ',')", "apoc"),
    ("USE system SHOW USERS", "USE"),
    ("MATCH (n) RETURN n; MATCH (m) DETACH DELETE m", "DETACH"),
    ("match (n:Node) detach delete n", "detach"),
]


def test_cypher_refuses_writes_and_procedures(client: TestClient, curated_store: GraphStore) -> None:
    before = curated_store.counts()
    for cypher, clause in REFUSED:
        body = error_of(client.post("/cypher", json={"cypher": cypher}), 403)
        assert body["parameter"] == "cypher" and clause.lower() in body["error"].lower(), cypher
    assert curated_store.counts() == before


def test_cypher_errors_are_400(client: TestClient) -> None:
    assert error_of(client.post("/cypher", json={"cypher": "MATCH (n RETURN n"}), 400)["parameter"] == "cypher"
    assert error_of(client.post("/cypher", json={"cypher": "RETURN 1", "limit": 5000}), 400)["parameter"] == "limit"
    assert error_of(client.post("/cypher", json={"cypher": ""}), 400)["parameter"] == "cypher"
    assert error_of(client.post("/cypher", json={}), 400)["parameter"] == "cypher"
    bad_json = client.post("/cypher", content=b"{nope", headers={"content-type": "application/json"})
    assert error_of(bad_json, 422)["parameter"] is None


def test_cypher_is_time_limited(curated_store: GraphStore) -> None:
    slow = "UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b RETURN sum(a * b) AS n"
    with TestClient(create_app(store=curated_store, cypher_timeout=0.5, cypher="open"), base_url=LOCAL) as c:
        started = time.monotonic()
        body = error_of(c.post("/cypher", json={"cypher": slow}), 400)
        assert time.monotonic() - started < 10
    assert "time limit" in body["error"]


# --- writes --------------------------------------------------------------------------------------


def test_load_needs_the_token_and_refusal_changes_nothing(store: GraphStore) -> None:
    empty = store.counts()
    with TestClient(create_app(store=store, token=""), base_url=LOCAL) as c:  # no token configured: writes disabled
        body = error_of(c.post("/load/curated", headers={"Authorization": f"Bearer {TOKEN}"}), 403)
        assert "LINEAGE_API_TOKEN" in body["error"]
        assert c.get("/health").json()["writes_enabled"] is False
    with TestClient(create_app(store=store, token=TOKEN), base_url=LOCAL) as c:
        missing = c.post("/load/curated")
        error_of(missing, 401)
        assert missing.headers["www-authenticate"] == "Bearer"
        error_of(c.post("/load/curated", headers={"Authorization": "Bearer wrong"}), 403)
        error_of(c.post("/load/curated", headers={"Authorization": f"Basic {TOKEN}"}), 401)
        error_of(c.post("/load/nothing", headers={"Authorization": f"Bearer {TOKEN}"}), 404)
        assert store.counts() == empty
        assert c.get("/search", params={"q": "zephyr"}).json()["results"] == []  # now cached

        loaded = c.post("/load/curated", headers={"Authorization": f"Bearer {TOKEN}"})
        assert loaded.status_code == 200, loaded.text
        body = loaded.json()
        assert body["counts_before"] == empty and body["counts_after"]["Model"] > 10
        assert body["report"]["nodes_added"] > 0
        again = c.post("/load/curated", headers={"Authorization": f"Bearer {TOKEN}"}).json()
        assert again["report"]["nodes_added"] == 0 and again["report"]["edges_added"] == 0
        assert again["counts_after"] == body["counts_after"]
        # the write dropped the cached answers
        assert c.get("/search", params={"q": "zephyr"}).json()["results"][0]["id"] == "model:zephyr-7b"
        extra = c.post("/load/curated", headers={"Authorization": f"Bearer {TOKEN}"}, json={"params": {"x": 1}})
        assert error_of(extra, 400)["parameter"] == "x"


def test_token_from_the_environment(store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINEAGE_API_TOKEN", "from-env")
    with TestClient(create_app(store=store), base_url=LOCAL) as c:
        error_of(c.post("/load/curated", headers={"Authorization": "Bearer wrong"}), 403)
        assert c.get("/health").json()["writes_enabled"] is True


# --- the service -----------------------------------------------------------------------------------


def test_concurrent_requests_agree(client: TestClient) -> None:
    expected = client.get("/lineage/model:zephyr-7b", params={"depth": 4}).json()
    results: list[Any] = []

    def worker() -> None:
        for _ in range(10):
            response = client.get("/lineage/model:zephyr-7b", params={"depth": 4})
            results.append((response.status_code, response.json()))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 80 and all(r == (200, expected) for r in results)


def test_owned_store_opens_at_startup_and_closes_at_shutdown(tmp_path) -> None:
    from lineage.settings import Settings

    settings = Settings(db=tmp_path / "served.lbug", neo4j_uri=None)
    app = create_app(settings=settings, token="")
    with TestClient(app, base_url=LOCAL) as c:
        body = c.get("/health").json()
        assert body["backend"] == "ladybug" and body["reachable"] is True and body["location"].endswith("served.lbug")
    assert app.state.service._store is None  # closed
    # closed means released: the directory opens again in this process
    from graph.backends import open_store

    open_store("ladybug", path=tmp_path / "served.lbug").close()


def test_unreachable_store_is_503_not_500(tmp_path) -> None:
    from lineage.settings import Settings

    settings = Settings(db=tmp_path / "x", neo4j_uri="bolt://127.0.0.1:1", neo4j_password="nope")
    with TestClient(create_app(settings=settings, token=""), base_url=LOCAL) as c:
        health = c.get("/health")
        assert health.status_code == 503 and health.json()["reachable"] is False
        assert "127.0.0.1:1" in health.json()["error"]
        error_of(c.get("/lineage/model:zephyr-7b"), 503)
