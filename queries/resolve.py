"""One resolver for every id a user types, on the CLI, the API, the home page and in Python.

What it accepts, in this order:

1. node ids and every arXiv/DOI spelling :func:`graph.ids.normalize_id` knows
   (``model:Zephyr-7B``, ``arXiv:2310.06825v2``, ``https://arxiv.org/abs/2310.06825``);
2. Hugging Face repo ids, in any case (``huggingfaceh4/ZEPHYR-7B-BETA``): a curated model that
   lists the repo among its aliases (:mod:`loaders.checkpoints`), else the card's own node
   (``model:hf.owner.name``);
3. names and aliases, in any case (``zephyr``, ``Zephyr 7B``, ``DPO``), and the key of a model or
   method id (``zephyr-7b``).

A name shared by a curated node and card nodes is the curated one; a paper named after the model
or method it introduces (``Mistral 7B``) gives way to it. Any other name several nodes share
is an :class:`AmbiguousNodeError` listing them; nothing found is a
:class:`graph.errors.NodeNotFoundError` with near matches (:func:`suggest`).

Everything goes through ``store.read`` with parameters and ``store.nodes``. On Neo4j the name
look-up is index-backed: ``search_text`` (graph/neo4j_derived.py) holds id, name and aliases
lower-cased, each name and alias after a separator, so ``CONTAINS separator + text`` finds the
nodes with a name or alias starting with the text through the text index, and the exact match
is checked on those few. The embedded store has no such index and scans, as ``search`` does.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from graph.errors import NodeNotFoundError, QueryError
from graph.ids import SLUG, InvalidIdError, normalize_id
from graph.store import GraphStore
from loaders.checkpoints import HF_PREFIX, is_repo_id
from queries.spec import QUERY_DIR, SavedQuery, parse_query_file

#: More exact matches than this and the name is not worth listing in full.
MAX_CANDIDATES = 20

_BY_NAME = {
    "neo4j": (
        "WITH $sep + lower($text) AS seg, lower($text) AS q "
        "MATCH (n:Node) WHERE n.search_text CONTAINS seg "
        "UNWIND coalesce(n.aliases, []) + [coalesce(n.name, '')] AS t "
        "WITH n, q, lower(t) AS t WHERE t = q "
        "RETURN DISTINCT n.id AS id, n.name AS name, n.label AS label ORDER BY id LIMIT $limit"
    ),
    "ladybug": (
        "MATCH (n:Node) "
        "UNWIND coalesce(n.aliases, []) + [coalesce(n.name, '')] AS t "
        "WITH n, lower(t) AS t WHERE t = lower($text) "
        "RETURN DISTINCT n.id AS id, n.name AS name, n.label AS label ORDER BY id LIMIT $limit"
    ),
}
_NAMED = (
    "MATCH (n:Node) WHERE n.label IN ['Model', 'Method'] "
    "RETURN n.id AS id, n.name AS name, n.label AS label, n.aliases AS aliases"
)


class AmbiguousNodeError(QueryError):
    """A name several nodes share; the message lists them."""

    def __init__(
        self, text: str, candidates: Sequence[dict[str, Any]], parameter: str | None = None, context: str = ""
    ) -> None:
        self.text, self.candidates = text, list(candidates)
        listed = ", ".join(f"{c['id']} ({c.get('label') or '?'} {c.get('name') or ''!r})" for c in candidates)
        more = " and more" if len(candidates) >= MAX_CANDIDATES else ""
        super().__init__(f"{context}{text!r} is ambiguous: it names {listed}{more}; give one of these ids", parameter)


@dataclass(frozen=True)
class Resolved:
    """What a text resolved to, and how (``id``, ``repo``, ``name``)."""

    text: str
    id: str
    how: str


def _normalised(text: str) -> str | None:
    try:
        return normalize_id(text)
    except InvalidIdError:
        return None


def by_name(store: GraphStore, text: str) -> list[dict[str, Any]]:
    """Nodes whose name or an alias is ``text`` (any case), plus the model/method whose id key it is."""
    from graph.neo4j_derived import SEPARATOR  # here: that module loads the neo4j driver (~1 s of CLI start-up)

    cypher = _BY_NAME.get(store.backend, _BY_NAME["ladybug"])
    rows = store.read(cypher, {"text": text, "sep": SEPARATOR, "limit": MAX_CANDIDATES})
    found = {r["id"]: r for r in rows}
    key = text.lower()
    if SLUG.match(key):
        for node_id, node in store.nodes([f"model:{key}", f"method:{key}"]).items():
            found.setdefault(node_id, {"id": node_id, "name": node.get("name"), "label": node.get("label")})
    if is_repo_id(text):  # a card's own node: model:hf.owner.name
        from loaders.hf_cards import hf_model_id

        try:
            card_id = hf_model_id(text)
        except InvalidIdError:
            card_id = None
        for node_id, node in store.nodes([card_id] if card_id else []).items():
            if (node.get("hf_id") or "").lower() == text.lower():
                found.setdefault(node_id, {"id": node_id, "name": node.get("name"), "label": node.get("label")})
    candidates = sorted(found.values(), key=lambda r: r["id"])
    curated = [c for c in candidates if not c["id"].startswith(HF_PREFIX)]
    return _without_namesake_papers(store, curated or candidates)


def _without_namesake_papers(store: GraphStore, candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A paper named after the model or method it introduces ("Mistral 7B", "Layer
    Normalization") gives way to that model or method: lineage questions are about the thing,
    and the paper has its arXiv id. Any other paper among the candidates keeps them ambiguous."""
    papers = {c["id"] for c in candidates if c.get("label") == "Paper"}
    things = {c["id"] for c in candidates if c.get("label") in ("Model", "Method")}
    if not papers or not things:
        return candidates
    introducing = {e["source"] for e in store.edges_among(papers | things, ["INTRODUCES"]) if e["target"] in things}
    if papers <= introducing:
        return [c for c in candidates if c["id"] not in papers]
    return candidates


