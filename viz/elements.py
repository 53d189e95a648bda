"""The subgraph as vis-network node and edge lists, each built in one linear pass.

pyvis's ``add_edge`` checks every new edge against all earlier ones (quadratic), so the lists
are built here directly. Per-edge styling is shared through a small table keyed by relation and
trust (``edgeStyles``) instead of being repeated on every edge, which keeps big pages small.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from graph.licenses import drifting
from graph.schema import TRUST
from viz.layout import Placed, time_layout
from viz.style import DRIFT_MARK, LABEL_SHAPES, display_relation, drift_visuals, edge_visuals, node_colour
from viz.tooltips import edge_tooltip, node_date, node_tooltip

MAX_LABEL = 36  # characters of a name drawn on the canvas; the tooltip has the rest
#: Relations that date an undated node in the time layout: a method or model appears with the
#: paper that introduces it, an author with their first paper in the subgraph.
BORROWS_DATE = ("INTRODUCES", "AUTHORED")


@dataclass
class Elements:
    """What the page embeds, plus the counts its legend shows."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    edge_styles: dict[str, dict[str, Any]]
    groups: dict[str, dict[str, Any]]
    label_counts: Counter[str] = field(default_factory=Counter)
    type_counts: Counter[str] = field(default_factory=Counter)
    trust_counts: Counter[int] = field(default_factory=Counter)
    axis: dict[str, Any] | None = None


def build_elements(
    graph: nx.MultiDiGraph, keep: list[str], scores: dict[str, float], *, layout: str = "force"
) -> Elements:
    """Nodes in ``keep`` (in that order) and the edges among them, styled and with tooltips."""
    kept = set(keep)
    names: dict[str, str] = {}
    nodes: list[dict[str, Any]] = []
    labels: Counter[str] = Counter()
    drift = drifting(graph.subgraph(keep), keep)  # judged on what is drawn: the marks match the page
    for node_id in keep:
        attrs = graph.nodes[node_id]
        label = str(attrs.get("label") or "Other")
        name = str(attrs.get("name") or attrs.get("title") or node_id)
        names[node_id] = name
        labels[label] += 1
        why = drift[node_id].why if node_id in drift else None
        node = {
            "id": node_id,
            "label": (DRIFT_MARK if why else "") + _short(name),
            "name": name,
            "group": label,
            "value": round(1 + 99 * scores.get(node_id, 0.0), 2),
            "title": node_tooltip(node_id, {**attrs, "license_drift": why} if why else attrs),
        }
        if why:
            node.update(drift_visuals(label), licenseDrift=True)
        nodes.append(node)

    edges: list[dict[str, Any]] = []
    styles: dict[str, dict[str, Any]] = {}
    types: Counter[str] = Counter()
    borrowed: dict[str, str] = {}
    trusts: Counter[int] = Counter()
    for source, target, key, attrs in graph.edges(keys=True, data=True):
        if source not in kept or target not in kept:
            continue
        relation = str(attrs.get("type") or str(key).split(":", 1)[0])
        kind = str(attrs.get("kind") or (str(key).split(":", 1)[1] if ":" in str(key) else ""))
        trust = edge_trust(attrs)
        shown = display_relation(relation, kind)  # a contrast kind is drawn and filtered on its own
        style_key = f"{shown}|{trust}"
        if style_key not in styles:
            styles[style_key] = edge_visuals(shown, trust)
        types[shown] += 1
        trusts[trust] += 1
        edge: dict[str, Any] = {
            "id": f"e{len(edges)}",
            "from": source,
            "to": target,
            "type": shown,
            "trust": trust,
            "title": edge_tooltip(source, target, {**attrs, "type": relation, "kind": kind}, names),
        }
        if kind:
            edge["kind"] = kind
            edge["label"] = kind.replace("_", " ")
        edges.append(edge)
        if layout == "time" and relation in BORROWS_DATE:
            _borrow_date(graph, source, target, relation, borrowed)

    axis = None
    if layout == "time":
        placed = [
            Placed(
                n["id"], n["group"], node_date(graph.nodes[n["id"]]) or borrowed.get(n["id"]), scores.get(n["id"], 0.0)
            )
            for n in nodes
        ]
        positions, axis = time_layout(placed)
        for node in nodes:
            node["x"], node["y"] = positions[node["id"]]
            node["fixed"] = {"x": True, "y": False}
            node["physics"] = False

    groups = {label: {"color": node_colour(label), "shape": LABEL_SHAPES.get(label, "dot")} for label in labels}
    return Elements(nodes, edges, styles, groups, labels, types, trusts, axis)


def edge_trust(attrs: dict[str, Any]) -> int:
    """The stored ``trust``, else the best rank among the edge's sources (2 if it names none)."""
    trust = attrs.get("trust")
    if isinstance(trust, int) and not isinstance(trust, bool):
        return min(max(trust, 1), 3)  # the legend's provenance filter knows levels 1..3
    ranks = [TRUST[s] for s in attrs.get("sources") or [] if s in TRUST]
    return max(ranks, default=2)


def _borrow_date(graph: nx.MultiDiGraph, source: str, target: str, relation: str, borrowed: dict[str, str]) -> None:
    """Record the earliest date an undated node can borrow along ``relation`` (see ``BORROWS_DATE``)."""
    undated, dated = (target, source) if relation == "INTRODUCES" else (source, target)
    if node_date(graph.nodes[undated]):
        return
    date = node_date(graph.nodes[dated])
    if date and (undated not in borrowed or date < borrowed[undated]):
        borrowed[undated] = date


def _short(name: str) -> str:
    name = " ".join(name.split())
    return name if len(name) <= MAX_LABEL else name[: MAX_LABEL - 1].rstrip() + "…"
