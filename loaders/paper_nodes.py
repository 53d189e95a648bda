"""Papers that a secondary source names, and the report those loaders print.

Citation sources (edge lists, Semantic Scholar, OpenAlex) and Hugging Face cards name papers
they do not describe fully. Three rules keep them from damaging what better sources stated:

* **Add, never overwrite.** A paper already in the store is re-written only to fill fields it
  lacks (and to add this source to ``sources``); its title, authors and dates stay as they are.
* **Placeholders are explicit.** The schema requires a title, so a paper known only by its id
  gets its id as title (``hep-th/9201001``), with no other fields. A later arXiv, S2 or
  OpenAlex load replaces that title, because :func:`is_placeholder` treats it as empty. We do
  not write a note such as "title unknown": nothing would remove it once the title is known.
* **One id per paper.** Ids come from :func:`graph.ids.normalize_id`: the arXiv id when there
  is one, else ``doi:``, else ``s2:``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.ids import InvalidIdError, normalize_id
from graph.schema import Paper, Source
from graph.store import GraphStore, LoadReport, chunks, prepare_records

PAPER_FIELDS = frozenset(Paper.model_fields) - {"label"}


@dataclass
class SourceReport(LoadReport):
    """A :class:`LoadReport` plus why records were skipped."""

    skip_reasons: Counter[str] = field(default_factory=Counter)

    def skip(self, reason: str, n: int = 1) -> None:
        if n:
            self.skipped += n
            self.skip_reasons[reason] += n


def placeholder_title(node_id: str) -> str:
    """``arxiv:hep-th/9201001`` → ``hep-th/9201001``; ``doi:10.1/x`` → ``10.1/x``."""
    return node_id.partition(":")[2]


def is_placeholder(row: dict[str, Any]) -> bool:
    """True when a stored paper's title is only its id (see the module docstring)."""
    return row.get("title") in (None, "", placeholder_title(row["id"]))


def placeholder_paper(node_id: str, source: Source, **known: Any) -> Paper:
    """A paper named by ``source`` whose title we do not know (``known`` may add a date or DOI)."""
    return Paper(id=node_id, title=placeholder_title(node_id), sources=[source], **known)


def paper_from_row(row: dict[str, Any], source: Source, **fill: Any) -> Paper:
    """A stored paper, re-stated by ``source``: only fields it lacks take values from ``fill``.

    Writing this through the store changes nothing but ``sources`` and the filled fields,
    because every other value equals what is stored.
    """
    data = {k: v for k, v in row.items() if k in PAPER_FIELDS and v is not None}
    for key, value in fill.items():
        if value in (None, "", []):
            continue
        if key == "title" and is_placeholder(row):
            data["title"] = value
        elif data.get(key) in (None, "", []):
            data[key] = value
    data["sources"] = [source]
    return Paper(**data)


def stored_nodes(store: GraphStore, ids: Iterable[str], chunk: int = 5000) -> dict[str, dict[str, Any]]:
    """Stored rows of the given ids, looked up in chunks."""
    ids = list(dict.fromkeys(ids))
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(ids), chunk):
        out.update(store.nodes(ids[i : i + chunk]))
    return out


def paper_record(
    node_id: str, source: Source, stored: dict[str, dict[str, Any]], *, title: str | None = None, **fill: Any
) -> Paper | None:
    """The node to write for a paper a source names, or ``None`` when writing it would change nothing.

    New papers get ``title`` (or a placeholder) and ``fill``; stored ones are re-stated by
    :func:`paper_from_row`, which only fills gaps.
    """
    row = stored.get(node_id)
    if row is None:
        clean = {k: v for k, v in fill.items() if v not in (None, "", [])}
        return Paper(id=node_id, title=title or placeholder_title(node_id), sources=[source], **clean)
    paper = paper_from_row(row, source, title=title, **fill)
    gaps = paper.title != row.get("title") or any(
        row.get(k) in (None, "", []) and getattr(paper, k) not in (None, "", []) for k in fill
    )
    if not gaps and source.value in (row.get("sources") or []):
        return None
    return paper


# --- resumable loads: one checkpoint per answered batch ------------------------------------------


