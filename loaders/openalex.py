"""Citations from OpenAlex: ``lineage load citations --source openalex``.

API: https://docs.openalex.org. Three kinds of request, all ``GET /works`` with a ``filter``
(at most 100 values OR-ed with ``|``) and a ``select`` of the fields we read:

1. ``filter=doi:10.48550/arxiv.<id>|…`` finds the works of our arXiv papers (arXiv DOIs);
2. an arXiv work with no ``referenced_works`` (OpenAlex often keeps the preprint and the
   journal version as two works, the references on the journal one; the recorded ChemCrow
   case: preprint W4365597205 with 0 references, journal W4396723768 with 57) is looked up by
   title, ``filter=title.search:<title>``, and every result that is the same paper
   (:func:`same_paper`: same DOI, same arXiv id, or the same normalised title, also after
   dropping a ``Name:`` prefix) is merged into it. The arXiv id stays the node id; the journal
   DOI and venue fill the node's empty ``doi``/``venue``; the journal's references become the
   arXiv paper's;
3. ``filter=openalex:W…|…`` resolves referenced works to ids: arXiv id, else DOI
   (:func:`work_node_id`). A work with neither is skipped (and counted): node ids have no
   OpenAlex prefix.

``OPENALEX_API_KEY`` (``api_key``) and ``OPENALEX_MAILTO`` (``mailto``, the polite pool) are sent
when set; ``OPENALEX_API_URL`` or ``base_url`` replaces ``https://api.openalex.org``. The HTTP
client, its one-request-a-second pace and its retries are shared with Semantic Scholar
(:mod:`loaders.http`); so are the paper-node rules (:mod:`loaders.paper_nodes`), the failure
policy and the per-batch checkpoint.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.dates import refresh_dates
from graph.ids import InvalidIdError, normalize_id
from graph.schema import Edge, EdgeType, Provenance, Source
from graph.store import GraphStore, chunks, upsert
from loaders.http import HttpClient, LoaderError
from loaders.paper_nodes import (
    SourceReport,
    load_citations,
    paper_record,
    recorded_answers,
    stored_nodes,
)

API_URL = "https://api.openalex.org"
OR_LIMIT = 100  # values per OR filter (the API's limit), and so works per request
SELECT = "id,doi,title,display_name,publication_date,type,ids,primary_location,locations,referenced_works"
RESOLVE_SELECT = "id,doi,title,display_name,publication_date,type,ids,primary_location,locations"
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+?)(?:\.pdf)?/?$", re.I)


def openalex_client(base_url: str | None = None, **kwargs: Any) -> HttpClient:
    """A client for OpenAlex; ``api_key``/``mailto`` come from ``$OPENALEX_API_KEY``/``$OPENALEX_MAILTO``."""
    params = {
        k: v
        for k, v in (("api_key", os.environ.get("OPENALEX_API_KEY")), ("mailto", os.environ.get("OPENALEX_MAILTO")))
        if v
    }
    return HttpClient("openalex", base_url or os.environ.get("OPENALEX_API_URL") or API_URL, params=params, **kwargs)


def short_id(url: str) -> str:
    """``https://openalex.org/W4365597205`` → ``W4365597205``."""
    return url.rstrip("/").rsplit("/", 1)[-1]


def _doi(work: dict[str, Any]) -> str | None:
    doi = work.get("doi") or (work.get("ids") or {}).get("doi")
    if not doi:
        return None
    return re.sub(r"^https?://(?:dx\.)?doi\.org/", "", doi.strip(), flags=re.I).lower()


def work_arxiv_id(work: dict[str, Any]) -> str | None:
    """The arXiv id of a work: from an arXiv DOI, or an arxiv.org landing page among its locations."""
    doi = _doi(work)
    candidates = [f"doi:{doi}"] if doi else []
    for loc in [work.get("primary_location") or {}, *(work.get("locations") or [])]:
        match = _ARXIV_URL.search((loc or {}).get("landing_page_url") or "")
        if match:
            candidates.append(match.group(1))
    for item in candidates:
        try:
            node_id = normalize_id(item)
        except InvalidIdError:
            continue
        if node_id.startswith("arxiv:"):
            return node_id
    return None


