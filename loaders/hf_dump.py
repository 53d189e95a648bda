"""The whole Hub from its card dump: ``lineage load hf-dump FILE.parquet``.

The dump is the Hub dataset ``librarian-bots/model_cards_with_metadata``: one Parquet row per
model repo. What this module relies on (the dataset viewer's column list and the dataset card's
``dataset_info``, checked in Dec 2026; the columns were renamed once, so both spellings are read):

=====================  =============================  ==========================================
column                 Arrow type                     becomes
=====================  =============================  ==========================================
``modelId``            string                         the repo id: the node (required)
``card``               string (the whole README.md)   card parser (required)
``createdAt``          timestamp[us, tz=UTC]          ``release_date`` (older files: ``created``,
                                                      timestamp[us]; an ISO string is read too)
``downloads``          int64                          ``downloads``
``likes``              int64                          ``likes``
``library_name``       string, nullable               ``library``
``pipeline_tag``       string, nullable               ``pipeline_tag``
``tags``               list<string>                   ``license`` when the card's front matter
                                                      has none (the Hub's ``license:…`` tag)
=====================  =============================  ==========================================

``author`` and ``last_modified`` are in the dump but not read. Each card goes through the card
loader's own parser (:func:`loaders.hf_cards.read_card` and :func:`~loaders.hf_cards.plan_card`),
so kinds, papers, datasets and methods come out as from card files; the row's metadata sets the
model node's fields, with ``sources: hf_hub`` as the live Hub loader writes them. A repo that a
curated model claims (its ``hf_id`` or an official checkpoint alias) is that model, whose
properties are left alone.

Streamed: Parquet row groups are read with :meth:`pyarrow.parquet.ParquetFile.iter_batches`,
the needed columns only, so memory is one batch of cards. Written through the store's bulk path
(:meth:`graph.store.GraphStore.bulk`, as the arXiv snapshot) with a checkpoint, the row offset
reached, in each batch: a re-run resumes there, and a finished file is not read again
(``resume=False`` redoes it, changing nothing). A card that names a base model whose own row
comes later in the file has its edge written with that row (so the base is written once, with
its metadata, never first as a placeholder); meanwhile the checkpoint stays before the card, so
an interruption loses nothing. A base the file does not hold becomes a ``model:hf.*`` node with
its repo id only.

Bad input, one line each, the rest loading: a missing or mistyped column (``modelId`` or
``card`` missing: nothing can load, nothing is written), a row group that cannot be read (its
rows are skipped), a card whose front matter is broken (the model loads without its lineage),
a ``base_model`` that would close a lineage cycle.
"""

from __future__ import annotations

import datetime as dt
import gc
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from graph.dates import refresh_dates
from graph.ids import InvalidIdError, dataset_id, label_of
from graph.schema import BuildKind, Dataset, Method, Model, Source, edge_row, node_row, provenance_of
from graph.store import Batch, GraphStore
from loaders.arxiv_api import Progress
from loaders.hf_cards import (
    Card,
    CardError,
    CardPlan,
    base_models,
    card_datasets,
    curated_methods,
    hf_index,
    hf_model_id,
    is_repo_id,
    plan_card,
    read_card,
    with_hub_license,
)
from loaders.paper_nodes import SourceReport, placeholder_paper
from loaders.shown import cut, shown, validation_line

#: Cards per batch: one Neo4j transaction and checkpoint (the embedded store commits many).
BATCH_SIZE = 5000
REQUIRED = ("modelId", "card")
#: Column → the older dump's name for it.
OPTIONAL = {
    "createdAt": "created",
    "downloads": None,
    "likes": None,
    "library_name": None,
    "pipeline_tag": None,
    "tags": None,
}
_KINDS = {
    "modelId": "string",
    "card": "string",
    "createdAt": "timestamp or string",
    "downloads": "integer",
    "likes": "integer",
    "library_name": "string",
    "pipeline_tag": "string",
    "tags": "list of strings",
}
_LINEAGE = {k.value for k in BuildKind} - {BuildKind.uses_method.value}


