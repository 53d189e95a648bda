"""``lineage grow ID``: grow the graph around one paper or model from every configured source.

A researcher snowballs from one seed; this does the same, in order, each step through the
existing loader (no copies), each write through the store's batch upsert:

1. **the Hub** (a model seed): its model tree down ``depth`` levels (:func:`loaders.hf_hub.load_hf_hub`);
   the papers the Hub tags the seed repo with (``arxiv:<id>``, one per arXiv link in its card)
   become paper seeds;
2. **arXiv**: the seed papers' records, abstracts included (:func:`loaders.arxiv_api.load_arxiv`);
3. **the Hub** (a paper seed): the repos whose cards tag ``arxiv:<id>`` (``list_models(filter=…)``),
   each with its tree ``depth - 1`` levels down;
4. **references** from Semantic Scholar or OpenAlex (:func:`loaders.paper_nodes.load_citations`
   through their loaders), ``depth`` levels: the papers one level cites are asked about next;
5. **mentions** in the abstracts (:func:`loaders.mentions.extract_mentions`; no requests).

One request budget is shared by every source (:class:`Budget`): each client is metered, and
when the budget is spent the current step stops before sending the request (:class:`BudgetSpent`);
what earlier steps and batches wrote stays (every loader writes per batch, with checkpoints),
and the report says what was not fetched. A source that fails or has no record for a seed is
one line naming it; the other sources still run. Re-running adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from graph.errors import LineageError
from graph.ids import InvalidIdError, normalize_id
from graph.store import GraphStore, LoadReport
from loaders.checkpoints import is_repo_id

CitationSource = Literal["s2", "openalex"]
#: Report names of the sources, in the order grow asks them.
SOURCE_NAMES = {"hub": "hf_hub", "arxiv": "arxiv", "s2": "semantic_scholar", "openalex": "openalex"}
_PAPER_PREFIXES = ("arxiv:", "doi:", "s2:")


class BudgetSpent(Exception):
    """Raised instead of sending a request once ``--max-requests`` are used up.

    Deliberately not a :class:`LineageError` nor a loader's error type, so no loader catches it as
    a per-record failure: it ends the current step, and :func:`grow` reports what was not fetched."""

    def __init__(self, source: str, limit: int) -> None:
        self.source, self.limit = source, limit
        super().__init__(f"request budget of {limit} spent before a request to {source}")


@dataclass
class Budget:
    """One request budget shared by every source (``limit`` None: unlimited)."""

    limit: int | None = None
    used: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.used.values())

    def take(self, source: str) -> None:
        if self.limit is not None and self.total >= self.limit:
            raise BudgetSpent(source, self.limit)
        self.used[source] += 1

    def meter(self, client: Any, method: str, source: str) -> Any:
        """Make ``client.<method>`` (the one call each request goes through) take from the budget first.
        Metering a client again re-points it at this budget (the original method is kept aside)."""
        kept = f"_unmetered_{method}"
        send = getattr(client, kept, None) or getattr(client, method)
        setattr(client, kept, send)

        def metered(*args: Any, **kwargs: Any) -> Any:
            self.take(source)
            return send(*args, **kwargs)

        setattr(client, method, metered)
        return client


@dataclass
class Clients:
    """The configured sources: an arXiv client, the citation source's client, a Hub client."""

    arxiv: Any  # loaders.arxiv_api.ArxivClient
    citations: Any  # loaders.http.HttpClient for Semantic Scholar or OpenAlex
    hub: Any  # loaders.hf_hub.HubClient
    citation_source: CitationSource = "s2"

    def metered(self, budget: Budget) -> Clients:
        """Each client's request path takes from ``budget`` (the HttpClient's ``request``, the
        arXiv client's ``_get``, the Hub client's ``_pause``; answers from the Hub's disk cache are free)."""
        budget.meter(self.arxiv, "_get", "arxiv")
        budget.meter(self.citations, "request", SOURCE_NAMES[self.citation_source])
        budget.meter(self.hub, "_pause", "hf_hub")
        return self


@dataclass
class Seed:
    """What a seed names: papers (node ids) and Hub repos."""

    text: str
    papers: list[str] = field(default_factory=list)
    repos: list[str] = field(default_factory=list)


