"""Card-dump benchmark: ``load_hf_dump`` of N cards into each backend, cards/s and peak RSS.

    python bench/hf_dump.py --cards 100000 1000000 [--neo4j | --neo4j-only] [--neo4j-import] [--batch-size 5000]

The dump is **made up from real cards, cycled under new ids**: no copy of the Hub's dump
(``librarian-bots/model_cards_with_metadata``) is on this machine. The real rows are those of
``tests/dump_fixture.py`` (the recorded Llama-2-7b tree crawl with its recorded metadata, and the
82 recorded card files; 173 repos). Copy ``k`` of a row gets the repo id ``owner/name-c<k>`` (copy 0
keeps the real ids), and every repo id of the set that its card names (``base_model: …``) is
renamed the same way, so each copy keeps the real lineage among its repos; bases outside the set
(``mistralai/Mistral-7B-v0.1``, ``meta-llama/Llama-2-7b``…) stay shared by all copies, like the
Hub's popular bases. Cards are the real texts, so parsing costs what real cards cost (the real
dump's cards are of the same kind; its length distribution is not reproduced).

Each load runs in its own subprocess; peak RSS is sampled (every 0.2 s) as the sum over the
loader, its children and, for Neo4j, the server's JVM the benchmark started: all processes
together.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

MARK = "\x00K\x00"


def templates() -> list[dict]:
    """The real rows, each repo id of the set in its card replaced by ``<id>-c`` + MARK."""
    from dump_fixture import real_rows

    rows = real_rows()
    ids = sorted({r["modelId"] for r in rows}, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w./-])(" + "|".join(re.escape(i) for i in ids) + r")(?![\w.-])")
    out = []
    for row in rows:
        card = pattern.sub(lambda m: m.group(1) + "-c" + MARK, row["card"] or "")
        out.append({**row, "card": card})
    return out


def generate(path: Path, n: int, group: int = 10_000) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from dump_fixture import SCHEMA

    rows = templates()
    with pq.ParquetWriter(path, SCHEMA) as writer:
        for first in range(0, n, group):
            part = []
            for i in range(first, min(n, first + group)):
                k, row = divmod(i, len(rows))
                tpl = rows[row]
                suffix = str(k)
                card = tpl["card"].replace("-c" + MARK, "") if k == 0 else tpl["card"].replace(MARK, suffix)
                repo = tpl["modelId"] if k == 0 else f"{tpl['modelId']}-c{suffix}"
                part.append({**tpl, "modelId": repo, "card": card})
            writer.write_table(pa.Table.from_pylist(part, schema=SCHEMA))


# --- one load, in a subprocess -------------------------------------------------------------------


def worker(backend: str, file: str, batch_size: int, tmp: str) -> None:
    import logging

    from bench.backends import worker_store
    from loaders.hf_dump import load_hf_dump

    logging.basicConfig(level=logging.INFO, format="# %(relativeCreated)8.0f ms %(message)s")
    store, server = worker_store(backend, tmp)
    start = time.perf_counter()
    report = load_hf_dump(store, file, batch_size=batch_size, resume=False)
    seconds = time.perf_counter() - start
    counts = store.counts()
    store.close()
    if server is not None:
        server.stop()
    rows = report.nodes_added + report.nodes_updated + report.edges_added + report.edges_updated
    print(json.dumps({"seconds": seconds, "rows": rows, "failures": len(report.failures), "counts": counts}))


def tree_rss(pids: list[int]) -> int:
    """Bytes resident in these processes and all their children."""
    import psutil

    total, seen = 0, set()
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for proc in [root, *root.children(recursive=True)]:
                if proc.pid not in seen:
                    seen.add(proc.pid)
                    total += proc.memory_info().rss
        except psutil.Error:
            continue
    return total


def measure(backend: str, file: Path, args: argparse.Namespace, env: dict[str, str], also: list[int]) -> dict:
    with tempfile.TemporaryDirectory(prefix="lineage-bench-", dir=args.tmp_dir) as tmp:
        cmd = [sys.executable, __file__, "--worker", backend, str(file), "--batch-size", str(args.batch_size)]
        proc = subprocess.Popen(
            [*cmd, "--tmp", tmp], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss([proc.pid, *also]))
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out, err = proc.communicate()
        done.set()
        sampler.join()
    if proc.returncode:
        raise SystemExit(f"{backend} worker failed:\n{err}")
    print("".join(line + "\n" for line in err.splitlines() if line.startswith("#")), end="")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_mb"] = peak / 2**20
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, nargs="+", default=[10_000])
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--neo4j", action="store_true", help="also Neo4j (the project's server, started here)")
    parser.add_argument("--neo4j-only", action="store_true")
    parser.add_argument(
        "--neo4j-import",
        action="store_true",
        help="also Neo4j by neo4j-admin import into an empty server of its own (graph/neo4j_import.py)",
    )
    parser.add_argument("--tmp-dir", help="where the stores go (default: the system's temp dir)")
    parser.add_argument("--worker", nargs=2, metavar=("BACKEND", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], args.worker[1], args.batch_size, args.tmp)
        return

    from bench.backends import use_bench_memory

    env = dict(os.environ)
    server = None
    backends = [] if args.neo4j_only else ["ladybug"]
    also: list[int] = []
    if args.neo4j_import:
        use_bench_memory(env)
        backends.append("neo4j-import")  # its server is the worker's child: counted in its tree
    if args.neo4j or (args.neo4j_only and not args.neo4j_import):
        from lineage.neo4j_server import Neo4jServer

        use_bench_memory(os.environ)
        server = Neo4jServer.start(password="bench-pass")
        env.update(NEO4J_URI=server.uri, NEO4J_USERNAME=server.user, NEO4J_PASSWORD=server.password)
        backends.append("neo4j")
        also.append(server.pid)
    try:
        print(f"{'cards':>9} {'backend':>12} {'seconds':>8} {'cards/s':>9} {'rows/s':>9} {'peak RSS (all)':>15}")
        for n in args.cards:
            with tempfile.TemporaryDirectory(prefix="lineage-dump-", dir=args.tmp_dir) as tmp:
                file = Path(tmp) / "model_cards.parquet"
                t0 = time.perf_counter()
                generate(file, n)
                mb = file.stat().st_size / 2**20
                print(f"# {n:,} cards: {mb:,.0f} MB Parquet in {time.perf_counter() - t0:.1f}s")
                for backend in backends:
                    r = measure(backend, file, args, env, also if backend == "neo4j" else [])
                    print(
                        f"{n:>9,} {backend:>12} {r['seconds']:>8.1f} {n / r['seconds']:>9,.0f} "
                        f"{r['rows'] / r['seconds']:>9,.0f} {r['peak_mb']:>13,.0f}MB "
                        f"({r['failures']} failures; {json.dumps(r['counts'])})",
                        flush=True,
                    )
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    main()