def work_node_id(work: dict[str, Any]) -> str | None:
    """arXiv id, else ``doi:``, else ``None`` (we have no OpenAlex id prefix)."""
    arxiv = work_arxiv_id(work)
    if arxiv:
        return arxiv
    doi = _doi(work)
    if doi:
        try:
            return normalize_id(f"doi:{doi}")
        except InvalidIdError:
            return None
    return None


def normalised_title(title: str) -> str:
    """Lower-case ASCII words: ``"Large-Language Models"`` → ``"large language models"``."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).split())


def title_forms(title: str) -> set[str]:
    """The normalised title, and (for ``"ChemCrow: Augmenting …"``) the part after a short ``Name:`` prefix."""
    forms = {normalised_title(title)}
    head, sep, tail = title.partition(":")
    if sep and tail.strip() and len(head.split()) <= 4:
        forms.add(normalised_title(tail))
    return {f for f in forms if len(f.split()) >= 3}


def search_query(title: str) -> str:
    """What to search for: the title (after a short ``Name:`` prefix) without punctuation, case kept."""
    head, sep, tail = title.partition(":")
    text = tail if sep and tail.strip() and len(head.split()) <= 4 else title
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def same_paper(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two works are one paper: same DOI, same arXiv id, or a shared title form."""
    if _doi(a) and _doi(a) == _doi(b):
        return True
    if work_arxiv_id(a) and work_arxiv_id(a) == work_arxiv_id(b):
        return True
    ta, tb = a.get("title") or a.get("display_name") or "", b.get("title") or b.get("display_name") or ""
    return bool(ta and tb and title_forms(ta) & title_forms(tb))


@dataclass
class ArxivWork:
    """One of our arXiv papers as OpenAlex knows it, after merging its other versions."""

    node_id: str
    work: dict[str, Any]
    versions: list[dict[str, Any]] = field(default_factory=list)  # merged journal (or other) versions

    @property
    def references(self) -> list[tuple[str, str]]:
        """``(citing W, referenced W)``: from the work itself and every merged version."""
        out: dict[str, str] = {}
        for work in [self.work, *self.versions]:
            for ref in work.get("referenced_works") or []:
                out.setdefault(short_id(ref), short_id(work["id"]))
        return [(citing, ref) for ref, citing in out.items()]

    def fill(self) -> dict[str, Any]:
        """What the versions may fill on the node: a journal DOI and venue, the arXiv title."""
        out: dict[str, Any] = {"title": self.work.get("title") or self.work.get("display_name")}
        for version in self.versions:
            doi = _doi(version)
            if doi and not normalize_id(f"doi:{doi}").startswith("arxiv:"):
                out.setdefault("doi", doi)
                source = (version.get("primary_location") or {}).get("source") or {}
                if source.get("display_name"):
                    out.setdefault("venue", source["display_name"])
        return out


def find_works(client: HttpClient, ids: list[str], report: SourceReport) -> dict[str, dict[str, Any]]:
    """``{arxiv node id: work}`` for up to 100 arXiv ids; ids OpenAlex lacks are failures."""
    dois = [f"10.48550/arxiv.{i.partition(':')[2]}" for i in ids]
    answer = client.get("/works", {"filter": "doi:" + "|".join(dois), "select": SELECT, "per-page": OR_LIMIT})
    found: dict[str, dict[str, Any]] = {}
    for work in (answer.data or {}).get("results") or []:
        node_id = work_arxiv_id(work)
        if node_id in ids:
            found[node_id] = work
    for node_id in ids:
        if node_id not in found:
            report.failures.append(f"openalex: no work with DOI 10.48550/arXiv.{node_id.partition(':')[2]} ({node_id})")
    return found


def other_versions(client: HttpClient, work: dict[str, Any], report: SourceReport) -> list[dict[str, Any]]:
    """Other works that are the same paper (found by title), with their references."""
    title = work.get("title") or work.get("display_name") or ""
    query = search_query(title)
    if len(query.split()) < 3:
        return []
    try:
        answer = client.get("/works", {"filter": f"title.search:{query}", "select": SELECT, "per-page": 25})
    except LoaderError as exc:
        report.failures.append(f"{work_arxiv_id(work)}: looking for other versions: {exc}")
        return []
    return [
        other
        for other in (answer.data or {}).get("results") or []
        if short_id(other["id"]) != short_id(work["id"]) and same_paper(work, other)
    ]


