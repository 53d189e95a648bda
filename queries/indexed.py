"""Saved queries answered from the embedded store's in-process graph index (graph/ladybug_index.py).

Each function gives exactly the rows its ``.cypher`` file's ``// --- ladybug`` text gives (same
filter, same order, same ties; the parity tests in tests/test_query_library.py run both), from
the index's adjacency arrays, with node properties the index does not hold read from the store by
primary key. Used only where the store offers a fresh index (:func:`answer`); anywhere else the
Cypher runs as before. Why: on the engine these are scans of a whole table or walks through hubs
(0.3-3 s at 1M edges, BENCHMARKS.md), or variable-length shortest-path matches (the lineage
walks: 20-150 ms); here a few milliseconds. Not served here: timeline, common-roots,
license-drift (its path is the engine's choice among equally short ones), introduced-by and
introduces (one primary-key hop, already fast), and the analytics.
"""

from __future__ import annotations

import heapq
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graph.ladybug_index import GraphIndex, Half, typed_array
from graph.store import GraphStore
from queries.spec import SavedQuery

Rows = list[dict[str, Any]]
Answer = Callable[[GraphIndex, GraphStore, dict[str, Any]], Rows | None]
ANSWERS: dict[str, Answer] = {}
#: The parameters each answer knows; a saved query whose header declares others (it changed
#: since) is left to its Cypher rather than answered without them.
PARAMS: dict[str, frozenset[str]] = {}
#: Answered from an index already built, never worth building one for: the engine's own answer
#: takes ~5-150 ms at 1M edges, the build ~2 s (and pyarrow). A one-shot CLI query runs the
#: Cypher; a server or notebook has built the index for another query (overview, search, ...).
IF_BUILT: set[str] = set()


def answers(name: str, params: str, *, build: bool = True) -> Callable[[Answer], Answer]:
    def register(func: Answer) -> Answer:
        ANSWERS[name], PARAMS[name] = func, frozenset(params.split())
        if not build:
            IF_BUILT.add(name)
        return func

    return register


def answer(store: GraphStore, query: SavedQuery, values: dict[str, Any]) -> Rows | None:
    """The rows of ``query`` from the store's index, or None: no answer here (the store has no
    index, it is not fresh, or this query, with these parameters, is not served from it)."""
    func = ANSWERS.get(query.name)
    index_of = getattr(store, "graph_index", None)
    if func is None or index_of is None or PARAMS[query.name] != {p.name for p in query.params}:
        return None
    index = index_of(build=query.name not in IF_BUILT)
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


@answers("prior-works", "ids min_count min_trust limit")
def prior_works(index: GraphIndex, store: GraphStore, values: dict[str, Any]) -> Rows:
    return _works(index, store, values, index.edges["CITES"].out)


@answers("derivative-works", "ids min_count min_trust limit")
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


@answers("co-citation", "id min_trust limit")
def co_citation(index: GraphIndex, store: GraphStore, values: dict[str, Any]) -> Rows:
    cites = index.edges["CITES"]
    return _pairs(index, store, values, cites.into, cites.out)


@answers("bibliographic-coupling", "id min_trust limit")
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


@answers("top-influential", "label category source min_trust limit")
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
    label, category, source = values["label"], values["category"], values["source"]
    wanted = ("Paper", "Model", "Method") if label == "any" else (label,)
    rows = []
    for minus_citations, minus_built_on, node_id, v in index.cache[key]:
        if (
            index.labels[v] in wanted
            and (category == "any" or any(c is not None and c.startswith(category) for c in index.categories[v] or ()))
            and (source == "any" or source in (index.sources[v] or ()))
        ):
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


@answers("overview", "min_trust limit")
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


