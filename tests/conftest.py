"""One test suite for every backend.

``store`` is parametrised over the embedded store and Neo4j. Neo4j is the real server: the one
at ``NEO4J_URI`` if set, else one the project builds and starts once per session (Java 17 +
Maven). Without Java the Neo4j cases skip with a reason, unless ``LINEAGE_REQUIRE_NEO4J=1``
(CI sets it), where they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.backends import open_store
from graph.store import GraphStore

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURES = Path(__file__).parent / "fixtures"
BACKENDS = ["ladybug", "neo4j"]
#: How long a test's Neo4j may take to start: a JVM starting on a busy 2-core machine (other
#: test workers, a second server) can take minutes; a broken one still fails, with its log.
NEO4J_START_TIMEOUT = 300


def require_java() -> None:
    """Skip (or, with LINEAGE_REQUIRE_NEO4J=1, fail) where the project cannot run its own Neo4j."""
    from lineage.neo4j_server import java_available

    reason = java_available()
    if reason:
        if os.environ.get("LINEAGE_REQUIRE_NEO4J") == "1":
            pytest.fail(f"Neo4j required (LINEAGE_REQUIRE_NEO4J=1) but {reason}")
        pytest.skip(f"Neo4j tests need Java 17 and Maven: {reason}")


# The suite's servers live seconds to minutes: C2's start-up compiling would be most of their
# CPU time, and C1 alone answers these small graphs as fast. A user's setting wins.
os.environ.setdefault("LINEAGE_NEO4J_JVM_OPTS", "-XX:TieredStopAtLevel=1")


@pytest.fixture(scope="session")
def neo4j_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """The real Neo4j this suite starts once (a :class:`lineage.neo4j_server.Neo4jServer`)."""
    from lineage.neo4j_server import Neo4jServer

    require_java()
    server = Neo4jServer.start(
        data_dir=tmp_path_factory.mktemp("neo4j"), password="lineage-test", timeout=NEO4J_START_TIMEOUT
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def neo4j_server(request: pytest.FixtureRequest) -> dict[str, str | None]:
    """Connection settings of a real Neo4j: ``neo4j_process`` unless NEO4J_URI points at one."""
    if os.environ.get("NEO4J_URI"):
        return {
            "uri": os.environ["NEO4J_URI"],
            "user": os.environ.get("NEO4J_USERNAME", "neo4j"),
            "password": os.environ.get("NEO4J_PASSWORD"),
        }
    server = request.getfixturevalue("neo4j_process")
    return {"uri": server.uri, "user": server.user, "password": server.password}


def _open(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> GraphStore:
    if backend == "neo4j":
        conn = request.getfixturevalue("neo4j_server")
        store = open_store("neo4j", uri=conn["uri"], user=conn["user"] or "neo4j", password=conn["password"])
        store.clear()
        return store
    return open_store("ladybug", path=tmp_path / "store.lbug")


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """An empty store of each backend."""
    s = _open(request.param, request, tmp_path)
    try:
        yield s
    finally:
        if s.backend == "neo4j":
            s.clear()  # leave the shared server empty for the next test
        s.close()


@pytest.fixture(scope="session")
def _curated_ladybug(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    from loaders.curated import load_curated

    s = open_store("ladybug", path=tmp_path_factory.mktemp("curated") / "store.lbug")
    load_curated(s)
    yield s
    s.close()


#: A checkpoint the Neo4j test database carries while it holds exactly the curated load: its
#: value is the counts after that load. ``store`` clears the database (and the mark with it).
_CURATED_MARK = "tests:curated"


def _ensure_curated(s: GraphStore) -> None:
    """Load the curated lineage unless the database still holds just that load: an idempotent
    re-load writes nothing but still diffs every row, which was a few seconds per test."""
    from loaders.curated import load_curated

    mark = s.checkpoint(_CURATED_MARK)
    if mark is not None and json.loads(mark) == s.counts():
        return
    load_curated(s)
    s.write_batch([], [], checkpoint=(_CURATED_MARK, json.dumps(s.counts(), sort_keys=True)))


#: The slowest files, slowest first (serial durations, BENCHMARKS.md "CI time"). pytest-xdist
#: hands out whole files in collection order as workers free up; started first, the long ones
#: no longer leave one worker running alone at the end.
SLOW_FILES_FIRST = (
    "test_neo4j_import.py",
    "test_first_day.py",
    "test_query_library.py",
    "test_hf_hub.py",
    "test_api_schemathesis.py",
    "test_api.py",
    "test_neo4j_server.py",
    "test_dates_datasets.py",
    "test_security.py",
    "test_edge_list.py",
    "test_grow.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slowest files first (:data:`SLOW_FILES_FIRST`), the others in their order; within
    each file, the tests on the curated Neo4j database run first, so it is loaded once a file
    rather than after every test that cleared it."""
    files = list(dict.fromkeys(item.path for item in items))
    slow = {name: i for i, name in enumerate(SLOW_FILES_FIRST)}
    files.sort(key=lambda path: slow.get(path.name, len(slow)))  # stable: the rest keep their order
    rank = {path: i for i, path in enumerate(files)}

    def curated_on_neo4j(item: pytest.Item) -> bool:
        callspec = getattr(item, "callspec", None)
        return (
            "curated_store" in getattr(item, "fixturenames", ())
            and callspec is not None
            and callspec.params.get("curated_store") == "neo4j"
        )

    items.sort(key=lambda item: (rank[item.path], not curated_on_neo4j(item)))


@pytest.fixture(params=BACKENDS)
def curated_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """A store of each backend holding the curated lineage; tests must not write to it.

    The Neo4j database is shared with ``store`` (which clears it), so the curated lineage is
    re-loaded before each use: the load is idempotent, so on a loaded database it writes nothing.
    """
    if request.param == "ladybug":
        yield request.getfixturevalue("_curated_ladybug")
        return
    conn = request.getfixturevalue("neo4j_server")
    s = open_store("neo4j", uri=conn["uri"], user=conn["user"] or "neo4j", password=conn["password"])
    _ensure_curated(s)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def shared_data() -> Path:
    path = SHARED / "data"
    if not path.exists():
        pytest.skip("../shared/data is not next to this checkout")
    return path


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")
