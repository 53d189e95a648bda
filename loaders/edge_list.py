"""Citation edge lists: ``lineage load citations FILE [--dates FILE] [--archive hep-th]``.

Two layouts, told apart by the first line that is not a ``#`` comment:

* **plain** (SNAP): two columns of paper ids separated by tabs, spaces or a comma,
  ``citing cited``; ``#`` lines are comments. Example: ``Cit-HepTh.txt``.
* **CSV with a header** naming the two columns: ``source,target``, ``citing,cited`` or
  ``FromNodeId,ToNodeId`` (any case; other columns are ignored).

Ids may be any spelling :func:`graph.ids.normalize_id` accepts (``2310.06825v2``,
``hep-th/9201001``, ``doi:10.…``) or, with ``archive``, the bare integers of the SNAP arXiv
graphs: leading zeros are dropped there, so ``9201001`` is ``hep-th/9201001`` and ``1001`` is
``hep-th/0001001`` (:func:`old_style_id`). CRLF line endings and a missing final newline are fine.

The optional dates file (``NodeId,Date`` CSV, or SNAP's tab-separated form with ``#``
comments) sets ``Paper.published`` on the papers the edge list names. SNAP marks papers
cross-listed into the archive with an extra ``11`` in front of the number without its leading
zeros (``11203090`` is ``hep-th/0203090``, ``113046`` is ``hep-th/0003046``); where a number
reads validly both with and without the marker, the row's date decides (:func:`dated_id`).
When a paper has several dates, the earliest is kept (``published`` is the first-version
date, and a cross-listing can only come later).

Papers are written as :func:`loaders.paper_nodes.placeholder_paper` (title = the id) unless
the store already has them, in which case only a missing date is filled. Self-citations
(five in cit-HepTh) are skipped and counted; malformed lines are failures naming
``file:line``, and everything else still loads. Bare numbers without ``archive`` stop the load at
the first one (:class:`~graph.errors.DataFileError`): the whole file would fail the same way.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from graph.errors import DataFileError
from graph.ids import OLD_ARXIV, InvalidIdError, label_of, normalize_id
from graph.schema import Edge, EdgeType, Provenance, Source
from graph.store import GraphStore, upsert
from loaders.paper_nodes import SourceReport, paper_record, stored_nodes

SOURCE_COLUMNS = ("source", "citing", "fromnodeid", "from", "src")
TARGET_COLUMNS = ("target", "cited", "tonodeid", "to", "dst")
CROSS_LIST_MARKER = "11"  # SNAP dates: "11" + number marks a paper cross-listed into the archive
_SPLIT = re.compile(r"[\t ,;]+")


def old_style_id(number: str | int, archive: str) -> str:
    """A SNAP integer id → the old-style arXiv id ``archive/YYMMNNN``.

    Old-style numbers ran from 1991 to March 2007, so ``YY`` must be 91–99 or 00–07.

    >>> old_style_id("9201001", "hep-th"), old_style_id(1001, "hep-th")
    ('arxiv:hep-th/9201001', 'arxiv:hep-th/0001001')
    """
    text = str(number).strip()
    if not text.isdigit() or len(text) > 7:
        raise InvalidIdError(f"{number!r} is not an old-style arXiv number (at most 7 digits)")
    digits = text.zfill(7)
    year, month = int(digits[:2]), int(digits[2:4])
    if not (1 <= month <= 12 and (year >= 91 or year <= 7) and int(digits[4:])):
        raise InvalidIdError(f"{number!r} ({digits}) is not YYMMNNN with a year 1991-2007")
    arxiv_id = f"{archive}/{digits}"
    if not OLD_ARXIV.match(arxiv_id):
        raise InvalidIdError(f"{archive!r} is not an arXiv archive name")
    return normalize_id(arxiv_id)


def _month_of(digits: str) -> int:
    """Months since 1900 of an old-style number's YYMM (used to compare readings with a date)."""
    digits = digits.zfill(7)
    year = int(digits[:2])
    return (1900 + year if year >= 91 else 2000 + year) * 12 + int(digits[2:4])