def resolve_works(client: HttpClient, work_ids: list[str], report: SourceReport) -> dict[str, dict[str, Any]]:
    """``{W id: work}`` for referenced works, 100 per request."""
    out: dict[str, dict[str, Any]] = {}
    for part in chunks(work_ids, OR_LIMIT):
        try:
            answer = client.get(
                "/works", {"filter": "openalex:" + "|".join(part), "select": RESOLVE_SELECT, "per-page": OR_LIMIT}
            )
        except LoaderError as exc:
            report.failures.append(f"openalex: resolving {len(part)} referenced works ({part[0]} …): {exc}")
            continue
        for work in (answer.data or {}).get("results") or []:
            out[short_id(work["id"])] = work
    return out


def records_for(
    papers: list[ArxivWork], resolved: dict[str, dict[str, Any]], store: GraphStore, when: dt.date, report: SourceReport
) -> list[Any]:
    """Nodes and CITES edges for merged papers, given the resolved referenced works.

    A referenced work that is one of this load's merged versions maps to that paper's arXiv id.
    """
    twins = {short_id(v["id"]): p.node_id for p in papers for v in [p.work, *p.versions]}
    cites: list[tuple[ArxivWork, str, str, str, dict[str, Any]]] = []  # (paper, citing W, ref W, target, work)
    for paper in papers:
        seen: set[str] = set()
        for citing_w, ref_w in paper.references:
            work = resolved.get(ref_w)
            target = twins.get(ref_w) or (work_node_id(work) if work else None)
            if target is None:
                report.skip("referenced works OpenAlex did not resolve to a DOI or arXiv id")
                continue
            if target == paper.node_id or target in seen:
                report.skip("self or repeated references")
                continue
            seen.add(target)
            cites.append((paper, citing_w, ref_w, target, work or {}))

    stored = stored_nodes(store, [p.node_id for p in papers] + [c[3] for c in cites])
    nodes: dict[str, Any] = {}
    for node_id, fill in [(p.node_id, p.fill()) for p in papers] + [(c[3], _work_fill(c[3], c[4])) for c in cites]:
        if node_id in nodes:
            continue
        record = paper_record(node_id, Source.openalex, stored, **fill)
        if record is None:
            report.nodes_unchanged += 1
        else:
            nodes[node_id] = record
    edges = []
    for paper, citing_w, ref_w, target, _ in cites:
        via = f" (version {citing_w} of {short_id(paper.work['id'])})" if citing_w != short_id(paper.work["id"]) else ""
        evidence = f"OpenAlex {citing_w}{via} referenced_works {ref_w}"
        edges.append(
            Edge(
                type=EdgeType.CITES,
                source=paper.node_id,
                target=target,
                provenance=[Provenance(source=Source.openalex, evidence=evidence, retrieved=when)],
            )
        )
    return [*nodes.values(), *edges]


def _work_fill(node_id: str, work: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"title": work.get("title") or work.get("display_name")}
    if not node_id.startswith("arxiv:"):
        source = (work.get("primary_location") or {}).get("source") or {}
        out["venue"] = source.get("display_name")
        if work.get("publication_date"):
            with contextlib.suppress(ValueError):
                out["published"] = dt.date.fromisoformat(work["publication_date"])
    return out


def _arxiv_only(node_id: str) -> None:
    if not node_id.startswith("arxiv:"):
        raise InvalidIdError(f"{node_id!r} is not an arXiv paper (OpenAlex is asked by arXiv DOI)")


