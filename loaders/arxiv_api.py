"""Papers from the arXiv API (https://info.arxiv.org/help/api/user-manual.html).

Three ways in, one parsing path:

* ``ids``: look-ups by identifier, batched (100 ids a request), each unknown id reported by name;
* ``query`` / ``category`` + ``since``/``until``: a search (``ti:``, ``abs:``, ``au:``, ``cat:``,
  ``submittedDate:[… TO …]``), paged lazily by :meth:`arxiv.Client.results`;
* ``from_file``: recorded responses, parsed by the very parser the live path uses
  (:func:`arxiv._feed.parse`, the package's own lxml Atom parser since arxiv 4).

Etiquette (https://info.arxiv.org/help/api/tou.html): one request every 3 s on one connection,
and 429/5xx/empty pages are retried with exponential backoff by :class:`ArxivClient`.
Each :class:`arxiv.Result` becomes a validated :class:`~graph.schema.Paper` plus its
:class:`~graph.schema.Author` nodes and ``AUTHORED`` edges. Before a batch is written it is compared
with what the store holds: where a curated (hand-typed) paper disagrees with arXiv on title,
authors or date, arXiv's values win and the disagreement is reported.

Example::

    report = load_arxiv(store, ids=["2310.06825", "2305.18290"])
    report = load_arxiv(store, category="cs.CL", since=date(2023, 1, 1), max_results=500)
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import arxiv
import requests
from lxml import etree
from pydantic import ValidationError

from graph.dates import refresh_dates
from graph.ids import InvalidIdError, author_id, parse_arxiv_id
from graph.schema import (
    NODE_COLUMNS,
    Author,
    Edge,
    EdgeType,
    Paper,
    Provenance,
    Source,
    flat_edge_row,
    merge_provenance,
    node_row,
)
from graph.store import Batch, GraphStore, LoadReport
from loaders.paper_nodes import SourceReport

try:  # arxiv >= 4 parses with its own lxml module; 2.x/3.x used feedparser (not supported here).
    from arxiv import _feed
except ImportError as exc:  # pragma: no cover - depends on the installed package
    raise ImportError("loaders.arxiv_api needs arxiv>=4 (it reuses the package's Atom parser)") from exc

log = logging.getLogger(__name__)
# arxiv._feed warns about every error entry ("missing <published>"); we report those ourselves.
logging.getLogger("arxiv._feed").addFilter(lambda record: "/api/errors" not in record.getMessage())

API_URL = "https://export.arxiv.org/api/query?{}"
ID_BATCH = 100  # ids per request: one page, a URL well under arXiv's length limit
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_NS = {"atom": "http://www.w3.org/2005/Atom"}
_ARXIV_CATEGORY = re.compile(r"^[a-z][a-z-]*(?:\.[A-Za-z-]+)?$")  # drops ACM (I.2.7) and MSC (68T50) terms


# --- reports and progress ------------------------------------------------------------------


@dataclass
class ArxivLoadReport(SourceReport):
    """A :class:`SourceReport` plus curated-vs-arXiv disagreements."""

    disagreements: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Progress:
    """One progress tick: the CLI turns it into a bar, tests into assertions."""

    papers: int  # papers read so far
    rate: float  # papers per second since the load started
    done: int  # progress in ``unit``
    total: int | None  # ``unit``s expected, when known
    unit: str = "papers"


ProgressFn = Callable[[Progress], None]


# --- parsing: one path for live and recorded responses -------------------------------------


@dataclass
class FeedPage:
    """One parsed API response."""

    results: list[arxiv.Result]
    total: int
    errors: list[str]  # summaries of arXiv's error entries (e.g. "incorrect id format for abc")
    requested_ids: list[str] | None  # ``id_list`` of the request, when known


def _error_entries(root: Any) -> list[str]:
    """arXiv reports bad requests as an ``<entry>`` whose id is ``…/api/errors#…``."""
    out = []
    for entry in root.iterfind("atom:entry", _NS):
        entry_id = entry.findtext("atom:id", "", _NS)
        if "/api/errors" in entry_id:
            out.append(" ".join((entry.findtext("atom:summary", "", _NS) or entry_id).split()))
    return out


def _id_list(url: str | None) -> list[str] | None:
    if not url:
        return None
    values = parse_qs(urlsplit(url).query, keep_blank_values=True).get("id_list")
    if values is None:
        return None
    return [i for i in values[0].split(",") if i]


