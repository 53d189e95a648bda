"""A real Neo4j 5.26 server for development and tests, started by the project itself.

No Docker and no tarball download: ``lineage/neo4j_launcher`` is a tiny Java launcher around
embedded Neo4j Community from Maven Central, built on demand with Maven. Bolt listens on
127.0.0.1 only. Its sources ship in the package (package data), so a plain ``pip install .``
can build it; the build goes next to them, or under the data directory when the installed
package is read-only.

Two ways to run it:

* :class:`Neo4jServer` — owned by this Python process (tests). The launcher watches its stdin,
  so if Python dies the server goes with it.
* :func:`start_detached` / :func:`status` / :func:`stop_detached` — for ``lineage neo4j
  start|status|stop``: the server outlives the CLI and is found again through
  ``<data_dir>/server.json``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_PASSWORD",
    "DEFAULT_USER",
    "DetachedServer",
    "Neo4jServer",
    "Neo4jServerError",
    "build",
    "default_data_dir",
    "detached_at",
    "java_available",
    "offline_import",
    "start_detached",
    "status",
    "stop_detached",
]

TOOL_DIR = Path(__file__).resolve().parent / "neo4j_launcher"
POM = TOOL_DIR / "pom.xml"


def default_data_dir() -> Path:
    """Where the CLI keeps its server: $LINEAGE_HOME/neo4j, else $XDG_DATA_HOME/lineage/neo4j."""
    home = os.environ.get("LINEAGE_HOME")
    if home:
        return Path(home).expanduser() / "neo4j"
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg).expanduser() / "lineage" / "neo4j"


def _build_dir() -> Path:
    """``target/`` beside the sources where we may write (a checkout, a venv), else a private
    one under the data directory (a system-wide install)."""
    if os.access(TOOL_DIR, os.W_OK):
        return TOOL_DIR / "target"
    return default_data_dir().parent / "neo4j-launcher" / "target"  # beside the server's data


BUILD_DIR = _build_dir()
JAR = BUILD_DIR / "neo4j-launcher.jar"
LIB_DIR = BUILD_DIR / "lib"

DEFAULT_USER = "neo4j"
DEFAULT_PASSWORD = "lineage-test"
DETACHED_PORT = 7687
STATE_FILE = "server.json"
MIN_JAVA = 17
# Small and predictable: the server shares a 2-core box with the test suite. Bulk loads want
# more: LINEAGE_NEO4J_HEAP (default 512m), LINEAGE_NEO4J_PAGECACHE and LINEAGE_NEO4J_TX_MEMORY
# (256m each, read by the launcher). The add-opens flags come from the jar manifest.
HEAP_ENV = "LINEAGE_NEO4J_HEAP"
JVM_OPTS = (
    "-Xms128m",
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-Djava.awt.headless=true",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
)
#: More JVM options for the server and the import tool, split like a shell line. The tests set
#: -XX:TieredStopAtLevel=1: their servers live seconds, and the C2 compiler's start-up work
#: would be most of their CPU time.
JVM_OPTS_ENV = "LINEAGE_NEO4J_JVM_OPTS"
_ENV_PASSWORD = "LINEAGE_NEO4J_PASSWORD"  # read by the launcher; keeps the password out of `ps`
_READY = re.compile(r"^READY (bolt://\S+)\n", re.MULTILINE)  # newline: never match a partial write
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_DETACHED: dict[int, subprocess.Popen[bytes]] = {}  # keeps detached children reapable, not GC-warned


class Neo4jServerError(RuntimeError):
    """The Neo4j launcher could not be built, started or stopped."""


# --- environment and build -------------------------------------------------------------------


def _java() -> str | None:
    """Prefer $JAVA_HOME/bin/java, like Maven does, so both use the same JDK."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def _java_major(java: str) -> int | None:
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major  # "1.8.0_x" is Java 8


def _sources() -> list[Path]:
    return [POM, *sorted((TOOL_DIR / "src").rglob("*.java"))]


def _build_needed() -> bool:
    """Stale when the jar or its lib/ is missing or older than the pom or any Java source."""
    if not JAR.is_file() or not LIB_DIR.is_dir() or not any(LIB_DIR.glob("neo4j-*.jar")):
        return True
    built = JAR.stat().st_mtime
    return any(p.stat().st_mtime > built for p in _sources() if p.exists())


def java_available() -> str | None:
    """None if the server can be built and run here, else a one-line reason (for skips)."""
    java = _java()
    if not java:
        return "java not found on PATH"
    major = _java_major(java)
    if major is None:
        return f"could not determine the Java version of {java}"
    if major < MIN_JAVA:
        return f"Java {MIN_JAVA}+ required, found Java {major} ({java})"
    if not POM.is_file():
        return f"launcher sources missing: {POM}"
    if _build_needed() and not shutil.which("mvn"):
        return "mvn not found on PATH (needed to build the Neo4j launcher)"
    return None