def dated_id(token: str, day: dt.date, archive: str | None) -> str:
    """The paper a dates-file row names, reading SNAP's cross-listing marker.

    A number may carry the marker (``11`` + the number without leading zeros), and some read
    validly both ways: ``111045`` is hep-th/0111045 (Nov 2001) or the marked ``1045``
    (hep-th/0001045, Jan 2000). The row's date decides: the reading whose YYMM is nearer.
    In cit-HepTh every row resolves this way.
    """
    token = token.strip()
    if not (token.isdigit() and archive):
        return paper_id(token, archive)
    readings: list[tuple[int, str]] = []
    month = day.year * 12 + day.month
    for digits in (token, token[len(CROSS_LIST_MARKER) :] if token.startswith(CROSS_LIST_MARKER) else ""):
        try:
            readings.append((abs(month - _month_of(digits)), old_style_id(digits, archive)))
        except InvalidIdError:
            continue
    if not readings:
        raise InvalidIdError(f"{token!r} is neither an old-style number nor one marked '11' as cross-listed")
    return min(readings)[1]


def paper_id(token: str, archive: str | None) -> str:
    """One id token of an edge list or dates file → a canonical Paper id."""
    token = token.strip().strip('"')
    if token.isdigit():
        if not archive:
            raise InvalidIdError(f"{token!r} is a bare number: give the archive (e.g. --archive hep-th)")
        return old_style_id(token, archive)
    node_id = normalize_id(token)
    if label_of(node_id) != "Paper":
        raise InvalidIdError(f"{token!r} is a {label_of(node_id)} id; citations join papers")
    return node_id


