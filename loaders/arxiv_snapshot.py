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
import gc
import json
import multiprocessing
import os
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from graph.dates import refresh_dates
from graph.ids import InvalidIdError, parse_arxiv_id
from graph.schema import Paper, Source
from graph.store import Batch, GraphStore, pipelined
from loaders.arxiv_api import (
    ArxivLoadReport,
    Progress,
    ProgressFn,
    abs_url,
    clean,
    curated_papers,
    paper_records,
    prepare_papers,
    write_papers,
)
from loaders.shown import cut, shown, validation_line

DEFAULT_CATEGORIES = ("cs.CL", "cs.LG", "cs.AI", "stat.ML")
#: Records per batch (a paper, its authors and AUTHORED edges are ~10 records): one Neo4j
#: transaction. The embedded store commits many batches at once (graph/ladybug_bulk.py).
BATCH_SIZE = 50_000


class LineError(ValueError):
    """A line that cannot become a paper; the loader prefixes FILE:LINE."""


def _wrong_type(key: str, value: Any, expected: str) -> LineError:
    return LineError(f"{key!r} must be {expected}, not {type(value).__name__} ({shown(value, 60)})")


#: Snapshot fields read as text: each a string or null. A number or a list there is a bad
#: record (reported with its line and skipped), never a crash of the whole load.
_STRING_FIELDS = ("categories", "update_date", "title", "abstract", "doi", "journal-ref", "comments")


def check_types(record: dict[str, Any]) -> None:
    """Raise :class:`LineError` for the first field of the wrong JSON type (kept records only)."""
    for key in _STRING_FIELDS:
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            raise _wrong_type(key, value, "a string")
    for key in ("versions", "authors_parsed"):
        value = record.get(key)
        if value is not None and not isinstance(value, list):
            raise _wrong_type(key, value, "a list")


# --- one record --------------------------------------------------------------------------


_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}  # RFC 2822 names, whatever the locale


def first_version_date(record: dict[str, Any]) -> dt.date | None:
    """Submission date of v1: ``versions[0].created`` is RFC 2822 (``Mon, 2 Apr 2007 19:18:42 GMT``).

    The snapshot always writes GMT in that one shape, which is read directly; anything else goes
    through :func:`email.utils.parsedate_to_datetime`, which is slow enough to show in a load.
    """
    versions = record.get("versions") or []
    created = versions[0].get("created") if versions and isinstance(versions[0], dict) else None
    if not created:
        return None
    if not isinstance(created, str):
        raise _wrong_type("versions[0].created", created, "a string")
    parts = created.split()
    # day, month, four-digit year, HH:MM:SS, GMT (the parser reads two-digit years as 19xx/20xx)
    if len(parts) == 6 and parts[5] == "GMT" and parts[2] in _MONTHS and len(parts[3]) == 4 and len(parts[4]) == 8:
        try:
            dt.time.fromisoformat(parts[4])  # an impossible time fails, as it does in the parser
            return dt.date(int(parts[3]), _MONTHS[parts[2]], int(parts[1]))
        except ValueError:
            pass  # e.g. 31 Feb or 25:99:00: let the full parser name the problem
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
    check_types(record)
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
        if not isinstance(cats, str):
            raise _wrong_type("categories", cats, "a string")
        if any(c.startswith(self.prefixes) for c in cats.split()):
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


def read_lines(
    path: str | Path, start: int = 0, stop: int | None = None, first_line: int | None = None
) -> Iterator[tuple[int, int, bytes]]:
    """``(line number, byte offset after the line, line)`` from byte ``start`` to ``stop``, in binary.

    ``first_line``: how many lines come before ``start`` (counted when not given).
    """
    path = Path(path)
    lineno = first_line if first_line is not None else (_count_lines(path, start) if start else 0)
    with path.open("rb") as f:
        f.seek(start)
        offset = start
        for raw in f:
            if stop is not None and offset >= stop:
                return
            offset += len(raw)
            lineno += 1
            yield lineno, offset, raw


def iter_snapshot(
    path: str | Path,
    flt: SnapshotFilter,
    *,
    start: int = 0,
    report: ArxivLoadReport | None = None,
    stop: int | None = None,
    first_line: int | None = None,
) -> Iterator[tuple[int, Paper | None]]:
    """For every line: ``(offset after it, its paper or None)``; skips and failures go to ``report``."""
    report = report if report is not None else ArxivLoadReport()
    for lineno, end, raw in read_lines(path, start, stop, first_line):
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
            report.failures.append(f"{path}:{lineno}: not JSON: {cut(str(exc))}")
            yield end, None
        except RecursionError:  # json.loads recurses once per level of nesting
            report.failures.append(f"{path}:{lineno}: not JSON we read: nested too deeply")
            yield end, None
        except ValidationError as exc:
            report.failures.append(f"{path}:{lineno}: {_record_id(record)}: {validation_line(exc.errors()[0])}")
            yield end, None
        except (LineError, InvalidIdError, ValueError, TypeError, KeyError, AttributeError) as exc:
            what = f"{_record_id(record)}: " if isinstance(record, dict) and record.get("id") else ""
            report.failures.append(f"{path}:{lineno}: {what}{cut(str(exc))}")
            yield end, None


def _record_id(record: dict[str, Any]) -> str:
    """The record's id as a failure line shows it (as written, cut)."""
    value = record.get("id")
    return cut(value, 100) if isinstance(value, str) else shown(value, 100)


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


# --- parsing in parallel ------------------------------------------------------------------------

