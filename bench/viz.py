"""Viz and export benchmark: page build time by subgraph size, export time per format.

    python bench/viz.py [--pages 100 1000 2000 5000] [--exports 10000 100000]

Subgraphs come from the seeded synthetic lineage (bench/synth.py), built straight into the
networkx form the store returns, so only page building and export writing are timed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import networkx as nx

from bench.synth import synthetic
from graph.export import FORMATS, export
from graph.schema import Edge, edge_row, node_row
from graph.store import to_networkx
from viz import render_html


def subgraph(edges: int) -> nx.MultiDiGraph:
    nodes, rows = {}, []
    for record in synthetic(edges):
        if isinstance(record, Edge):
            rows.append(edge_row(record))
        else:
            row = node_row(record)
            nodes[row["id"]] = row
    return to_networkx(nodes, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, nargs="+", default=[100, 1000, 2000, 5000], help="nodes per page")
    parser.add_argument("--exports", type=int, nargs="+", default=[10_000, 100_000], help="edges per export")
    args = parser.parse_args()
    print(f"{'page nodes':>10} {'edges':>8} {'seconds':>8} {'MB':>6}")
    for n in args.pages:
        graph = subgraph(n * 12)  # ~n papers plus models and methods
        keep = sorted(graph.nodes)[:n]
        page_graph = graph.subgraph(keep).copy()
        start = time.perf_counter()
        result = render_html(page_graph, node_cap=max(n, 1500))
        secs = time.perf_counter() - start
        print(f"{result.nodes:>10} {result.edges:>8} {secs:>8.2f} {len(result.html) / 1e6:>6.1f}", flush=True)
    print(f"\n{'format':>8} {'edges':>8} {'seconds':>8} {'edges/s':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.exports:
            graph = subgraph(size)
            for fmt in FORMATS:
                start = time.perf_counter()
                export(graph, fmt, Path(tmp) / f"out-{size}.{fmt}")
                secs = time.perf_counter() - start
                n = graph.number_of_edges()
                print(f"{fmt:>8} {n:>8} {secs:>8.2f} {n / secs:>9.0f}", flush=True)


if __name__ == "__main__":
    main()
