"""Load test of ``lineage serve`` on loopback: requests/s and latency percentiles per endpoint.

By default it loads the curated lineage into a fresh embedded store in a temporary directory,
starts ``lineage serve`` on a free port in a subprocess, and runs ``--clients`` threads (stdlib
``http.client``, one keep-alive connection each) for ``--duration`` seconds against a mix of
``GET /lineage/{id}`` and ``GET /queries/...``. ``--url`` measures a server that is already
running instead (then ``--db`` is ignored).

    python bench/serve.py                      # 30 s, 8 clients
    python bench/serve.py --duration 10 --clients 4
    python bench/serve.py --cache-size 0       # every request reaches the store
    python bench/serve.py --url http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SERVE = "import lineage.cli, lineage.cli_serve; lineage.cli.run()"


def targets(node: str) -> list[tuple[str, str]]:
    """(label, path) pairs; the mix repeats the lineage endpoint, the one with a latency target."""
    quoted = urllib.parse.quote(node, safe=":")
    lineage = [
        ("GET /lineage/{id} ancestors", f"/lineage/{quoted}?depth=10"),
        ("GET /lineage/{id} descendants", f"/lineage/{quoted}?direction=descendants&depth=10"),
    ]
    queries = [
        ("GET /queries/ancestors", f"/queries/ancestors?id={quoted}&depth=4"),
        ("GET /queries/neighbourhood", f"/queries/neighbourhood?id={quoted}&depth=1"),
        ("GET /queries/path", f"/queries/path?source=arxiv:1706.03762&target={quoted}&limit=1"),
    ]
    return lineage * 3 + queries


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(db: Path, log: Path, cache_size: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("NEO4J_URI", "LINEAGE_API_TOKEN")}
    cmd = [sys.executable, "-c", SERVE, "--db", str(db), "serve", "--port", str(port), "--log-level", "warning"]
    if cache_size is not None:
        cmd += ["--cache-size", str(cache_size)]
    proc = subprocess.Popen(cmd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"lineage serve exited ({proc.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2) as response:
                if json.loads(response.read())["reachable"]:
                    return proc, base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"lineage serve did not start:\n{log.read_text()}")


def client(
    base: str, mix: list[tuple[str, str]], deadline: float, offset: int, out: dict, lock: threading.Lock
) -> None:
    parsed = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    i = offset
    while time.monotonic() < deadline:
        label, path = mix[i % len(mix)]
        i += 1
        started = time.perf_counter()
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
            ok = False
        elapsed = time.perf_counter() - started
        if ok:
            latencies[label].append(elapsed)
        else:
            errors[label] += 1
    conn.close()
    with lock:
        for label, values in latencies.items():
            out["latencies"][label] += values
        for label, count in errors.items():
            out["errors"][label] += count


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def run(base: str, node: str, clients: int, duration: float) -> dict:
    mix = targets(node)
    for _label, path in {p for p in mix}:  # warm up, and fail early on a wrong id
        with urllib.request.urlopen(base + path, timeout=30) as response:
            response.read()
    out: dict = {"latencies": defaultdict(list), "errors": defaultdict(int)}
    lock = threading.Lock()
    deadline = time.monotonic() + duration
    started = time.perf_counter()
    threads = [
        threading.Thread(target=client, args=(base, mix, deadline, k * 7, out, lock), daemon=True)
        for k in range(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out["elapsed"] = time.perf_counter() - started
    return out


def report(out: dict, clients: int) -> None:
    elapsed = out["elapsed"]
    rows = []
    labels = sorted(set(out["latencies"]) | set(out["errors"]))
    groups = {
        "ALL /lineage/{id}": [v for k in labels if k.startswith("GET /lineage") for v in out["latencies"][k]],
        "ALL /queries/...": [v for k in labels if k.startswith("GET /queries") for v in out["latencies"][k]],
        "ALL": [v for k in labels for v in out["latencies"][k]],
    }
    for label in labels:
        rows.append((label, sorted(out["latencies"][label]), out["errors"].get(label, 0)))
    for label, values in groups.items():
        errors = sum(n for k, n in out["errors"].items() if label == "ALL" or k.startswith(label[4:].split("{")[0]))
        rows.append((label, sorted(values), errors))
    print(f"{clients} clients, {elapsed:.1f} s")
    print(f"{'endpoint':34} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for label, values, errors in rows:
        print(
            f"{label:34} {len(values):9d} {len(values) / elapsed:8.1f} {percentile(values, 50) * 1000:8.1f} "
            f"{percentile(values, 95) * 1000:8.1f} {percentile(values, 99) * 1000:8.1f} {errors:7d}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--url", help="measure this running server instead of starting one")
    parser.add_argument("--db", type=Path, help="embedded store to serve (default: a fresh one, curated lineage)")
    parser.add_argument("--id", default="model:zephyr-7b", help="node for /lineage/{id} (default model:zephyr-7b)")
    parser.add_argument("--cache-size", type=int, help="the server's --cache-size (0: every request reaches the store)")
    args = parser.parse_args()

    if args.url:
        report(run(args.url.rstrip("/"), args.id, args.clients, args.duration), args.clients)
        return
    with tempfile.TemporaryDirectory(prefix="lineage-bench-serve-") as tmp:
        db = args.db
        if db is None:
            from graph.backends import open_store
            from loaders.curated import load_curated

            db = Path(tmp) / "store.lbug"
            store = open_store("ladybug", path=db)
            load_curated(store)
            store.close()
        proc, base = start_server(db, Path(tmp) / "server.log", args.cache_size)
        try:
            cache = "default" if args.cache_size is None else args.cache_size
            print(f"lineage serve at {base} over {db} (cache size {cache})")
            report(run(base, args.id, args.clients, args.duration), args.clients)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
