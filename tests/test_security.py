"""Ad-hoc Cypher attacked as an attacker would, on both backends, from the API and the CLI.

Every payload must be refused or stopped with the graph unchanged, no file written and the
answer within its limit. The payloads are the ones reported in issue 21 plus our own.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.errors import OutOfMemoryError, QueryError, QueryRefusedError, QueryTimeoutError
from graph.store import GraphStore
from lineage.api import create_app
from queries.adhoc import check_read_only, run_read_only

TOKEN = "security-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LOCAL = "http://localhost"

#: (what, statement); ``{out}`` is a path a write would create.
PAYLOADS = [
    (
        "quote in a comment, then COMMIT and a wipe",
        "RETURN 1 AS x // '\n; COMMIT; MATCH (n:Node) DETACH DELETE n RETURN count(*) //'",
    ),
    ("quote in a block comment, then a wipe", "RETURN 1 AS x /* ' */ ; MATCH (n:Node) DETACH DELETE n //'"),
    ("comment marker in a string", "RETURN '//' AS x; MATCH (n:Node) DETACH DELETE n"),
    ("plain wipe", "MATCH (n:Node) DETACH DELETE n"),
    ("write", "MATCH (n:Node) SET n.name = 'pwned'"),
    ("create", "CREATE (:Node {id: 'x:pwned'})"),
    ("merge", "MERGE (n:Node {id: 'x:pwned'}) RETURN n"),
    ("drop a table", "RETURN 1 AS x // '\n; DROP TABLE Node; //'"),
    ("transaction control", "BEGIN TRANSACTION"),
    ("commit alone", "COMMIT"),
    ("read a file (embedded)", "LOAD FROM '/etc/passwd' (file_format='csv', header=false) RETURN *"),
    ("read a file (Neo4j)", "RETURN 1 AS x // '\nLOAD CSV FROM 'file:///etc/passwd' AS l RETURN l //'"),
    ("write a file", "COPY (MATCH (n:Node) RETURN n.id) TO '{out}'"),
    ("export the database", "EXPORT DATABASE '{out}'"),
    ("attach another database", "ATTACH '{out}' AS other (dbtype lbug)"),
    ("install an extension", "INSTALL json"),
    ("uninstall", "UNINSTALL json"),
    ("procedure", "CALL dbms.procedures() YIELD name RETURN name"),
    ("table function", "CALL show_tables() RETURN *"),
    ("APOC function", "RETURN apoc.util.sleep(10000) AS x"),
    ("another database", "USE system SHOW USERS"),
    ("analyze", "ANALYZE"),
    ("comment on", "COMMENT ON TABLE Node IS 'pwned'"),
    ("update", "UPDATE Node SET name = 'x'"),
    ("full-width keyword", "MATCH (n:Node) \uff24\uff25\uff2c\uff25\uff34\uff25 n"),
    ("Cyrillic look-alike", "MATCH (n:Node) D\u0415LETE n"),
    ("NUL byte", "RETURN 1 AS x\x00; MATCH (n) DETACH DELETE n"),
    ("unterminated comment", "RETURN 1 AS x /* ; MATCH (n) DETACH DELETE n"),
    ("unterminated string", "RETURN 'x ; MATCH (n) DETACH DELETE n"),
    ("deep nesting", "RETURN " + "(" * 2000 + "1" + ")" * 2000 + " AS x"),
    ("huge statement", "RETURN 1 AS x " + "/* padding */ " * 2000),
]


def _payload(statement: str, out: Path) -> str:
    return statement.replace("{out}", str(out))


def _snapshot(store: GraphStore) -> tuple[dict[str, int], list]:
    rows = store.read("MATCH (n:Node) RETURN n.id AS id, n.name AS name ORDER BY id")
    return store.counts(), rows


@pytest.mark.parametrize("what,statement", PAYLOADS, ids=[p[0] for p in PAYLOADS])
def test_payload_is_refused_before_any_engine(what: str, statement: str, tmp_path: Path) -> None:
    with pytest.raises(QueryError):
        check_read_only(_payload(statement, tmp_path / "out.csv"))


def test_the_guard_reads_strings_as_the_engines_do(curated_store: GraphStore) -> None:
    """A backslash-escaped quote does not end a string on either engine, nor for the guard: the
    whole text is one harmless string value."""
    text = "a\\' ; MATCH (n:Node) DETACH DELETE n; //"
    rows = run_read_only(curated_store, "RETURN 'a\\' ; MATCH (n:Node) DETACH DELETE n; //' AS x")
    assert rows == [{"x": text.replace("\\'", "'")}]
    assert curated_store.counts()["Model"] > 0


def test_every_payload_is_refused_on_the_api_with_the_graph_unchanged(
    curated_store: GraphStore, tmp_path: Path
) -> None:
    before = _snapshot(curated_store)
    with TestClient(create_app(store=curated_store, token=TOKEN), base_url=LOCAL, headers=AUTH) as client:
        for what, statement in PAYLOADS:
            out = tmp_path / f"{len(what)}-out.csv"
            started = time.monotonic()
            response = client.post("/cypher", json={"cypher": _payload(statement, out)})
            assert response.status_code in (400, 403), (what, response.text)
            assert time.monotonic() - started < 2, what
            assert not out.exists(), what
        assert client.get("/health").status_code == 200
    assert _snapshot(curated_store) == before


BOTH = ("ladybug", "neo4j")


@pytest.mark.parametrize(
    ("statement", "refused_on"),
    [
        ("MATCH (n:Node) DETACH DELETE n", BOTH),
        ("MATCH (n:Node) SET n.name = 'pwned' RETURN n.name", BOTH),
        ("CREATE (:Node {id: 'x:pwned', label: 'Model', name: 'x'})", BOTH),
        ("LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l", ("neo4j",)),  # not Ladybug's syntax
        ("LOAD FROM '/etc/passwd' (file_format='csv', header=false, delim=':') RETURN *", ("ladybug",)),
        ("RETURN 1 AS x; MATCH (n:Node) DETACH DELETE n", ("ladybug",)),  # Neo4j: a syntax error
        ("COMMIT", ()),  # an error on both
    ],
)
def test_the_engine_refuses_what_slips_past_the_guard(
    curated_store: GraphStore, statement: str, refused_on: tuple[str, ...]
) -> None:
    """Below the guard: the store's own ad-hoc sandbox refuses writes, file reads and a second
    statement by itself (Neo4j: READ mode and the server's plan; embedded: a read-only handle,
    one prepared statement, and Landlock, which denies the child every file but its database)."""
    before = _snapshot(curated_store)
    with pytest.raises(QueryError) as failed:
        curated_store.adhoc(statement, {}, limit=10, timeout=5)
    assert len(str(failed.value).splitlines()) == 1 and "root:" not in str(failed.value)
    if curated_store.backend in refused_on:
        assert isinstance(failed.value, QueryRefusedError), failed.value
    assert _snapshot(curated_store) == before


def test_a_slipped_file_write_writes_nothing_on_the_embedded_store(tmp_path: Path) -> None:
    from graph.backends import open_store

    store = open_store("ladybug", path=tmp_path / "s.lbug")
    try:
        out = tmp_path / "leak.csv"
        with contextlib.suppress(QueryError):
            store.adhoc(f"COPY (RETURN 'secret' AS s) TO '{out}'", {}, limit=10, timeout=5)
        assert not out.exists()  # Landlock: the child may create no file outside its scratch directory
    finally:
        store.close()


def test_the_projects_neo4j_server_refuses_file_urls(neo4j_server: dict) -> None:
    """Below the guard and the plan check: the server `lineage neo4j start` runs reads no file."""
    from graph.backends import open_store

    store = open_store("neo4j", uri=neo4j_server["uri"], user=neo4j_server["user"], password=neo4j_server["password"])
    try:
        with pytest.raises(Exception, match=r"(?i)file"):
            store.read("LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l LIMIT 1")
    finally:
        store.close()


def test_a_runaway_query_stops_at_its_timeout(curated_store: GraphStore) -> None:
    started = time.monotonic()
    with pytest.raises((QueryTimeoutError, OutOfMemoryError), match=r"time limit|MB"):
        run_read_only(curated_store, "UNWIND range(1, 100000000000) AS x RETURN sum(x) AS s", timeout=2)
    assert time.monotonic() - started < 15  # 2 s, a second's grace, and a busy machine's process start
    assert curated_store.counts()["Model"] > 0  # the store still answers


def test_a_query_that_wants_gigabytes_is_stopped_at_its_memory_bound(tmp_path: Path) -> None:
    from graph.backends import open_store

    store = open_store("ladybug", path=tmp_path / "s.lbug")
    env = os.environ.get("LINEAGE_CYPHER_MEMORY_MB")
    os.environ["LINEAGE_CYPHER_MEMORY_MB"] = "256"
    try:
        started = time.monotonic()
        with pytest.raises(OutOfMemoryError, match="256 MB"):
            run_read_only(store, "UNWIND range(1, 100000000000) AS x RETURN sum(x) AS s", timeout=60)
        assert time.monotonic() - started < 30
    finally:
        if env is None:
            del os.environ["LINEAGE_CYPHER_MEMORY_MB"]
        else:
            os.environ["LINEAGE_CYPHER_MEMORY_MB"] = env
        store.close()


def test_a_runaway_does_not_hold_up_health_or_other_requests(curated_store: GraphStore) -> None:
    app = create_app(store=curated_store, token=TOKEN, cypher_timeout=4)
    paths = ("/health", "/queries/ancestors?id=model:zephyr-7b&depth=2", "/health")
    with TestClient(app, base_url=LOCAL, headers=AUTH) as client:
        for path in paths:  # warm: what is measured below is the runaway's effect, not a cold plan
            assert client.get(path).status_code == 200
        runaway = threading.Thread(
            target=client.post,
            args=("/cypher",),
            kwargs={"json": {"cypher": "UNWIND range(1, 100000000000) AS x RETURN sum(x) AS s"}},
        )
        runaway.start()
        time.sleep(1.0)  # the runaway is running
        waits = []
        for path in paths:
            started = time.monotonic()
            assert client.get(path).status_code == 200
            waits.append(time.monotonic() - started)
        runaway.join(30)
        assert not runaway.is_alive()
    assert max(waits) < 1.0, waits


def test_parameters_are_bounded(curated_store: GraphStore) -> None:
    with TestClient(create_app(store=curated_store, token=TOKEN), base_url=LOCAL, headers=AUTH) as client:
        huge_int = client.post("/cypher", json={"cypher": "RETURN $x AS x", "params": {"x": 2**70}})
        assert huge_int.status_code == 400 and "64-bit" in huge_int.json()["error"]
        assert huge_int.json()["parameter"] == "x"
        started = time.monotonic()
        long_id = client.get("/queries/ancestors", params={"id": "model:" + "z" * 60_000})
        assert long_id.status_code == 400 and long_id.json()["parameter"] == "id"
        assert len(long_id.text) < 1000  # the error does not echo 60k characters
        assert time.monotonic() - started < 2
        for route in ("/queries/common-roots", "/export/common-roots", "/viz/common-roots"):
            many = client.get(route, params={"ids": ",".join(["model:" + "y" * 400] * 3)})
            assert many.status_code == 400, route


def test_who_may_run_adhoc_cypher(curated_store: GraphStore) -> None:
    body = {"cypher": "MATCH (n:Node {id: 'model:zephyr-7b'}) RETURN n.name AS name"}
    with TestClient(create_app(store=curated_store, token=""), base_url=LOCAL) as client:
        refused = client.post("/cypher", json=body)  # the default, with no token configured
        assert refused.status_code == 403 and "LINEAGE_CYPHER_ACCESS=open" in refused.json()["error"]
    with TestClient(create_app(store=curated_store, token=TOKEN), base_url=LOCAL) as client:
        assert client.post("/cypher", json=body).status_code == 401
        assert client.post("/cypher", json=body, headers={"Authorization": "Bearer wrong"}).status_code == 403
        assert client.post("/cypher", json=body, headers=AUTH).json()["rows"] == [{"name": "Zephyr 7B"}]
        assert client.get("/health").json()["cypher_access"] == "token"
    with TestClient(create_app(store=curated_store, cypher="open"), base_url=LOCAL) as client:
        assert client.post("/cypher", json=body).json()["rows"] == [{"name": "Zephyr 7B"}]
    with TestClient(create_app(store=curated_store, token=TOKEN, cypher="off"), base_url=LOCAL) as client:
        assert client.post("/cypher", json=body, headers=AUTH).status_code == 403


def test_other_hosts_are_refused_and_nothing_can_be_framed(curated_store: GraphStore) -> None:
    with TestClient(create_app(store=curated_store), base_url=LOCAL) as client:
        rebinding = client.get("/health", headers={"Host": "attacker.example:8000"})
        assert rebinding.status_code == 400 and "attacker.example" in rebinding.json()["error"]
        for host in ("localhost:8000", "127.0.0.1:8000", "[::1]:8000"):
            assert client.get("/health", headers={"Host": host}).status_code == 200, host
        for path in ("/", "/viz/ancestors?id=model:zephyr-7b", "/health"):
            response = client.get(path)
            assert response.status_code == 200, path
            # only the service's own home page may frame its pages
            assert "frame-ancestors 'self'" in response.headers["content-security-policy"], path
            assert response.headers["x-frame-options"] == "SAMEORIGIN"
        home_csp = client.get("/").headers["content-security-policy"]
        assert "default-src" in home_csp  # the page's own policy is kept
    public = create_app(store=curated_store, bind="0.0.0.0", hosts="lineage.example.org")
    with TestClient(public, base_url="http://lineage.example.org") as client:
        assert client.get("/health").status_code == 200
        assert client.get("/health", headers={"Host": "localhost"}).status_code == 400


@pytest.fixture
def cli_db(tmp_path: Path) -> Iterator[Path]:
    db = tmp_path / "cli.lbug"
    assert _lineage("load", "curated", db=db).returncode == 0
    yield db


def _lineage(*args: str, db: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update({"LINEAGE_DB": str(db), "COLUMNS": "200"})
    return subprocess.run(
        [sys.executable, "-m", "lineage", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_the_cli_refuses_payloads_and_stops_runaways(cli_db: Path, tmp_path: Path) -> None:
    count = "MATCH (n:Node) RETURN count(*) AS n"
    before = _lineage("cypher", count, "-f", "json", db=cli_db).stdout
    out = tmp_path / "cli-out.csv"
    chosen = (
        "quote in a comment, then COMMIT and a wipe",
        "read a file (embedded)",
        "write a file",
        "Cyrillic look-alike",
    )
    for what, statement in [p for p in PAYLOADS if p[0] in chosen]:
        proc = _lineage("cypher", _payload(statement, out), db=cli_db)
        assert proc.returncode != 0, what
        assert "refused" in proc.stderr and "Traceback" not in proc.stderr, what
        assert not out.exists()
    started = time.monotonic()
    runaway = _lineage("cypher", "UNWIND range(1, 100000000000) AS x RETURN sum(x) AS s", "--timeout", "2", db=cli_db)
    assert runaway.returncode != 0 and "Traceback" not in runaway.stderr
    assert "time limit" in runaway.stderr or "MB" in runaway.stderr
    assert time.monotonic() - started < 20
    assert _lineage("cypher", count, "-f", "json", db=cli_db).stdout == before


# --- the guard against generated mixtures -----------------------------------------------------

FRAGMENTS = [
    "RETURN 1 AS x",
    "MATCH (n:Node)",
    " RETURN n.id AS id",
    "'",
    '"',
    "`",
    "\\",
    "//",
    "/*",
    "*/",
    "\n",
    ";",
    " ",
    "DELETE n",
    "DETACH DELETE n",
    "COMMIT",
    "BEGIN TRANSACTION",
    "DROP TABLE Node",
    "LOAD FROM 'x'",
    "COPY Node TO 'x.csv'",
    "SET n.name = 'p'",
    "CREATE (:Node {id: 'p'})",
    "{",
    "}",
    "(",
    ")",
    "$x",
    "x",
]


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    from graph.backends import open_store
    from loaders.curated import load_curated

    store = open_store("ladybug", path=tmp_path_factory.mktemp("fuzz") / "s.lbug")
    load_curated(store)
    yield store
    store.close()


@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12))
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
def test_whatever_the_guard_lets_through_changes_nothing(fuzz_store: GraphStore, parts: list[str]) -> None:
    statement = "".join(parts)
    try:
        check_read_only(statement)
    except QueryError:
        return
    before = fuzz_store.counts()
    with contextlib.suppress(QueryError):
        run_read_only(fuzz_store, statement, {"x": 1}, timeout=5)
    assert fuzz_store.counts() == before


@pytest.mark.parametrize(
    "statement",
    [
        "MATCH (db:Node {id: 'model:zephyr-7b'}) RETURN db.name AS name",  # `db` is a variable, not a namespace
        "MATCH (n:Node {id: 'model:zephyr-7b'}) RETURN n.name AS comment",  # keywords as aliases
        "MATCH (n:Node {id: 'model:zephyr-7b'}) RETURN {set: n.name} AS m",  # and as map keys
        "MATCH (n:Node {id: 'model:zephyr-7b'}) // a comment with a ' quote\nRETURN n.name AS name",
        "MATCH (n:Node) WHERE n.name = 'DELETE; COMMIT' RETURN count(*) AS n",  # clauses inside strings
        "MATCH (n:Node {id: 'model:zephyr-7b'}) RETURN n.name AS `na;me`;",  # one trailing semicolon
    ],
)
def test_ordinary_reads_still_answer(curated_store: GraphStore, statement: str) -> None:
    rows = run_read_only(curated_store, statement)
    assert len(rows) == 1
    value = next(iter(rows[0].values()))
    assert value in ("Zephyr 7B", {"set": "Zephyr 7B"}, 0)


def test_copy_files_live_beside_the_database_and_leftovers_go(tmp_path: Path) -> None:
    """A killed load's staging files are removed by the next store that opens for writing."""
    import tempfile

    from graph.backends import open_store
    from loaders.curated import load_curated

    db = tmp_path / "db" / "s.lbug"
    db.parent.mkdir()
    stale = db.parent / ".s.lbug.copy-Node-killed.parquet"
    stale.write_bytes(b"left by a killed load")
    in_tmp = set(Path(tempfile.gettempdir()).glob("lineage-*.parquet"))
    store = open_store("ladybug", path=db)
    try:
        assert not stale.exists()
        load_curated(store)
    finally:
        store.close()
    assert set(Path(tempfile.gettempdir()).glob("lineage-*.parquet")) <= in_tmp
    assert not list(db.parent.glob(".s.lbug.copy-*"))
