"""Every saved query at its largest parameters, from the heaviest start nodes, on each backend.

    python bench/extremes.py --edges 1000000 [--neo4j | --neo4j-only] [--timeout 300]

The latency benchmark (``bench/queries.py``) runs defaults from random starts; users also ask for
the most (limit=500, depth=3) about the most cited paper. This loads the synthetic graph
(``bench/synth.py``) and runs each saved query once, every bounded int at its upper bound (the
trust and count floors stay at their defaults, the least selective), "yes"/"all" choices taken,
from: the most cited paper, the paper whose references are cited most in all (bibliographic
coupling's worst case), the top-ranked model and method. It prints seconds per whole ``run_query``
(query, subgraph, networkx) and the rows and subgraph nodes, or the error's first line. Neo4j
gets the benchmark memory (2 GB heap, 1 GB transaction memory); the server's defaults are
``LINEAGE_NEO4J_HEAP=512m LINEAGE_NEO4J_PAGECACHE=256m LINEAGE_NEO4J_TX_MEMORY=256m``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.backends import stores
from bench.queries import START_KIND
from bench.synth import synthetic
from graph.store import GraphStore, upsert
from queries.registry import Analytic, SavedQuery, registry, run_query

LEAST_SELECTIVE = {"min_trust", "min_count"}  # their defaults already ask for the most
MOST = {"include_cites": "yes", "scope": "all", "label": "any"}


def heaviest(store: GraphStore) -> dict[str, str]:
    """Start nodes that make the most work, found the same way on every backend: the most cited
    paper, the paper whose references are cited most in all, the top-ranked model and method."""
    top = lambda label: run_query(store, "top-influential", {"label": label, "limit": 1}).rows[0]["id"]  # noqa: E731
    cites = store.read("MATCH (p:Node)-[:CITES]->(c:Node) RETURN p.id AS p, c.id AS c")
    cited = Counter(r["c"] for r in cites)
    load: Counter[str] = Counter()
    for r in cites:
        load[r["p"]] += cited[r["c"]]
    coupler = min(load, key=lambda p: (-load[p], p))
    return {"Paper": top("Paper"), "Coupler": coupler, "Model": top("Model"), "Method": top("Method")}


def largest(query: SavedQuery, starts: dict[str, str]) -> dict[str, Any]:
    """The query's parameters asking for the most."""
    kind = START_KIND.get(query.name, "Model")
    if query.name == "bibliographic-coupling":
        kind = "Coupler"
    values: dict[str, Any] = {}
    for p in query.params:
        if p.type == "node":
            values[p.name] = starts[kind]
            if query.name == "path":  # across layers: the most cited paper to the top model
                values[p.name] = starts["Model" if p.name == "target" else "Paper"]
        elif p.type == "nodes":
            values[p.name] = [starts["Paper"], starts["Coupler"]]
        elif p.type == "str":
            values[p.name] = starts[kind]
        elif p.type == "int" and p.high is not None and p.name not in LEAST_SELECTIVE:
            values[p.name] = p.high
        elif p.choices and MOST.get(p.name) in p.choices:
            values[p.name] = MOST[p.name]
    if values.get("include_cites") == "yes":
        values.pop("kinds", None)  # citations take no kinds
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--timeout", type=float, default=300, help="seconds per query in the engine")
    parser.add_argument("--only", nargs="*", default=None, help="just these queries")
    parser.add_argument("--neo4j", action="store_true", help="also Neo4j (NEO4J_URI, or start the project's server)")
    parser.add_argument("--neo4j-only", action="store_true", help="skip the embedded store")
    args = parser.parse_args()
    queries = [
        q for q in registry().values() if not isinstance(q, Analytic) and (args.only is None or q.name in args.only)
    ]
    for backend, make in stores(args.neo4j or args.neo4j_only, embedded=not args.neo4j_only):
        store = make()
        upsert(store, synthetic(args.edges), batch_size=50_000)
        starts = heaviest(store)
        print(f"# {backend}, {args.edges} edges; starts: {starts}", flush=True)
        for q in queries:
            params = largest(q, starts)
            begin = time.perf_counter()
            try:
                result = run_query(store, q.name, params, timeout=args.timeout)
                outcome = f"{len(result.rows)} rows, {result.graph.number_of_nodes()} nodes"
            except Exception as exc:  # report and go on: the point is to see which fail, and how
                outcome = f"{type(exc).__name__}: {str(exc).splitlines()[0][:150]}"
            shown = {k: v for k, v in params.items() if k not in ("id", "ids", "source", "target", "text")}
            print(f"{backend:8} {q.name:24} {time.perf_counter() - begin:8.2f} s  {outcome}  {shown}", flush=True)
        store.close()


if __name__ == "__main__":
    main()
