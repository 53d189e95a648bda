"""Analytics Cypher does badly, run in networkx on a subgraph fetched through the store.

Each one is registered like a saved query (an :class:`queries.spec.Analytic`): parameters
declared in the header grammar and validated by the registry, rows plus a networkx subgraph
back, run with ``lineage query NAME key=value`` or :func:`queries.registry.run_query`.

    pagerank            influence through the citation / builds-on graph (PageRank)
    main-path           main path analysis with search path counts: global, local, key-route
    descendant-impact   how many models, methods and papers trace back to a node

Direction, once. Stored edges point from the newer thing to the older one: CITES citing →
cited, BUILDS_ON newer → older; INTRODUCES points from a paper to its model or method. The
*dependency graph* here keeps that orientation and turns INTRODUCES round (a model depends on
the paper that introduces it), so every edge reads "depends on". Knowledge flows the other
way, from older to newer, and main paths are computed and reported in that *flow* direction,
oldest first.

The pure functions (:func:`spc`, :func:`global_main_path`, :func:`local_main_path`,
:func:`key_route_main_path`, :func:`pagerank`) take a plain ``nx.DiGraph`` and can be used on
any graph; the registered analytics fetch their graph through the store with static Cypher
that is the same on every backend.
"""

from __future__ import annotations

import functools
import importlib
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from graph.errors import QueryError, QueryTimeoutError
from graph.ids import InvalidIdError, label_of
from graph.store import GraphStore, to_networkx
from graph.vocab import CONTRAST_KINDS, EdgeType
from queries.spec import Analytic, parse_param

if TYPE_CHECKING:
    import networkx as nx
else:

    class _Networkx:
        """``networkx``, imported on first use: when an analytic runs, not when the registry
        lists them (CLI start-up, issue 25)."""

        def __getattr__(self, name: str) -> Any:
            return getattr(importlib.import_module("networkx"), name)

    nx = _Networkx()


def directed_simple(func: Callable[..., Any]) -> Callable[..., Any]:
    """networkx's ``not_implemented_for("undirected")`` and ``("multigraph")``, applied on the
    first call so that defining the function does not import networkx."""
    checked: Callable[..., Any] | None = None

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal checked
        if checked is None:
            from networkx.utils import not_implemented_for

            checked = not_implemented_for("undirected")(not_implemented_for("multigraph")(func))
        return checked(*args, **kwargs)

    return wrapper


__all__ = [
    "ANALYTICS",
    "acyclic",
    "analytic",
    "dependency_graph",
    "descendant_impact",
    "global_main_path",
    "key_route_main_path",
    "local_main_path",
    "pagerank",
    "spc",
]

ANALYTICS: dict[str, Analytic] = {}
Rows = list[dict[str, Any]]
Triple = tuple[str, str, str]  # (stored type, stored source, stored target)

#: Builds-on edges of a contrast kind (replaces, compared_with) are lineage only with contrast=yes.
CONTRAST = "contrast: choice[no|yes] = no -- also follow contrast relations (replaces, compared_with)"
#: The node filters top-influential (queries/cypher/top-influential.cypher) declares too.
CATEGORY = (
    "category: str = any -- only papers in this arXiv category, or under this prefix (cs.CL, cs); "
    "models and methods have none"
)
SOURCE = (
    "source: choice[any|curated|arxiv|semantic_scholar|openalex|hf_card|hf_hub|edge_list|extracted] = any "
    "-- only nodes this source stated (arxiv: leaves out papers known only from an edge list)"
)
_LINEAGE_ONLY = "AND ($contrast OR NOT coalesce(e.kind, '') IN $contrast_kinds) "

#: Edge types each ``edges`` choice follows (AUTHORED and MENTIONS never carry lineage).
EDGE_CHOICES: dict[str, tuple[str, ...]] = {
    "all": ("BUILDS_ON", "CITES", "INTRODUCES"),
    "builds_on": ("BUILDS_ON",),
    "cites": ("CITES",),
}


