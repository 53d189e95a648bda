"""Why a citation query came back empty, when the graph itself cannot hold the answer.

An empty ``co-citation`` of the Transformer paper on the curated graph is not "nothing is
co-cited with it": the graph holds no paper citing it. Saying so, with the command that loads
the missing citations, is what a first-day user needs (issue 25).
"""

from __future__ import annotations

from typing import Any

from graph.store import GraphStore

#: query -> (direction of the CITES edges the answer is made of, what they are, what fills them)
NEEDS: dict[str, tuple[str, str, str]] = {
    "co-citation": ("in", "papers citing", "lineage load citations --source s2 (every arXiv paper's references)"),
    "derivative-works": ("in", "papers citing", "lineage load citations --source s2 (every arXiv paper's references)"),
    "bibliographic-coupling": ("out", "references of", "lineage load citations --source s2 --ids {arxiv}"),
    "prior-works": ("out", "references of", "lineage load citations --source s2 --ids {arxiv}"),
}
#: With fewer citations than this an empty answer is put down to the graph, not the paper.
FEW = 20

_COUNT = {
    "in": "UNWIND $ids AS pid MATCH (p:Node {id: pid})<-[:CITES]-(c:Node) RETURN count(DISTINCT c) AS n",
    "out": "UNWIND $ids AS pid MATCH (p:Node {id: pid})-[:CITES]->(c:Node) RETURN count(DISTINCT c) AS n",
}


def why_empty(store: GraphStore, name: str, params: dict[str, Any]) -> str | None:
    """One line saying why ``name`` found nothing for ``params`` (validated), or None when the
    graph holds enough citations that the empty answer is the answer."""
    if name not in NEEDS:
        return None
    direction, what, command = NEEDS[name]
    ids = params.get("ids") or [params.get("id")]
    ids = [i for i in ids if i]
    if not ids:
        return None
    rows = store.read(_COUNT[direction], {"ids": ids})
    held = int(rows[0]["n"]) if rows else 0
    if held >= FEW:
        return None
    arxiv = ",".join(i.removeprefix("arxiv:") for i in ids if i.startswith("arxiv:")) or "ID"
    subject = ids[0] if len(ids) == 1 else f"these {len(ids)} papers"
    return (
        f"the graph holds {f'only {held}' if held else 'no'} {what} {subject}, too few for {name} to find anything; "
        f"load citations first: {command.format(arxiv=arxiv)}"
    )
