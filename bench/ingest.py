"""Ingest benchmark: per-row vs. batched upserts, embedded vs. Neo4j, side by side in one run.

    python bench/ingest.py --sizes 10000 100000 [--neo4j] [--batch-sizes 1000 5000 20000]

Neo4j: NEO4J_URI (+ NEO4J_USERNAME/NEO4J_PASSWORD) if set; with --neo4j and no URI, the
project's own server is started (Java 17 + Maven). Prints relationships/s and ratios.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.backends import stores
from bench.synth import synthetic
from graph.schema import Edge
from graph.store import upsert


def timed_load(store, records, batch_size: int) -> tuple[float, int]:
    edges = sum(isinstance(r, Edge) for r in records)
    start = time.perf_counter()
    upsert(store, records, batch_size=batch_size)
    return time.perf_counter() - start, edges


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[5_000])
    parser.add_argument("--per-row-sample", type=int, default=500, help="edges loaded one per transaction")
    parser.add_argument("--neo4j", action="store_true")
    parser.add_argument("--neo4j-only", action="store_true", help="skip the embedded store")
    args = parser.parse_args()
    print(f"{'backend':8} {'edges':>9} {'mode':>14} {'seconds':>9} {'rels/s':>10} {'vs per-row':>10} {'peak RSS':>9}")
    results: dict[tuple[str, int], float] = {}
    for backend, make in stores(args.neo4j or args.neo4j_only, embedded=not args.neo4j_only):
        # per-row baseline on a small sample (one transaction per record)
        sample = list(synthetic(args.per_row_sample))
        store = make()
        secs, n = timed_load(store, sample, batch_size=1)
        store.close()
        per_row = n / secs
        print(f"{backend:8} {n:>9} {'per-row':>14} {secs:>9.2f} {per_row:>10.0f} {1.0:>10.1f}", flush=True)
        for size in args.sizes:
            records = list(synthetic(size))
            for batch in args.batch_sizes:
                store = make()
                secs, n = timed_load(store, records, batch_size=batch)
                store.close()
                rate = n / secs
                results[(backend, size)] = rate
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
                print(
                    f"{backend:8} {n:>9} {f'batch {batch}':>14} {secs:>9.2f} {rate:>10.0f} {rate / per_row:>10.1f}"
                    f" {rss:>6} MB",
                    flush=True,
                )
    for size in args.sizes:
        if ("neo4j", size) in results and ("ladybug", size) in results:
            ratio = results[("neo4j", size)] / results[("ladybug", size)]
            print(f"neo4j / embedded at {size} edges: {ratio:.2f}x")


if __name__ == "__main__":
    main()