def build(force: bool = False) -> Path:
    """Build the launcher jar (and target/lib) if missing or stale; return the jar path.

    Serialised with a file lock so parallel test workers don't run Maven on the same tree.
    """
    if not force and not _build_needed():
        return JAR
    mvn = shutil.which("mvn")
    if not mvn:
        raise Neo4jServerError("cannot build the Neo4j launcher: mvn not found on PATH")
    JAR.parent.mkdir(parents=True, exist_ok=True)
    with _build_lock():
        if not force and not _build_needed():  # another process built it while we waited
            return JAR
        cmd = [mvn, "-q", "-B", "-Dstyle.color=never", f"-Dlauncher.build={BUILD_DIR}", "-f", str(POM), "package"]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            raise Neo4jServerError(f"maven build of the Neo4j launcher timed out after {e.timeout:.0f} s") from e
        if proc.returncode != 0 or not JAR.is_file():
            tail = _tail_text(_ANSI.sub("", proc.stdout + proc.stderr), 40)
            raise Neo4jServerError(f"maven build of the Neo4j launcher failed (exit {proc.returncode}):\n{tail}")
        os.utime(JAR)  # the jar plugin may leave an unchanged jar untouched; mark it fresh
    return JAR


@contextlib.contextmanager
def _build_lock() -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, single builder assumed
        yield
        return
    with open(JAR.parent / ".build.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --- class-data archive ----------------------------------------------------------------------


def _extra_jvm_opts() -> list[str]:
    return shlex.split(os.environ.get(JVM_OPTS_ENV, ""))


def _class_archive(java: str, jar: Path) -> Path:
    """Where the archive of this build's classes for this JVM lives: an archive made by
    another JDK or for another build would only be refused, with a warning."""
    resolved = Path(java).resolve()
    made = f"{resolved}:{resolved.stat().st_mtime_ns}:{jar.stat().st_mtime_ns}"
    return BUILD_DIR / f"neo4j-launcher-{zlib.crc32(made.encode()):08x}.jsa"


def _class_data_opts(java: str, jar: Path, timeout: float) -> list[str]:
    """``-XX:SharedArchiveFile`` for the launcher's classes, recorded on first use.

    Loading and verifying Neo4j's classes is most of a server's start; an application
    class-data archive (JDK 13+, "AppCDS") maps them ready-made, for every later start of this
    build. It is recorded once per build by a warm-up server that starts and stops at once.
    An archive that cannot be made only costs speed, never the start: it is not tried again
    for this build (a ``.failed`` mark beside it).
    """
    archive = _class_archive(java, jar)
    failed = archive.with_name(archive.name + ".failed")
    if not archive.is_file() and not failed.exists():
        with _build_lock():
            if not archive.is_file() and not failed.exists():
                _record_class_archive(archive, failed, timeout)
    return [f"-XX:SharedArchiveFile={archive}"] if archive.is_file() else []


def _record_class_archive(archive: Path, failed: Path, timeout: float) -> None:
    """Start and stop a warm-up server that writes ``archive``; on failure, write ``failed``."""
    for stale in BUILD_DIR.glob("neo4j-launcher-*.jsa*"):  # an earlier build's or JDK's
        stale.unlink(missing_ok=True)
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    partial = archive.with_name(archive.name + ".partial")
    try:
        with tempfile.TemporaryDirectory(prefix="lineage-neo4j-warm-up-") as tmp:
            proc, _ = _launch(
                Path(tmp), 0, None, timeout, detached=False, class_data=[f"-XX:ArchiveClassesAtExit={partial}"]
            )
            try:
                assert proc.stdin is not None
                proc.stdin.close()  # --watch-stdin: a clean exit, where the JVM writes the archive
                code = proc.wait(120)
            finally:
                _terminate(proc, grace=5)  # a warm-up that did not exit in time is not left behind
        if code != 0 or not partial.is_file():
            raise Neo4jServerError(f"the warm-up server exited with code {code} and no archive")
        partial.replace(archive)
    except (Neo4jServerError, OSError, subprocess.TimeoutExpired) as e:
        partial.unlink(missing_ok=True)
        failed.write_text(f"{e}\n")


# --- launching -------------------------------------------------------------------------------


def _tail_text(text: str, lines: int) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _tail_file(path: Path, lines: int = 30) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 64 * 1024))
            return _tail_text(fh.read().decode("utf-8", "replace"), lines)
    except OSError:
        return ""