@dataclass
class GrowReport(LoadReport):
    """The whole grow: totals (the LoadReport fields) plus what each source added and where it stopped."""

    by_source: dict[str, LoadReport] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)  # source → its failure lines
    not_fetched: list[str] = field(default_factory=list)  # set when the budget ran out
    requests: Counter[str] = field(default_factory=Counter)

    def add(self, source: str, part: LoadReport) -> None:
        self.by_source.setdefault(source, LoadReport())
        counts = LoadReport(**{k: getattr(part, k) for k in LoadReport.__dataclass_fields__ if k != "failures"})
        self.by_source[source] += counts
        self += counts
        if part.failures:
            self.problems.setdefault(source, []).extend(part.failures)
            self.failures.extend(f"{source}: {line}" for line in part.failures)

    def fail(self, source: str, line: str) -> None:
        self.by_source.setdefault(source, LoadReport())
        self.problems.setdefault(source, []).append(line)
        self.failures.append(f"{source}: {line}")

    def problem_lines(self) -> list[str]:
        """One line per source that failed or had no record: its first problem, and how many more."""
        out = []
        for source, lines in self.problems.items():
            more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
            first = lines[0].removeprefix(f"{source}: ")  # the loaders that name themselves already
            out.append(f"{source}: {first}{more}")
        return out


Progress = Callable[[int, int, str], None]  # (steps done, steps planned, what is running)


def resolve_seed(store: GraphStore, text: str) -> Seed:
    """An arXiv id (any spelling, ``paper:arxiv:…`` too), a DOI, a Hub repo id, or a node id or name
    resolved as the CLI resolves (:mod:`queries.resolve`): a paper, or a model/method with its
    Hub repo (``hf_id``) and the papers that introduce it."""
    raw = text.strip()
    seed = Seed(raw)
    bare = raw.removeprefix("paper:")
    try:
        node_id = normalize_id(bare)
    except InvalidIdError:
        node_id = None
    if node_id and node_id.startswith(_PAPER_PREFIXES):
        seed.papers.append(node_id)
        return seed
    if is_repo_id(raw) and not store.nodes([raw]):
        seed.repos.append(raw)
        return seed
    from queries.resolve import resolve

    found = resolve(store, raw)  # raises NodeNotFoundError (with suggestions) or AmbiguousNodeError
    row = store.nodes([found])[found]
    if row.get("label") == "Paper":
        seed.papers.append(found)
        return seed
    if row.get("hf_id"):
        seed.repos.append(row["hf_id"])
    seed.papers += introducing_papers(store, found)
    if not seed.papers and not seed.repos:
        raise LineageError(f"{raw}: {found} has no Hub repo (hf_id) and no paper introduces it: nothing to grow from")
    return seed


def introducing_papers(store: GraphStore, node_id: str) -> list[str]:
    rows = store.read(
        "MATCH (p:Node)-[e:INTRODUCES]->(m:Node) WHERE m.id = $id AND p.label = 'Paper' RETURN DISTINCT p.id AS id",
        {"id": node_id},
    )
    return sorted(r["id"] for r in rows)


def tagged_papers(hub: Any, repo: str) -> list[str]:
    """The papers the Hub tags a repo with (``arxiv:<id>``, one per arXiv link in its card), from
    the model info the crawl just read (the disk cache: no request). A repo the crawl could not
    read names none (its failure is already reported)."""
    try:
        tags = hub.info(repo).get("tags") or []
    except Exception:  # the crawl reported this repo's error already
        return []
    out = []
    for tag in tags:
        if isinstance(tag, str) and tag.startswith("arxiv:"):
            try:
                out.append(normalize_id(tag))
            except InvalidIdError:
                continue
    return list(dict.fromkeys(out))


#: Packages whose errors mean "that service is down or refused" (the Hub crawl re-raises network
#: errors of huggingface_hub's HTTP client, whichever httpx build it ships with).
_NETWORK_PACKAGES = frozenset({"huggingface_hub", "httpx", "httpx2", "httpcore", "requests", "urllib3"})


def is_source_error(exc: BaseException) -> bool:
    """True for errors that mean a source failed (not a bug here): ours, OS/network errors, and
    the HTTP client packages' own."""
    if isinstance(exc, (LineageError, OSError)):
        return True
    return any(cls.__module__.split(".")[0] in _NETWORK_PACKAGES for cls in type(exc).__mro__)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "(no message)"


def _counts(store: GraphStore) -> tuple[int, int]:
    """Nodes and edges in the store: what a step stopped by the budget wrote is the difference."""
    nodes = store.read("MATCH (n:Node) RETURN count(n) AS n")[0]["n"]
    edges = store.read("MATCH (a:Node)-[e]->(b:Node) RETURN count(e) AS n")[0]["n"]
    return int(nodes), int(edges)


def cited_by(store: GraphStore, ids: list[str]) -> list[str]:
    rows = store.read("MATCH (a:Node)-[e:CITES]->(b:Node) WHERE a.id IN $ids RETURN DISTINCT b.id AS id", {"ids": ids})
    return sorted(r["id"] for r in rows)