def parse_feed(content: bytes, url: str | None = None) -> FeedPage:
    """Parse Atom bytes exactly as :class:`arxiv.Client` does, plus error entries and the asked ids."""
    feed = _feed.parse(bytes(content))
    if feed.malformed:
        raise ValueError(f"not an Atom feed: {feed.error}")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)  # as arxiv._feed does
    root = etree.fromstring(bytes(content), parser=parser)
    if root is None:
        raise ValueError("not an Atom feed: empty document")
    if url is None:  # the feed names its own query in a <link> (current format) or a self link (2016)
        for link in root.iterfind("atom:link", _NS):
            href = link.get("href") or ""
            if "query?" in href:
                url = href if "=" in href else unquote(href)  # 2016 feeds percent-encode the query
                break
    return FeedPage(feed.results, feed.header.total_results, _error_entries(root), _id_list(url))


@dataclass
class Recorded:
    """A recorded response: a JSON wrapper ``{url, status_code, body}`` or a raw ``.xml`` feed."""

    path: Path
    url: str | None
    status: int
    content: bytes


def read_recorded(path: str | Path) -> Iterator[Recorded]:
    """Recorded responses in a file or (recursively, sorted) a directory.

    The JSON wrapper's ``body`` was decoded as latin-1 by the recorder, so ``encode('latin-1')``
    gives back the wire bytes.
    """
    path = Path(path)
    files = sorted(p for p in path.rglob("*") if p.suffix in (".json", ".xml")) if path.is_dir() else [path]
    if not files:
        raise FileNotFoundError(f"{path}: no recorded responses (*.json, *.xml)")
    for file in files:
        if file.suffix == ".json":
            data = json.loads(file.read_text(encoding="utf-8"))
            yield Recorded(file, data.get("url"), int(data.get("status_code", 200)), data["body"].encode("latin-1"))
        else:
            yield Recorded(file, None, 200, file.read_bytes())


# --- the client: arxiv.Client's paging, with our retry policy ---------------------------------


class ArxivApiError(arxiv.ArxivError):
    """arXiv answered with an error feed (e.g. HTTP 400 ``incorrect id format for abc``); not retried."""

    def __init__(self, url: str, retry: int, message: str, status: int) -> None:
        self.status = status
        super().__init__(url, retry, message)


class ArxivClient(arxiv.Client):
    """:class:`arxiv.Client` (paging, URL building) with a politer request loop.

    * at most one request every ``delay_seconds`` (arXiv asks for 3 s), on one ``requests`` session;
    * 429, 5xx, connection errors and unexpectedly empty pages are retried up to ``num_retries``
      times, waiting ``backoff_seconds * 2**attempt`` (or ``Retry-After``) between tries;
    * other 4xx answers raise :class:`ArxivApiError` with arXiv's own message, at once.

    ``base_url`` replaces :attr:`arxiv.Client.query_url_format` (tests point it at a local server).
    """

    def __init__(
        self,
        page_size: int = 100,
        delay_seconds: float = 3.0,
        num_retries: int = 3,
        *,
        backoff_seconds: float | None = None,
        max_backoff: float = 120.0,
        timeout: float = 60.0,
        base_url: str | None = None,
    ) -> None:
        super().__init__(page_size=page_size, delay_seconds=delay_seconds, num_retries=num_retries)
        self.backoff_seconds = delay_seconds if backoff_seconds is None else backoff_seconds
        self.max_backoff = max_backoff
        self.timeout = timeout
        if base_url:
            self.query_url_format = base_url.rstrip("?") + "?{}"
        self.last_total: int | None = None  # totalResults of the last first page
        self._last_request: float | None = None

    def _wait(self, at_least: float) -> None:
        if self._last_request is None:
            return
        pause = max(self.delay_seconds, at_least) - (time.monotonic() - self._last_request)
        if pause > 0:
            time.sleep(pause)

    def _get(self, url: str) -> requests.Response:
        try:
            return self._session.get(
                url, headers={"user-agent": f"llm-lineage (arxiv.py/{arxiv.__version__})"}, timeout=self.timeout
            )
        finally:
            self._last_request = time.monotonic()

    def _parse_feed(self, url: str, first_page: bool = True, _try_index: int = 0) -> _feed.ParsedFeed:
        backoff = 0.0
        for attempt in range(_try_index, self.num_retries + 1):
            self._wait(backoff)
            feed, error, retry_after = self._try(url, first_page, attempt)
            if feed is not None:
                return feed
            if attempt == self.num_retries:
                log.warning("giving up after %d tries: %s", attempt + 1, error)
                raise error
            backoff = min(self.max_backoff, max(retry_after, self.backoff_seconds * 2**attempt))
            log.info("retrying in %.1fs: %s", max(backoff, self.delay_seconds), error)
        raise AssertionError("unreachable")  # pragma: no cover

    def _try(self, url: str, first_page: bool, attempt: int) -> tuple[Any, Any, float]:
        """One request: ``(feed, None, 0)``, or ``(None, retryable error, Retry-After)``; other errors raise."""
        log.info("GET %s (try %d)", url, attempt)
        try:
            resp = self._get(url)
        except requests.exceptions.RequestException as exc:
            return None, arxiv.ArxivError(url, attempt, f"request failed: {exc}"), 0.0
        if resp.status_code in RETRY_STATUS:
            after = resp.headers.get("Retry-After", "")
            return None, arxiv.HTTPError(url, attempt, resp.status_code), float(after) if after.isdigit() else 0.0
        if resp.status_code != 200:
            raise ArxivApiError(url, attempt, self._message(resp), resp.status_code)
        try:
            page = parse_feed(resp.content, url)
        except ValueError as exc:  # a truncated or garbled body: worth another try
            return None, arxiv.ArxivError(url, attempt, f"unreadable feed: {exc}"), 0.0
        if page.errors:
            raise ArxivApiError(url, attempt, "; ".join(page.errors), 200)
        feed = _feed.ParsedFeed(header=_feed.FeedHeader(total_results=page.total), results=page.results)
        if not page.results and not first_page:
            return None, arxiv.UnexpectedEmptyPageError(url, attempt, feed), 0.0
        if first_page:
            self.last_total = page.total
        log.info("got %d of %d results", len(page.results), page.total)
        return feed, None, 0.0

    @staticmethod
    def _message(resp: requests.Response) -> str:
        try:
            errors = parse_feed(resp.content).errors
        except (ValueError, etree.XMLSyntaxError):
            errors = []
        return f"HTTP {resp.status_code}: " + ("; ".join(errors) or resp.reason or "error")


