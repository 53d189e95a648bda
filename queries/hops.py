"""How each row of a lineage walk was reached: the node it came through (``via``), the kind of
that hop (``via_kind``) and where the hop's edge comes from (``via_source``).

Filled here, after the saved query ran, and not in Cypher: a shortest-path match returns *a*
shortest path, and where several tie each engine picks its own, so a ``via`` read off the path
would differ between backends; and the embedded store keeps provenance in a table of its own.
The saved query returns each row's depth; the hop into a row is then chosen among the stored
edges that reach it from a node one hop nearer the start and pass the walk's own filter (most
trusted first, then the smaller id, then the kind), read in one round trip through the store's
public ``edges_among``. A query whose Cypher already names the hop (``model-family``: one row
per tree edge) only gets that edge's sources.

A saved query asks for this in its header::

    // reached: in                      (rows build on $id: stored edges point at the start)
    // filled: via, via_kind, via_source (the columns added here; the Cypher returns the rest)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graph.store import GraphStore
from graph.vocab import CONTRAST_KINDS

VIA_COLUMNS = ("via", "via_kind", "via_source")
Row = dict[str, Any]


@dataclass(frozen=True)
class HopFilter:
    """The edges a lineage walk follows, from its validated parameters (the same rule as its Cypher)."""

    min_trust: int = 1
    kinds: frozenset[str] = frozenset()  # empty: every kind
    contrast: bool = False
    cites: bool = False

    @classmethod
    def of(cls, values: dict[str, Any]) -> HopFilter:
        return cls(
            min_trust=int(values.get("min_trust") or 1),
            kinds=frozenset(values.get("kinds") or ()),
            contrast=values.get("contrast") == "yes",
            cites=values.get("include_cites") == "yes",
        )

    @property
    def types(self) -> list[str]:
        return ["BUILDS_ON", "CITES"] if self.cites else ["BUILDS_ON"]

    def allows(self, edge: Row) -> bool:
        if int(edge.get("trust") or 0) < self.min_trust:
            return False
        kind = edge.get("kind") or ""
        if edge["type"] == "CITES":
            return self.cites and not self.kinds
        return (
            edge["type"] == "BUILDS_ON"
            and (not self.kinds or kind in self.kinds)
            and (self.contrast or kind not in CONTRAST_KINDS)
        )


def hop_kind(edge: Row) -> str:
    """A hop's kind as rows show it: the builds-on kind, else the edge type in lower case."""
    return edge.get("kind") or str(edge["type"]).lower()


def annotate(
    store: GraphStore,
    rows: list[Row],
    values: dict[str, Any],
    *,
    reached: str,
    filled: Iterable[str],
    columns: Iterable[str],
    everyone: list[Row] | None = None,
) -> list[Row]:
    """``rows`` with the hop columns in ``filled`` added, keys in ``columns`` order.

    ``reached`` is ``out`` when the rows are reached from ``values['id']`` along stored edges
    (ancestors) and ``in`` when against them (descendants). ``everyone`` is every node the walk
    reached with its depth, when ``rows`` are only some of them (``since``): a hop may come
    through a node that is not itself a row.
    """
    if not rows:
        return rows
    start, hop = values["id"], HopFilter.of(values)
    filled = set(filled)
    depth = {start: 0} | {r["id"]: r["depth"] for r in (everyone if everyone is not None else rows)}
    ids = list(depth) + [r["via"] for r in rows if r.get("via")]
    chosen: dict[str, tuple[int, str, str, Row]] = {}  # far end -> (rank key..., edge)
    by_key: dict[tuple[str, str, str], Row] = {}  # (near, far, hop kind) -> edge
    for edge in store.edges_among(ids, hop.types):
        if not hop.allows(edge):
            continue
        near, far = (edge["source"], edge["target"]) if reached == "out" else (edge["target"], edge["source"])
        by_key[(near, far, hop_kind(edge))] = edge
        if near in depth and depth.get(far) == depth[near] + 1:
            rank = (-int(edge.get("trust") or 0), near, hop_kind(edge), edge)
            if far not in chosen or rank[:3] < chosen[far][:3]:
                chosen[far] = rank
    out = []
    for row in rows:
        row = dict(row)
        if "via" in filled:
            best = chosen.get(row["id"])
            row["via"], row["via_kind"] = (best[1], best[2]) if best else (None, None)
        edge = by_key.get((row.get("via"), row["id"], row.get("via_kind")))
        row["via_source"] = ",".join(edge.get("sources") or []) if edge else None
        out.append({c: row.get(c) for c in columns})
    return out
