"""Official checkpoint repos: one model is one node, whichever Hugging Face repo names it.

A curated model lists its official repos among its ``aliases`` (Llama 2: ``meta-llama/Llama-2-7b``,
``meta-llama/Llama-2-7b-hf``, … at each size; its ``hf_id`` is one of them). Aliases, because they
are what the stores already search (Neo4j's ``search_text`` index holds them) and what the
resolver (:mod:`queries.resolve`) matches, so no new column is needed.

Two ways a repo meets its model:

* :func:`repo_index` maps every known repo id to its node. The card loader keys a card's model
  and its ``base_model`` targets through it, so ``microsoft/Orca-2-7b`` *is* ``model:orca-2``.
* :func:`tie_checkpoints`, for cards loaded before the curated model listed the repo: the
  separate ``model:hf.*`` node gets a ``variant_of`` edge to the curated model (provenance
  curated), which family and lineage queries follow. Run after any load of cards or of the
  curated file; it writes nothing when everything is tied already.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from graph.store import GraphStore, LoadReport, upsert
from graph.vocab import BuildKind, EdgeType, Source

#: ``owner/name`` as the Hub writes repo ids (no spaces; letters, digits, ``_.-``).
REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")
HF_PREFIX = "model:hf."
_MODELS = (
    "MATCH (n:Node) WHERE n.label = 'Model' RETURN n.id AS id, n.name AS name, n.hf_id AS hf_id, n.aliases AS aliases"
)


def is_repo_id(text: str) -> bool:
    return bool(REPO_ID.match(text.strip()))


def repos_of(row: dict[str, Any]) -> list[str]:
    """The repo ids a model row claims: its ``hf_id`` and its repo-shaped aliases."""
    found = [row.get("hf_id") or "", *(row.get("aliases") or [])]
    return list(dict.fromkeys(r.strip() for r in found if r and is_repo_id(r)))


def _index(rows: list[dict[str, Any]]) -> dict[str, str]:
    """``{lower-case repo id: node id}``; a curated (or otherwise keyed) node wins over a card's
    ``model:hf.*`` node, then the smaller id (the curated file's tests keep claims unique)."""
    out: dict[str, str] = {}
    for row in sorted(rows, key=lambda r: (r["id"].startswith(HF_PREFIX), r["id"])):
        for repo in repos_of(row):
            out.setdefault(repo.lower(), row["id"])
    return out


def repo_index(store: GraphStore) -> dict[str, str]:
    """``{lower-case repo id: node id}`` of every stored model: what the card loader should key
    repos by (``loaders.hf_cards.hf_index`` returns this)."""
    return _index(store.read(_MODELS))


def tie_checkpoints(store: GraphStore, retrieved: dt.date | None = None) -> LoadReport:
    """``variant_of`` edges from card nodes (``model:hf.*``) whose repo a curated model lists
    as its own, to that model. Idempotent; returns the load report (nothing to do: all zero)."""
    from graph.schema import Edge, Provenance  # pydantic: here, not for the resolver's HF_PREFIX

    rows = store.read(_MODELS)
    claimed = _index([r for r in rows if not r["id"].startswith(HF_PREFIX)])
    names = {r["id"]: r["name"] for r in rows}
    edges = []
    for row in rows:
        if not row["id"].startswith(HF_PREFIX) or not row.get("hf_id"):
            continue
        owner = claimed.get(row["hf_id"].strip().lower())
        if owner is None or owner == row["id"]:
            continue
        evidence = (
            f"{row['hf_id']} is an official checkpoint of {names.get(owner) or owner} ({owner}): "
            "the curated model lists the repo among its aliases"
        )
        prov = Provenance(source=Source.curated, evidence=evidence, retrieved=retrieved or dt.date.today())
        edges.append(
            Edge(type=EdgeType.BUILDS_ON, source=row["id"], target=owner, kind=BuildKind.variant_of, provenance=[prov])
        )
    if edges:  # an edge already stated by the curated source is left alone (its date included)
        ends = {e.source for e in edges} | {e.target for e in edges}
        have = {
            (r["source"], r["target"])
            for r in store.edges_among(ends, ["BUILDS_ON"])
            if r.get("kind") == BuildKind.variant_of.value and Source.curated.value in (r.get("sources") or [])
        }
        edges = [e for e in edges if (e.source, e.target) not in have]
    return upsert(store, edges) if edges else LoadReport()
