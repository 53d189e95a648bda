"""Citations from the Semantic Scholar Graph API: ``lineage load citations --source s2``.

API: https://api.semanticscholar.org/api-docs/graph. Papers are looked up 500 at a time with
``POST /graph/v1/paper/batch`` (ids like ``ARXIV:2310.06825``), asking for each paper's
references inline; when a paper's reference list is missing or shorter than its
``referenceCount``, it is paged with ``GET /paper/{paperId}/references`` (``offset``/``next``).
``S2_API_KEY`` (header ``x-api-key``) is sent when set; requests go out at most once a second and
429/5xx are retried with backoff (:class:`loaders.http.HttpClient`). ``S2_API_URL`` or
``base_url`` replaces ``https://api.semanticscholar.org/graph/v1`` (tests use a replay server).

What it writes:

* ``CITES`` citing → cited for every reference S2 resolved to a paper, provenance
  ``semantic_scholar``, evidence ``S2 paper <paperId> references <paperId>``, the retrieval date.
* the cited papers: keyed by arXiv id when S2 knows one, else ``doi:``, else ``s2:<paperId>``
  (:func:`paper_node_id`). Papers outside arXiv have no arXiv id and ``sources`` including
  ``semantic_scholar``. New papers take S2's title (and, outside arXiv, its date and venue);
  stored papers are only filled where empty (:mod:`loaders.paper_nodes`).

Failures name the paper: an id S2 returns ``null`` for, a 404/400 answer (with S2's own
message), a batch that still fails after the retries (the load stops there, so that a re-run
resumes from it). Each batch is written with a checkpoint (the number of ids done), so an
interrupted load resumes where it stopped; a finished one starts again from the first id
(re-running it writes nothing new).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from graph.dates import refresh_dates
from graph.ids import InvalidIdError, normalize_id
from graph.schema import Edge, EdgeType, Paper, Provenance, Source
from graph.store import GraphStore, upsert
from loaders.http import HttpClient, LoaderError
from loaders.paper_nodes import (
    SourceReport,
    load_citations,
    paper_record,
    recorded_answers,
    stored_nodes,
)

API_URL = "https://api.semanticscholar.org/graph/v1"
BATCH = 500  # ids per POST /paper/batch (the API's limit)
PAGE = 1000  # references per page (the API's limit)
PAPER_FIELDS = ("paperId", "externalIds", "title", "publicationDate", "venue")
BATCH_FIELDS = ",".join([*PAPER_FIELDS, "referenceCount", *(f"references.{f}" for f in PAPER_FIELDS)])
REFERENCE_FIELDS = ",".join(PAPER_FIELDS)


def s2_client(base_url: str | None = None, api_key: str | None = None, **kwargs: Any) -> HttpClient:
    """A client for the Graph API; ``api_key`` defaults to ``$S2_API_KEY``."""
    key = api_key if api_key is not None else os.environ.get("S2_API_KEY")
    headers = {"x-api-key": key} if key else {}
    return HttpClient(
        "semantic_scholar", base_url or os.environ.get("S2_API_URL") or API_URL, headers=headers, **kwargs
    )


def s2_id(node_id: str) -> str:
    """Our paper id → the id form the Graph API accepts."""
    prefix, _, key = node_id.partition(":")
    if prefix == "arxiv":
        return f"ARXIV:{key}"
    if prefix == "doi":
        return f"DOI:{key}"
    if prefix == "s2":
        return key if len(key) == 40 else f"CorpusId:{key}"
    raise InvalidIdError(f"{node_id!r} is not a paper id Semantic Scholar can look up")


def paper_node_id(record: dict[str, Any]) -> str | None:
    """The node id of an S2 paper record: its arXiv id, else its DOI, else ``s2:<paperId>``."""
    ext = record.get("externalIds") or {}
    for prefix, value in (("arxiv", ext.get("ArXiv")), ("doi", ext.get("DOI"))):
        if value:
            try:
                return normalize_id(f"{prefix}:{value}")
            except InvalidIdError:
                continue
    return f"s2:{record['paperId']}" if record.get("paperId") else None


def paper_fields(node_id: str, record: dict[str, Any]) -> dict[str, Any]:
    """What an S2 record may fill on a paper node. arXiv papers get no date: arXiv's v1 date is the
    one we keep, and S2's ``publicationDate`` is often the venue's."""
    ext = record.get("externalIds") or {}
    out: dict[str, Any] = {"title": (record.get("title") or "").strip() or None, "venue": record.get("venue") or None}
    doi = ext.get("DOI")
    if doi and not normalize_id(f"doi:{doi}").startswith("arxiv:"):
        out["doi"] = doi.lower()
    if not node_id.startswith("arxiv:") and record.get("publicationDate"):
        with contextlib.suppress(ValueError):
            out["published"] = dt.date.fromisoformat(record["publicationDate"])
    return out


def citations(
    citing: str, record: dict[str, Any], references: Iterable[dict[str, Any]], retrieved: dt.date, report: SourceReport
) -> Iterator[tuple[str, dict[str, Any], Edge]]:
    """``(cited id, cited record, CITES edge)`` for each resolvable reference of one paper.

    ``references`` are the batch answer's inline records or the ``/references`` endpoint's
    ``{"citedPaper": …}`` items.
    """
    seen: set[str] = set()
    for ref in references:
        cited_record = ref.get("citedPaper", ref) if isinstance(ref, dict) else None
        if not cited_record or not cited_record.get("paperId"):
            report.skip("references S2 did not resolve to a paper")
            continue
        cited = paper_node_id(cited_record)
        if cited is None or cited == citing or cited in seen:
            report.skip("self or repeated references")
            continue
        seen.add(cited)
        evidence = f"S2 paper {record.get('paperId')} references {cited_record['paperId']}"
        edge = Edge(
            type=EdgeType.CITES,
            source=citing,
            target=cited,
            provenance=[Provenance(source=Source.semantic_scholar, evidence=evidence, retrieved=retrieved)],
        )
        yield cited, cited_record, edge


def paged_references(client: HttpClient, paper_id: str) -> Iterator[dict[str, Any]]:
    """Every reference of one paper, following ``next`` offsets."""
    offset: int | None = 0
    while offset is not None:
        page = client.get(
            f"/paper/{paper_id}/references", {"fields": REFERENCE_FIELDS, "offset": offset, "limit": PAGE}
        )
        data = page.data if isinstance(page.data, dict) else {}
        yield from data.get("data") or []
        offset = data.get("next")


def records_for_batch(
    client: HttpClient,
    store: GraphStore,
    ids: list[str],
    records: list[Any],
    retrieved: dt.date,
    report: SourceReport,
) -> list[Any]:
    """Nodes and edges for one answered batch (``records`` aligned with ``ids``; ``None`` = not found).

    The citing node is the requested id when it is an arXiv id or already stored (the paper the
    user means), else the record's own id (:func:`paper_node_id`).
    """
    found: list[tuple[str, dict[str, Any], list[tuple[str, dict[str, Any], Edge]]]] = []
    stored_requested = stored_nodes(store, ids)
    for node_id, record in zip(ids, records, strict=True):
        if record is None:
            report.failures.append(f"semantic_scholar: no paper for {node_id} ({s2_id(node_id)})")
            continue
        canonical = paper_node_id(record)
        keep = node_id.startswith("arxiv:") or node_id in stored_requested or not canonical
        citing = node_id if keep else canonical
        refs = record.get("references")
        if refs is None or (record.get("referenceCount") or 0) > len(refs):
            try:
                refs = list(paged_references(client, record["paperId"]))
            except LoaderError as exc:
                report.failures.append(f"{citing}: references: {exc}")
                refs = []
        found.append((citing, record, list(citations(citing, record, refs, retrieved, report))))

    names = [i for citing, _, cites in found for i in (citing, *(c for c, _, _ in cites))]
    stored = stored_nodes(store, names)
    pairs = [(c, r) for c, r, _ in found] + [(c, r) for _, _, cites in found for c, r, _ in cites]
    nodes = new_papers(pairs, stored, report)
    edges = [edge for _, _, cites in found for _, _, edge in cites]
    return [*nodes.values(), *edges]


def load_semantic_scholar(
    store: GraphStore,
    ids: Iterable[str] | None = None,
    *,
    client: HttpClient | None = None,
    batch_size: int = 5000,
    ids_per_request: int = BATCH,
    resume: bool = True,
    retrieved: dt.date | None = None,
) -> SourceReport:
    """References of ``ids`` (any paper id spelling; default: every arXiv paper in the store)."""
    client = client or s2_client()

    def fetch(batch: list[str], when: dt.date, report: SourceReport) -> list[object] | None:
        answer = client.post("/paper/batch", {"fields": BATCH_FIELDS}, {"ids": [s2_id(i) for i in batch]})
        if not isinstance(answer.data, list) or len(answer.data) != len(batch):
            report.failures.append(f"semantic_scholar: the batch answer for {batch[0]} … is not a list of {len(batch)}")
            return None
        return records_for_batch(client, store, batch, answer.data, when, report)

    report = load_citations(
        store,
        ids,
        "semantic_scholar",
        fetch,
        per_request=ids_per_request,
        batch_size=batch_size,
        resume=resume,
        retrieved=retrieved or dt.date.today(),
        check=s2_id,
    )
    report.notes.append(f"{client.requests} request(s) to Semantic Scholar")
    report += refresh_dates(store)  # a paper dated now dates what it introduces (graph/dates.py)
    return report


# --- replay: ``lineage load citations --source s2 --from-file DIR`` --------------------------------

_PAGE_PATH = re.compile(r"/paper/(.+)/(references|citations)/?$")


def path_paper_id(key: str) -> str | None:
    """The node id of a paper named in a request path: ``ARXIV:…``, ``DOI:…`` (or a bare DOI),
    ``CorpusId:…``, or a 40-hex paperId."""
    prefix, sep, rest = key.partition(":")
    try:
        if sep and prefix.lower() == "arxiv":
            return normalize_id(f"arxiv:{rest}")
        if (sep and prefix.lower() == "doi") or key.startswith("10."):
            return normalize_id("doi:" + (rest if sep and prefix.lower() == "doi" else key))
    except InvalidIdError:
        return None
    if sep and prefix.lower() == "corpusid" and rest.isdigit():
        return f"s2:{rest}"
    return f"s2:{key}" if re.fullmatch(r"[0-9a-f]{40}", key) else None


def _citing(
    cited: str, cited_key: Any, citers: Iterable[Any], where: str, when: dt.date, report: SourceReport
) -> Iterator[tuple[str, dict[str, Any], Edge]]:
    """``(citing id, citing record, CITES edge)`` for each resolvable citing paper of ``cited``
    (a recorded paper's ``citations`` list or a page of ``/citations``)."""
    for other in citers:
        source = paper_node_id(other) if isinstance(other, dict) else None
        if source is None or source == cited:
            report.skip("citing papers S2 did not resolve")
            continue
        evidence = f"S2 paper {other['paperId']} references {cited_key} ({where})"
        prov = Provenance(source=Source.semantic_scholar, evidence=evidence, retrieved=when)
        yield source, other, Edge(type=EdgeType.CITES, source=source, target=cited, provenance=[prov])


def _paper_answer(
    record: dict[str, Any], where: str, when: dt.date, report: SourceReport
) -> Iterator[tuple[str, dict[str, Any], Edge | None]]:
    """A paper record: its inline references (and the papers its ``citations`` list names)."""
    citing = paper_node_id(record)
    if citing is None:
        report.skip("recorded papers without a paperId")
        return
    yield citing, record, None
    refs, cited_by = record.get("references"), record.get("citations")
    if refs is None and cited_by is None:
        report.skip("recorded papers without their references or citations")
    yield from citations(citing, record, refs or [], when, report)
    citers = [item.get("citingPaper", item) if isinstance(item, dict) else None for item in cited_by or []]
    yield from _citing(citing, record.get("paperId"), citers, f"citations of {where}", when, report)


def recorded_records(answer: Any, when: dt.date, report: SourceReport) -> list[tuple[str, dict[str, Any], Edge | None]]:
    """``(paper id, its record, CITES edge or None)`` from one recorded Graph API answer."""
    data, where = answer.data, answer.where
    page = _PAGE_PATH.search(urlsplit(answer.url).path) if answer.url else None
    out: list[tuple[str, dict[str, Any], Edge | None]] = []
    if isinstance(data, list):  # POST /paper/batch: records or null, in the order of the ids sent
        sent = (answer.request or {}).get("ids") if isinstance(answer.request, dict) else None
        for i, record in enumerate(data):
            if isinstance(record, dict):
                out += _paper_answer(record, where, when, report)
            else:
                asked = f" for {sent[i]}" if isinstance(sent, list) and i < len(sent) else ""
                report.failures.append(f"{where}: item {i + 1} of the batch answer is null: S2 found no paper{asked}")
        return out
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        items = data["data"]
        if page is None and any(isinstance(x, dict) and ({"citedPaper", "citingPaper"} & x.keys()) for x in items):
            report.failures.append(
                f"{where}: a page of references or citations without its request URL: whose they are is not recorded"
            )
            return out
        if page is None:  # a search: papers
            for record in items:
                if isinstance(record, dict):
                    out += _paper_answer(record, where, when, report)
            return out
        own = path_paper_id(unquote(page.group(1)))
        if own is None:
            report.failures.append(f"{where}: {page.group(1)!r} in {answer.url} is not a paper id we read")
            return out
        out.append((own, {}, None))
        if page.group(2) == "references":
            out += citations(own, {"paperId": unquote(page.group(1))}, items, when, report)
            return out
        citers = [item.get("citingPaper") if isinstance(item, dict) else None for item in items]
        out += _citing(own, unquote(page.group(1)), citers, where, when, report)
        return out
    if isinstance(data, dict) and data.get("paperId"):
        return list(_paper_answer(data, where, when, report))
    if isinstance(data, dict) and data.get("total") == 0:
        report.skip("empty recorded pages")
        return out
    keys = ", ".join(sorted(data)[:6]) if isinstance(data, dict) else type(data).__name__
    report.failures.append(
        f"{where}: not a Semantic Scholar paper, batch or references/citations page (has: {keys}); skipped"
    )
    return out


def new_papers(
    pairs: Iterable[tuple[str, dict[str, Any]]], stored: dict[str, dict[str, Any]], report: SourceReport
) -> dict[str, Paper]:
    """The paper nodes the ``(id, S2 record)`` pairs add or improve, first record of an id winning;
    records that would change nothing are counted unchanged."""
    nodes: dict[str, Paper] = {}
    for node_id, record in pairs:
        if node_id in nodes:
            continue
        paper = paper_record(node_id, Source.semantic_scholar, stored, **paper_fields(node_id, record))
        if paper is None:
            report.nodes_unchanged += 1
        else:
            nodes[node_id] = paper
    return nodes


def replay_semantic_scholar(
    store: GraphStore, path: str | Path, *, batch_size: int = 5000, retrieved: dt.date | None = None
) -> SourceReport:
    """Citations from recorded Graph API answers (no network): every paper record, batch answer
    and references/citations page in ``path`` (see :func:`loaders.paper_nodes.read_recorded`).
    ``retrieved`` defaults to each file's modification day, so a re-run changes nothing."""
    report = SourceReport()
    for answer in recorded_answers(path, "semanticscholar", report):
        file = Path(answer.where.partition("#")[0])
        when = retrieved or dt.date.fromtimestamp(file.stat().st_mtime)
        found = recorded_records(answer, when, report)
        stored = stored_nodes(store, [i for i, _, _ in found])
        nodes = new_papers([(node_id, record) for node_id, record, _ in found], stored, report)
        edges = list({e.key: e for _, _, e in found if e is not None}.values())
        report += upsert(store, [*nodes.values(), *edges], batch_size=batch_size)
    report += refresh_dates(store)
    return report