@dataclass
class SearchTexts:
    """Every node's searchable texts (aliases, name, id) lower-cased, UTF-8 encoded and joined
    by NUL into one byte string, with where each text starts and whose it is; and every
    three-byte sequence in it, sorted, with where it occurs (``grams``, ``at``).

    Why: ``find`` over the whole string costs ~2 ms at 1M edges whatever the query; looking up
    the query's rarest three bytes and checking only where they occur costs microseconds for a
    specific query (an id, a name). The query is ASCII, so a match in the bytes is a match in the
    text (UTF-8 never uses ASCII bytes inside a longer character)."""

    big: bytes
    starts: array
    owner: array
    per_node: list[list[str]]
    grams: array = field(default_factory=lambda: array("I"))
    at: array = field(default_factory=lambda: array("I"))

    @classmethod
    def of(cls, index: GraphIndex) -> SearchTexts:
        import pyarrow as pa
        import pyarrow.compute as pc

        chunks: list[bytes] = []
        owner = array("q")
        per_node: list[list[str]] = [[] for _ in index.ids]
        for v, node_id in enumerate(index.ids):
            if node_id is None:
                continue
            mine = [t.lower() for t in [*(index.aliases[v] or []), index.names[v] or "", node_id]]
            per_node[v] = mine
            chunks += (t.encode() for t in mine)
            owner.extend([v] * len(mine))
        starts, at = array("q"), 0
        for chunk in chunks:
            starts.append(at)
            at += len(chunk) + 1
        big = b"\0".join(chunks)
        texts = cls(big, starts, owner, per_node)
        if len(big) >= 3:
            raw = pa.Array.from_buffers(pa.uint8(), len(big), [None, pa.py_buffer(big)])
            wide = pc.cast(raw, pa.uint32())
            n = len(big) - 2
            gram = pc.bit_wise_or(
                pc.bit_wise_or(pc.shift_left(wide.slice(0, n), 16), pc.shift_left(wide.slice(1, n), 8)),
                wide.slice(2, n),
            )
            order = pc.sort_indices(gram)
            texts.grams = typed_array(pc.take(gram, order), pa.uint32(), "I")
            texts.at = typed_array(order, pa.uint32(), "I")
        return texts

    def nbytes(self) -> int:
        """Memory held (for BENCHMARKS.md), the per-node text lists counted by their strings."""
        size = len(self.big) + sum(a.itemsize * len(a) for a in (self.starts, self.owner, self.grams, self.at))
        return size + sum(sys.getsizeof(t) for texts in self.per_node for t in texts)

    def matches(self, q: bytes) -> set[int]:
        """The nodes with a text containing ``q`` (ASCII, no NUL)."""
        where = self._candidates(q)
        big, starts, owner = self.big, self.starts, self.owner
        if where is None:  # a short or common query: one pass over every text
            found, at = set(), big.find(q)
            while at >= 0:
                k = bisect_right(starts, at) - 1
                found.add(owner[k])
                at = big.find(q, starts[k + 1]) if k + 1 < len(starts) else -1  # on from the next text
            return found
        return {owner[bisect_right(starts, s) - 1] for s in where if s >= 0 and big.startswith(q, s)}

    def _candidates(self, q: bytes) -> list[int] | None:
        """Where ``q`` may start: the occurrences of its rarest three bytes, shifted back to the
        start of ``q``; None when a scan is cheaper (fewer than three bytes, or no rare part)."""
        if len(q) < 3 or not self.grams:
            return None
        grams, best = self.grams, None
        for j in range(len(q) - 2):
            g = q[j] << 16 | q[j + 1] << 8 | q[j + 2]
            lo = bisect_left(grams, g)
            hi = bisect_right(grams, g, lo)
            if best is None or hi - lo < best[1] - best[0]:
                best = (lo, hi, j)
            if lo == hi:
                break
        lo, hi, j = best
        if hi - lo > SCAN_ABOVE:
            return None
        return [p - j for p in self.at[lo:hi]]


#: Above this many places to check, ``SearchTexts.matches`` reads the whole string instead.
SCAN_ABOVE = 10_000


def _search_texts(index: GraphIndex) -> SearchTexts:
    if "search" not in index.cache:
        index.cache["search"] = SearchTexts.of(index)
    return index.cache["search"]


def _rank(texts: list[str], q: str) -> int | None:
    best = None
    for t in texts:
        if q not in t:
            continue
        rank = 0 if t == q or t.endswith(":" + q) else 1 if t.startswith(q) or (":" + q) in t else 2
        best = rank if best is None else min(best, rank)
    return best


@answers("search", "q limit")
def search(index: GraphIndex, store: GraphStore, values: dict[str, Any]) -> Rows | None:
    q = values["q"].lower()
    if not q or "\0" in q or not q.isascii():  # the engine's own lower() and matching decide these
        return None
    texts = _search_texts(index)
    found = {v: _rank(texts.per_node[v], q) or 0 for v in texts.matches(q.encode())}
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


# --- neighbourhood, path ------------------------------------------------------------------