# --- queries -------------------------------------------------------------------------------


def _stamp(day: dt.date, end: bool) -> str:
    return day.strftime("%Y%m%d") + ("2359" if end else "0000")


def build_query(
    query: str | None = None,
    category: str | Sequence[str] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> str:
    """The ``search_query`` for a free query, categories and a submission-date range.

    >>> build_query(category="cs.CL", since=dt.date(2023, 1, 1), until=dt.date(2023, 12, 31))
    'cat:cs.CL AND submittedDate:[202301010000 TO 202312312359]'
    """
    cats = [c.strip() for c in (category.split(",") if isinstance(category, str) else category or []) if c.strip()]
    parts = []
    if query:
        parts.append(f"({query})" if cats or since or until else query)
    if cats:
        parts.append(f"cat:{cats[0]}" if len(cats) == 1 else "(" + " OR ".join(f"cat:{c}" for c in cats) + ")")
    if since or until:
        start = _stamp(since or dt.date(1991, 1, 1), end=False)
        parts.append(f"submittedDate:[{start} TO {_stamp(until or dt.date.today(), end=True)}]")
    if not parts:
        raise ValueError("give ids, a query, or a category/date range")
    return " AND ".join(parts)


# --- mapping: Result → records ---------------------------------------------------------------


def clean(text: str | None) -> str | None:
    """Collapse runs of whitespace (arXiv wraps titles and abstracts); empty becomes None."""
    if text is None:
        return None
    return " ".join(text.split()) or None


def abs_url(paper_id: str) -> str:
    return "https://arxiv.org/abs/" + paper_id.removeprefix("arxiv:")


def _categories(primary: str, categories: Iterable[str]) -> list[str]:
    ordered = [primary, *categories] if primary else list(categories)
    return [c for c in dict.fromkeys(ordered) if _ARXIV_CATEGORY.match(c)]


def paper_from_result(result: arxiv.Result) -> Paper:
    """A validated Paper: canonical id (no version), latest version, v1 date, primary category first."""
    short, version = parse_arxiv_id(result.get_short_id())
    return Paper(
        id="arxiv:" + short,
        title=clean(result.title) or "",
        abstract=clean(result.summary),
        authors=[name for a in result.authors if (name := clean(a.name))],
        published=result.published.date(),
        updated=result.updated.date(),
        version=version,
        categories=_categories(result.primary_category, result.categories),
        doi=clean(result.doi),
        journal_ref=clean(result.journal_ref),
        comments=clean(result.comment),
        sources=[Source.arxiv],
    )


def paper_records(paper: Paper, evidence: str, retrieved: dt.date, source: Source = Source.arxiv) -> list[Any]:
    """The paper, one Author per named author, and AUTHORED edges with their positions."""
    provenance = [Provenance(source=source, evidence=evidence, retrieved=retrieved)]
    authors: list[Any] = []
    edges: list[Any] = []
    for position, name in enumerate(paper.authors):
        try:
            aid = author_id(name)
        except InvalidIdError:  # a name with no letters or digits cannot be keyed
            continue
        authors.append(Author(id=aid, name=name, sources=[source]))
        edges.append(
            Edge(type=EdgeType.AUTHORED, source=aid, target=paper.id, position=position, provenance=provenance)
        )
    return [paper, *authors, *edges]


def describe(exc: ValidationError) -> str:
    err = exc.errors()[0]
    return f"field {'.'.join(str(x) for x in err['loc']) or 'record'!r}: {err['msg']}"


# --- iterating results ------------------------------------------------------------------------


def _canonical(result: arxiv.Result) -> str | None:
    try:
        return parse_arxiv_id(result.get_short_id())[0]
    except InvalidIdError:
        return None


def _recorded_results(path: str | Path, failures: list[str]) -> Iterator[arxiv.Result]:
    for rec in read_recorded(path):
        try:
            page = parse_feed(rec.content, rec.url)
        except (ValueError, etree.XMLSyntaxError) as exc:
            failures.append(f"{rec.path}: {exc}")
            continue
        asked = page.requested_ids or []
        if page.errors or rec.status != 200:
            what = f"id_list={','.join(asked)}" if asked else str(rec.path.name)
            failures.append(f"{what}: arXiv error (HTTP {rec.status}): {'; '.join(page.errors) or 'no entries'}")
            continue
        got = {_canonical(r) for r in page.results}
        for raw in asked:
            try:
                canon = parse_arxiv_id(raw)[0]
            except InvalidIdError as exc:
                failures.append(str(exc))
                continue
            if canon not in got:
                failures.append(f"arxiv:{canon}: not found on arXiv (no entry returned)")
        yield from page.results


def _id_results(client: arxiv.Client, batch: list[str], failures: list[str]) -> Iterator[arxiv.Result]:
    search = arxiv.Search(id_list=batch, max_results=len(batch))
    try:
        results = list(client.results(search))
    except ArxivApiError as exc:
        if len(batch) > 1:  # find the id arXiv refuses; the others still load
            for one in batch:
                yield from _id_results(client, [one], failures)
            return
        failures.append(f"arxiv:{batch[0]}: arXiv refused the id: {exc.message}")
        return
    except arxiv.ArxivError as exc:
        failures.append(f"{', '.join('arxiv:' + i for i in batch)}: {exc}")
        return
    got = {_canonical(r) for r in results}
    failures.extend(f"arxiv:{i}: not found on arXiv (no entry returned)" for i in batch if i not in got)
    yield from results


def valid_ids(ids: Iterable[str], failures: list[str]) -> list[str]:
    """Canonical ids without versions (so arXiv returns the latest), in order, deduplicated."""
    out: dict[str, None] = {}
    for raw in ids:
        try:
            out[parse_arxiv_id(raw)[0]] = None
        except InvalidIdError as exc:
            failures.append(str(exc))
    return list(out)


def iter_results(
    *,
    ids: Iterable[str] | None = None,
    query: str | None = None,
    category: str | Sequence[str] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    max_results: int | None = None,
    from_file: str | Path | None = None,
    client: arxiv.Client | None = None,
    failures: list[str] | None = None,
    id_batch: int = ID_BATCH,
) -> Iterator[arxiv.Result]:
    """Lazily yield :class:`arxiv.Result` s; problems go to ``failures`` (one line each) and the rest goes on."""
    failures = [] if failures is None else failures
    if from_file is not None:
        source: Iterator[arxiv.Result] = _recorded_results(from_file, failures)
    elif ids is not None:
        client = client or ArxivClient()
        wanted = valid_ids(ids, failures)
        source = (
            r for i in range(0, len(wanted), id_batch) for r in _id_results(client, wanted[i : i + id_batch], failures)
        )
    else:
        client = client or ArxivClient()
        q = build_query(query, category, since, until)
        by_date = bool(category or since or until) and not query
        search = arxiv.Search(
            query=q,
            max_results=max_results,
            sort_by=arxiv.SortCriterion.SubmittedDate if by_date else arxiv.SortCriterion.Relevance,
            sort_order=arxiv.SortOrder.Ascending if by_date else arxiv.SortOrder.Descending,
        )
        source = _guarded(client.results(search), f"query {q!r}", failures)
    yield from itertools.islice(source, max_results)


def _guarded(results: Iterator[arxiv.Result], what: str, failures: list[str]) -> Iterator[arxiv.Result]:
    try:
        yield from results
    except arxiv.ArxivError as exc:
        failures.append(f"{what}: {exc}")


def iter_records(
    *, retrieved: dt.date | None = None, failures: list[str] | None = None, **search: Any
) -> Iterator[Any]:
    """Validated Paper, Author and Edge records, lazily; takes the arguments of :func:`iter_results`."""
    failures = [] if failures is None else failures
    for result in iter_results(failures=failures, **search):
        try:
            paper = paper_from_result(result)
        except (ValidationError, InvalidIdError) as exc:
            msg = describe(exc) if isinstance(exc, ValidationError) else str(exc)
            failures.append(f"{result.entry_id}: {msg}")
            continue
        yield from paper_records(paper, abs_url(paper.id), retrieved or dt.date.today())


# --- reconciliation with what the store already holds ------------------------------------------


def _title_key(title: str | None) -> str:
    return re.sub(r"[^0-9a-z]+", "", (title or "").casefold())


def _author_keys(names: Iterable[str]) -> list[str]:
    out = []
    for name in names:
        try:
            out.append(author_id(name))
        except InvalidIdError:
            out.append(name)
    return out


def _first(names: Sequence[str], start: int = 0) -> str:
    rest = names[start:]
    return repr(rest[0] + ("…" if len(rest) > 1 else "")) if rest else "(none)"


def disagreements(
    papers: Iterable[dict[str, Any]], existing: dict[str, dict[str, Any]], against: str = "curated"
) -> list[str]:
    """Where a stored paper stated by ``against`` differs from arXiv's record (its row,
    :func:`graph.schema.node_row`) on title, authors or date.

    Titles compare without case and punctuation; authors by normalised name, in order (a curated
    list marked incomplete only has to be a prefix); dates exactly.
    """
    out = []
    for paper in papers:
        pid, title, published = paper["id"], paper["title"], paper["published"]
        before = existing.get(pid)
        if not before or against not in (before.get("sources") or []):
            continue
        if before.get("title") and _title_key(before["title"]) != _title_key(title):
            out.append(f"{pid}: title differs: {against} {before['title']!r} vs arXiv {title!r}")
        theirs, ours = list(before.get("authors") or []), paper["authors"] or []
        a, b = _author_keys(theirs), _author_keys(ours)
        complete = before.get("authors_complete") is not False
        if theirs and ours and (a != b if complete else a != b[: len(a)]):
            at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
            if at == 0:
                out.append(f"{pid}: authors differ: {against} {_first(theirs)} vs arXiv {_first(ours)}")
            elif at is not None:
                out.append(
                    f"{pid}: authors differ at #{at + 1}: {against} {_first(theirs, at)} vs arXiv {_first(ours, at)}"
                )
            else:
                out.append(f"{pid}: authors differ: {against} lists {len(theirs)}, arXiv {len(ours)}")
        if before.get("published") and published and before["published"] != published:
            out.append(f"{pid}: published differs: {against} {before['published']} vs arXiv {published}")
    return out


def add_paper(batch: Batch, paper: Paper, evidence: str, retrieved: dt.date, source: Source = Source.arxiv) -> None:
    """Add what :func:`paper_records` returns to a batch, as rows, without building its records.

    The paper is validated; its authors and AUTHORED edges come from its validated fields and
    canonical ids, so they go straight to rows: building and validating a model for each was
    most of a snapshot load's Python time. tests/test_arxiv_parse.py checks the
    rows equal those of :func:`paper_records`.
    """
    batch.add_node(node_row(paper))
    # Plain values, not a Provenance model per paper: they come from the validated paper and typed arguments.
    src, day, authored, pid = source.value, retrieved.isoformat(), EdgeType.AUTHORED.value, paper.id
    provenance = [{"source": src, "evidence": evidence, "confidence": 1.0, "retrieved": day}]
    flat = merge_provenance([], provenance)
    for position, name in enumerate(paper.authors):
        try:
            aid = author_id(name)
        except InvalidIdError:
            continue
        batch.add_node({**_AUTHOR_ROW, "id": aid, "name": name, "sources": [src]})
        key = (authored, aid, pid, "")
        batch.add_edge(key, flat_edge_row(*key, position, flat), provenance)


_AUTHOR_ROW = {**dict.fromkeys(NODE_COLUMNS), "label": "Author"}


def paper_size(paper: Paper) -> int:
    """Records :func:`paper_records` would make: the paper, its authors and their edges."""
    return 1 + 2 * len(paper.authors)


def prepare_papers(papers: Sequence[Paper], retrieved: dt.date, checkpoint: tuple[str, str] | None = None) -> Batch:
    batch = Batch(checkpoint=checkpoint)
    for paper in papers:
        add_paper(batch, paper, abs_url(paper.id), retrieved)
    return batch


def curated_papers(store: GraphStore) -> set[str]:
    """Ids of the papers the curated lineage states: the only ones arXiv's record can disagree with."""
    rows = store.read("MATCH (n:Node) WHERE n.label = 'Paper' AND 'curated' IN n.sources RETURN n.id AS id")
    return {r["id"] for r in rows}


def write_papers(
    store: GraphStore,
    report: ArxivLoadReport,
    batch: Batch,
    write: Callable[[Batch], LoadReport] | None = None,
    curated: set[str] | None = None,
) -> None:
    """Compare a prepared batch's papers (:func:`prepare_papers`) with the store, then write the
    batch, authors and any checkpoint included: in one transaction, or through ``write`` (a
    :meth:`graph.store.GraphStore.bulk` writer). ``curated`` (:func:`curated_papers`, read once
    for a bulk load) limits the comparison to those papers."""
    papers = [row for i, row in batch.nodes.items() if row["label"] == "Paper" and (curated is None or i in curated)]
    if papers:
        report.disagreements.extend(disagreements(papers, store.nodes([p["id"] for p in papers])))
    report += (write or store.write_batch)(batch)


# --- the loader ----------------------------------------------------------------------------------


def load_arxiv(
    store: GraphStore,
    *,
    ids: Iterable[str] | None = None,
    query: str | None = None,
    category: str | Sequence[str] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    max_results: int | None = None,
    from_file: str | Path | None = None,
    batch_size: int = 5000,
    client: arxiv.Client | None = None,
    progress: ProgressFn | None = None,
    retrieved: dt.date | None = None,
    id_batch: int = ID_BATCH,
) -> ArxivLoadReport:
    """Fetch (or replay) arXiv records and upsert them in batches of about ``batch_size`` records.

    Per-id problems (malformed, refused, unknown) land in ``report.failures`` while the other
    ids still load; disagreements with curated papers land in ``report.disagreements``.
    """
    report = ArxivLoadReport()
    retrieved = retrieved or dt.date.today()
    if ids is not None:
        ids = list(ids)
    client = client or (ArxivClient() if from_file is None else None)
    results = iter_results(
        ids=ids,
        query=query,
        category=category,
        since=since,
        until=until,
        max_results=max_results,
        from_file=from_file,
        client=client,
        failures=report.failures,
        id_batch=id_batch,
    )
    started, papers, pending, size = time.monotonic(), 0, [], 0
    for result in results:
        try:
            paper = paper_from_result(result)
        except (ValidationError, InvalidIdError) as exc:
            report.failures.append(f"{result.entry_id}: {describe(exc) if isinstance(exc, ValidationError) else exc}")
            continue
        pending.append(paper)
        size += paper_size(paper)
        papers += 1
        if progress:
            total = len(ids) if ids is not None else getattr(client, "last_total", None)
            if total is not None and max_results is not None:
                total = min(total, max_results)
            rate = papers / max(time.monotonic() - started, 1e-9)
            progress(Progress(papers=papers, rate=rate, done=papers, total=total))
        if size >= batch_size:
            write_papers(store, report, prepare_papers(pending, retrieved))
            pending, size = [], 0
    if pending:
        write_papers(store, report, prepare_papers(pending, retrieved))
    report.failures[:] = dict.fromkeys(report.failures)  # a replayed directory may repeat a look-up
    report += refresh_dates(store)  # a paper dated now dates what it introduces (graph/dates.py)
    return report