def analytic(
    name: str, description: str, params: Iterable[str], returns: str, example: str
) -> Callable[[Callable[..., tuple[Rows, nx.MultiDiGraph]]], Callable[..., tuple[Rows, nx.MultiDiGraph]]]:
    """Register ``func(store, params) -> (rows, subgraph)`` as a saved analytic.

    ``params`` are declarations in the ``.cypher`` header grammar, e.g.
    ``"depth: int = 3 (1..10) -- hops"``; ``returns`` is the comma list of row columns.
    """

    def register(func: Callable[..., tuple[Rows, nx.MultiDiGraph]]) -> Callable[..., tuple[Rows, nx.MultiDiGraph]]:
        if name in ANALYTICS:
            raise QueryError(f"two analytics are named {name!r}")
        ANALYTICS[name] = Analytic(
            name=name,
            description=description,
            params=tuple(parse_param(p) for p in params),
            returns=tuple(c.strip() for c in returns.split(",") if c.strip()),
            subgraph=(),
            texts={},
            example=example,
            path=__file__,
            func=func,
        )
        return func

    return register


# --- the time bound ----------------------------------------------------------------------------

#: Seconds an analytic may run when its caller gives no limit: a whole-graph PageRank or main path
#: at 1M edges takes seconds to tens of seconds (BENCHMARKS.md), a mistake (depth 20 through a
#: hub) could take much longer.
ANALYTIC_TIMEOUT = 300.0
_deadline: ContextVar[tuple[float, float] | None] = ContextVar("analytic_deadline", default=None)


@contextmanager
def time_bound(timeout: float | None) -> Iterator[None]:
    """Run the analytic inside with at most ``timeout`` seconds (None: :data:`ANALYTIC_TIMEOUT`);
    past it, its next store read or loop step raises :class:`QueryTimeoutError`."""
    limit = ANALYTIC_TIMEOUT if timeout is None else timeout
    token = _deadline.set((time.monotonic() + limit, limit))
    try:
        yield
    finally:
        _deadline.reset(token)


def check_time() -> float | None:
    """Seconds left of the running analytic's bound (None: unbounded); raises when none are."""
    bound = _deadline.get()
    if bound is None:
        return None
    left = bound[0] - time.monotonic()
    if left <= 0:
        raise QueryTimeoutError.after(bound[1])
    return left


def _read(store: GraphStore, text: str, params: dict[str, Any]) -> Rows:
    """``store.read`` stopped by the engine when the analytic's time is up."""
    return store.read(text, params, timeout=check_time())


# --- fetching through the store --------------------------------------------------------------
# Static text per edge type (types cannot be parameters); identical on both backends.


def _all_edges_text(etype: str) -> str:
    return (
        f"MATCH (a:Node)-[e:{EdgeType(etype).value}]->(b:Node) WHERE e.trust >= $min_trust {_LINEAGE_ONLY}"
        "RETURN a.id AS source, b.id AS target"
    )


def _step_text(etype: str, stored_direction: str) -> str:
    """Edges of one type leaving (``out``) or entering (``in``) the nodes ``$ids``."""
    t = EdgeType(etype).value
    if stored_direction == "out":
        return (
            f"UNWIND $ids AS i MATCH (a:Node {{id: i}})-[e:{t}]->(b:Node) WHERE e.trust >= $min_trust {_LINEAGE_ONLY}"
            "RETURN a.id AS source, b.id AS target"
        )
    return (
        f"UNWIND $ids AS i MATCH (a:Node {{id: i}})<-[e:{t}]-(b:Node) WHERE e.trust >= $min_trust {_LINEAGE_ONLY}"
        "RETURN b.id AS source, a.id AS target"
    )


def _filter(min_trust: int, contrast: bool) -> dict[str, Any]:
    return {"min_trust": min_trust, "contrast": contrast, "contrast_kinds": list(CONTRAST_KINDS)}