def _reason(data_dir: Path) -> str:
    """The launcher's one-line failure reason (last stderr line), if it printed one."""
    lines = _tail_file(data_dir / "logs" / "launcher.stderr", 5).splitlines()
    return ": " + lines[-1].removeprefix("neo4j-launcher: ") if lines else ""


def _diagnostics(data_dir: Path) -> str:
    """What to show when a start fails: the launcher's stderr and the end of its log."""
    logs = data_dir / "logs"
    parts = []
    for name, n in (("launcher.stderr", 10), ("launcher.log", 30)):
        text = _tail_file(logs / name, n)
        if text:
            parts.append(f"--- {logs / name} (tail)\n{text}")
    return "\n".join(parts) or f"(no launcher output in {logs})"


def _launch(
    data_dir: Path,
    port: int,
    password: str | None,
    timeout: float,
    detached: bool,
    class_data: list[str] | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start the launcher and wait for its READY line; on failure, kill it and raise with logs.

    ``class_data``: the class-data archive options (default: the build's archive, recorded
    on first use).
    """
    reason = java_available()
    if reason:
        raise Neo4jServerError(f"cannot start Neo4j: {reason}")
    jar = build()
    java = _java()
    assert java is not None  # checked by java_available()
    if class_data is None:
        class_data = _class_data_opts(java, jar, timeout)
    data_dir = data_dir.resolve()
    _restore_before_import(data_dir)
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    heap = os.environ.get(HEAP_ENV, "").strip() or "512m"
    cmd = [java, f"-Xmx{heap}", *JVM_OPTS, *_extra_jvm_opts(), *class_data, "-jar", str(jar)]
    cmd += ["--data", str(data_dir), "--port", str(port)]
    if not detached:
        cmd.append("--watch-stdin")
    env = dict(os.environ)
    env.pop("LINEAGE_NEO4J_PORT", None)
    env.pop("LINEAGE_NEO4J_DATA", None)
    env.pop(_ENV_PASSWORD, None)  # an inherited one would silently enable auth
    if password is not None:
        env[_ENV_PASSWORD] = password
    # stdout goes to a file, not a pipe: a detached server must not depend on this process, and
    # polling a file keeps both modes on one code path.
    stdout_path = logs / "launcher.stdout"
    with open(stdout_path, "wb") as out, open(logs / "launcher.stderr", "wb") as err:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL if detached else subprocess.PIPE,
            stdout=out,
            stderr=err,
            env=env,
            cwd=data_dir,
            start_new_session=detached,
        )
    deadline = time.monotonic() + timeout
    try:
        while True:
            m = _READY.search(stdout_path.read_text(errors="replace"))
            if m:
                return proc, m.group(1)
            code = proc.poll()
            if code is not None:
                raise Neo4jServerError(
                    f"Neo4j launcher exited with code {code} before it was ready{_reason(data_dir)}\n"
                    + _diagnostics(data_dir)
                )
            if time.monotonic() > deadline:
                raise Neo4jServerError(f"Neo4j not ready within {timeout:.0f} s; killed it\n{_diagnostics(data_dir)}")
            time.sleep(0.05)
    except BaseException:  # timeout, early exit, Ctrl-C: never leave a half-started server behind
        _terminate(proc, grace=5)
        raise


def _terminate(proc: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM (clean Neo4j shutdown via the JVM hook), then SIGKILL after `grace` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdin:
        with contextlib.suppress(OSError):
            proc.stdin.close()


def _port_open(uri: str, timeout: float = 1.0) -> bool:
    parts = urlsplit(uri)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 7687), timeout=timeout):
            return True
    except OSError:
        return False


#: The import tool's memory: its heap, and what it may use off the heap (its default is 90%
#: of the machine). LINEAGE_NEO4J_IMPORT_MEMORY overrides the second.
IMPORT_HEAP = "2g"  # at 1 GB the tool warned it might be too small for 1M records
IMPORT_MEMORY, IMPORT_MEMORY_ENV = "2g", "LINEAGE_NEO4J_IMPORT_MEMORY"
DATABASE = "neo4j"


def _import_dirs(data_dir: Path) -> tuple[list[Path], list[Path]]:
    """The default database's store and transaction directories, and where an import moves them."""
    parts = [data_dir / "data" / "databases" / DATABASE, data_dir / "data" / "transactions" / DATABASE]
    return parts, [p.with_name(p.name + ".before-import") for p in parts]


def _restore_before_import(data_dir: Path) -> None:
    """Put back a database an import moved aside and did not finish (the loader was killed)."""
    for old, saved in zip(*_import_dirs(data_dir), strict=True):
        if saved.exists():
            shutil.rmtree(old, ignore_errors=True)
            saved.rename(old)


def offline_import(data_dir: Path, args: Sequence[str], log_file: Path, timeout: float = 6 * 3600) -> None:
    """``neo4j-admin database import full <args>`` into the stopped server's default database.

    The database it replaces (empty: :mod:`graph.neo4j_import` checks) is moved aside first and
    put back if the import fails, so a failed import leaves the server as it was.
    """
    java = _java()
    if java is None:
        raise Neo4jServerError("cannot import into Neo4j: java not found on PATH")
    build()
    data_dir = Path(data_dir).resolve()
    parts, aside = _import_dirs(data_dir)
    _restore_before_import(data_dir)
    for old, saved in zip(parts, aside, strict=True):
        if old.exists():
            old.rename(saved)
    memory = os.environ.get(IMPORT_MEMORY_ENV, "").strip() or IMPORT_MEMORY
    cmd = [java, f"-Xmx{IMPORT_HEAP}", *JVM_OPTS, *_extra_jvm_opts()]
    cmd += ["-cp", f"{LIB_DIR}/*:{JAR}", "org.neo4j.cli.AdminTool"]
    cmd += ["database", "import", "full", "--verbose", f"--max-off-heap-memory={memory}", *args]
    env = {**os.environ, "NEO4J_HOME": str(data_dir), "NEO4J_CONF": str(data_dir / "conf")}
    (data_dir / "conf").mkdir(exist_ok=True)
    try:
        with open(log_file, "wb") as out:
            proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=data_dir, timeout=timeout)
        if proc.returncode != 0:
            raise Neo4jServerError(
                f"neo4j-admin database import failed (exit {proc.returncode}); the database is as it was\n"
                + _tail_file(Path(log_file), 30)
            )
    except BaseException:
        for old in parts:  # what the import wrote, then the database as it was
            shutil.rmtree(old, ignore_errors=True)
        _restore_before_import(data_dir)
        raise
    for saved in aside:
        shutil.rmtree(saved, ignore_errors=True)


