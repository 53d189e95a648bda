"""Where each saved query's time goes on the embedded store: one row per query.

    python bench/profile.py --store /tmp/db.lbug [--starts 5] [--repeat 3] [--only NAME ...]

Runs each saved Cypher query the way :func:`queries.registry.run_query` does, step by step, on
an existing embedded store (build one with ``bench/queries.py`` or ``bench/synth.py``), and
splits the median time of a run into: resolving the node parameters (``resolve``), the query's
own Cypher (``query``: the engine's planning and execution, as the engine reports them, and the
Python side of turning its result into rows), the hop columns (``hops``), fetching the subgraph
(``nodes`` and ``edges`` of ``store.subgraph``) and building the networkx graph (``nx``); and
counts the statements sent to the engine (``calls``) and the engine's planning (``plan``) and
execution (``exec``) time summed over all of them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.queries import param_sets, start_pools
from graph.backends import open_store
from graph.schema import CONTRAST_KINDS
from graph.store import to_networkx
from queries import indexed
from queries.hops import annotate
from queries.registry import Analytic, node_ids_of, registry, validate_params


class Timed:
    """A stand-in for the store's engine connection that sums the engine's own timings."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.calls = 0
        self.plan = 0.0
        self.exec = 0.0

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        result = self.connection.execute(*args, **kwargs)
        for r in result if isinstance(result, list) else [result]:
            self.calls += 1
            self.plan += r.get_compiling_time()
            self.exec += r.get_execution_time()
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.connection, name)


def profile_once(store: Any, timed: Timed, name: str, raw: dict[str, Any]) -> dict[str, float]:
    """One run of a saved query, split into its steps (ms)."""
    query = registry()[name]
    steps: dict[str, float] = {}
    timed.calls, timed.plan, timed.exec = 0, 0.0, 0.0

    def lap(step: str, start: float) -> float:
        now = time.perf_counter()
        steps[step] = (now - start) * 1000
        return now

    t = time.perf_counter()
    values = validate_params(query, raw, store)
    t = lap("resolve", t)
    engine = {**values, "contrast_kinds": list(CONTRAST_KINDS)}
    rows = indexed.answer(store, query, engine)  # as queries.registry.query_rows: the graph index first
    if rows is None:
        rows = store.read(query.text(store.backend), engine, columns=query.engine_columns)
    everyone = None
    if query.reached and "via" in query.filled and values.get("since"):
        unfiltered = {**engine, "since": ""}
        everyone = indexed.answer(store, query, unfiltered)
        if everyone is None:
            everyone = store.read(query.text(store.backend), unfiltered)
    t = lap("query", t)
    if query.reached:
        rows = annotate(
            store, rows, values, reached=query.reached, filled=query.filled, columns=query.returns, everyone=everyone
        )
    t = lap("hops", t)
    ids = node_ids_of(query, values, rows)
    nodes = store.nodes(ids) if ids else {}
    t = lap("nodes", t)
    edges = store.edges_among(ids) if ids else []
    t = lap("edges", t)
    to_networkx(nodes, edges)
    lap("nx", t)
    steps["total"] = sum(steps.values())
    steps.update(calls=timed.calls, plan=timed.plan, exec=timed.exec, rows=len(rows), ids=len(ids))
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True, help="an embedded store directory")
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--no-index", action="store_true", help="answer in Cypher only (as before issue 27)")
    args = parser.parse_args()
    store = open_store("ladybug", path=args.store, read_only=True)
    store.use_index = not args.no_index
    store.graph_index()  # as a server has: the walks use an index already built, never build one
    timed = Timed(store.connection)
    store.connection = timed
    pools = start_pools(store, args.starts)
    cols = ["total", "resolve", "query", "hops", "nodes", "edges", "nx", "plan", "exec", "calls", "rows", "ids"]
    print(f"{'query':24}" + "".join(f" {c:>8}" for c in cols))
    for q in registry().values():
        if isinstance(q, Analytic) or (args.only and q.name not in args.only):
            continue
        sets = param_sets(q, pools)
        profile_once(store, timed, q.name, sets[0])  # warm-up
        runs: dict[str, list[float]] = defaultdict(list)
        for params in sets:
            for _ in range(args.repeat if len(sets) > 1 else args.repeat * args.starts):
                for k, v in profile_once(store, timed, q.name, params).items():
                    runs[k].append(v)
        med = {k: statistics.median(v) for k, v in runs.items()}
        print(f"{q.name:24}" + "".join(f" {med[c]:>8.1f}" for c in cols), flush=True)
    store.close()


if __name__ == "__main__":
    main()