def fetch_all(store: GraphStore, types: Iterable[str], min_trust: int, contrast: bool = False) -> list[Triple]:
    """Every stored edge of these types with ``trust >= min_trust``, sorted, without duplicates;
    builds-on edges of a contrast kind only with ``contrast``."""
    out: set[Triple] = set()
    for etype in types:
        rows = _read(store, _all_edges_text(etype), _filter(min_trust, contrast))
        out |= {(etype, r["source"], r["target"]) for r in rows}
    return sorted(out)


def fetch_step(
    store: GraphStore, ids: list[str], etype: str, stored_direction: str, min_trust: int, contrast: bool = False
) -> list[Triple]:
    """Stored edges of one type at the nodes ``ids``, in one round trip (contrast kinds as in :func:`fetch_all`)."""
    if not ids:
        return []
    rows = _read(store, _step_text(etype, stored_direction), {"ids": ids, **_filter(min_trust, contrast)})
    return sorted({(etype, r["source"], r["target"]) for r in rows})


def dependency_edge(etype: str, source: str, target: str) -> tuple[str, str]:
    """A stored edge as ``(dependent, dependency)``: INTRODUCES turns round, the rest keep their direction."""
    return (target, source) if etype == "INTRODUCES" else (source, target)


def dependency_graph(triples: Iterable[Triple]) -> nx.DiGraph:
    """The "depends on" DiGraph of stored edges; parallel edges merge, their types kept in ``types``."""
    graph = nx.DiGraph()
    for etype, source, target in sorted(triples):
        u, v = dependency_edge(etype, source, target)
        if graph.has_edge(u, v):
            graph[u][v]["types"] = tuple(sorted({*graph[u][v]["types"], etype}))
        else:
            graph.add_edge(u, v, types=(etype,))
    return graph


def _stored_direction(etype: str, towards: str) -> str:
    """Which stored direction follows dependency edges ``towards`` ``older`` (forward) or ``newer``."""
    forward = "in" if etype == "INTRODUCES" else "out"
    return forward if towards == "older" else ("out" if forward == "in" else "in")


def cone(
    store: GraphStore,
    node_id: str,
    types: tuple[str, ...],
    depth: int,
    min_trust: int,
    limit: int,
    contrast: bool = False,
) -> list[Triple]:
    """Stored edges among ``node_id``, its ancestors and its descendants within ``depth`` hops.

    Breadth first, level by level, in id order, so that when ``limit`` nodes are reached the
    same nodes are kept on every backend.
    """
    keep: set[str] = {node_id}
    for towards in ("older", "newer"):
        frontier, seen = [node_id], {node_id}
        for _ in range(depth):
            check_time()
            found: set[str] = set()
            for etype in types:
                for _t, source, target in fetch_step(
                    store, frontier, etype, _stored_direction(etype, towards), min_trust, contrast
                ):
                    u, v = dependency_edge(etype, source, target)
                    found.add(v if towards == "older" else u)
            frontier = sorted(found - seen)[: max(limit - len(keep), 0)]
            if not frontier:
                break
            seen.update(frontier)
            keep.update(frontier)
    ids = sorted(keep)
    edges: list[Triple] = []
    for etype in types:
        edges += [e for e in fetch_step(store, ids, etype, "out", min_trust, contrast) if e[1] in keep and e[2] in keep]
    return sorted(edges)


def _label(node_id: str) -> str:
    try:
        return label_of(node_id)
    except InvalidIdError:
        return ""