def grow(
    store: GraphStore,
    seed_text: str,
    *,
    clients: Clients,
    depth: int = 1,
    max_requests: int | None = None,
    max_models: int = 200,
    batch_size: int = 5000,
    retrieved: dt.date | None = None,
    progress: Progress | None = None,
) -> GrowReport:
    """Grow the graph around ``seed_text`` (module docstring). Raises only for a seed that names
    nothing; every source's problems land in the report."""
    from loaders.hf_hub import load_hf_hub

    report = GrowReport()
    seed = resolve_seed(store, seed_text)
    budget = Budget(max_requests)
    clients.metered(budget)
    when = retrieved or dt.date.today()
    cite = SOURCE_NAMES[clients.citation_source]
    chunk = 1 if max_requests is not None else 50  # under a budget, keep every visited repo

    steps: list[tuple[str, str, Callable[[], None]]] = []  # (what, source, run)
    papers: list[str] = list(seed.papers)
    from_model = bool(seed.repos)

    def hub_tree(repo: str, levels: int) -> None:
        from loaders.checkpoints import tie_checkpoints

        try:
            part = load_hf_hub(
                store,
                repo,
                client=clients.hub,
                depth=levels,
                max_models=max_models,
                chunk=chunk,
                batch_size=batch_size,
                retrieved=when,
            )
        except LineageError as exc:
            report.fail("hf_hub", str(exc))
            return
        part += tie_checkpoints(store)
        report.add("hf_hub", part)
        if from_model:
            papers.extend(p for p in tagged_papers(clients.hub, repo) if p not in papers)

    def arxiv_step() -> None:
        from loaders.arxiv_api import load_arxiv

        wanted = [p for p in papers if p.startswith("arxiv:")]
        if not wanted:
            report.notes.append("arxiv: no arXiv paper to fetch (the seed has no arXiv id)")
            return
        report.add("arxiv", load_arxiv(store, ids=wanted, client=clients.arxiv, batch_size=batch_size, retrieved=when))

    def tagged_models() -> None:
        from huggingface_hub.utils import HfHubHTTPError

        for paper in [p for p in seed.papers if p.startswith("arxiv:")]:
            tag = "arxiv:" + paper.partition(":")[2]
            clients.hub._pause(tag)
            try:
                repos = [m.id for m in clients.hub.api.list_models(filter=tag, limit=max_models)]
            except HfHubHTTPError as exc:
                report.fail("hf_hub", f"{tag}: listing the repos that tag it failed: {_first_line(exc)}")
                continue
            if not repos:
                report.notes.append(f"hf_hub: no repo on the Hub tags {tag}")
                continue
            for repo in repos:
                hub_tree(repo, max(depth - 1, 0))

    def references() -> None:
        from loaders.openalex import load_openalex
        from loaders.semantic_scholar import load_semantic_scholar

        load = load_semantic_scholar if clients.citation_source == "s2" else load_openalex
        frontier, asked = list(papers), set(papers)
        for _ in range(depth):
            if not frontier:
                break
            part = load(store, frontier, client=clients.citations, batch_size=batch_size, retrieved=when)
            part.notes = [n for n in part.notes if "request(s) to" not in n]  # grow counts requests itself
            report.add(cite, part)
            frontier = [p for p in cited_by(store, frontier) if p not in asked]
            asked.update(frontier)

    def mentions() -> None:
        from loaders.mentions import extract_mentions

        report.add("mentions", extract_mentions(store, batch_size=batch_size, retrieved=when))

    for repo in seed.repos:
        what = f"the Hub's model tree under {repo} ({depth} level(s) down)"
        steps.append((what, "hf_hub", lambda r=repo: hub_tree(r, depth)))
    steps.append(("arXiv records of the seed papers", "arxiv", arxiv_step))
    if seed.papers and not from_model:
        steps.append(("the Hub repos whose cards tag the seed papers", "hf_hub", tagged_models))
    steps.append((f"references from {cite} ({depth} level(s))", cite, references))

    for i, (what, source, step) in enumerate(steps):
        if progress:
            progress(i, len(steps), what)
        before = _counts(store) if max_requests is not None else (0, 0)
        try:
            step()
        except BudgetSpent:
            # the step's loader wrote its finished batches (with checkpoints) but returned no report
            nodes, edges = _counts(store)
            report.add(source, LoadReport(nodes_added=nodes - before[0], edges_added=edges - before[1]))
            report.not_fetched = [what, *(w for w, _, _ in steps[i + 1 :])]
            break
        except Exception as exc:
            if not is_source_error(exc):
                raise
            # the service is down or refused: name it, go on with the other sources
            report.fail(source, f"{what}: {type(exc).__name__}: {_first_line(exc)}")
    if progress:
        progress(len(steps), len(steps) + 1, "mentions in the abstracts")
    mentions()  # no requests: what was fetched gets its mentions, budget or not
    if progress:
        progress(len(steps) + 1, len(steps) + 1, "done")
    report.requests = Counter(budget.used)
    return report
