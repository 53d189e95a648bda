"""The project-run Neo4j server (lineage.neo4j_server): real JVM, real Bolt, no mocks.

Skips with the reason from ``java_available()`` unless ``LINEAGE_REQUIRE_NEO4J=1``, where a
missing Java or Maven is a failure instead. A server start costs seconds of a 2-core machine,
so the read/write tests use the suite's own server (``neo4j_process``, with auth); lifecycle
tests start their own.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

neo4j = pytest.importorskip("neo4j")

from conftest import NEO4J_START_TIMEOUT  # noqa: E402

from lineage import neo4j_server as ns  # noqa: E402

PASSWORD = "s3cret-lineage"


@pytest.fixture(scope="module")
def need_java() -> None:
    reason = ns.java_available()
    if reason:
        if os.environ.get("LINEAGE_REQUIRE_NEO4J") == "1":
            pytest.fail(f"Neo4j required (LINEAGE_REQUIRE_NEO4J=1) but {reason}")
        pytest.skip(f"Neo4j server tests need Java 17 and Maven: {reason}")


@pytest.fixture
def server(need_java: None, neo4j_process: ns.Neo4jServer) -> ns.Neo4jServer:
    """The suite's own server (with auth), shared by the read/write tests."""
    return neo4j_process


def _port(uri: str) -> int:
    port = urlsplit(uri).port
    assert port is not None
    return port


def _port_closed(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except OSError:
        return True


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").exists() and ") Z" in Path(f"/proc/{pid}/stat").read_text()


@pytest.mark.usefixtures("need_java")
def test_build_is_noop_when_fresh() -> None:
    start = time.monotonic()
    jar = ns.build()
    assert jar.is_file()
    assert time.monotonic() - start < 5  # no Maven run


def test_server_attributes(server: ns.Neo4jServer) -> None:
    assert server.uri.startswith("bolt://127.0.0.1:")
    assert server.user == "neo4j"
    assert server.password == "lineage-test"
    assert server.auth == ("neo4j", "lineage-test")
    assert server.is_running()
    assert (server.data_dir / "data" / "databases").is_dir()


def test_a_server_maps_the_class_data_archive_of_its_build(server: ns.Neo4jServer) -> None:
    """Loading Neo4j's classes is most of a start: the first start of a build records them in
    an archive (a warm-up server) and every server maps it instead."""
    java = ns._java()
    assert java is not None
    archive = ns._class_archive(java, ns.JAR)
    assert archive.is_file() and archive.parent == ns.BUILD_DIR
    assert str(archive) in Path(f"/proc/{server.pid}/maps").read_text()


@pytest.mark.usefixtures("need_java")
def test_an_archive_that_cannot_be_recorded_is_not_tried_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A warm-up that fails leaves a mark: later starts go without an archive, at once, instead
    of paying for another warm-up each time."""
    monkeypatch.setattr(ns, "BUILD_DIR", tmp_path)
    warm_ups: list[list[str] | None] = []

    def failing_warm_up(*args: object, class_data: list[str] | None = None, **kw: object) -> None:
        warm_ups.append(class_data)
        raise ns.Neo4jServerError("the warm-up server exited with code 1")

    monkeypatch.setattr(ns, "_launch", failing_warm_up)
    java = ns._java()
    assert java is not None
    assert ns._class_data_opts(java, ns.JAR, 60) == [] and ns._class_data_opts(java, ns.JAR, 60) == []
    assert len(warm_ups) == 1 and warm_ups[0] is not None and "-XX:ArchiveClassesAtExit=" in warm_ups[0][0]
    archive = ns._class_archive(java, ns.JAR)
    assert not archive.exists() and "exited with code 1" in archive.with_name(archive.name + ".failed").read_text()


def test_return_1_and_node_roundtrip(server: ns.Neo4jServer) -> None:
    with neo4j.GraphDatabase.driver(server.uri, auth=server.auth) as driver:
        records, _, _ = driver.execute_query("RETURN 1 AS x")
        assert records[0]["x"] == 1
        driver.execute_query("CREATE (:ServerTest {name: $name, year: 2017})", name="Transformer")
        records, _, _ = driver.execute_query(
            "MATCH (m:ServerTest {name: $name}) RETURN m.year AS year", name="Transformer"
        )
        assert [r["year"] for r in records] == [2017]
        driver.execute_query("MATCH (m:ServerTest) DETACH DELETE m")


def test_wrong_password_is_auth_error(server: ns.Neo4jServer) -> None:
    with (
        neo4j.GraphDatabase.driver(server.uri, auth=("neo4j", "not-the-password")) as driver,
        pytest.raises(neo4j.exceptions.AuthError),
    ):
        driver.verify_connectivity()


def test_routing_scheme_works_against_single_server(server: ns.Neo4jServer) -> None:
    uri = f"neo4j://127.0.0.1:{_port(server.uri)}"
    with neo4j.GraphDatabase.driver(uri, auth=server.auth) as driver:
        records, _, _ = driver.execute_query("RETURN 2 AS x", routing_=neo4j.RoutingControl.READ)
        assert records[0]["x"] == 2


@pytest.mark.usefixtures("need_java")
def test_stop_leaves_no_process_or_port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Also covers auth disabled (password=None), a throwaway data dir, and a class-data archive
    the JVM cannot use (another JDK's, a broken file): it costs speed, never the start."""
    monkeypatch.setattr(ns, "BUILD_DIR", tmp_path / "build")
    java = ns._java()
    assert java is not None
    unusable = ns._class_archive(java, ns.JAR)
    unusable.parent.mkdir()
    unusable.write_bytes(b"not an archive" * 1000)
    srv = ns.Neo4jServer.start(password=None, timeout=NEO4J_START_TIMEOUT)
    assert str(unusable) not in Path(f"/proc/{srv.pid}/maps").read_text()
    pid, port, data_dir = srv.pid, _port(srv.uri), srv.data_dir
    with neo4j.GraphDatabase.driver(srv.uri, auth=None) as driver:
        records, _, _ = driver.execute_query("RETURN 1 AS x")
        assert records[0]["x"] == 1
    srv.stop()
    assert not srv.is_running()
    assert _pid_gone(pid)
    assert _port_closed(port)
    assert not data_dir.exists()  # temporary data dir removed
    srv.stop()  # idempotent