class Neo4jServer:
    """A Neo4j server owned by this process: stopped by :meth:`stop`, ``with``, or our death."""

    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        uri: str,
        password: str | None,
        data_dir: Path,
        tmp: tempfile.TemporaryDirectory[str] | None = None,
    ) -> None:
        self._proc = proc
        self.uri = uri
        self.user = DEFAULT_USER
        self.password = password
        self.data_dir = data_dir
        self._tmp = tmp

    @classmethod
    def start(
        cls,
        data_dir: Path | None = None,
        port: int = 0,
        password: str | None = DEFAULT_PASSWORD,
        timeout: float = 120,
    ) -> Neo4jServer:
        """Start a server (building the launcher if needed) and wait until Bolt accepts connections.

        ``data_dir=None`` uses a temporary directory removed by :meth:`stop`; ``port=0`` picks a
        free port; ``password=None`` disables auth.
        """
        tmp = None
        if data_dir is None:
            tmp = tempfile.TemporaryDirectory(prefix="lineage-neo4j-")
            data_dir = Path(tmp.name)
        try:
            proc, uri = _launch(Path(data_dir), port, password, timeout, detached=False)
        except BaseException:
            if tmp is not None:
                tmp.cleanup()
            raise
        return cls(proc, uri, password, Path(data_dir).resolve(), tmp)

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def auth(self) -> tuple[str, str] | None:
        """The driver's ``auth=`` argument."""
        return None if self.password is None else (self.user, self.password)

    @property
    def log_file(self) -> Path:
        return self.data_dir / "logs" / "debug.log"

    def is_running(self) -> bool:
        return self._proc.poll() is None

    def import_offline(self, args: Sequence[str], log_file: Path, timeout: float = 120) -> None:
        """Stop, :func:`offline_import`, start again on the same port (``timeout``: for the start)."""
        port = urlsplit(self.uri).port or 0
        _terminate(self._proc, grace=60)
        try:
            offline_import(self.data_dir, args, log_file)
        finally:
            self._proc, self.uri = _launch(self.data_dir, port, self.password, timeout, detached=False)

    def stop(self, timeout: float = 30) -> None:
        """Shut down cleanly (SIGTERM), kill after `timeout`; idempotent, leaves no process."""
        _terminate(self._proc, grace=timeout)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Neo4jServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.is_running() else "stopped"
        return f"<Neo4jServer {self.uri} pid={self.pid} {state} data_dir={self.data_dir}>"