class DumpError(ValueError):
    """A dump that cannot be loaded at all; the message names the file."""


def _fits(kind: str, typ: Any) -> bool:
    import pyarrow as pa

    if kind == "string":
        return pa.types.is_string(typ) or pa.types.is_large_string(typ) or pa.types.is_null(typ)
    if kind == "integer":
        return pa.types.is_integer(typ) or pa.types.is_null(typ)
    if kind == "timestamp or string":
        return pa.types.is_timestamp(typ) or pa.types.is_date(typ) or _fits("string", typ)
    value = getattr(typ, "value_type", None)
    return pa.types.is_null(typ) or (
        (pa.types.is_list(typ) or pa.types.is_large_list(typ)) and value is not None and _fits("string", value)
    )


def open_dump(path: str | Path, report: SourceReport) -> tuple[Any, dict[str, str]]:
    """``(ParquetFile, {column we read: its name in the file})``; a missing or mistyped optional
    column is a failure in ``report`` (its field stays empty), a required one a :class:`DumpError`."""
    import pyarrow.parquet as pq

    path = Path(path)
    try:
        pf = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise DumpError(f"{path}: not a Parquet file we can read: {cut(str(exc))}") from None
    schema = pf.schema_arrow
    names = set(schema.names)
    columns: dict[str, str] = {}
    for col in (*REQUIRED, *OPTIONAL):
        name = col if col in names else OPTIONAL.get(col) if OPTIONAL.get(col) in names else None
        if name is None:
            if col in REQUIRED:
                raise DumpError(f"{path}: no {col!r} column; a card dump has {', '.join(REQUIRED)} (nothing loaded)")
            report.failures.append(f"{path}: no {col!r} column: the models' {col} stays empty")
            continue
        typ = schema.field(name).type
        if not _fits(_KINDS[col], typ):
            message = f"{path}: column {name!r} is {typ}, not {_KINDS[col]}"
            if col in REQUIRED:
                raise DumpError(message + " (nothing loaded)")
            report.failures.append(message + f": the models' {col} stays empty")
            continue
        columns[col] = name
    return pf, columns


def checkpoint_key(path: str | Path) -> str:
    return f"hf-dump:{Path(path).resolve()}"


# --- rows --------------------------------------------------------------------------------------


@dataclass
class Row:
    """One dump row, as read (index: 0-based row number in the file)."""

    index: int
    repo: Any
    card: Any
    created: Any = None
    downloads: Any = None
    likes: Any = None
    library: Any = None
    pipeline: Any = None
    tags: Any = None


def row_groups(pf: Any, start: int) -> Iterator[tuple[int, int, int]]:
    """``(row group, its first row, the row after it)`` of the groups that hold rows from ``start`` on."""
    first = 0
    for group in range(pf.metadata.num_row_groups):
        begin, first = first, first + pf.metadata.row_group(group).num_rows
        if first > start:
            yield group, begin, first


def group_chunks(
    pf: Any,
    columns: dict[str, str],
    path: Path,
    group: tuple[int, int, int],
    start: int,
    size: int,
    report: SourceReport,
) -> Iterator[tuple[int, list[Row]]]:
    """``(row offset after the chunk, its rows)`` of one row group, from row ``start`` on; a row
    group that cannot be read is a failure naming it, and its rows (from there) are skipped."""
    number, begin, end = group
    at = begin
    names = list(dict.fromkeys(columns.values()))
    try:
        for record in pf.iter_batches(batch_size=size, row_groups=[number], columns=names):
            data = {col: record.column(name).to_pylist() for col, name in columns.items()}
            n = record.num_rows
            rows = [
                Row(at + i, data["modelId"][i], data["card"][i], *(data[c][i] if c in data else None for c in OPTIONAL))
                for i in range(n)
                if at + i >= start
            ]
            at += n
            yield at, rows
    except (OSError, ValueError, IndexError) as exc:  # pyarrow: ArrowInvalid/ArrowIOError, thrift errors
        report.failures.append(
            f"{path}: row group {number} (rows {at:,}-{end - 1:,}) cannot be read: {cut(str(exc), 200)}; "
            "those rows were not loaded"
        )
        yield end, []


