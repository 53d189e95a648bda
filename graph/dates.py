"""When a model or method appeared, and who says so: the node's ``date`` and ``date_source``.

A model or method is dated by, in this order:

1. its own ``release_date``: ``date_source`` is ``curated`` (the curated file states it) or
   ``hf_card`` (a card's repo creation). :func:`graph.schema.node_row` sets these at write time.
2. else the earliest ``published`` date of the papers that ``INTRODUCES`` it: ``date_source`` is
   ``paper:<paper id>`` (``paper:arxiv:2310.16944`` for Zephyr).

Rule 2 joins two records that arrive from different loaders in any order (a card tags a paper
that only a later arXiv load dates; arXiv corrects a curated paper's date), so it cannot be
decided when either record is written. :func:`refresh_dates` derives it from what is stored,
through the store interface only, so both backends hold the same values; it is idempotent
(a second run writes nothing). Every loader that writes ``INTRODUCES`` edges or paper dates
calls it at its end: curated, hf-cards, arXiv (API and snapshot), Semantic Scholar and
OpenAlex. Nodes that neither rule dates stay undated; ``lineage stats`` lists them
(:func:`undated`).
"""

from __future__ import annotations

from typing import Any

from graph.store import Batch, GraphStore, LoadReport

#: Labels that get a derived date.
DATED_LABELS = ("Model", "Method")

_INTRODUCED = (
    "MATCH (p:Node)-[:INTRODUCES]->(n:Node) "
    "WHERE p.published IS NOT NULL AND n.release_date IS NULL AND n.label IN $labels "
    "RETURN n.id AS id, n.date AS date, n.date_source AS date_source, p.id AS paper, p.published AS published"
)


def derived_dates(store: GraphStore) -> dict[str, tuple[str, str, tuple[Any, Any]]]:
    """``{node id: (date, date_source, (stored date, stored date_source))}`` by rule 2."""
    best: dict[str, tuple[str, str, tuple[Any, Any]]] = {}
    for row in store.read(_INTRODUCED, {"labels": list(DATED_LABELS)}):
        candidate = (str(row["published"]), f"paper:{row['paper']}")
        current = best.get(row["id"])
        if current is None or candidate < current[:2]:  # earliest paper; ties by paper id
            best[row["id"]] = (*candidate, (row["date"], row["date_source"]))
    return best


def refresh_dates(store: GraphStore) -> LoadReport:
    """Date every undated model and method its introducing papers date (see the module docstring)."""
    batch = Batch()
    for node_id, (date, source, stored) in sorted(derived_dates(store).items()):
        if stored != (date, source):
            batch.add_node({"id": node_id, "date": date, "date_source": source})
    if not batch.nodes:
        return LoadReport()
    report = store.write_batch(batch)
    return LoadReport(nodes_updated=report.nodes_updated, batches=report.batches)


def undated(store: GraphStore) -> list[dict[str, Any]]:
    """Models and methods with no date: ``id``, ``name``, ``label``, sorted by label and id."""
    return store.read(
        "MATCH (n:Node) WHERE n.label IN $labels AND n.date IS NULL "
        "RETURN n.id AS id, n.name AS name, n.label AS label ORDER BY label, id",
        {"labels": list(DATED_LABELS)},
    )
