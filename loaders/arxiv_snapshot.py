"""Bulk load of the arXiv metadata snapshot (Kaggle ``arxiv-metadata-oai-snapshot.json``).

The file is JSON Lines, ~2.5M records and ~4 GB, so it is streamed line by line and never
held in memory: memory is bounded by one batch. Records are filtered by category prefix and by
first-version date *before* any model is built, so the common case (keep ~15%) stays cheap.

Each batch is written in one transaction together with a checkpoint: the byte offset just after
the batch's last line. A re-run with the same file and filters seeks there and goes on, so an
interrupted load finishes without duplicates; a completed one has nothing left to do.

Example::

    report = load_snapshot(store, "arxiv-metadata-oai-snapshot.json", categories=["cs.CL"],
                           since=date(2023, 1, 1))
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from graph.ids import InvalidIdError, parse_arxiv_id
from graph.schema import Paper, Source
from graph.store import Batch, GraphStore, pipelined
from loaders.arxiv_api import (
    ArxivLoadReport,
    Progress,
    ProgressFn,
    abs_url,
    clean,
    describe,
    paper_records,
    paper_size,
    prepare_papers,
    write_papers,
)

DEFAULT_CATEGORIES = ("cs.CL", "cs.LG", "cs.AI", "stat.ML")
#: Records per transaction (a paper, its authors and AUTHORED edges are ~10 records). Bigger
#: than the project default (5000): every embedded commit of a COPY checkpoints, at a cost that
#: grows with the tables, so fewer commits load faster. Measured on 300k records (bench/snapshot.py):
#: 50k records a batch 1.6k papers/s, 250k 3.3k papers/s, ~1.7 GB peak RSS.
BATCH_SIZE = 200_000
TICK_LINES = 50_000  # report progress at least this often, even when a filter keeps few lines


class LineError(ValueError):
    """A line that cannot become a paper; the loader prefixes FILE:LINE."""


# --- one record --------------------------------------------------------------------------


def first_version_date(record: dict[str, Any]) -> dt.date | None:
    """Submission date of v1: ``versions[0].created`` is RFC 2822 (``Mon, 2 Apr 2007 19:18:42 GMT``)."""
    versions = record.get("versions") or []
    created = versions[0].get("created") if versions and isinstance(versions[0], dict) else None
    if not created:
        return None
    try:
        return parsedate_to_datetime(created).astimezone(dt.UTC).date()
    except (TypeError, ValueError) as exc:
        raise LineError(f"versions[0].created {created!r} is not an RFC 2822 date") from exc


def author_names(record: dict[str, Any]) -> list[str]:
    """``authors_parsed`` (``[last, first, suffix]``) → ``"First Last Suffix"``, in paper order."""
    names = []
    for parts in record.get("authors_parsed") or []:
        last, first, suffix = ([*parts, "", ""])[:3] if isinstance(parts, list) else ("", "", "")
        name = clean(" ".join(p for p in (first, last, suffix) if p))
        if name:
            names.append(name)
    return names


def _text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    return clean(value) if isinstance(value, str) else None


def paper_from_snapshot(record: dict[str, Any], published: dt.date | None = None) -> Paper:
    """A validated Paper. Titles and abstracts get their whitespace collapsed; TeX stays as written."""
    short, _ = parse_arxiv_id(str(record["id"]))
    versions = record.get("versions") or []
    updated = record.get("update_date")
    return Paper(
        id="arxiv:" + short,
        title=_text(record, "title") or "",
        abstract=_text(record, "abstract"),
        authors=author_names(record),
        published=published if published is not None else first_version_date(record),
        updated=dt.date.fromisoformat(updated) if updated else None,
        version=len(versions) or None,
        categories=(record.get("categories") or "").split(),
        doi=_text(record, "doi"),
        journal_ref=_text(record, "journal-ref"),
        comments=_text(record, "comments"),
        sources=[Source.arxiv],
    )


# --- filtering -------------------------------------------------------------------------------


class SnapshotFilter:
    """Category prefixes (any of a paper's categories, cross-lists included) and a v1 date range."""

    def __init__(
        self,
        categories: Iterable[str] | None = DEFAULT_CATEGORIES,
        since: dt.date | None = None,
        until: dt.date | None = None,
    ) -> None:
        self.prefixes = tuple(c.strip() for c in (categories or ()) if c.strip())
        self.since, self.until = since, until
        self._not_in = f"not in {', '.join(self.prefixes)}"

    def category_skip(self, record: dict[str, Any]) -> str | None:
        if not self.prefixes:
            return None
        cats = record.get("categories") or ""
        if isinstance(cats, str) and any(c.startswith(self.prefixes) for c in cats.split()):
            return None
        return self._not_in

    def date_skip(self, published: dt.date | None) -> str | None:
        if not (self.since or self.until):
            return None
        if published is None:
            return "no submission date"
        if self.since and published < self.since:
            return f"submitted before {self.since}"
        if self.until and published > self.until:
            return f"submitted after {self.until}"
        return None

    def signature(self) -> str:
        return f"categories={','.join(self.prefixes)}&since={self.since or ''}&until={self.until or ''}"


def checkpoint_key(path: str | Path, flt: SnapshotFilter) -> str:
    """``snapshot:<abs path>?<filters>``: another filter over the same file is another load."""
    return f"snapshot:{Path(path).resolve()}?{flt.signature()}"


# --- streaming --------------------------------------------------------------------------------


def _count_lines(path: Path, upto: int) -> int:
    n = 0
    with path.open("rb") as f:
        while upto > 0:
            chunk = f.read(min(upto, 1 << 20))
            if not chunk:
                break
            n += chunk.count(b"\n")
            upto -= len(chunk)
    return n


def _at_line_start(path: Path, offset: int) -> bool:
    """A checkpoint always follows a newline; if the byte before it is not one, the file changed."""
    if offset == 0:
        return True
    with path.open("rb") as f:
        f.seek(offset - 1)
        return f.read(1) == b"\n" or offset == path.stat().st_size


def read_lines(path: str | Path, start: int = 0) -> Iterator[tuple[int, int, bytes]]:
    """``(line number, byte offset after the line, line)`` from byte ``start`` on, in binary."""
    path = Path(path)
    lineno = _count_lines(path, start) if start else 0
    with path.open("rb") as f:
        f.seek(start)
        offset = start
        for raw in f:
            offset += len(raw)
            lineno += 1
            yield lineno, offset, raw


def iter_snapshot(
    path: str | Path,
    flt: SnapshotFilter,
    *,
    start: int = 0,
    report: ArxivLoadReport | None = None,
) -> Iterator[tuple[int, Paper | None]]:
    """For every line: ``(offset after it, its paper or None)``; skips and failures go to ``report``."""
    report = report if report is not None else ArxivLoadReport()
    for lineno, end, raw in read_lines(path, start):
        record: Any = None
        if not raw.strip():
            yield end, None
            continue
        try:
            record = json.loads(raw)
            if not isinstance(record, dict):
                raise LineError(f"expected a JSON object, got {type(record).__name__}")
            if not record.get("id"):
                raise LineError("no 'id'")
            reason = flt.category_skip(record)
            published = None
            if reason is None:
                published = first_version_date(record)
                reason = flt.date_skip(published)
            if reason:
                report.skipped += 1
                report.skip_reasons[reason] += 1
                yield end, None
                continue
            yield end, paper_from_snapshot(record, published)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            report.failures.append(f"{path}:{lineno}: not JSON: {exc}")
            yield end, None
        except ValidationError as exc:
            report.failures.append(f"{path}:{lineno}: {record.get('id')}: {describe(exc)}")
            yield end, None
        except (LineError, InvalidIdError, ValueError, TypeError, KeyError) as exc:
            what = f"{record.get('id')}: " if isinstance(record, dict) and record.get("id") else ""
            report.failures.append(f"{path}:{lineno}: {what}{exc}")
            yield end, None


def iter_records(
    path: str | Path,
    *,
    categories: Iterable[str] | None = DEFAULT_CATEGORIES,
    since: dt.date | None = None,
    until: dt.date | None = None,
    report: ArxivLoadReport | None = None,
) -> Iterator[Any]:
    """Validated Paper, Author and Edge records from the snapshot, lazily."""
    retrieved = dt.date.fromtimestamp(Path(path).stat().st_mtime)
    for _, paper in iter_snapshot(path, SnapshotFilter(categories, since, until), report=report):
        if paper:
            yield from paper_records(paper, abs_url(paper.id), retrieved)


# --- the loader -----------------------------------------------------------------------------


def load_snapshot(
    store: GraphStore,
    path: str | Path,
    *,
    categories: Sequence[str] | None = DEFAULT_CATEGORIES,
    since: dt.date | None = None,
    until: dt.date | None = None,
    batch_size: int = BATCH_SIZE,
    progress: ProgressFn | None = None,
    resume: bool = True,
    retrieved: dt.date | None = None,
) -> ArxivLoadReport:
    """Stream the file into the store in batches of about ``batch_size`` records, resumably.

    ``retrieved`` (the provenance date) defaults to the file's modification day, so re-running the
    same file on another day changes nothing.
    """
    path = Path(path)
    flt = SnapshotFilter(categories, since, until)
    key = checkpoint_key(path, flt)
    stat = path.stat()
    report = ArxivLoadReport()
    start = 0
    mark = store.checkpoint(key) if resume else None
    if mark:
        start = int(mark)
        if start > stat.st_size or not _at_line_start(path, start):
            report.notes.append(f"checkpoint at byte {start:,} does not fit {path} (file replaced?): starting over")
            start = 0
        elif start == stat.st_size:
            report.notes.append(
                f"{path} was loaded completely before with these filters: nothing to do (--restart to redo)"
            )
        else:
            report.notes.append(f"resumed at byte {start:,} of {stat.st_size:,} from an earlier run")
    retrieved = retrieved or dt.date.fromtimestamp(stat.st_mtime)

    started = time.monotonic()
    written = ArxivLoadReport()  # the writer's counts; the reader thread owns `report` until the end

    def tick(item: _Chunk) -> None:
        if progress:
            rate = item.read / max(time.monotonic() - started, 1e-9)
            progress(Progress(papers=item.read, rate=rate, done=item.offset, total=stat.st_size, unit="bytes"))

    lines = iter_snapshot(path, flt, start=start, report=report)
    # Reading, validating and flattening a batch (Python) overlaps writing the one before it.
    for item in pipelined(_chunks(lines, batch_size, key, start, retrieved), depth=1):
        if item.batch is not None:
            write_papers(store, item.papers, written, item.batch)
        tick(item)
    report += written
    return report


@dataclass
class _Chunk:
    """A batch ready to write (``batch`` None: only a progress tick), and how far the file is read."""

    papers: list[Paper]
    batch: Batch | None
    offset: int
    read: int  # papers read so far


def _chunks(
    lines: Iterable[tuple[int, Paper | None]], batch_size: int, key: str, start: int, retrieved: dt.date
) -> Iterator[_Chunk]:
    """Group papers into batches of about ``batch_size`` records, each with its checkpoint."""
    pending: list[Paper] = []
    size, read, committed, offset = 0, 0, start, start
    for n, (offset, paper) in enumerate(lines, 1):
        if paper:
            pending.append(paper)
            size += paper_size(paper)
            read += 1
        if size >= batch_size:
            yield _Chunk(pending, prepare_papers(pending, retrieved, (key, str(offset))), offset, read)
            pending, size, committed = [], 0, offset
        elif n % TICK_LINES == 0:
            yield _Chunk([], None, offset, read)
    if pending or offset != committed:
        yield _Chunk(pending, prepare_papers(pending, retrieved, (key, str(offset))), offset, read)