def iter_chunks(
    pf: Any, columns: dict[str, str], path: Path, start: int, size: int, report: SourceReport
) -> Iterator[tuple[int, list[Row]]]:
    """:func:`group_chunks` of every row group from row ``start`` on."""
    for group in row_groups(pf, start):
        yield from group_chunks(pf, columns, path, group, start, size, report)


# --- parsing in worker processes ----------------------------------------------------------------

#: Fewer rows than this are parsed in-process: starting worker processes costs a second or two.
PARALLEL_FROM = 20_000
#: Rows a worker reads at a time: their card texts are most of its memory.
READ_ROWS = 1000
_OPEN: dict[str, Any] = {}


def plan_group(
    path: str,
    columns: dict[str, str],
    group: tuple[int, int, int],
    start: int,
    size: int,
    index: dict[str, str],
    retrieved: dt.date,
) -> tuple[list[tuple[int, list[Planned]]], list[str]]:
    """One row group read and planned in a worker process: its chunks, and the read failure if any.
    The plans go back as plain rows (:class:`Planned`): no card text, no records to pickle."""
    import pyarrow.parquet as pq

    from graph.memory import release_free_heap

    pf = _OPEN.get(path) or _OPEN.setdefault(path, pq.ParquetFile(path))
    report = SourceReport()
    out: list[tuple[int, list[Planned]]] = []
    plans: list[Planned] = []
    collecting = gc.isenabled()
    gc.disable()  # a row group's objects all live until it returns: collecting them is wasted work
    try:  # read a few cards at a time (their texts are most of a worker's memory), sent in chunks of `size`
        file = Path(path)
        for end, rows in group_chunks(pf, columns, file, group, start, min(size, READ_ROWS), report):
            plans += [planned(plan_row(row, file, index, retrieved), index) for row in rows]
            if len(plans) >= size or end >= group[2]:
                out.append((end, plans))
                plans = []
    finally:
        if collecting:
            gc.enable()
    release_free_heap()  # the texts read are freed: give their pages back (RSS counts)
    return out, report.failures


def planned_in_workers(
    pf: Any,
    columns: dict[str, str],
    path: Path,
    start: int,
    size: int,
    index: dict[str, str],
    retrieved: dt.date,
    workers: int,
    report: SourceReport,
) -> Iterator[tuple[int, list[Planned]]]:
    """Every row group from ``start`` on, planned by ``workers`` processes, in file order (a
    bounded read-ahead: memory stays a few row groups)."""
    import multiprocessing
    import os
    from collections import deque
    from concurrent.futures import Future, ProcessPoolExecutor

    from loaders.arxiv_snapshot import _worker_start

    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_start, initargs=(os.getpid(),)
    )
    pending: deque[Future[Any]] = deque()

    def done() -> Iterator[tuple[int, list[Planned]]]:
        chunks, failures = pending.popleft().result()
        report.failures.extend(failures)
        yield from chunks

    try:
        for group in row_groups(pf, start):
            pending.append(pool.submit(plan_group, str(path), columns, group, start, size, index, retrieved))
            if len(pending) > workers:
                yield from done()
        while pending:
            yield from done()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and value >= 0 else None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def model_node(row: Row, plan: CardPlan, repo: str) -> Model:
    """The row's model with the Hub's facts; its license is the card parser's (:func:`card_license`)."""
    return Model(
        id=plan.model,
        name=repo.rsplit("/", 1)[-1],
        hf_id=repo,
        release_date=_day(row.created),
        license=plan.license,
        license_name=plan.license_name,
        downloads=_count(row.downloads),
        likes=_count(row.likes),
        pipeline_tag=_text(row.pipeline),
        library=_text(row.library),
        sources=[Source.hf_hub],
    )