def _names(store: GraphStore, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    return store.nodes(sorted(set(ids)))


def _subgraph(store: GraphStore, ids: Iterable[str], types: Iterable[str] | None = None) -> nx.MultiDiGraph:
    ids = sorted(set(ids))
    if not ids:
        return nx.MultiDiGraph()
    return to_networkx(store.nodes(ids), store.edges_among(ids, list(types) if types else None))


# --- cycles -------------------------------------------------------------------------------


@directed_simple
def acyclic(graph: nx.DiGraph) -> tuple[nx.DiGraph, list[tuple[str, str]]]:
    """A DAG copy of ``graph`` and the edges removed to make it one.

    Citation data has a few cycles (mutual citations of simultaneous papers, errors). One
    depth-first pass in node-id order drops every back edge; on a DAG nothing is removed.

    Examples
    --------
    >>> dag, removed = acyclic(nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a")]))
    >>> removed
    [('c', 'a')]
    """
    if nx.is_directed_acyclic_graph(graph):
        return graph, []
    dag = graph.copy()
    removed: list[tuple[str, str]] = []
    state: dict[str, int] = {}  # 1 on the DFS stack, 2 done
    for root in sorted(graph):
        check_time()
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(sorted(graph.successors(root))))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                removed.append((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(sorted(graph.successors(child)))))
    dag.remove_edges_from(removed)
    return dag, removed


# --- search path counts and main paths --------------------------------------------------------


@directed_simple
def spc(dag: nx.DiGraph) -> dict[tuple[str, str], int]:
    """Search path count of every edge: how many source-to-sink paths run through it.

    ``SPC(u, v) = N⁻(u) · N⁺(v)``, where ``N⁻(u)`` counts paths from any source (in-degree 0)
    to ``u`` and ``N⁺(v)`` paths from ``v`` to any sink (out-degree 0), as in Batagelj (2003),
    "Efficient algorithms for citation network analysis", and Pajek. Reversing every edge
    leaves the counts unchanged, so it does not matter which way the DAG points; the main path
    functions below want it in flow direction (older → newer).

    Raises
    ------
    networkx.NetworkXUnfeasible
        If ``dag`` has a cycle (see :func:`acyclic`).

    Examples
    --------
    >>> spc(nx.DiGraph([("a", "c"), ("b", "c"), ("c", "d")]))
    {('a', 'c'): 1, ('b', 'c'): 1, ('c', 'd'): 2}
    """
    order = list(nx.lexicographical_topological_sort(dag))
    into: dict[str, int] = {}
    for v in order:
        check_time()
        preds = list(dag.predecessors(v))
        into[v] = sum(into[u] for u in preds) if preds else 1
    out_of: dict[str, int] = {}
    for v in reversed(order):
        succs = list(dag.successors(v))
        out_of[v] = sum(out_of[w] for w in succs) if succs else 1
    return {(u, v): into[u] * out_of[v] for u, v in sorted(dag.edges())}


def _best_into(dag: nx.DiGraph, weight: dict[tuple[str, str], int]) -> tuple[dict[str, int], dict[str, str | None]]:
    """Heaviest path from any source to each node: total weight and predecessor (ties: smaller id)."""
    best: dict[str, int] = {}
    back: dict[str, str | None] = {}
    for v in nx.lexicographical_topological_sort(dag):
        check_time()
        best[v], back[v] = 0, None
        for u in sorted(dag.predecessors(v)):
            total = best[u] + weight[(u, v)]
            if back[v] is None or total > best[v]:
                best[v], back[v] = total, u
    return best, back


def _best_out_of(dag: nx.DiGraph, weight: dict[tuple[str, str], int]) -> tuple[dict[str, int], dict[str, str | None]]:
    """Heaviest path from each node to any sink: total weight and successor (ties: smaller id)."""
    best: dict[str, int] = {}
    nxt: dict[str, str | None] = {}
    for v in reversed(list(nx.lexicographical_topological_sort(dag))):
        best[v], nxt[v] = 0, None
        for w in sorted(dag.successors(v)):
            total = weight[(v, w)] + best[w]
            if nxt[v] is None or total > best[v]:
                best[v], nxt[v] = total, w
    return best, nxt