def load_openalex(
    store: GraphStore,
    ids: Iterable[str] | None = None,
    *,
    client: HttpClient | None = None,
    batch_size: int = 5000,
    resume: bool = True,
    retrieved: dt.date | None = None,
) -> SourceReport:
    """References of arXiv papers (default: every arXiv paper in the store) from OpenAlex."""
    client = client or openalex_client()
    merged = 0

    def fetch(batch: list[str], when: dt.date, report: SourceReport) -> list[object]:
        nonlocal merged
        works = find_works(client, batch, report)
        papers = []
        for node_id in batch:
            if node_id not in works:
                continue
            paper = ArxivWork(node_id, works[node_id])
            if not paper.work.get("referenced_works"):
                paper.versions = other_versions(client, paper.work, report)
                merged += bool(paper.versions)
            papers.append(paper)
        refs = list(dict.fromkeys(ref for p in papers for _, ref in p.references))
        resolved = resolve_works(client, refs, report)
        for paper in papers:
            if not paper.references:
                report.notes.append(f"{paper.node_id}: OpenAlex lists no references (in any version)")
        return records_for(papers, resolved, store, when, report)

    report = load_citations(
        store,
        ids,
        "openalex",
        fetch,
        per_request=OR_LIMIT,
        batch_size=batch_size,
        resume=resume,
        retrieved=retrieved or dt.date.today(),
        check=_arxiv_only,
    )
    if merged:
        report.notes.append(f"{merged} preprint(s) merged with another version of the same paper")
    report.notes.append(f"{client.requests} request(s) to OpenAlex")
    report += refresh_dates(store)  # a paper dated now dates what it introduces (graph/dates.py)
    return report


# --- replay: ``lineage load citations --source openalex --from-file DIR`` --------------------------


def recorded_works(path: str | Path, report: SourceReport) -> dict[str, tuple[dict[str, Any], str]]:
    """``{W id: (work, where)}`` of every work in the recorded ``/works`` answers under ``path``."""
    works: dict[str, tuple[dict[str, Any], str]] = {}
    for answer in recorded_answers(path, "openalex", report):
        data = answer.data
        items = data.get("results") if isinstance(data, dict) and "results" in data else [data]
        if not isinstance(items, list):
            items = [items]
        for work in items:
            if isinstance(work, dict) and str(work.get("id", "")).startswith("https://openalex.org/W"):
                works.setdefault(short_id(work["id"]), (work, answer.where))
            else:
                keys = ", ".join(sorted(work)[:6]) if isinstance(work, dict) else type(work).__name__
                report.failures.append(f"{answer.where}: not an OpenAlex work or /works answer (has: {keys}); skipped")
    return works


def replay_openalex(
    store: GraphStore, path: str | Path, *, batch_size: int = 5000, retrieved: dt.date | None = None
) -> SourceReport:
    """Citations from recorded ``/works`` answers (no network), by the live loader's rules: every
    work with references cites the works they name, an arXiv work without references is merged
    with the recorded works that are the same paper (:func:`same_paper`), and referenced works
    resolve to ids only when their own record is among the recorded answers (node ids have no
    OpenAlex prefix). ``retrieved`` defaults to today's date for live loads; here to the newest
    file's modification day, so a re-run changes nothing."""
    report = SourceReport()
    works = recorded_works(path, report)
    files = [Path(where.partition("#")[0]) for _, where in works.values()]
    when = retrieved or max((dt.date.fromtimestamp(f.stat().st_mtime) for f in files), default=dt.date.today())
    merged_into: dict[str, str] = {}
    papers: list[ArxivWork] = []
    for w_id, (work, _) in works.items():
        node_id = work_arxiv_id(work)
        if node_id is None or work.get("referenced_works"):
            continue
        paper = ArxivWork(node_id, work, [o for k, (o, _) in works.items() if k != w_id and same_paper(work, o)])
        merged_into.update((short_id(v["id"]), node_id) for v in paper.versions)
        papers.append(paper)
    for w_id, (work, _) in works.items():
        if w_id in merged_into or not work.get("referenced_works"):
            continue
        node_id = work_node_id(work)
        if node_id is None:
            report.skip("recorded works with neither a DOI nor an arXiv id")
            continue
        papers.append(ArxivWork(node_id, work))
    missing = {ref for p in papers for _, ref in p.references if ref not in works}
    if missing:
        report.notes.append(
            f"{len(missing)} referenced work(s) have no record among the recorded answers, so no id to cite "
            "(a live load looks them up)"
        )
    for paper in papers:
        if not paper.references:
            report.notes.append(f"{paper.node_id}: no references in any recorded version")
    if merged_into:
        report.notes.append(f"{len(merged_into)} recorded work(s) merged into an arXiv preprint as its other version")
    records = records_for(papers, {k: w for k, (w, _) in works.items()}, store, when, report)
    report += upsert(store, records, batch_size=batch_size)
    report += refresh_dates(store)
    return report
