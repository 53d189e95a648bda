"""Saved queries answered from the embedded store's in-process graph index (graph/ladybug_index.py).

Each function gives exactly the rows its ``.cypher`` file's ``// --- ladybug`` text gives (same
filter, same order, same ties; the parity tests in tests/test_query_library.py run both), from
the index's adjacency arrays, with node properties the index does not hold read from the store by
primary key. Used only where the store offers a fresh index (:func:`answer`); anywhere else the
Cypher runs as before. Why: on the engine these are scans of a whole table or walks through hubs
(0.3-3 s at 1M edges, BENCHMARKS.md); here a few milliseconds.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from typing import Any

from graph.ladybug_index import GraphIndex, Half
from graph.store import GraphStore

Rows = list[dict[str, Any]]
Answer = Callable[[GraphIndex, GraphStore, dict[str, Any]], Rows | None]
ANSWERS: dict[str, Answer] = {}


def answers(name: str) -> Callable[[Answer], Answer]:
    def register(func: Answer) -> Answer:
        ANSWERS[name] = func
        return func

    return register


def answer(store: GraphStore, name: str, values: dict[str, Any]) -> Rows | None:
    """The rows of saved query ``name`` from the store's index, or None: no answer here (the
    store has no index, it is not fresh, or this query is not served from it)."""
    func = ANSWERS.get(name)
    index_of = getattr(store, "graph_index", None)
    if func is None or index_of is None:
        return None
    index = index_of()
    return None if index is None else func(index, store, values)


def _top(count: dict[int, int], index: GraphIndex, limit: int) -> list[int]:
    """The ``limit`` nodes of highest count, ties by id: only those that can make it are sorted."""
    if not count:
        return []
    floor = heapq.nlargest(limit, count.values())[-1]
    ids = index.ids
    return sorted((q for q, c in count.items() if c >= floor), key=lambda q: (-count[q], ids[q]))[:limit]


# --- prior-works, derivative-works --------------------------------------------------------


def _works(index: GraphIndex, store: GraphStore, values: dict[str, Any], half: Half) -> Rows:
    ids, mt = values["ids"], values["min_trust"]
    excluded = set(index.numbers(ids))
    count: Counter[int] = Counter()
    for p in excluded:  # distinct papers of the set: count(DISTINCT p)
        count.update(set(half.ends(p, mt)) - excluded)
    found = {q: c for q, c in count.items() if c >= values["min_count"]}
    top = _top(found, index, values["limit"])
    props = store.nodes([index.ids[q] for q in top])
    return [
        {
            "id": index.ids[q],
            "title": props[index.ids[q]].get("name"),
            "published": props[index.ids[q]].get("published"),
            "count": found[q],
        }
        for q in top
    ]


@answers("prior-works")
def prior_works(index: GraphIndex, store: GraphStore, values: dict[str, Any]) -> Rows:
    return _works(index, store, values, index.edges["CITES"].out)


@answers("derivative-works")
def derivative_works(index: GraphIndex, store: GraphStore, values: dict[str, Any]) -> Rows:
    return _works(index, store, values, index.edges["CITES"].into)


# --- co-citation, bibliographic coupling -------------------------------------------------------


def _pairs(index: GraphIndex, store: GraphStore, values: dict[str, Any], first: Half, second: Half) -> Rows:
    """Papers q joined to p through a middle paper c (p -first- c -second- q), with the sorted cs."""
    p, mt = index.pos[values["id"]], values["min_trust"]
    simple = len(index.edges["CITES"].kinds) == 1  # no kinds: no two edges join the same pair
    middle = {c: second.ends(c, mt) for c in set(first.ends(p, mt))}
    count: Counter[int] = Counter()
    for qs in middle.values():  # each c once per q: count(DISTINCT c)
        count.update(qs if simple else set(qs))
    count.pop(p, None)
    top = _top(count, index, values["limit"])
    ids = index.ids
    via: dict[int, list[str]] = {q: [] for q in top}
    wanted = set(top)
    for c, qs in middle.items():
        for q in wanted.intersection(qs):
            via[q].append(ids[c])
    props = store.nodes([ids[q] for q in top])
    return [
        {
            "id": ids[q],
            "title": props[ids[q]].get("name"),
            "published": props[ids[q]].get("published"),
            "count": count[q],
            "via": sorted(via[q]),
        }
        for q in top
    ]


@answers("co-citation")
def co_citation(index: GraphIndex, store: GraphStore, values: dict[str, Any]) -> Rows:
    cites = index.edges["CITES"]
    return _pairs(index, store, values, cites.into, cites.out)


@answers("bibliographic-coupling")
def bibliographic_coupling(index: GraphIndex, store: GraphStore, values: dict[str, Any]) -> Rows:
    cites = index.edges["CITES"]
    return _pairs(index, store, values, cites.out, cites.into)


# --- top-influential, overview ------------------------------------------------------------


def _in_count(adj: Any, n: int, min_trust: int) -> list[int]:
    """Each node's in-edges of this type with trust >= ``min_trust``."""
    count = [0] * n
    for v, c in Counter(adj.out.passing(min_trust)).items():
        count[v] = c
    return count


