"""Ad-hoc Cypher on the embedded store, in a child process that cannot write and can be stopped.

The engine's own timeout does not reach every query (``UNWIND range(1, 10^11)`` builds its list
before the first check, growing by gigabytes) and a query runs inside the caller's process. So
ad-hoc Cypher runs in ``python -m graph.ladybug_adhoc``, which

* opens the database with the engine's read-only flag (the engine refuses every write) and
  prepares the text first (the engine refuses more than one statement);
* on Linux with Landlock (5.13+), is confined by the kernel before the statement runs: it may
  read only the database's own files and the Python installation, create or write nothing and
  open no TCP connection, so ``LOAD FROM '/etc/passwd'`` fails even past the guard; without
  Landlock it still may not write a byte to any file (``RLIMIT_FSIZE`` 0);
* runs on one engine thread with a small buffer pool, and is killed by the parent at the
  timeout or when its resident memory passes the bound.

The parent holds the store's lock only while the child opens the database (so it never reads
a half-written log), not while the query runs: one runaway does not hold up other requests.
Rows come back pickled over stdout; the child is our own code, and the rows are engine values.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, NoReturn

from graph.errors import OutOfMemoryError, QueryError, QueryRefusedError, QueryTimeoutError, StoreError

#: Resident memory one ad-hoc query may use (the child's buffer pool is half of it).
MEMORY_ENV = "LINEAGE_CYPHER_MEMORY_MB"
DEFAULT_MEMORY_MB = 1024
#: Seconds the child may take to start and open the database (not counted in the timeout).
OPEN_SECONDS = 30.0
READY = b"R"
#: The engine's and the kernel's refusals (read-only handle, one prepared statement, Landlock,
#: the file size limit).
REFUSED_BY_ENGINE = (
    "read-only database",
    "multiple statements",
    "Permission denied",  # Landlock: a file outside the database
    "File too large",  # RLIMIT_FSIZE: a write
)


def memory_mb() -> int:
    raw = os.environ.get(MEMORY_ENV)
    if not raw:
        return DEFAULT_MEMORY_MB
    try:
        value = int(raw)
    except ValueError:
        raise StoreError(f"{MEMORY_ENV}={raw!r}: not a number of megabytes") from None
    if value < 128:
        raise StoreError(f"{MEMORY_ENV}={value}: give at least 128 (MB)")
    return value


def run(
    location: str,
    statement: str,
    params: dict[str, Any],
    *,
    limit: int,
    timeout: float,
    open_lock: Any = None,
    memory: int | None = None,
) -> list[dict[str, Any]]:
    """At most ``limit`` rows of one read-only statement, or :class:`QueryError` saying why not."""
    memory = memory or memory_mb()
    request = pickle.dumps(
        {"path": location, "cypher": statement, "params": params, "limit": limit, "timeout": timeout, "memory": memory}
    )
    with tempfile.TemporaryDirectory(prefix="lineage-adhoc-") as cwd:
        lock = open_lock if open_lock is not None else contextlib.nullcontext()
        with lock:
            child = subprocess.Popen(
                [sys.executable, "-m", "graph.ladybug_adhoc"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=cwd,
                env={**os.environ, "PYTHONPATH": _package_root(), "TMPDIR": cwd},
            )
            try:
                assert child.stdin is not None and child.stdout is not None
                child.stdin.write(request)
                child.stdin.close()
                ready = _read_ready(child, OPEN_SECONDS)
            except BaseException:
                child.kill()
                child.wait()
                raise
        if ready != READY:
            _failed(child, "could not open the store for ad-hoc Cypher")
        return _result(child, timeout, memory)


def _package_root() -> str:
    root = str(Path(__file__).resolve().parents[1])
    rest = os.environ.get("PYTHONPATH")
    return root + (os.pathsep + rest if rest else "")


def _read_ready(child: subprocess.Popen[bytes], seconds: float) -> bytes:
    box: list[bytes] = []
    reader = threading.Thread(target=lambda: box.append(child.stdout.read(1)), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(seconds)
    if reader.is_alive():
        child.kill()
        reader.join()
        raise QueryError(f"ad-hoc Cypher: the store did not open within {seconds:.0f} s", "cypher")
    return box[0] if box else b""


def _result(child: subprocess.Popen[bytes], timeout: float, memory: int) -> list[dict[str, Any]]:
    """Wait for the child's answer, killing it at ``timeout`` (plus a grace for the engine's own
    interrupt to answer first) or when its resident memory passes ``memory`` MB."""
    out: list[bytes] = []
    reader = threading.Thread(target=lambda: out.append(child.stdout.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    deadline = time.monotonic() + timeout + 1.0
    over_memory = False
    while reader.is_alive():
        reader.join(0.05)
        if not reader.is_alive():
            break
        if time.monotonic() > deadline:
            break
        if _rss_mb(child.pid) > memory:
            over_memory = True
            break
    if reader.is_alive():
        child.kill()
        child.wait()
        reader.join()
        if over_memory:
            raise _over_memory(memory)
        raise QueryTimeoutError.after(timeout, "cypher")
    child.wait()
    data = out[0] if out else b""
    try:
        status, payload = pickle.loads(data)
    except Exception:
        _failed(child, "ad-hoc Cypher stopped without an answer")
    if status == "ok":
        return payload
    message = str(payload).strip()
    first = message.splitlines()[0][:300] if message else "unknown"
    if "interrupted" in message.lower():
        raise QueryTimeoutError.after(timeout, "cypher")
    if "buffer pool is full" in message:
        raise _over_memory(memory)
    if any(m in message for m in REFUSED_BY_ENGINE):
        raise QueryRefusedError(f"refused by the engine: {first}", "cypher")
    raise QueryError(f"Cypher error: {first}", "cypher")


def _over_memory(memory: int) -> OutOfMemoryError:
    return OutOfMemoryError(f"the query was stopped: it needed more than {memory} MB ({MEMORY_ENV}); ask for less")


def _failed(child: subprocess.Popen[bytes], what: str) -> NoReturn:
    child.wait()
    err = (child.stderr.read() if child.stderr else b"").decode("utf-8", "replace").strip().splitlines()
    detail = err[-1][:300] if err else f"exit code {child.returncode}"
    raise QueryError(f"{what}: {detail}", "cypher")


def _rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MB (Linux ``/proc``; elsewhere 0: no memory bound)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


# --- the child ---------------------------------------------------------------------------------

#: Landlock (linux/landlock.h): filesystem rights by ABI version, network rights from ABI 4.
_FS_V1 = (1 << 13) - 1  # execute, write, read file/dir, remove, make char/dir/reg/sock/fifo/block/sym
_FS_REFER, _FS_TRUNCATE = 1 << 13, 1 << 14
_READ = (1 << 2) | (1 << 3)  # READ_FILE | READ_DIR
_NET_ALL = 1 | 2  # BIND_TCP | CONNECT_TCP
_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same number on every architecture


def confine(readable: list[str], scratch: str) -> bool:
    """Confine this process with Landlock: read only beneath ``readable``, create and write only
    beneath ``scratch`` (the engine's temporary directory, which the parent removes), no TCP.
    False where the kernel has no Landlock (the process is then unconfined)."""
    import ctypes
    import struct

    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    abi = libc.syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi < 1:
        return False
    fs = _FS_V1 | (_FS_REFER if abi >= 2 else 0) | (_FS_TRUNCATE if abi >= 3 else 0)
    attr = struct.pack("=QQ", fs, _NET_ALL) if abi >= 4 else struct.pack("=Q", fs)
    buf = ctypes.create_string_buffer(attr, len(attr))
    ruleset = libc.syscall(_CREATE_RULESET, buf, ctypes.c_size_t(len(attr)), ctypes.c_uint32(0))
    if ruleset < 0:
        return False
    try:
        for path, rights in [*((p, _READ if os.path.isdir(p) else 1 << 2) for p in readable), (scratch, fs)]:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            rule = ctypes.create_string_buffer(struct.pack("=Qi", rights, fd), 12)
            done = libc.syscall(_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(1), rule, ctypes.c_uint32(0))
            os.close(fd)
            if done < 0:
                return False
        if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS, required by restrict_self
            return False
        return libc.syscall(_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) == 0
    finally:
        os.close(ruleset)


def _child() -> None:
    import resource
    import signal
    import warnings

    request = pickle.loads(sys.stdin.buffer.read())
    out = sys.stdout.buffer
    try:
        import ladybug

        # Confine before the database starts its threads: Landlock binds the calling thread and
        # its children. The engine's native library loads lazily, hence the system libraries.
        database = os.path.abspath(request["path"])
        code = {sys.prefix, sys.base_prefix, *(p for p in sys.path if p and os.path.isdir(p))}
        code |= {"/usr/lib", "/usr/lib64", "/lib", "/lib64", "/etc/ld.so.cache"}
        confine([database, database + ".wal", *sorted(code)], os.getcwd())
        pool = max(64, request["memory"] // 2) << 20
        db = ladybug.Database(request["path"], buffer_pool_size=pool, read_only=True)
        conn = ladybug.Connection(db)
        conn.set_max_threads_for_exec(1)
    except Exception as exc:  # the parent reports the last stderr line
        print(f"cannot open {request['path']} read-only: {exc}", file=sys.stderr)
        sys.exit(1)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # from here no file gets a byte from this process
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a refused write is an error, not a kill
    out.write(READY)
    out.flush()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            prepared = conn.prepare(request["cypher"])
        if not prepared.is_success():
            raise RuntimeError(prepared.get_error_message())
        conn.set_query_timeout(int(request["timeout"] * 1000))
        result = conn.execute(request["cypher"], request["params"])
        if isinstance(result, list):  # cannot happen after prepare; refuse rather than trust
            raise RuntimeError("more than one statement")
        cols = result.get_column_names()
        rows = []
        while result.has_next() and len(rows) < request["limit"]:
            rows.append(dict(zip(cols, result.get_next(), strict=True)))
        answer: tuple[str, Any] = ("ok", rows)
    except Exception as exc:
        answer = ("error", str(exc))
    out.write(pickle.dumps(answer))
    out.flush()


if __name__ == "__main__":
    _child()