@dataclass
class RowPlan:
    """What one row states: its model node (None: a curated model), the card's plan, failures."""

    index: int
    plan: CardPlan | None
    node: Model | None = None
    failures: list[str] = field(default_factory=list)


def plan_row(row: Row, path: Path, index: dict[str, str], retrieved: dt.date) -> RowPlan:
    """Parse one row's card and metadata (nothing is read from the store)."""
    where = f"{path} row {row.index:,}"
    repo = row.repo.strip() if isinstance(row.repo, str) else row.repo
    if not isinstance(repo, str) or not is_repo_id(repo):
        return RowPlan(row.index, None, failures=[f"{where}: modelId {shown(row.repo, 100)} is not a repo id; skipped"])
    where = f"{where} ({repo})"
    text = row.card if isinstance(row.card, str) else ""
    created = _day(row.created)
    out = RowPlan(row.index, None)
    try:
        card = read_card(Path(where), repo, text, created)
        card.meta = with_hub_license(card.meta, row.tags)
        out.plan = plan_card(card, index, retrieved)
    except (CardError, InvalidIdError, ValidationError, ValueError, TypeError) as exc:
        message = str(exc) if isinstance(exc, CardError) else f"{where}: {_reason(exc)}"
        out.failures.append(message + " (the model loads without what its card states)")
        card = Card(Path(where), repo, {}, "", False, created)
        try:
            out.plan = CardPlan(card, index.get(repo.lower()) or hf_model_id(repo))
        except InvalidIdError as bad:
            return RowPlan(row.index, None, failures=[f"{where}: {bad}; skipped"])
    out.failures += out.plan.failures
    if out.plan.model.startswith("model:hf."):
        try:
            out.node = model_node(row, out.plan, repo)
        except ValidationError as exc:
            out.failures.append(f"{where}: {_reason(exc)}; the model loads with its repo id only")
            out.node = Model(id=out.plan.model, name=repo.rsplit("/", 1)[-1], hf_id=repo, sources=[Source.hf_hub])
    return out


@dataclass
class Planned:
    """What the writer needs of one row, as plain values (:func:`planned`): node and edge rows
    made where the card was parsed, so the writer's process builds no records."""

    index: int
    model: str | None  # None: the row was skipped
    node: dict[str, Any] | None  # the model's node row (None: a curated model, left alone)
    path: str = ""  # the card, for messages
    front_matter: bool = False
    names: list[tuple[str, str]] = field(default_factory=list)  # (node id, repo id as the card wrote it)
    lineage: list[tuple[str, str]] = field(default_factory=list)  # (model, base) of the lineage edges
    edges: list[tuple[tuple[str, str, str, str], dict[str, Any]]] = field(default_factory=list)  # (key, row)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def planned(rp: RowPlan, index: dict[str, str]) -> Planned:
    """One :class:`RowPlan` as the writer takes it: rows instead of records."""
    plan = rp.plan
    if plan is None:
        return Planned(rp.index, None, None, failures=rp.failures)
    edges = [*plan.builds_on, *plan.papers, *plan.trained_on, *plan.methods]
    return Planned(
        rp.index,
        plan.model,
        node_row(rp.node) if rp.node is not None else None,
        str(plan.card.path),
        plan.card.has_front_matter,
        list(_card_names(plan, index)),
        [(e.source, e.target) for e in plan.builds_on if e.kind and e.kind.value in _LINEAGE],
        [(e.key, edge_row(e)) for e in edges],
        plan.notes,
        rp.failures,
    )


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return validation_line(exc.errors()[0])
    return cut(str(exc)) or type(exc).__name__


