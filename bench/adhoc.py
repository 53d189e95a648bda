"""What the ad-hoc Cypher sandbox costs: the same statements read in-process (``store.read``,
what saved queries use) and through ``store.adhoc`` (embedded: a confined child process per
statement), side by side in one run, on the curated lineage.

    python bench/adhoc.py              # 20 runs of each statement
    python bench/adhoc.py --runs 50
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STATEMENTS = {
    "count nodes": "MATCH (n:Node) RETURN count(*) AS n",
    "one node": "MATCH (n:Node {id: 'model:zephyr-7b'}) RETURN n.name AS name",
    "two hops": "MATCH (a:Node {id: 'model:zephyr-7b'})-[:BUILDS_ON*1..2]->(b:Node) RETURN DISTINCT b.id AS id",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    from graph.backends import open_store
    from loaders.curated import load_curated

    store = open_store("ladybug", path=Path(tempfile.mkdtemp(prefix="bench-adhoc-")) / "s.lbug")
    load_curated(store)
    print(f"{'statement':<12} {'read p50 ms':>12} {'adhoc p50 ms':>13} {'adhoc p95 ms':>13} {'ratio':>7}")
    for name, cypher in STATEMENTS.items():
        inline, sandboxed = [], []
        for _ in range(args.runs):  # alternating, so both see the same machine
            started = time.perf_counter()
            store.read(cypher)
            inline.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            store.adhoc(cypher, {}, limit=1000, timeout=10)
            sandboxed.append((time.perf_counter() - started) * 1000)
        a, b = statistics.median(inline), statistics.median(sandboxed)
        p95 = sorted(sandboxed)[int(0.95 * (len(sandboxed) - 1))]
        print(f"{name:<12} {a:>12.1f} {b:>13.1f} {p95:>13.1f} {b / a:>6.0f}x")
    store.close()


if __name__ == "__main__":
    main()