def _chain(start: str | None, step: dict[str, str | None]) -> list[str]:
    out = []
    while start is not None:
        out.append(start)
        start = step[start]
    return out


@directed_simple
def global_main_path(dag: nx.DiGraph, weight: dict[tuple[str, str], int] | None = None) -> list[str]:
    """The source-to-sink path with the largest total SPC (global standard main path; Liu & Lu 2012).

    Ties go to the smaller node id, so the answer is the same whatever order the graph was built in.

    Examples
    --------
    >>> global_main_path(nx.DiGraph([("a", "c"), ("b", "c"), ("c", "d")]))
    ['a', 'c', 'd']
    """
    weight = spc(dag) if weight is None else weight
    if not dag.number_of_edges():
        return []
    best, back = _best_into(dag, weight)
    end = None
    for v in sorted(v for v in dag if dag.out_degree(v) == 0 and dag.in_degree(v) > 0):
        if end is None or best[v] > best[end]:
            end = v
    return list(reversed(_chain(end, back)))


@directed_simple
def local_main_path(dag: nx.DiGraph, weight: dict[tuple[str, str], int] | None = None) -> list[tuple[str, str]]:
    """Forward local search (Hummon & Doreian 1989; Pajek "Local search, forward").

    Start at the heaviest edges leaving a source, then keep taking the heaviest edges out of
    each node reached, until sinks. Tied edges are all taken, so the result may branch.

    Examples
    --------
    >>> local_main_path(nx.DiGraph([("a", "c"), ("b", "c"), ("c", "d")]))
    [('a', 'c'), ('b', 'c'), ('c', 'd')]
    """
    weight = spc(dag) if weight is None else weight
    starts = [(u, v) for (u, v) in weight if dag.in_degree(u) == 0]
    if not starts:
        return []
    top = max(weight[e] for e in starts)
    chosen = {e for e in starts if weight[e] == top}
    frontier = sorted({v for _, v in chosen})
    while frontier:
        reached: set[str] = set()
        for u in frontier:
            out = [(u, w) for w in dag.successors(u)]
            if out:
                heaviest = max(weight[e] for e in out)
                picked = {e for e in out if weight[e] == heaviest and e not in chosen}
                chosen |= picked
                reached |= {w for _, w in picked}
        frontier = sorted(reached)
    return sorted(chosen)


@directed_simple
def key_route_main_path(
    dag: nx.DiGraph, routes: int = 1, weight: dict[tuple[str, str], int] | None = None
) -> list[tuple[str, str]]:
    """Key-route main path (Liu & Lu 2012), global search from each key route.

    The ``routes`` heaviest edges are the key routes (ties: smaller ids). Each is extended
    backward to a source and forward to a sink along the heaviest paths; the answer is the
    union of those paths' edges. With ``routes=1`` it is the heaviest path through the
    heaviest edge.

    Examples
    --------
    >>> key_route_main_path(nx.DiGraph([("a", "c"), ("b", "c"), ("c", "d")]), routes=1)
    [('a', 'c'), ('c', 'd')]
    """
    weight = spc(dag) if weight is None else weight
    keys = sorted(weight, key=lambda e: (-weight[e], e))[:routes]
    _, back = _best_into(dag, weight)
    _, nxt = _best_out_of(dag, weight)
    edges: set[tuple[str, str]] = set()
    for u, v in keys:
        path = [*reversed(_chain(u, back)), *_chain(v, nxt)]
        edges |= set(pairwise(path))
    return sorted(edges)


# --- PageRank -------------------------------------------------------------------------------