#: One parsing task, and one batch, is a range of about ``batch_size`` records times this many
#: bytes (~10 records a line of ~1.8 KB in the real file when every line is kept), at most
#: RANGE_BYTES. Workers read their own range of the file.
RANGE_BYTES_PER_RECORD = 180
RANGE_BYTES = 64 << 20
#: Less than this is parsed in-process: starting worker processes costs about a second.
PARALLEL_FROM = 4 * RANGE_BYTES


@dataclass
class Parsed:
    """One byte range parsed: its papers as a prepared batch, and what was skipped or failed."""

    end: int  # byte offset after the range's last line
    batch: Batch
    papers: int
    skipped: int
    skip_reasons: Counter[str]
    failures: list[str]


def byte_ranges(path: Path, start: int, size: int = RANGE_BYTES) -> Iterator[tuple[int, int, int]]:
    """``(start, end, lines before start)`` of consecutive line-aligned ranges of about ``size`` bytes."""
    lineno = _count_lines(path, start) if start else 0
    with path.open("rb") as f:
        f.seek(start)
        while chunk := f.read(size):
            if not chunk.endswith(b"\n"):
                chunk += f.readline()
            yield start, start + len(chunk), lineno
            start += len(chunk)
            lineno += chunk.count(b"\n")


def parse_range(
    path: str,
    flt: SnapshotFilter,
    start: int,
    end: int,
    first_line: int,
    retrieved: dt.date,
    key: str,
    tables: Callable[[Batch], dict[str, Any]] | None = None,
) -> Parsed:
    """Parse, validate and flatten one range into a sealed batch (:meth:`Batch.seal`, with the
    store's ``tables``), in a worker process or in-process for small loads.

    The collector is paused meanwhile: a range allocates ~100k objects that all live until it
    is returned, and collecting them over and over was a large part of the time.
    """
    report = ArxivLoadReport()
    collecting = gc.isenabled()
    gc.disable()
    try:
        lines = iter_snapshot(path, flt, start=start, report=report, stop=end, first_line=first_line)
        papers = [paper for _, paper in lines if paper]
        batch = prepare_papers(papers, retrieved, (key, str(end))).seal(tables)
    finally:
        if collecting:
            gc.enable()
    return Parsed(end, batch, len(papers), report.skipped, report.skip_reasons, report.failures)


def _worker_start(parent: int) -> None:
    """Ctrl-C goes to the whole process group: the loader stops the workers itself. A worker
    whose loader was killed outright exits too (they were left parsing, orphaned)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="lineage-orphan-watch", daemon=True).start()


def parsed_ranges(
    path: Path,
    flt: SnapshotFilter,
    start: int,
    retrieved: dt.date,
    key: str,
    workers: int,
    batch_size: int,
    tables: Callable[[Batch], dict[str, Any]] | None = None,
) -> Iterator[Parsed]:
    """Every range from ``start`` on, parsed, in file order; ``workers`` processes (0: in-process)."""
    ranges = byte_ranges(path, start, min(RANGE_BYTES, max(1, batch_size * RANGE_BYTES_PER_RECORD)))
    if workers <= 0:
        for a, b, first in ranges:
            yield parse_range(str(path), flt, a, b, first, retrieved, key, tables)
        return
    # spawn, not fork: the parent holds a database engine and driver threads.
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_start, initargs=(os.getpid(),)
    )
    pending: deque[Future[Parsed]] = deque()
    try:
        for a, b, first in ranges:
            pending.append(pool.submit(parse_range, str(path), flt, a, b, first, retrieved, key, tables))
            # Bounded read-ahead: memory stays a few ranges. (Parsing further ahead through a
            # spool on disk was slower: on two cores the workers then take the CPU the writer
            # and the engine need; BENCHMARKS.md, design measurements.)
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def default_workers(path: Path, start: int) -> int:
    """Parsing processes for a load: one per core, none for a small file."""
    return (os.cpu_count() or 1) if path.stat().st_size - start >= PARALLEL_FROM else 0


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
    workers: int | None = None,
    commit_rows: int | None = None,
) -> ArxivLoadReport:
    """Stream the file into the store in batches of about ``batch_size`` records, resumably.

    ``retrieved`` (the provenance date) defaults to the file's modification day, so re-running the
    same file on another day changes nothing. ``workers``: parsing processes (None: one per
    core for a big file, none for a small one). ``commit_rows``: see :meth:`GraphStore.bulk`.
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
    workers = default_workers(path, start) if workers is None else workers

    def tick(item: _Chunk) -> None:
        if progress:
            rate = item.read / max(time.monotonic() - started, 1e-9)
            progress(Progress(papers=item.read, rate=rate, done=item.offset, total=stat.st_size, unit="bytes"))

    ranges = parsed_ranges(path, flt, start, retrieved, key, workers, batch_size, store.bulk_tables)
    curated = curated_papers(store)
    # Receiving parsed ranges (and, in-process, parsing them) overlaps writing the batch before;
    # the bulk writer decides when to commit (see GraphStore.bulk).
    with store.bulk(commit_rows, late=written) as write:
        for item in pipelined(_chunks(ranges, report), depth=1):
            write_papers(store, written, item.batch, write, curated)
            tick(item)
    report += written
    report += refresh_dates(store)  # a paper dated now dates what it introduces (graph/dates.py)
    return report


@dataclass
class _Chunk:
    """A batch ready to write, and how far the file is read."""

    batch: Batch
    offset: int
    read: int  # papers read so far


def _chunks(ranges: Iterable[Parsed], report: ArxivLoadReport) -> Iterator[_Chunk]:
    """One batch a range (with the checkpoint at its end); skips and failures go to ``report``."""
    read = 0
    for part in ranges:
        report.skipped += part.skipped
        report.skip_reasons.update(part.skip_reasons)
        report.failures.extend(part.failures)
        read += part.papers
        yield _Chunk(part.batch, part.end, read)
