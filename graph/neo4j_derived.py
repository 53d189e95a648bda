"""Properties the Neo4j store keeps for its indexes: lower-cased search text and citation counts.

Neo4j indexes properties, not expressions or degrees, so without these ``search`` and
``top-influential`` scanned every node; with them each is an index look-up (BENCHMARKS.md, design measurements). The store writes them in the same transaction as the nodes and edges they
come from; loaders never see them and :meth:`Neo4jStore.nodes` does not return them, so they
are not part of the schema. The counts mirror ``top-influential`` at ``min_trust`` 1 (every
edge counts); stricter rankings still count live.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import neo4j

SEARCH = "search_text"
CITATIONS = "citation_count"
BUILT_ON = "built_on_count"
RANKED_LABELS = ("Paper", "Model", "Method")

INDEXES = [
    f"CREATE TEXT INDEX node_search IF NOT EXISTS FOR (n:Node) ON (n.{SEARCH})",
    *(
        f"CREATE INDEX {label.lower()}_rank IF NOT EXISTS FOR (n:{label}) ON (n.{CITATIONS}, n.{BUILT_ON})"
        for label in RANKED_LABELS
    ),
]

#: Every text ``search`` matches (id, name, aliases), lower-cased, joined by SEPARATOR: a node
#: whose texts contain the query has this containing it, so the text index finds a superset and
#: the query re-checks each text. The separator is the record separator, not a line break, so
#: the text fits on one line of neo4j-admin import's CSV (graph/neo4j_import.py).
SEPARATOR = "\x1e"
SET_SEARCH = (
    f"n.{SEARCH} = lower(reduce(s = n.id + '\\u001e' + coalesce(n.name, ''), "
    "a IN coalesce(n.aliases, []) | s + '\\u001e' + a))"
)

#: Same counts as top-influential's live text: citations of the node, plus (models and methods)
#: citations of the papers introducing it; and what builds on it.
_SET_COUNTS = (
    f"n.{CITATIONS} = COUNT {{ (n)<-[:CITES]-() }} "
    "+ CASE WHEN n:Paper THEN 0 ELSE COUNT { (n)<-[:INTRODUCES]-()<-[:CITES]-() } END, "
    f"n.{BUILT_ON} = COUNT {{ (n)<-[:BUILDS_ON]-() }}"
)
_RANKED = " OR ".join(f"n:{label}" for label in RANKED_LABELS)
REFRESH_COUNTS = f"UNWIND $ids AS i MATCH (n:Node {{id: i}}) WHERE {_RANKED} SET {_SET_COUNTS}"
COUNTED = ("INTRODUCES", "BUILDS_ON")
_INTRODUCED = "UNWIND $ids AS i MATCH (:Node {id: i})-[:INTRODUCES]->(m:Node) RETURN DISTINCT m.id AS id"

#: Bumped when what is derived changes; an older database is backfilled once on open.
VERSION = "2"  # 2: SEPARATOR instead of a line break
MARKER = "neo4j:derived"


def refresh_counts(tx: neo4j.ManagedTransaction, new_edges: Iterable[dict[str, Any]]) -> None:
    """Recount the nodes new edges point at (and what a newly cited paper introduces).

    Recounting instead of adding keeps a retried or repeated batch exact.
    """
    cited: set[str] = set()
    touched: set[str] = set()
    for row in new_edges:
        if row["type"] == "CITES":
            cited.add(row["target"])
        elif row["type"] in COUNTED:  # not AUTHORED or MENTIONS: a bulk arXiv load recounts nothing
            touched.add(row["target"])
    if cited:
        touched |= cited | {r["id"] for r in tx.run(_INTRODUCED, ids=sorted(cited))}
    if touched:
        tx.run(REFRESH_COUNTS, ids=sorted(touched)).consume()


def ensure(session: neo4j.Session) -> None:
    """Create the indexes; on a database written before they existed, fill them in once."""
    for stmt in INDEXES:
        session.run(stmt).consume()
    found = session.run("MATCH (c:Checkpoint {key: $k}) RETURN c.value AS v", k=MARKER).single()
    if found and found["v"] == VERSION:
        return
    # Auto-commit transactions of bounded size, so a big database fits the memory pool.
    session.run(f"MATCH (n:Node) CALL (n) {{ SET {SET_SEARCH} }} IN TRANSACTIONS OF 20000 ROWS").consume()
    session.run(
        f"MATCH (n:Node) WHERE {_RANKED} CALL (n) {{ SET {_SET_COUNTS} }} IN TRANSACTIONS OF 20000 ROWS"
    ).consume()
    session.run("MERGE (c:Checkpoint {key: $k}) SET c.value = $v", k=MARKER, v=VERSION).consume()
