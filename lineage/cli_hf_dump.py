"""``lineage load hf-dump``: every model card on the Hub, from its Parquet dump.

Prints one summary (added / updated / unchanged, notes, failures), draws a progress bar only when
stdout is a terminal, and exits 1 when anything failed, after loading everything that could be loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from graph.errors import LineageError
from lineage.cli_common import console, opened

BATCH_SIZE = 5000  # = loaders.hf_dump.BATCH_SIZE; not imported, to keep --help fast


@contextmanager
def row_bar(label: str) -> Iterator[Any]:
    """A rich progress callback on a terminal; ``None`` (quiet) when output is piped or captured."""
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rows]:,} cards · {task.fields[rate]:,.0f}/s"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=None, rows=0, rate=0.0)

        def tick(p: Any) -> None:
            bar.update(task, completed=p.done, total=p.total, rows=p.papers, rate=p.rate)

        yield tick


def load_hf_dump_cmd(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help="A Parquet file of the dump (librarian-bots/model_cards_with_metadata)."
        ),
    ],
    restart: Annotated[bool, typer.Option("--restart", help="Ignore the checkpoint of an earlier run.")] = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Cards per batch (on Neo4j: per transaction and checkpoint).")
    ] = BATCH_SIZE,
    commit_rows: Annotated[
        int | None,
        typer.Option(
            "--commit-rows", min=1, help="Embedded store: new rows per commit (fewer commits: faster, more memory)."
        ),
    ] = None,
) -> None:
    """Load the whole Hub's model lineage from its card dump, streamed and resumable.

    The dump is the Hub dataset librarian-bots/model_cards_with_metadata: one
    row per model repo with its README (`card`) and the Hub's metadata. Get
    its Parquet files with `huggingface-cli download --repo-type dataset
    librarian-bots/model_cards_with_metadata` and load each one.

    Each card goes through the same parser as `lineage load hf-cards`
    (base_model → BUILDS_ON with its kind, arXiv tags and links → papers,
    datasets → TRAINED_ON, method tags → uses_method); each model gets the
    Hub's created date, downloads, likes, license, pipeline tag and library.
    A repo a curated model claims is that model.

    Commits carry a checkpoint (the row reached): after an interruption the
    same command carries on; a finished file is skipped (--restart redoes it,
    changing nothing).

    A missing or mistyped column, an unreadable row group, a card whose YAML
    is broken: one line each naming the file and row (exit 1); the rest
    loads. Without `modelId` or `card` nothing is loaded.

    Examples:
      [bold]lineage load hf-dump train-00000-of-00002.parquet[/bold]
      [bold]lineage --backend neo4j load hf-dump train-00001-of-00002.parquet --batch-size 20000[/bold]
    """
    from lineage.cli_arxiv import bulk_messages
    from lineage.cli_lineage_sources import summarise
    from loaders.checkpoints import tie_checkpoints
    from loaders.hf_dump import DumpError, load_hf_dump

    with opened(ctx) as store, row_bar(file.name) as tick, bulk_messages():
        try:
            report = load_hf_dump(
                store, file, batch_size=batch_size, resume=not restart, progress=tick, commit_rows=commit_rows
            )
        except DumpError as exc:
            raise LineageError(str(exc)) from None
        report += tie_checkpoints(store)  # repos stored before their curated model listed them
    summarise(report, f"model cards from {file}")