# --- detached server for the CLI -------------------------------------------------------------


def _read_state(data_dir: Path) -> dict[str, Any] | None:
    try:
        state = json.loads((Path(data_dir) / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and isinstance(state.get("pid"), int) else None


def _is_our_launcher(pid: int, data_dir: Path) -> bool:
    """Alive, not a zombie, and (where /proc exists) really our launcher — guards against pid reuse."""
    proc = _DETACHED.get(pid)
    if proc is not None:
        return proc.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # someone else's process now holds this pid
    proc_dir = Path("/proc") / str(pid)
    if not proc_dir.is_dir():
        return True  # no /proc (macOS): trust the pid
    try:
        if ") Z" in (proc_dir / "stat").read_text():
            return False
        cmdline = (proc_dir / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"neo4j-launcher.jar" in b" ".join(cmdline) and os.fsencode(str(Path(data_dir).resolve())) in cmdline


def start_detached(
    data_dir: Path, port: int = DETACHED_PORT, password: str | None = DEFAULT_PASSWORD, timeout: float = 120
) -> dict[str, Any]:
    """Start a server that outlives this process; record and return ``{pid, uri, user, password}``.

    If one is already running for `data_dir`, its recorded state is returned unchanged.
    """
    data_dir = Path(data_dir).resolve()
    current = status(data_dir)
    if current is not None:
        return {k: current[k] for k in ("pid", "uri", "user", "password")}
    proc, uri = _launch(data_dir, port, password, timeout, detached=True)
    _DETACHED[proc.pid] = proc
    state = {"pid": proc.pid, "uri": uri, "user": DEFAULT_USER, "password": password}
    path = data_dir / STATE_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds the password
    with os.fdopen(fd, "w") as fh:
        json.dump(state, fh, indent=2)
        fh.write("\n")
    return state


def status(data_dir: Path) -> dict[str, Any] | None:
    """The recorded state plus ``reachable`` (Bolt accepts TCP), or None if no server is running."""
    data_dir = Path(data_dir).resolve()
    state = _read_state(data_dir)
    if state is None or not _is_our_launcher(state["pid"], data_dir):
        return None
    return {**state, "reachable": _port_open(str(state.get("uri", "")))}


def stop_detached(data_dir: Path, timeout: float = 30) -> bool:
    """Stop the recorded server (SIGTERM, SIGKILL after `timeout`); False if none was running."""
    data_dir = Path(data_dir).resolve()
    state = _read_state(data_dir)
    if state is None:
        return False
    pid = state["pid"]
    stopped = False
    if _is_our_launcher(pid, data_dir):
        stopped = True
        child = _DETACHED.pop(pid, None)
        if child is not None:
            _terminate(child, grace=timeout)
        else:
            _signal_and_wait(pid, data_dir, timeout)
    (data_dir / STATE_FILE).unlink(missing_ok=True)
    return stopped


class DetachedServer:
    """The server ``lineage neo4j start`` runs, as a :class:`graph.neo4j_import.OfflineImporter`:
    a bulk load into its empty database stops it, imports and starts it again, same port and password."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir).resolve()

    def import_offline(self, args: Sequence[str], log_file: Path, timeout: float = 120) -> None:
        state = status(self.data_dir)
        if state is None:
            raise Neo4jServerError(f"no Neo4j running for {self.data_dir} (lineage neo4j start)")
        port = urlsplit(state["uri"]).port or DETACHED_PORT
        stop_detached(self.data_dir)
        try:
            offline_import(self.data_dir, args, log_file)
        finally:
            start_detached(self.data_dir, port, state.get("password"), timeout)


def detached_at(uri: str, data_dir: Path | None = None) -> DetachedServer | None:
    """The server ``lineage neo4j start`` runs, if ``uri`` is its address; None for any other
    (a remote server, Aura, one started by someone else)."""
    data_dir = data_dir or default_data_dir()
    state = status(data_dir)
    if state is None:
        return None
    ours, asked = urlsplit(str(state["uri"])), urlsplit(uri)
    local = {"127.0.0.1", "localhost", "::1"}
    if asked.hostname in local and ours.hostname in local and (asked.port or 7687) == ours.port:
        return DetachedServer(data_dir)
    return None


def _signal_and_wait(pid: int, data_dir: Path, timeout: float) -> None:
    """Stop a launcher that isn't our child (started by an earlier CLI call)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _is_our_launcher(pid, data_dir):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while _is_our_launcher(pid, data_dir) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _is_our_launcher(pid, data_dir):
                raise Neo4jServerError(f"Neo4j launcher pid {pid} survived SIGKILL")
            return
        time.sleep(0.05)
