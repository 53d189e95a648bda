"""Influence of each node: what sizes nodes and decides which survive the node cap.

A node's own ``pagerank`` wins, then its ``citations``, then its degree in the subgraph. Each
measure is scaled to 0..1 against its own maximum (citations and degree on a log scale, they are
heavy-tailed), so a model without citation counts is not dwarfed by a much-cited paper.
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx


def degrees(graph: nx.MultiDiGraph) -> dict[str, int]:
    """Edges touching each node, parallel edges included: one pass over the adjacency."""
    return {node: int(deg) for node, deg in graph.degree()}


def influence(graph: nx.MultiDiGraph, degree: dict[str, int]) -> dict[str, float]:
    """A score in 0..1 per node (see module docstring)."""
    best = {"pagerank": 0.0, "citations": 0.0}
    for _, attrs in graph.nodes(data=True):
        for key in best:
            value = _number(attrs.get(key))
            if value is not None and value > best[key]:
                best[key] = value
    max_degree = max(degree.values(), default=0)
    scores: dict[str, float] = {}
    for node, attrs in graph.nodes(data=True):
        pagerank, citations = _number(attrs.get("pagerank")), _number(attrs.get("citations"))
        if pagerank is not None and best["pagerank"] > 0:
            score = pagerank / best["pagerank"]
        elif citations is not None and best["citations"] > 0:
            score = math.log1p(citations) / math.log1p(best["citations"])
        else:
            score = math.log1p(degree.get(node, 0)) / math.log1p(max_degree) if max_degree else 0.0
        scores[node] = min(1.0, max(0.0, score))
    return scores


def top_nodes(scores: dict[str, float], degree: dict[str, int], cap: int) -> list[str]:
    """The ``cap`` most influential nodes (ties: higher degree, then id, so pages are reproducible)."""
    ranked = sorted(scores, key=lambda n: (-scores[n], -degree.get(n, 0), n))
    return ranked[: max(cap, 0)]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return float(value)