# --- the lineage so far: cycles ----------------------------------------------------------------


class Lineage:
    """Model → bases, for the cycle check: a new edge ``a → b`` closes a cycle iff ``a`` is
    reachable from ``b``. Bases are few per model, so the walk up is short."""

    def __init__(self) -> None:
        self.up: dict[str, str | tuple[str, ...]] = {}  # one base as itself: most models have one

    def add(self, a: str, b: str) -> None:
        have = self.bases(a)
        if b not in have:
            self.up[a] = (*have, b) if have else b

    def bases(self, a: str) -> tuple[str, ...]:
        have = self.up.get(a, ())
        return (have,) if isinstance(have, str) else have

    def path(self, start: str, goal: str) -> list[str] | None:
        """A path ``start → … → goal`` along bases, or None."""
        stack, came = [start], {start: ""}
        while stack:
            node = stack.pop()
            if node == goal:
                out = [node]
                while came[out[-1]]:
                    out.append(came[out[-1]])
                return out[::-1]
            for nxt in self.bases(node):
                if nxt not in came:
                    came[nxt] = node
                    stack.append(nxt)
        return None


def stored_lineage(store: GraphStore) -> Lineage:
    lineage = Lineage()
    rows = store.read(
        "MATCH (a:Node)-[e:BUILDS_ON]->(b:Node) WHERE a.label = 'Model' AND b.label = 'Model' "
        "RETURN a.id AS a, b.id AS b"
    )
    for row in rows:
        lineage.add(row["a"], row["b"])
    return lineage


# --- the loader --------------------------------------------------------------------------------


@dataclass
class _State:
    """What one load remembers across batches (ids and edge-key hashes, not records)."""

    ahead: set[str]  # model ids of rows not yet written by this run
    lineage: Lineage
    written: set[str] = field(default_factory=set)  # node ids this run wrote or found stored
    stated: set[int] = field(default_factory=set)  # hashes of edge keys written (the first card is the evidence)
    pending: dict[str, list[tuple[int, Any, dict[str, Any]]]] = field(default_factory=dict)  # model → (row, key, edge)
    names: dict[str, str] = field(default_factory=dict)  # repo id as a card wrote it, for pending ends
    no_front_matter: int = 0
    rows: int = 0

    def forget(self) -> None:
        """Drop what only the batches needed (ids, edge keys, lineage): at 1M rows, most of a GB."""
        for held in (self.ahead, self.written, self.stated, self.pending, self.names, self.lineage.up):
            held.clear()

    def waiting_from(self) -> int | None:
        """The first row whose edges are not written yet."""
        return min((item[0] for edges in self.pending.values() for item in edges), default=None)


def rows_ahead(pf: Any, columns: dict[str, str], index: dict[str, str], start: int) -> set[str]:
    """Model ids of the rows from ``start`` on (one column read, row group by row group)."""
    out: set[str] = set()
    first = 0
    for group in range(pf.metadata.num_row_groups):
        n = pf.metadata.row_group(group).num_rows
        first, skip = first + n, max(0, start - first)
        if skip >= n:
            continue
        try:
            values = pf.read_row_group(group, columns=[columns["modelId"]]).column(0).to_pylist()[skip:]
        except (OSError, ValueError, IndexError):
            continue  # reported when its rows are read
        for repo in values:
            if isinstance(repo, str) and is_repo_id(repo.strip()):
                try:
                    out.add(sys.intern(index.get(repo.strip().lower()) or hf_model_id(repo.strip())))
                except InvalidIdError:
                    continue
    return out