def wanted_papers(
    store: GraphStore,
    ids: Iterable[str] | None,
    source: str,
    report: SourceReport,
    check: Callable[[str], None] = lambda node_id: None,
) -> list[str]:
    """Normalised, de-duplicated paper ids to ask a citation source about (default: every
    arXiv paper in the store); an id that ``check`` rejects is a failure naming it."""
    if ids is None:
        rows = store.read("MATCH (n:Node) WHERE n.label = 'Paper' AND n.id STARTS WITH 'arxiv:' RETURN n.id AS id")
        ids = sorted(r["id"] for r in rows)
    wanted: list[str] = []
    for raw in ids:
        try:
            node_id = normalize_id(raw)
            check(node_id)
        except InvalidIdError as exc:
            report.failures.append(f"{source}: {exc}")
            continue
        wanted.append(node_id)
    return list(dict.fromkeys(wanted))


def checkpoint_key(source: str, ids: Sequence[str]) -> str:
    """The checkpoint of one id list: ``source:`` + a hash of the ids in order."""
    return f"{source}:" + hashlib.sha1("\n".join(ids).encode()).hexdigest()[:16]


def resume_point(store: GraphStore, key: str, total: int, report: SourceReport, resume: bool = True) -> int:
    """How many ids an earlier, interrupted run of the same list finished (0 for a finished run)."""
    done = int(store.checkpoint(key) or 0) if resume else 0
    if done >= total:
        return 0  # the last run finished: nothing to resume, start again
    if done:
        report.notes.append(f"resuming after {done:,} of {total:,} papers (checkpoint {key})")
    return done


def write_checkpointed(
    store: GraphStore, records: Sequence[object], batch_size: int, checkpoint: tuple[str, str]
) -> LoadReport:
    """Write records (nodes before edges) in transactions of ``batch_size``; the last carries the checkpoint."""
    report = LoadReport()
    parts = list(chunks(records, batch_size)) or [[]]
    for i, part in enumerate(parts):
        report += store.write_batch(prepare_records(part, checkpoint if i == len(parts) - 1 else None))
    return report


#: One batch of a citation source: ``(ids, retrieved, report)`` -> records to write, or ``None``
#: to stop (it said why in the report); a :class:`loaders.http.LoaderError` stops the load too.
FetchBatch = Callable[[list[str], Any, SourceReport], Sequence[object] | None]


def load_citations(
    store: GraphStore,
    ids: Iterable[str] | None,
    source: str,
    fetch: FetchBatch,
    *,
    per_request: int,
    batch_size: int,
    resume: bool,
    retrieved: Any,
    check: Callable[[str], None] = lambda node_id: None,
) -> SourceReport:
    """The resumable loop of every citation source: the wanted papers in batches of
    ``per_request``, each batch's records written with a checkpoint after it, so an interrupted
    load (or one stopped by an API error) resumes at the first unanswered batch."""
    from loaders.http import LoaderError

    report = SourceReport()
    wanted = wanted_papers(store, ids, source, report, check=check)
    key = checkpoint_key(source, wanted)
    done = resume_point(store, key, len(wanted), report, resume)
    for start in range(done, len(wanted), per_request):
        batch = wanted[start : start + per_request]
        try:
            records = fetch(batch, retrieved, report)
        except LoaderError as exc:
            report.failures.append(f"papers {start + 1}-{start + len(batch)} ({batch[0]} …): {exc}")
            report.notes.append(f"stopped; a re-run resumes at paper {start + 1}")
            break
        if records is None:
            break
        report += write_checkpointed(store, records, batch_size, (key, str(start + len(batch))))
    return report


# --- recorded answers: ``lineage load citations --source … --from-file DIR`` -----------------------


@dataclass
class Recorded:
    """One recorded API answer: ``where`` names its file (and interaction, in a cassette)."""

    where: str
    status: int
    data: Any
    url: str | None = None
    request: Any = None  # the request's JSON body, when recorded (a POST)