@answers("neighbourhood", "id depth limit")
def neighbourhood(index: GraphIndex, store: GraphStore, values: dict[str, Any]) -> Rows:
    """Breadth first over every edge type, both ways; a level is read only while the nearer ones
    hold fewer than the limit (the rows are ordered by depth, so a deeper one could not make it)."""
    start, limit = index.pos[values["id"]], values["limit"]
    halves = [h for adj in index.edges.values() for h in (adj.out, adj.into)]
    seen, frontier, found = {start}, {start}, []
    for depth in range(1, values["depth"] + 1):
        if len(found) >= limit or not frontier:
            break
        reached: set[int] = set()
        for v in frontier:
            for half in halves:
                reached.update(half.ends(v))
        frontier = reached - seen
        seen |= frontier
        found += sorted((depth, index.ids[w], w) for w in frontier)
    return [
        {"id": node_id, "name": index.names[w], "label": index.labels[w], "depth": depth}
        for depth, node_id, w in found[:limit]
    ]


PATH_TYPES = ("BUILDS_ON", "INTRODUCES", "CITES")
Hop = tuple[int, str]  # (the node at the other end, the hop's kind as rows show it)


def _hops(index: GraphIndex, contrast: bool, contrast_kinds: list[str]) -> Callable[[int], list[Hop]]:
    """The hops out of a node across the path's edge types, either direction, one per edge."""
    kept = []
    for etype in PATH_TYPES:
        adj = index.edges[etype]
        allowed = [contrast or (k or "") not in contrast_kinds for k in adj.kinds]
        shown = [k if etype == "BUILDS_ON" else etype.lower() for k in adj.kinds]
        kept += [(half, allowed, shown) for half in (adj.out, adj.into)]

    def degree(v: int) -> int:
        return sum(half.start[v + 1] - half.start[v] for half, _a, _s in kept)

    def hops(v: int) -> list[Hop]:
        out = []
        for half, allowed, shown in kept:
            nbr, kind = half.nbr, half.kind
            out += [(nbr[i], shown[kind[i]]) for i in half.at(v) if allowed[kind[i]]]
        return out

    def ends(v: int) -> list[int]:
        out: list[int] = []
        for half, allowed, _shown in kept:
            a, b = half.start[v], half.start[v + 1]
            if a == b:
                continue
            if all(allowed):
                out += half.nbr[a:b]
            else:
                out += [w for w, k in zip(half.nbr[a:b], half.kind[a:b], strict=True) if allowed[k]]
        return out

    hops.degree = degree  # type: ignore[attr-defined]
    hops.ends = ends  # type: ignore[attr-defined]
    return hops


@answers("path", "source target max_hops limit contrast")
def path(index: GraphIndex, store: GraphStore, values: dict[str, Any]) -> Rows:
    """Every shortest path (one per sequence of edges), by breadth-first search from both ends at
    once, always widening the side whose next level is cheaper: the first level where they meet
    gives the length. Only distances are kept while searching; the hops of the few paths found
    are read back from them."""
    s, t = index.pos[values["source"]], index.pos[values["target"]]
    if s == t:
        return []
    hops = _hops(index, values["contrast"] == "yes", values["contrast_kinds"])
    dist = ({s: 0}, {t: 0})
    frontier = ([s], [t])
    levels: tuple[list[list[int]], list[list[int]]] = ([[s]], [[t]])
    level = [0, 0]
    meet: list[int] = []
    while frontier[0] and frontier[1] and level[0] + level[1] < values["max_hops"]:
        # widen the side whose next level costs less to read (its edges, not its nodes: next to
        # a paper cited 21k times a few nodes have many edges)
        cost = [sum(map(hops.degree, f)) for f in frontier]  # type: ignore[attr-defined]
        side = 0 if cost[0] <= cost[1] else 1
        level[side] += 1
        d, now, nxt = dist[side], level[side], []
        for v in frontier[side]:
            for w in hops.ends(v):  # type: ignore[attr-defined]
                if w not in d:
                    d[w] = now
                    nxt.append(w)
        frontier[side][:] = nxt
        levels[side].append(nxt)
        # No node was on both sides before this level, so every path is at least as long as
        # the two levels together, and a node met now lies on one that long: all are shortest.
        meet = [w for w in nxt if w in dist[1 - side]]
        if meet:
            break
    if not meet:
        return []

    memo: dict[tuple[int, int], list[tuple[list[int], list[str]]]] = {}

    def before(v: int, side: int) -> list[Hop]:
        """The hops from ``v`` to the nodes one level nearer its side's end, read from whichever
        end has fewer edges (``v`` may be a hub that the level before reached by one edge)."""
        nearer = levels[side][dist[side][v] - 1]
        if hops.degree(v) <= sum(map(hops.degree, nearer)):  # type: ignore[attr-defined]
            d = dist[side]
            return [(u, kind) for u, kind in hops(v) if d.get(u) == d[v] - 1]
        return [(u, kind) for u in nearer for w, kind in hops(u) if w == v]

    def walk(v: int, side: int) -> list[tuple[list[int], list[str]]]:
        """Paths from ``v`` down one side's levels to its end: nodes (``v`` first) and kinds."""
        if dist[side][v] == 0:
            return [([v], [])]
        if (v, side) not in memo:
            memo[v, side] = [([v, *ns], [kind, *ks]) for u, kind in before(v, side) for ns, ks in walk(u, side)]
        return memo[v, side]

    found = []
    for m in meet:
        for back_nodes, back_kinds in walk(m, 0):  # m ... s
            for on_nodes, on_kinds in walk(m, 1):  # m ... t
                nodes = [*reversed(back_nodes), *on_nodes[1:]]
                found.append((nodes, [*reversed(back_kinds), *on_kinds]))
    ids = index.ids
    rows = [
        {"hops": len(kinds), "ids": [ids[v] for v in nodes], "names": [index.names[v] for v in nodes], "kinds": kinds}
        for nodes, kinds in found
    ]
    rows.sort(key=lambda r: (r["hops"], " ".join(r["ids"]), " ".join(k or "" for k in r["kinds"])))
    return rows[: values["limit"]]