def _endpoint_node(node_id: str, names: dict[str, str]) -> Any:
    """The node written for an edge end no row describes (named as the card wrote it)."""
    label = label_of(node_id)
    if label == "Model":
        repo = names.get(node_id, node_id.removeprefix("model:hf."))
        return Model(id=node_id, name=repo.rsplit("/", 1)[-1], hf_id=repo, sources=[Source.hf_card])
    if label == "Dataset":
        repo = names.get(node_id, node_id.partition(":")[2])
        return Dataset(id=node_id, name=repo, hf_id=repo, sources=[Source.hf_card])
    if label == "Method":
        name = {i: n for i, n in curated_methods().values()}.get(node_id, node_id.partition(":")[2])
        return Method(id=node_id, name=name, sources=[Source.hf_card])
    return placeholder_paper(node_id, Source.hf_card)


def _card_names(plan: CardPlan, index: dict[str, str]) -> Iterator[tuple[str, str]]:
    """``(node id, repo id as written)`` of the card's bases and datasets."""
    for base in base_models(plan.card):
        yield index.get(base.lower()) or hf_model_id(base), base
    for repo in card_datasets(plan.card)[0]:
        yield dataset_id(repo), repo


def build_batch(
    store: GraphStore,
    plans: list[Planned],
    state: _State,
    report: SourceReport,
    index: dict[str, str],
    *,
    final: bool = False,
) -> Batch:
    """One batch: the rows' model nodes, the edges their cards state that can be written now
    (cycle-checked, each edge key once a load), and nodes for edge ends no row gives.

    An edge to a model whose row is still ahead waits for that row (:attr:`_State.pending`).
    ``final``: write every edge still waiting (its row was unreadable)."""
    batch = Batch()
    names: dict[str, str] = {}
    edges: list[tuple[int, tuple[str, str, str, str], dict[str, Any]]] = []
    for rp in plans:
        report.failures += rp.failures
        if rp.model is None:
            continue
        # One copy of each id for every set the load keeps (this state, the writer's): at 1M
        # rows the copies were hundreds of MB.
        rp.model = sys.intern(rp.model)
        if rp.node is not None:
            rp.node["id"] = rp.model
            batch.add_node(rp.node)
        else:
            report.nodes_unchanged += 1  # a curated model: its properties are not ours
        state.ahead.discard(rp.model)
        state.written.add(rp.model)
        state.no_front_matter += not rp.front_matter
        report.notes += rp.notes
        for node_id, repo in rp.names:
            names.setdefault(node_id, repo)
        cycle = None
        for source, target in rp.lineage:
            cycle = cycle or state.lineage.path(target, source)
        if cycle:
            loop = cut(" -> ".join([rp.model, *cycle]), 300)
            report.failures.append(
                f"{rp.path}: base_model would close a lineage cycle ({loop}); its lineage edges were not loaded"
            )
            continue
        for source, target in rp.lineage:
            state.lineage.add(sys.intern(source), sys.intern(target))
        edges += [(rp.index, (key[0], sys.intern(key[1]), sys.intern(key[2]), key[3]), row) for key, row in rp.edges]
    for rp in plans:  # edges that waited for these rows' models
        if rp.model is not None:
            edges += state.pending.pop(rp.model, [])
    if final:
        edges += [item for waiting in state.pending.values() for item in waiting]
        state.pending.clear()
    ends = {n for _, key, _ in edges for n in (key[1], key[2])} - state.written
    if not final:
        ends -= state.ahead
    state.written |= set(store.nodes(sorted(ends))) if ends else set()
    for item in edges:
        _, key, row = item
        hashed = hash(key)
        if hashed in state.stated:
            continue
        wait = None if final else next((n for n in (key[1], key[2]) if n in state.ahead), None)
        if wait is not None:
            state.pending.setdefault(wait, []).append(item)
            state.names.setdefault(wait, names.get(wait, ""))
            continue
        for end in (key[1], key[2]):
            if end not in state.written:
                batch.add_node(node_row(_endpoint_node(end, {**names, **state.names})))
                state.written.add(end)
        state.stated.add(hashed)
        batch.add_edge(key, row, provenance_of(row) if key in batch.edges else ())
    for node_id in batch.nodes:
        state.names.pop(node_id, None)
    return batch


