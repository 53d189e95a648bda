"""``lineage load arxiv`` and ``lineage load snapshot``: the arXiv loaders on the command line.

Both print one summary (added / updated / unchanged, skipped with reasons, disagreements with
curated papers, failures), draw a progress bar only when stdout is a terminal, and exit 3 when
some records failed (1 when nothing loaded), after loading everything that could be loaded.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from lineage.cli_common import console, end_load, err, opened, print_report

BATCH_SIZE = 50_000  # = loaders.arxiv_snapshot.BATCH_SIZE; not imported, to keep --help fast

DATE = ["%Y-%m-%d"]


@contextmanager
def progress_bar(label: str) -> Iterator[Any]:
    """A rich progress callback on a terminal; ``None`` (quiet) when output is piped or captured."""
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[papers]:,} papers · {task.fields[rate]:,.0f}/s"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=None, papers=0, rate=0.0)

        def tick(p: Any) -> None:
            bar.update(task, completed=p.done, total=p.total, papers=p.papers, rate=p.rate)

        yield tick


@contextmanager
def bulk_messages(verbose: bool = False) -> Iterator[None]:
    """What a bulk load's store says on the way (an import: minutes with the bar at 100%), one
    line each on stderr, above the bar on a terminal; ``verbose`` adds its internals (each group
    commit with its COPY timings, logged at DEBUG)."""

    class ToStderr(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            err.print(record.getMessage(), markup=False, highlight=False, soft_wrap=True)

    wanted = logging.DEBUG if verbose else logging.INFO
    logger, handler = logging.getLogger("lineage.bulk"), ToStderr(wanted)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(wanted)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def summarise(report: Any, what: str) -> None:
    """Print the report; after it, the failures and the exit status (:func:`end_load`)."""
    print_report(report, what)
    reasons = ", ".join(f"{n:,} {reason}" for reason, n in report.skip_reasons.most_common())
    console.print(f"skipped {report.skipped:,}" + (f" ({reasons})" if reasons else ""), highlight=False)
    for note in report.notes:
        console.print(note, markup=False, highlight=False, soft_wrap=True)
    if report.disagreements:
        console.print(f"{len(report.disagreements)} disagreement(s) with curated data (arXiv's values were kept):")
        for line in report.disagreements:
            console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
    end_load(report)


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def load_arxiv_cmd(
    ctx: typer.Context,
    ids: Annotated[
        str | None,
        typer.Option("--ids", help="Comma-separated arXiv ids, any spelling (2310.06825v2, arXiv:…, abs URLs)."),
    ] = None,
    query: Annotated[
        str | None, typer.Option("--query", help="arXiv search query: ti:, abs:, au:, cat: joined by AND/OR/ANDNOT.")
    ] = None,
    category: Annotated[
        str | None, typer.Option("--category", help="arXiv category, or several comma-separated (cs.CL,cs.LG).")
    ] = None,
    since: Annotated[dt.datetime | None, typer.Option("--since", formats=DATE, help="Submitted on or after.")] = None,
    until: Annotated[dt.datetime | None, typer.Option("--until", formats=DATE, help="Submitted on or before.")] = None,
    max_results: Annotated[int | None, typer.Option("--max", min=1, help="Stop after this many papers.")] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from-file", exists=True, help="Replay recorded responses (.json wrapper, .xml feed, or a folder)."
        ),
    ] = None,
    delay: Annotated[float, typer.Option("--delay", min=0.0, help="Seconds between requests; arXiv asks for 3.")] = 3.0,
    api_url: Annotated[str | None, typer.Option("--api-url", hidden=True, help="Another API endpoint (tests).")] = None,
) -> None:
    """Load papers, their authors and AUTHORED edges from the arXiv API.

    Give ids, a search, a category/date range, or recorded responses (no network).

    Unknown or malformed ids, and recorded error responses, are listed as failures, each with
    why (and, replayed, the file it came from), while the rest still loads: exit 3 when some
    records failed, 1 when nothing loaded, 0 when everything did.

    Where a curated paper disagrees with arXiv on title, authors or date, arXiv's values win and the
    difference is printed.

    Examples:
      [bold]lineage load arxiv --ids 2310.06825,2305.18290[/bold]
      [bold]lineage load arxiv --query 'ti:"direct preference"' --max 50[/bold]
      [bold]lineage load arxiv --category cs.CL --since 2023-01-01 --until 2023-01-31[/bold]
      [bold]lineage load arxiv --from-file tests/fixtures/arxiv_api[/bold]
    """
    from loaders.arxiv_api import ArxivClient, load_arxiv

    searching = bool(query or category or since or until)
    if sum((ids is not None, searching, from_file is not None)) != 1:
        raise typer.BadParameter(
            "give exactly one of --ids, a search (--query/--category/--since/--until), --from-file"
        )
    id_list = [i.strip() for i in ids.split(",") if i.strip()] if ids is not None else None
    client = None if from_file else ArxivClient(delay_seconds=delay, base_url=api_url)
    what = f"arXiv ({from_file or (f'{len(id_list)} ids' if id_list is not None else 'search')})"
    with opened(ctx) as store, progress_bar("arXiv") as tick:
        report = load_arxiv(
            store,
            ids=id_list,
            query=query,
            category=category,
            since=_day(since),
            until=_day(until),
            max_results=max_results,
            from_file=from_file,
            batch_size=ctx.obj.batch_size,
            client=client,
            progress=tick,
        )
    summarise(report, what)


def load_snapshot_cmd(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="arxiv-metadata-oai-snapshot.json (JSON Lines).")
    ],
    categories: Annotated[
        str, typer.Option("--categories", help="Category prefixes, comma-separated; 'all' keeps every paper.")
    ] = "cs.CL,cs.LG,cs.AI,stat.ML",
    since: Annotated[
        dt.datetime | None, typer.Option("--since", formats=DATE, help="First version on or after.")
    ] = None,
    until: Annotated[
        dt.datetime | None, typer.Option("--until", formats=DATE, help="First version on or before.")
    ] = None,
    restart: Annotated[bool, typer.Option("--restart", help="Ignore the checkpoint of an earlier run.")] = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Records per batch (on Neo4j: per transaction and checkpoint).")
    ] = BATCH_SIZE,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=0, help="Parsing processes (default: one per core; 0: parse in-process)."),
    ] = None,
    commit_rows: Annotated[
        int | None,
        typer.Option(
            "--commit-rows", min=1, help="Embedded store: new rows per commit (fewer commits: faster, more memory)."
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also print the store's internals (each group commit, COPY times).")
    ] = False,
) -> None:
    """Bulk-load the Kaggle arXiv metadata snapshot, streamed and resumable.

    Commits carry a checkpoint (the byte offset reached): after an
    interruption, the same command carries on after the last commit.
    Neo4j commits every batch; the embedded store stages new rows on disk
    and commits about every --commit-rows (3,000,000) of them. Into an
    empty database of the server `lineage neo4j start` runs, the load is
    staged as CSV and imported with neo4j-admin (the server restarts):
    about 3x faster at 1M records. Interrupted before the import, the
    database stays empty and the same command starts over.

    A bad line is a failure naming FILE:LINE (exit 3); the rest still loads.

    Examples:
      [bold]lineage load snapshot arxiv-metadata-oai-snapshot.json --since 2023-01-01[/bold]
      [bold]lineage load snapshot snap.json --categories cs.CL,cs.LG --until 2023-12-31[/bold]
    """
    from loaders.arxiv_snapshot import load_snapshot

    prefixes = [] if categories.strip().lower() == "all" else [c.strip() for c in categories.split(",") if c.strip()]
    with opened(ctx) as store, progress_bar(file.name) as tick, bulk_messages(verbose):
        report = load_snapshot(
            store,
            file,
            categories=prefixes,
            since=_day(since),
            until=_day(until),
            batch_size=batch_size,
            progress=tick,
            resume=not restart,
            workers=workers,
            commit_rows=commit_rows,
        )
    summarise(report, f"snapshot {file}")