@answers("top-influential")
def top_influential(index: GraphIndex, store: GraphStore, values: dict[str, Any]) -> Rows:
    mt = values["min_trust"]
    key = ("top-influential", mt)
    if key not in index.cache:  # every node's counts, ranked once per index
        n = len(index.ids)
        direct = _in_count(index.edges["CITES"], n, mt)
        built_on = _in_count(index.edges["BUILDS_ON"], n, mt)
        intro = index.edges["INTRODUCES"].into
        ranked = []
        for v in range(n):
            if index.ids[v] is None:
                continue
            via_paper = sum(direct[x] for x in intro.ends(v)) if intro.start[v] < intro.start[v + 1] else 0
            if direct[v] + via_paper + built_on[v] > 0:
                ranked.append((-(direct[v] + via_paper), -built_on[v], index.ids[v], v))
        ranked.sort()
        index.cache[key] = ranked
    label = values["label"]
    wanted = ("Paper", "Model", "Method") if label == "any" else (label,)
    rows = []
    for minus_citations, minus_built_on, node_id, v in index.cache[key]:
        if index.labels[v] in wanted:
            rows.append(
                {
                    "id": node_id,
                    "name": index.names[v],
                    "label": index.labels[v],
                    "citations": -minus_citations,
                    "built_on": -minus_built_on,
                }
            )
            if len(rows) == values["limit"]:
                break
    return rows


@answers("overview")
def overview(index: GraphIndex, store: GraphStore, values: dict[str, Any]) -> Rows:
    mt = values["min_trust"]
    key = ("overview", mt)
    if key not in index.cache:
        found: set[int] = set()
        for etype in ("BUILDS_ON", "INTRODUCES"):
            for half in (index.edges[etype].out, index.edges[etype].into):
                found.update(half.passing(mt))  # the far ends of the edges: every node with one
        index.cache[key] = sorted(found, key=lambda v: (index.labels[v] or "", index.ids[v]))
    return [
        {"id": index.ids[v], "name": index.names[v], "label": index.labels[v]}
        for v in index.cache[key][: values["limit"]]
    ]


# --- search -------------------------------------------------------------------------------

LABEL_ORDER = {"Model": 0, "Method": 1, "Paper": 2}


def _search_texts(index: GraphIndex) -> tuple[str, list[int], list[int], list[list[str]]]:
    """Every node's searchable texts (aliases, name, id) lower-cased, joined by NUL into one
    string that ``str.find`` scans at C speed; with where each text starts and whose it is."""
    if "search" not in index.cache:
        texts: list[str] = []
        owner: list[int] = []
        per_node: list[list[str]] = [[] for _ in index.ids]
        for v, node_id in enumerate(index.ids):
            if node_id is None:
                continue
            mine = [t.lower() for t in [*(index.aliases[v] or []), index.names[v] or "", node_id]]
            per_node[v] = mine
            texts += mine
            owner += [v] * len(mine)
        starts, at = [], 0
        for t in texts:
            starts.append(at)
            at += len(t) + 1
        index.cache["search"] = ("\0".join(texts), starts, owner, per_node)
    return index.cache["search"]


def _rank(texts: list[str], q: str) -> int | None:
    best = None
    for t in texts:
        if q not in t:
            continue
        rank = 0 if t == q or t.endswith(":" + q) else 1 if t.startswith(q) or (":" + q) in t else 2
        best = rank if best is None else min(best, rank)
    return best


@answers("search")
def search(index: GraphIndex, store: GraphStore, values: dict[str, Any]) -> Rows | None:
    q = values["q"].lower()
    if not q or "\0" in q or not q.isascii():  # the engine's own lower() and matching decide these
        return None
    big, starts, owner, per_node = _search_texts(index)
    found: dict[int, int] = {}
    at = big.find(q)
    while at >= 0:
        k = bisect_right(starts, at) - 1
        v = owner[k]
        if v not in found:
            found[v] = _rank(per_node[v], q) or 0
        at = big.find(q, starts[k + 1]) if k + 1 < len(starts) else -1  # on from the next text
    order = sorted(
        found,
        key=lambda v: (found[v], LABEL_ORDER.get(index.labels[v] or "", 3), len(index.names[v] or ""), index.ids[v]),
    )
    return [
        {
            "id": index.ids[v],
            "name": index.names[v],
            "label": index.labels[v],
            "aliases": list(index.aliases[v] or []),
            "rank": found[v],
        }
        for v in order[: values["limit"]]
    ]
