"""Property-based API test: schemathesis generates requests from /openapi.json (valid and invalid
ones) for the operations; none may get a server error, and every response must be what the schema
documents: its status code, content type, headers and body (the response models of
lineage/api_models.py, errors as ErrorOut). Embedded backend, bounded examples.

Not checked, on purpose: ``positive_data_acceptance`` (a schema-valid id can name no node, a
schema-valid text no date: the registry refuses those with 400/404), ``negative_data_rejection``,
``missing_required_header`` and ``ignored_auth`` (this app runs with LINEAGE_CYPHER_ACCESS=open,
so ``/cypher`` answers without the bearer token the schema lists; token handling has its own
tests in test_api.py and test_security.py).

The schema is loaded when this module is imported (schemathesis' fixture-based lazy loading does
not work with pytest 9), so the app serves its own embedded store in a temporary directory; the
curated lineage is loaded into it through ``POST /load/curated`` with a token the generated
requests never have, so every generated ``/load`` request is refused and nothing else writes.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from lineage.api import create_app
from lineage.settings import Settings

DB = Path(tempfile.mkdtemp(prefix="lineage-schemathesis-")) / "store.lbug"
TOKEN = secrets.token_hex(16)
app = create_app(
    settings=Settings(db=DB, neo4j_uri=None),
    token=TOKEN,
    query_timeout=5.0,
    cypher_timeout=2.0,
    cypher="open",
    hosts="testserver,localhost",
)
#: Every /queries/<name> (each runs its own Cypher); /export and /viz share one code path per
#: route, so a few representative queries (one node, two nodes, a node list, none, an analytic).
SAMPLED = "ancestors|path|common-roots|overview|main-path"
#: The coverage phase (boundary values, missing and malformed parameters: ~150 requests per
#: operation) runs on the hand-written endpoints and two saved queries; the rest get the fuzzing
#: phase only (25 examples, valid and invalid). About 50 s in all.
CONFIG = SchemathesisConfig.from_dict(
    {
        "phases": {"coverage": {"unexpected-methods": []}},
        "operations": [
            {
                "include-path-regex": r"^/(export|viz)/|^/queries/(?!ancestors$|common-roots$)[^/]+$",
                "phases": {"coverage": {"enabled": False}},
            }
        ],
    }
)
schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG).exclude(
    path_regex=rf"^/(export|viz)/(?!({SAMPLED})$)"
)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module", autouse=True)
def curated_lineage() -> Iterator[None]:
    loaded = TestClient(app, base_url="http://localhost").post(
        "/load/curated", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert loaded.status_code == 200, loaded.text
    yield
    app.state.service.close()
    shutil.rmtree(DB.parent, ignore_errors=True)


@schema.parametrize()
# One value, for the node ids: on pytest 9, schemathesis 4.32 gives every operation's test the
# function's own node id unless the test is parametrized, and pytest-xdist, which schedules by
# node id, then runs one operation of the 42. The test below keeps it so.
@pytest.mark.parametrize("backend", ["ladybug"])
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_responses_conform_to_schema(case, backend: str) -> None:
    case.call_and_validate(checks=CHECKS)


def test_each_operation_is_a_test_of_its_own(request: pytest.FixtureRequest) -> None:
    """Every operation of the schema is collected under a node id of its own (so a parallel run
    runs each of them)."""
    module = request.node.getparent(pytest.Module)
    cases = [c for c in module.collect() if c.name == "test_responses_conform_to_schema"]
    ids = [item.nodeid for case in cases for item in case.collect()]
    operations = [result.ok().label for result in schema.get_all_operations()]
    assert len(operations) > 30 and len(ids) == len(set(ids)) == len(operations), ids
    assert all(any(f"[{label}]" in i for i in ids) for label in operations)