@directed_simple
def pagerank(graph: nx.DiGraph, alpha: float = 0.85, tol: float = 1.0e-10, max_iter: int = 200) -> dict[str, float]:
    """PageRank by power iteration; rank flows along edges (citing → cited gives the cited credit).

    Same definition as :func:`networkx.pagerank` (dangling nodes spread their rank evenly),
    written out in plain Python because that one needs SciPy, which this project does not
    install. Stops when the L1 change is below ``N * tol``.

    Examples
    --------
    >>> {k: round(v, 3) for k, v in pagerank(nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a")])).items()}
    {'a': 0.333, 'b': 0.333, 'c': 0.333}
    """
    nodes = sorted(graph)
    n = len(nodes)
    if n == 0:
        return {}
    index = {v: i for i, v in enumerate(nodes)}
    preds = [[index[u] for u in graph.predecessors(v)] for v in nodes]
    outdeg = [graph.out_degree(v) for v in nodes]
    dangling = [i for i, d in enumerate(outdeg) if d == 0]
    x = [1.0 / n] * n
    for _ in range(max_iter):
        check_time()
        share = [alpha * x[i] / d if d else 0.0 for i, d in enumerate(outdeg)]
        base = (1.0 - alpha) / n + alpha * sum(x[i] for i in dangling) / n
        new = [base + sum(map(share.__getitem__, p)) for p in preds]
        err = sum(abs(a - b) for a, b in zip(new, x, strict=True))
        x = new
        if err < n * tol:
            break
    return dict(zip(nodes, x, strict=True))


def matches(props: dict[str, Any], category: str, source: str) -> bool:
    """A node passes the ``category`` (a prefix of one of its categories) and ``source`` filters
    (``any``: no filter), as in top-influential's Cypher."""
    if category != "any" and not any(c.startswith(category) for c in props.get("categories") or []):
        return False
    return source == "any" or source in (props.get("sources") or [])