def resolve_all(store: GraphStore, texts: Iterable[str], parameter: str | None = None) -> list[Resolved]:
    """Resolve each text (see the module docstring); ids are checked in one round trip.

    Raises :class:`NodeNotFoundError` (with suggestions) or :class:`AmbiguousNodeError`.
    """
    texts = [str(t).strip() for t in texts]
    ids = {t: _normalised(t) for t in texts}
    found = store.nodes({i for i in ids.values() if i})
    out: list[Resolved] = []
    for text in texts:
        node_id = ids[text]
        if node_id and node_id in found:
            out.append(Resolved(text, node_id, "id"))
            continue
        matches = by_name(store, text) if text else []
        if len(matches) == 1:
            out.append(Resolved(text, matches[0]["id"], "repo" if is_repo_id(text) else "name"))
        elif matches:
            raise AmbiguousNodeError(text, matches, parameter)
        else:
            raise NodeNotFoundError(node_id or text, suggest(store, text))
    return out


def resolve(store: GraphStore, text: str) -> str:
    """The node id ``text`` names: ``resolve(store, "HuggingFaceH4/zephyr-7b-beta") == "model:zephyr-7b"``."""
    return resolve_all(store, [text])[0].id


def suggest(store: GraphStore, text: str, n: int = 3) -> list[str]:
    """Ids whose name, alias or id key is closest to ``text`` (``zephyrr`` → ``model:zephyr-7b``).

    Candidates containing the text come from the ``search`` query (index-backed on Neo4j); only
    when they are too few are model and method names compared fuzzily (``mistrel``): comparing
    every paper's title in Python takes seconds at 93k nodes and minutes at arXiv scale.
    """
    if len(text) > 100:
        return []
    needle = text.lower().partition(":")[2] or text.lower()
    if not needle.strip():
        return []
    search = _search_query()
    found = store.read(search.text(store.backend), {"q": needle, "limit": 50}, columns=search.returns)
    scored = _scored(needle, found)
    if len(scored) < n:
        scored |= _scored(needle, store.read(_NAMED))
    return [node_id for node_id, _ in sorted(scored.items(), key=lambda s: (-s[1], s[0]))[:n]]


@cache
def _search_query() -> SavedQuery:
    """The saved ``search`` query, read from its file (the registry, which lists it, imports this module)."""
    return parse_query_file(QUERY_DIR / "search.cypher")


def _scored(needle: str, rows: list[dict[str, Any]]) -> dict[str, float]:
    """Closeness (0..1) of each model, method or paper row to ``needle``; those of 0.6 or more."""
    out: dict[str, float] = {}
    for row in rows:
        if row["label"] not in ("Model", "Method", "Paper"):
            continue
        best = 0.0
        for name in (row["id"].partition(":")[2], row["name"] or "", *(row["aliases"] or [])):
            name_l = name.lower()
            score = difflib.SequenceMatcher(None, needle, name_l).ratio()
            if needle in name_l:
                score = max(score, 0.8 + 0.2 * len(needle) / max(len(name_l), 1))
            best = max(best, score)
        if best >= 0.6:
            out[row["id"]] = best
    return out