@dataclass(frozen=True)
class Citation:
    line: int
    citing: str
    cited: str
    raw: str  # the two ids as written, for the evidence


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise DataFileError(path, None, f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise DataFileError(path, None, f"not UTF-8 text: {exc.reason}") from None
    for number, line in enumerate(text.splitlines(), 1):  # splitlines handles CRLF and no final newline
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield number, stripped


def _header(fields: list[str], path: Path, line: int) -> tuple[int, int] | None:
    names = [f.strip().strip('"').lower() for f in fields]
    if not any(re.search(r"[a-z]{3}", n) and not re.match(r"^(arxiv:|doi:|s2:|\d|[a-z-]+/\d)", n) for n in names):
        return None
    try:
        src = next(i for i, n in enumerate(names) if n in SOURCE_COLUMNS)
        dst = next(i for i, n in enumerate(names) if n in TARGET_COLUMNS)
    except StopIteration:
        raise DataFileError(
            path,
            line,
            f"header {','.join(fields)!r} must name a source column ({'/'.join(SOURCE_COLUMNS[:2])}) "
            f"and a target column ({'/'.join(TARGET_COLUMNS[:2])})",
        ) from None
    return src, dst


def read_edge_list(path: str | Path, archive: str | None, failures: list[str]) -> Iterator[Citation]:
    """Citations in file order; a bad line is appended to ``failures`` as ``file:line: …``."""
    path = Path(path)
    lines = _lines(path)
    first = next(lines, None)
    if first is None:
        return
    is_csv = "," in first[1]
    fields = next(csv.reader([first[1]])) if is_csv else _SPLIT.split(first[1])
    columns = _header(fields, path, first[0])
    body = lines if columns else _chain(first, lines)
    src_col, dst_col = columns or (0, 1)
    for number, line in body:
        fields = next(csv.reader(io.StringIO(line))) if (is_csv and columns) else _SPLIT.split(line)
        if len(fields) <= max(src_col, dst_col) or (not columns and len(fields) != 2):
            failures.append(f"{path}:{number}: expected two ids, got {line!r}")
            continue
        raw_src, raw_dst = fields[src_col].strip(), fields[dst_col].strip()
        if not archive and (raw_src.isdigit() or raw_dst.isdigit()):  # a whole-file problem: say it once
            bare = raw_src if raw_src.isdigit() else raw_dst
            raise DataFileError(path, number, f"{bare!r} is a bare number: give the archive (e.g. --archive hep-th)")
        try:
            citing, cited = paper_id(raw_src, archive), paper_id(raw_dst, archive)
        except InvalidIdError as exc:
            failures.append(f"{path}:{number}: {exc}")
            continue
        yield Citation(number, citing, cited, f"{raw_src} -> {raw_dst}")


def _chain(first: tuple[int, str], rest: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    yield first
    yield from rest


def read_dates(path: str | Path, archive: str | None, failures: list[str]) -> dict[str, dt.date]:
    """``{paper id: earliest date}`` from a ``NodeId,Date`` CSV or SNAP's tab-separated dates file."""
    path = Path(path)
    out: dict[str, dt.date] = {}
    for number, line in _lines(path):
        fields = _SPLIT.split(line)
        if len(fields) != 2:
            failures.append(f"{path}:{number}: expected 'id,date', got {line!r}")
            continue
        token, text = fields
        try:
            day = dt.date.fromisoformat(text.strip())
        except ValueError:
            if token.strip().lower() in ("nodeid", "id", "paper", "node"):  # the header
                continue
            failures.append(f"{path}:{number}: {text!r} is not a YYYY-MM-DD date")
            continue
        try:
            node_id = dated_id(token, day, archive)
        except InvalidIdError as exc:
            failures.append(f"{path}:{number}: {exc}")
            continue
        if node_id not in out or day < out[node_id]:
            out[node_id] = day
    return out


def load_edge_list(
    store: GraphStore,
    path: str | Path,
    *,
    dates: str | Path | None = None,
    archive: str | None = None,
    batch_size: int = 50_000,
    retrieved: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
) -> SourceReport:
    """Load one edge list (and optionally its dates). Running it again changes nothing.

    ``retrieved`` defaults to the file's modification date, so that reloading the same file
    on another day leaves the provenance as it was.
    """
    path = Path(path)
    report = SourceReport()
    citations = list(read_edge_list(path, archive, report.failures))
    dates_of = read_dates(dates, archive, report.failures) if dates else None
    when = retrieved or dt.date.fromtimestamp(path.stat().st_mtime)

    ids = list(dict.fromkeys(i for c in citations for i in (c.citing, c.cited)))
    stored = stored_nodes(store, ids)
    nodes = []
    for node_id in ids:
        published = dates_of.get(node_id) if dates_of else None
        paper = paper_record(node_id, Source.edge_list, stored, published=published)
        if paper is not None:
            nodes.append(paper)
    report.nodes_unchanged += len(ids) - len(nodes)  # stored papers this file adds nothing to
    if dates_of is not None:
        report.notes.append(f"{sum(1 for i in ids if i in dates_of):,} of {len(ids):,} papers have a date in {dates}")

    edges: dict[tuple[str, str], Edge] = {}
    for c in citations:
        if c.citing == c.cited:
            report.skip("self-citations")
            continue
        if (c.citing, c.cited) in edges:
            report.skip("repeated edges")
            continue
        try:
            edges[(c.citing, c.cited)] = Edge(
                type=EdgeType.CITES,
                source=c.citing,
                target=c.cited,
                provenance=[
                    Provenance(source=Source.edge_list, evidence=f"{path.name}:{c.line}: {c.raw}", retrieved=when)
                ],
            )
        except ValidationError as exc:  # pragma: no cover - ids are validated above
            report.failures.append(f"{path}:{c.line}: {exc.errors()[0]['msg']}")
    report += upsert(store, [*nodes, *edges.values()], batch_size=batch_size, progress=progress)
    return report