def _filtered(
    store: GraphStore, ranked: list[str], category: str, source: str, limit: int
) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The first ``limit`` of ``ranked`` that pass the filters, and their properties; read in
    chunks down the ranking, so an unfiltered call reads only the ``limit`` it shows."""
    top: list[str] = []
    props: dict[str, dict[str, Any]] = {}
    chunk = limit if category == source == "any" else max(4 * limit, 500)
    for start in range(0, len(ranked), chunk):
        found = _names(store, ranked[start : start + chunk])
        for v in ranked[start : start + chunk]:
            if v in found and matches(found[v], category, source):
                top.append(v)
                props[v] = found[v]
                if len(top) == limit:
                    return top, props
    return top, props


def _significant(value: float, digits: int = 6) -> float:
    return float(f"{value:.{digits}g}")


@analytic(
    "pagerank",
    "The most influential papers, models or methods by PageRank over citations and builds-on edges (credit flows to what is built on).",
    [
        "label: choice[any|Paper|Model|Method] = any -- which kind of node to rank",
        CATEGORY,
        SOURCE,
        "edges: choice[all|cites|builds_on] = all -- edges to rank over (all: also a paper and what it introduces share credit)",
        "min_trust: int = 1 (1..3) -- 1 includes extracted edges, 2 needs a sourced record, 3 curated only",
        "damping: int = 85 (50..99) -- damping factor, in percent",
        "limit: int = 20 (1..500) -- at most this many nodes, highest rank first",
        CONTRAST,
    ],
    "rank, id, name, label, score",
    "lineage query pagerank label=Paper category=cs.CL limit=10",
)
def _pagerank_analytic(store: GraphStore, p: dict[str, Any]) -> tuple[Rows, nx.MultiDiGraph]:
    """PageRank over the whole graph of the chosen edge types (newer → older, so older work gains)."""
    types = EDGE_CHOICES[p["edges"]]
    graph = nx.DiGraph()
    for etype, source, target in fetch_all(store, types, p["min_trust"], p["contrast"] == "yes"):
        graph.add_edge(source, target)
        if etype == "INTRODUCES":  # a paper and what it introduces are one piece of work
            graph.add_edge(target, source)
    scores = pagerank(graph, alpha=p["damping"] / 100)
    wanted = sorted(
        (v for v in scores if p["label"] == "any" or _label(v) == p["label"]), key=lambda v: (-scores[v], v)
    )
    top, props = _filtered(store, wanted, p["category"], p["source"], p["limit"])
    rows = [
        {
            "rank": i,
            "id": v,
            "name": (props.get(v) or {}).get("name"),
            "label": _label(v),
            "score": _significant(scores[v]),
        }
        for i, v in enumerate(top, 1)
    ]
    sub = _subgraph(store, top, types)
    for v in sub:
        sub.nodes[v]["pagerank"] = _significant(scores.get(v, 0.0))
    return rows, sub


@analytic(
    "main-path",
    "Main path analysis: the backbone of a lineage by search path counts (SPC), as in Pajek and CitNetExplorer; oldest first.",
    [
        "id: node = -- analyse this node's ancestors and descendants (empty: the whole graph)",
        "depth: int = 4 (1..10) -- hops around id to include",
        "edges: choice[all|cites|builds_on] = all -- which lineage edges make the network",
        "method: choice[key-route|global|local] = key-route -- key-route (global search from the top routes), global (heaviest path) or local (forward greedy)",
        "routes: int = 3 (1..50) -- key routes to start from (method=key-route)",
        "min_trust: int = 1 (1..3) -- 1 includes extracted edges, 2 needs a sourced record, 3 curated only",
        "limit: int = 5000 (10..100000) -- at most this many nodes around id (ancestors first, nearest first)",
        CONTRAST,
    ],
    "from_id, from_name, to_id, to_name, types, spc",
    "lineage query main-path id=model:zephyr-7b depth=6",
)
def _main_path_analytic(store: GraphStore, p: dict[str, Any]) -> tuple[Rows, nx.MultiDiGraph]:
    """Rows are the main-path edges in flow direction (from the older node to the newer one)."""
    types = EDGE_CHOICES[p["edges"]]
    contrast = p["contrast"] == "yes"
    if p["id"]:
        triples = cone(store, p["id"], types, p["depth"], p["min_trust"], p["limit"], contrast)
    else:
        triples = fetch_all(store, types, p["min_trust"], contrast)
    flow = dependency_graph(triples).reverse(copy=True)  # older → newer
    dag, removed = acyclic(flow)
    weight = spc(dag)
    if p["method"] == "global":
        path = global_main_path(dag, weight)
        edges = list(pairwise(path))
    elif p["method"] == "local":
        edges = local_main_path(dag, weight)
    else:
        edges = key_route_main_path(dag, p["routes"], weight)
    position = {v: i for i, v in enumerate(nx.lexicographical_topological_sort(dag))}
    edges = sorted(edges, key=lambda e: (position[e[0]], position[e[1]]))
    ids = {v for e in edges for v in e}
    props = _names(store, ids)
    rows = [
        {
            "from_id": u,
            "from_name": (props.get(u) or {}).get("name"),
            "to_id": v,
            "to_name": (props.get(v) or {}).get("name"),
            "types": ",".join(dag[u][v]["types"]),
            "spc": weight[(u, v)],
        }
        for u, v in edges
    ]
    sub = _subgraph(store, ids, types)
    on_path = set(edges)  # a contrast edge among the path's nodes is never on it (unless contrast=yes)
    for u, v, key in list(sub.edges(keys=True)):
        dependent, dependency = dependency_edge(sub.edges[u, v, key]["type"], u, v)
        flow_edge = (dependency, dependent)
        if flow_edge in on_path:
            sub.edges[u, v, key]["spc"] = weight[flow_edge]
        else:
            sub.remove_edge(u, v, key)  # only the main path itself, not shortcuts among its nodes
    sub.graph["cycle_edges_dropped"] = len(removed)
    return rows, sub


# --- descendant impact ----------------------------------------------------------------------


def descendant_impact(
    store: GraphStore,
    node_id: str,
    *,
    include_cites: bool = True,
    min_trust: int = 1,
    depth: int = 10,
    contrast: bool = False,
) -> dict[str, int]:
    """Everything that traces back to ``node_id``, with its distance in hops.

    What traces back: whatever builds on it (BUILDS_ON, transitively); the papers that
    introduce any of those; with ``include_cites``, papers citing such a paper (or one that
    introduces ``node_id``), transitively; and what those citing papers introduce. A paper met
    only because it introduces a descendant does not pass on its *other* models and methods
    (they are siblings, not descendants). ``node_id`` and the papers introducing it are left out.
    What replaces it or is compared with it (contrast kinds) does not count unless ``contrast``.
    """
    dist: dict[str, int] = {node_id: 0}
    state: dict[str, str] = {node_id: "full"}  # "full", or "describes": a paper that introduces a descendant
    frontier: list[tuple[str, str]] = [(node_id, "full")]
    own_papers = {s for _t, s, _ in fetch_step(store, [node_id], "INTRODUCES", "in", min_trust)}
    for hop in range(1, depth + 1):
        check_time()
        everyone = sorted(v for v, _ in frontier)
        things = sorted(v for v, s in frontier if _label(v) in ("Model", "Method"))
        papers = sorted(v for v, _ in frontier if _label(v) == "Paper")
        full_papers = sorted(v for v, s in frontier if s == "full" and _label(v) == "Paper")
        reached: list[tuple[str, str]] = []
        reached += [(s, "full") for _t, s, _ in fetch_step(store, everyone, "BUILDS_ON", "in", min_trust, contrast)]
        reached += [(s, "describes") for _t, s, _ in fetch_step(store, things, "INTRODUCES", "in", min_trust)]
        reached += [(t, "full") for _t, _, t in fetch_step(store, full_papers, "INTRODUCES", "out", min_trust)]
        if include_cites:
            reached += [(s, "full") for _t, s, _ in fetch_step(store, papers, "CITES", "in", min_trust)]
        frontier = []
        for v, s in sorted(set(reached)):
            if v not in state or (s == "full" and state[v] == "describes"):
                if v not in state:
                    dist[v] = hop
                state[v] = s
                frontier.append((v, s))
        if not frontier:
            break
    return {v: d for v, d in dist.items() if v != node_id and v not in own_papers}


@analytic(
    "descendant-impact",
    "How many models, methods and papers trace back to a node (a method, usually): through builds-on, introducing papers and citations.",
    [
        "id: node -- the method, model or paper (e.g. method:lora)",
        "include_cites: choice[yes|no] = yes -- also count papers citing the papers involved",
        "depth: int = 10 (1..20) -- hops to follow",
        "min_trust: int = 1 (1..3) -- 1 includes extracted edges, 2 needs a sourced record, 3 curated only",
        "limit: int = 200 (1..1500) -- at most this many descendants in the subgraph (nearest first)",
        CONTRAST,
    ],
    "label, count, nearest",
    "lineage query descendant-impact id=method:lora",
)
def _impact_analytic(store: GraphStore, p: dict[str, Any]) -> tuple[Rows, nx.MultiDiGraph]:
    """One row per label (Model, Method, Paper): how many trace back, and the five nearest."""
    found = descendant_impact(
        store,
        p["id"],
        include_cites=p["include_cites"] == "yes",
        min_trust=p["min_trust"],
        depth=p["depth"],
        contrast=p["contrast"] == "yes",
    )
    ranked = sorted(found, key=lambda v: (found[v], v))
    rows = []
    for label in ("Model", "Method", "Paper"):
        members = [v for v in ranked if _label(v) == label]
        rows.append({"label": label, "count": len(members), "nearest": members[:5]})
    sub = _subgraph(store, [p["id"], *ranked[: p["limit"]]], ("BUILDS_ON", "CITES", "INTRODUCES"))
    for v in sub:
        sub.nodes[v]["depth"] = found.get(v, 0)
    return rows, sub