ProgressFn = Callable[[Progress], None]


def _write_all(
    store: GraphStore,
    chunks: Iterator[tuple[int, list[Planned]]],
    state: _State,
    index: dict[str, str],
    at: tuple[str, int, float],
    commit_rows: int | None,
    progress: ProgressFn | None,
) -> SourceReport:
    """Write the planned chunks as batches, each with its checkpoint; the writer's counts
    (the reading thread adds its failures to the load's own report meanwhile)."""
    from graph.store import pipelined

    key, total, started = at
    written = SourceReport()
    with store.bulk(commit_rows, late=written) as write:
        for end, plans in pipelined(chunks, depth=1):
            batch = build_batch(store, plans, state, written, index)
            waiting = state.waiting_from()
            batch.checkpoint = (key, str(end if waiting is None else min(end, waiting)))
            state.rows += len(plans)
            written += write(batch)
            if progress:
                rate = state.rows / max(time.monotonic() - started, 1e-9)
                progress(Progress(papers=state.rows, rate=rate, done=end, total=total, unit="rows"))
        if state.pending:  # bases whose rows could not be read: written with their repo id only
            batch = build_batch(store, [], state, written, index, final=True)
            batch.checkpoint = (key, str(total))
            written += write(batch)
        state.forget()  # before the last commit, the load's memory peak
    return written


def load_hf_dump(
    store: GraphStore,
    path: str | Path,
    *,
    batch_size: int = BATCH_SIZE,
    resume: bool = True,
    retrieved: dt.date | None = None,
    progress: ProgressFn | None = None,
    commit_rows: int | None = None,
    workers: int | None = None,
) -> SourceReport:
    """Stream the dump into the store, resumably (see the module docstring).

    ``retrieved`` (the provenance date) defaults to the file's modification day, so re-running
    the same file on another day changes nothing. ``workers``: parsing processes, one row group
    each at a time (None: one per core from :data:`PARALLEL_FROM` rows on; 0: in-process).
    """

    path = Path(path)
    report = SourceReport()
    pf, columns = open_dump(path, report)
    total = pf.metadata.num_rows
    key = checkpoint_key(path)
    start = 0
    mark = store.checkpoint(key) if resume else None
    if mark:
        start = int(mark)
        if start > total:
            report.notes.append(f"checkpoint at row {start:,} does not fit {path} (file replaced?): starting over")
            start = 0
        elif start == total:
            report.notes.append(f"{path} was loaded completely before: nothing to do (--restart to redo)")
            return report
        else:
            report.notes.append(f"resumed at row {start:,} of {total:,} from an earlier run")
    retrieved = retrieved or dt.date.fromtimestamp(path.stat().st_mtime)
    index = hf_index(store)
    state = _State(rows_ahead(pf, columns, index, start), stored_lineage(store))
    started = time.monotonic()

    if workers is None:
        import os

        workers = (os.cpu_count() or 1) if total - start >= PARALLEL_FROM else 0

    def chunks() -> Iterator[tuple[int, list[Planned]]]:
        if workers:
            yield from planned_in_workers(pf, columns, path, start, batch_size, index, retrieved, workers, report)
            return
        for end, rows in iter_chunks(pf, columns, path, start, batch_size, report):
            yield end, [planned(plan_row(row, path, index, retrieved), index) for row in rows]

    collecting = gc.isenabled()
    gc.disable()  # the load's sets hold millions of ids; each full collection walked them all
    try:
        written = _write_all(store, chunks(), state, index, (key, total, started), commit_rows, progress)
    finally:
        if collecting:
            gc.enable()
    report += written
    if state.no_front_matter:
        report.notes.append(f"{state.no_front_matter:,} card(s) without front matter: model node only")
    report += refresh_dates(store)  # a tagged paper may date a model (graph/dates.py)
    return report