def _body_text(value: Any) -> str:
    """A recorded body as text: cassettes keep it as text, or as (gzip) bytes under ``!!binary``."""
    if isinstance(value, bytes):
        if value[:2] == b"\x1f\x8b":
            import gzip

            value = gzip.decompress(value)
        return value.decode("utf-8")
    return "" if value is None else str(value)


def read_recorded(path: str | Path) -> Iterator[Recorded | str]:
    """Every recorded answer in a file or (recursively, sorted) a directory, or a failure line.

    Three forms: a response body (``*.json``), a JSON wrapper ``{url, status_code, body}`` (as
    ``load arxiv --from-file`` reads), and a VCR cassette (``*.yaml``: ``interactions`` with
    ``response.body.string`` + ``status.code``, or the httpx recorder's ``content`` + ``status_code``;
    gzip bodies are decoded). A file that is none of these is a failure naming it.
    """
    import json

    from loaders.safe_yaml import YamlInputError, load_yaml

    path = Path(path)
    files = sorted(p for p in path.rglob("*") if p.suffix in (".json", ".yaml", ".yml")) if path.is_dir() else [path]
    if not files:
        yield f"{path}: no recorded answers (*.json, *.yaml cassettes)"
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
            if file.suffix == ".json":
                data = json.loads(text)
                if isinstance(data, dict) and {"status_code", "body"} <= data.keys():
                    body = _body_text(data["body"])
                    status = int(data["status_code"])
                    yield Recorded(str(file), status, json.loads(body) if body.strip() else None, data.get("url"))
                else:
                    yield Recorded(str(file), 200, data)
                continue
            cassette, _ = load_yaml(text)
            items = cassette.get("interactions") if isinstance(cassette, dict) else None
            if not isinstance(items, list):
                yield f"{file}: not a VCR cassette (no 'interactions' list)"
                continue
            for i, item in enumerate(items):
                where = f"{file}#{i + 1}"
                request, response = item.get("request") or {}, item.get("response") or {}
                if "body" in response:
                    body, status = response["body"].get("string"), response["status"]["code"]
                else:
                    body, status = response.get("content"), response.get("status_code")
                text = _body_text(body)
                try:
                    data = json.loads(text) if text.strip() else None
                except ValueError:
                    data = text  # an error page: kept for the failure line
                sent = _body_text(request.get("body"))
                try:
                    sent_json = json.loads(sent) if sent.strip() else None
                except ValueError:
                    sent_json = None
                yield Recorded(where, int(status), data, request.get("uri"), sent_json)
        except (OSError, UnicodeDecodeError) as exc:
            yield f"{file}: cannot read: {exc}"
        except (ValueError, YamlInputError, KeyError, TypeError, AttributeError) as exc:
            yield f"{file}: not a recorded answer (JSON body, JSON wrapper or VCR cassette): {str(exc)[:200]}"


def other_api(answer: Recorded, name: str) -> bool:
    """True for an answer recorded from another API's host (a cassette may hold several APIs' calls)."""
    from urllib.parse import urlsplit

    host = urlsplit(answer.url).hostname or "" if answer.url else ""
    return bool(host) and name not in host and host not in ("127.0.0.1", "localhost")


def recorded_failure(answer: Recorded) -> str | None:
    """The failure line for a recorded error answer (a status other than 2xx), else None."""
    if 200 <= answer.status < 300:
        return None
    data = answer.data
    message = ""
    if isinstance(data, dict):
        message = ": ".join(str(data[k]) for k in ("error", "message") if data.get(k))
    elif isinstance(data, str):
        message = data.strip()[:200]
    url = f" ({answer.url})" if answer.url else ""
    return f"{answer.where}: recorded HTTP {answer.status}{url}: {message or '(no message)'}"


def recorded_answers(path: str | Path, api: str, report: SourceReport) -> Iterator[Recorded]:
    """The usable recorded answers of one API under ``path``: files that cannot be read and
    recorded error answers are failures in ``report``, other APIs' calls are skipped."""
    for answer in read_recorded(path):
        if isinstance(answer, str):
            report.failures.append(answer)
        elif other_api(answer, api):
            report.skip("recorded answers from other APIs")
        elif failure := recorded_failure(answer):
            report.failures.append(failure)
        else:
            yield answer