# --- one hop ------------------------------------------------------------------------------
# The engine plans a pattern over an empty rel table (no TRAINED_ON edges yet) as a scan of
# every node: ~60-90 ms at 1M edges for no rows (BENCHMARKS.md, issue 27).


def _trained_on(index: GraphIndex, store: GraphStore, values: dict[str, Any], into: bool) -> list[tuple[dict, int]]:
    """``(stored row, trust)`` of each TRAINED_ON neighbour of ``values["id"]`` at ``min_trust`` or
    above: the models trained on a dataset (``into``) or the datasets a model was trained on."""
    half = index.edges["TRAINED_ON"].into if into else index.edges["TRAINED_ON"].out
    found = [
        (index.ids[half.nbr[i]], int(half.trust[i]))
        for i in half.at(index.pos[values["id"]])
        if half.trust[i] >= values["min_trust"]
    ]
    props = store.nodes([node for node, _ in found])
    return [({"id": node, **props[node]}, trust) for node, trust in found]


@answers("dataset-models", "id min_trust")
def dataset_models(index: GraphIndex, store: GraphStore, values: dict[str, Any]) -> Rows:
    rows = [
        {"id": n["id"], "name": n.get("name"), "date": n.get("date"), "trust": trust}
        for n, trust in _trained_on(index, store, values, into=True)
    ]
    return sorted(rows, key=lambda r: (r["date"] or "9999-12-31", r["id"]))


@answers("trained-on", "id min_trust")
def trained_on(index: GraphIndex, store: GraphStore, values: dict[str, Any]) -> Rows:
    rows = [
        {"id": n["id"], "name": n.get("name"), "hf_id": n.get("hf_id"), "trust": trust}
        for n, trust in _trained_on(index, store, values, into=False)
    ]
    return sorted(rows, key=lambda r: r["id"])


# --- lineage walks ------------------------------------------------------------------------
# The engine's variable-length SHORTEST match with a filter on each hop: 20-140 ms p95 at 1M
# edges for a method's descendants (BENCHMARKS.md, session 12); a breadth-first walk here.

Step = tuple[Half, list[bool], int]  # a half to follow, which kind codes pass, the least trust


def _steps(index: GraphIndex, values: dict[str, Any], types: tuple[str, ...], into: bool) -> list[Step]:
    """The halves a walk follows and the hop filter of the walks' Cypher: ``trust >= min_trust``,
    ``kinds`` (when given: only those, so never a citation), contrast kinds only with
    ``contrast=yes``, citations only with ``include_cites=yes``."""
    wanted = set(values.get("kinds") or ())
    contrast = values.get("contrast") == "yes"
    steps = []
    for etype in types:
        if etype == "CITES" and values.get("include_cites") != "yes":
            continue
        adj = index.edges[etype]
        allowed = [
            (not wanted or k in wanted) and (contrast or (k or "") not in values["contrast_kinds"]) for k in adj.kinds
        ]
        if any(allowed):
            steps.append((adj.into if into else adj.out, allowed, values["min_trust"]))
    return steps