@pytest.mark.usefixtures("need_java")
def test_server_exits_when_stdin_closes(tmp_path: Path) -> None:
    """--watch-stdin: a parent that dies (closing the pipe) must not leave an orphan server."""
    srv = ns.Neo4jServer.start(data_dir=tmp_path / "db", password=PASSWORD, timeout=NEO4J_START_TIMEOUT)
    try:
        port = _port(srv.uri)
        assert srv._proc.stdin is not None
        srv._proc.stdin.close()
        srv._proc.wait(timeout=60)
        assert _pid_gone(srv.pid)
        assert _port_closed(port)
        assert "stopped" in (tmp_path / "db" / "logs" / "launcher.log").read_text()
    finally:
        srv.stop()


@pytest.mark.usefixtures("need_java")
def test_detached_round_trip(tmp_path: Path) -> None:
    data_dir = tmp_path / "detached"
    assert ns.status(data_dir) is None
    assert ns.stop_detached(data_dir) is False
    state = ns.start_detached(data_dir, port=0, password=PASSWORD)
    try:
        assert set(state) == {"pid", "uri", "user", "password"}
        assert (data_dir / "server.json").stat().st_mode & 0o077 == 0
        st = ns.status(data_dir)
        assert st is not None and st["pid"] == state["pid"] and st["reachable"] is True
        assert ns.start_detached(data_dir, port=0, password=PASSWORD) == state  # already running
        with neo4j.GraphDatabase.driver(state["uri"], auth=(state["user"], state["password"])) as driver:
            driver.verify_connectivity()
    finally:
        stopped = ns.stop_detached(data_dir)
    assert stopped is True
    assert _pid_gone(state["pid"])
    assert _port_closed(_port(state["uri"]))
    assert ns.status(data_dir) is None
    assert not (data_dir / "server.json").exists()
    assert ns.stop_detached(data_dir) is False


@pytest.mark.usefixtures("need_java")
def test_start_failure_reports_log_tail(tmp_path: Path) -> None:
    """A port already taken fails fast with the launcher's reason, and leaves no process."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ns.Neo4jServerError, match="exited with code") as info:
            ns.Neo4jServer.start(data_dir=tmp_path / "db", port=port, timeout=120)
    assert "Address already in use" in str(info.value).splitlines()[0]
    assert "launcher.log" in str(info.value)


def test_default_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LINEAGE_HOME", str(tmp_path / "home"))
    assert ns.default_data_dir() == tmp_path / "home" / "neo4j"
    monkeypatch.delenv("LINEAGE_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert ns.default_data_dir() == tmp_path / "xdg" / "lineage" / "neo4j"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert ns.default_data_dir() == Path.home() / ".local" / "share" / "lineage" / "neo4j"