def _reach(index: GraphIndex, start: int, steps: list[Step], depth: int) -> dict[int, int]:
    """Every node within ``depth`` passing hops of ``start`` (not itself), with its distance:
    what ``SHORTEST 1..10`` with ``length(e) <= depth`` finds, one row per node."""
    dist, frontier = {start: 0}, [start]
    for d in range(1, min(depth, 10) + 1):
        nxt = []
        for v in frontier:
            for half, allowed, mt in steps:
                nbr, trust, kind = half.nbr, half.trust, half.kind
                for i in range(half.start[v], half.start[v + 1]):
                    w = nbr[i]
                    if w not in dist and trust[i] >= mt and allowed[kind[i]]:
                        dist[w] = d
                        nxt.append(w)
        if not nxt:
            break
        frontier = nxt
    del dist[start]
    return dist


def _date(index: GraphIndex, v: int) -> str | None:
    """The node's own date, else the earliest date of a paper introducing it."""
    if index.dates[v] is not None:
        return index.dates[v]
    intro = index.edges["INTRODUCES"].into
    return min((d for u in intro.ends(v) if (d := index.dates[u]) is not None), default=None)


def _dated(index: GraphIndex, found: dict[int, int], since: str | None) -> list[tuple[int, int, str | None]]:
    """``(node, depth, date)`` of the nodes dated on or after ``since`` (all, without one)."""
    rows = [(v, d, _date(index, v)) for v, d in found.items()]
    return [r for r in rows if r[2] is not None and r[2] >= since] if since else rows


@answers("ancestors", "id depth min_trust kinds include_cites contrast", build=False)
def ancestors(index: GraphIndex, store: GraphStore, values: dict[str, Any]) -> Rows:
    steps = _steps(index, values, ("BUILDS_ON", "CITES"), into=False)
    found = _reach(index, index.pos[values["id"]], steps, values["depth"])
    ids = index.ids
    return [
        {"id": ids[v], "name": index.names[v], "label": index.labels[v], "depth": d}
        for v, d in sorted(found.items(), key=lambda item: (item[1], ids[item[0]]))
    ]


@answers("descendants", "id depth min_trust kinds include_cites contrast since", build=False)
def descendants(index: GraphIndex, store: GraphStore, values: dict[str, Any]) -> Rows:
    steps = _steps(index, values, ("BUILDS_ON", "CITES"), into=True)
    found = _reach(index, index.pos[values["id"]], steps, values["depth"])
    ids = index.ids
    return [
        {"id": ids[v], "name": index.names[v], "label": index.labels[v], "depth": d, "date": date}
        for v, d, date in sorted(_dated(index, found, values.get("since")), key=lambda r: (r[1], ids[r[0]]))
    ]


@answers("method-impact", "id depth min_trust contrast since", build=False)
def method_impact(index: GraphIndex, store: GraphStore, values: dict[str, Any]) -> Rows:
    steps = _steps(index, values, ("BUILDS_ON",), into=True)
    found = _dated(index, _reach(index, index.pos[values["id"]], steps, values["depth"]), values.get("since"))
    count = Counter(index.labels[v] for v, _d, _date in found)
    ids = index.ids
    found.sort(key=lambda r: (-count[index.labels[r[0]]], index.labels[r[0]] or "", r[1], ids[r[0]]))
    return [
        {
            "label": index.labels[v],
            "count": count[index.labels[v]],
            "id": ids[v],
            "name": index.names[v],
            "depth": d,
            "date": date,
        }
        for v, d, date in found
    ]


@answers("model-family", "id depth min_trust kinds contrast since", build=False)
def model_family(index: GraphIndex, store: GraphStore, values: dict[str, Any]) -> Rows:
    """One row per tree edge: each member's builds-on edges of the family's kinds to any other
    member (the base included). Unlike the other walks, no kinds means no family."""
    adj, mt = index.edges["BUILDS_ON"], values["min_trust"]
    wanted, contrast = set(values["kinds"]), values["contrast"] == "yes"
    allowed = [k is not None and k in wanted and (contrast or k not in values["contrast_kinds"]) for k in adj.kinds]
    base = index.pos[values["id"]]
    found = _reach(index, base, [(adj.into, allowed, mt)], values["depth"])
    family = set(found) | {base}
    ids, half = index.ids, adj.out
    rows = []
    for v, d, date in _dated(index, found, values.get("since")):
        for i in half.at(v):
            up = half.nbr[i]
            if up in family and half.trust[i] >= mt and allowed[half.kind[i]]:
                rows.append(
                    {
                        "id": ids[v],
                        "name": index.names[v],
                        "label": index.labels[v],
                        "depth": d,
                        "date": date,
                        "via": ids[up],
                        "via_kind": adj.kinds[half.kind[i]],
                    }
                )
    return sorted(rows, key=lambda r: (r["depth"], r["id"], r["via"], r["via_kind"]))
