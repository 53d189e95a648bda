"""``lineage load citations``, ``lineage load hf-cards`` and ``lineage extract mentions``.

Each prints one summary (added / updated / unchanged, skipped with reasons, notes, failures) and
exits 3 when some records failed (1 when nothing loaded), after loading everything that could be loaded.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer

from graph.errors import LineageError
from lineage.cli_common import console, end_load, opened, print_report

#: ``lineage extract``; :mod:`lineage.cli` adds it to the app.
extract_app = typer.Typer(help="Derive edges from text already in the graph.", no_args_is_help=True)

MAX_LISTED = 20  # failures printed one by one; the rest are counted


def summarise(report: Any, what: str) -> None:
    """Print a loader's report; after it, the failures and the exit status (:func:`end_load`)."""
    print_report(report, what)
    reasons = ", ".join(f"{n:,} {reason}" for reason, n in report.skip_reasons.most_common())
    console.print(f"skipped {report.skipped:,}" + (f" ({reasons})" if reasons else ""), markup=False, highlight=False)
    for note in report.notes:
        console.print(note, markup=False, highlight=False, soft_wrap=True)
    end_load(report, MAX_LISTED)


def _ids(value: str | None) -> list[str] | None:
    """``--ids 2310.06825,2305.18290`` (commas or spaces), or ``--ids @file`` (one id a line)."""
    if value is None:
        return None
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            value = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise LineageError(f"--ids {path}: cannot read: {exc.strerror}") from None
        value = "\n".join(line.split("#", 1)[0] for line in value.splitlines())
    ids = [i for i in re.split(r"[\s,]+", value) if i]
    if not ids:
        raise LineageError("--ids is empty")
    return ids


def load_citations_cmd(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(help="Edge list: two columns of paper ids (SNAP), or CSV with source,target / citing,cited."),
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Fetch references from an API instead: s2 or openalex.")
    ] = None,
    ids: Annotated[
        str | None,
        typer.Option(
            "--ids",
            help="With --source: papers to look up (commas/spaces, or @file); default: every arXiv paper in the graph.",
        ),
    ] = None,
    dates: Annotated[
        Path | None, typer.Option("--dates", help="With FILE: NodeId,Date file setting Paper.published.")
    ] = None,
    archive: Annotated[
        str | None,
        typer.Option(
            "--archive", help="With FILE: archive of bare SNAP numbers, e.g. hep-th (9201001 → hep-th/9201001)."
        ),
    ] = None,
    restart: Annotated[
        bool, typer.Option("--restart", help="With --source: ignore the checkpoint of an interrupted run.")
    ] = False,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from-file",
            exists=True,
            help="With --source: replay recorded answers instead of asking the API (a folder or file of "
            "JSON bodies, {url, status_code, body} wrappers or VCR cassettes).",
        ),
    ] = None,
) -> None:
    """Load citations (CITES edges) from an edge list or from Semantic Scholar / OpenAlex.

    With --from-file, no request is made: every recorded paper, batch answer and
    references/citations page (S2), or /works answer (OpenAlex), becomes citations by the
    live loader's rules. A recorded error answer or a file of another shape is one failure
    line naming it (exit 1); the rest loads.

    Examples:
      [bold]lineage load citations Cit-HepTh.txt --dates Cit-HepTh-dates.txt --archive hep-th[/bold]
      [bold]lineage load citations --source s2 --ids 2310.06825,2305.18290[/bold]   (S2_API_KEY if you have one)
      [bold]lineage load citations --source openalex[/bold]   (OPENALEX_MAILTO / OPENALEX_API_KEY)
      [bold]lineage load citations --source s2 --from-file tests/fixtures/semantic_scholar[/bold]
    """
    if (file is None) == (source is None):
        raise LineageError("give either an edge-list FILE or --source s2|openalex")
    if file is not None:
        if ids or restart or from_file:
            raise LineageError("--ids, --restart and --from-file go with --source, not with an edge-list FILE")
        from loaders.edge_list import load_edge_list

        with opened(ctx) as store:
            report = load_edge_list(
                store, file, dates=dates, archive=archive, batch_size=max(ctx.obj.batch_size, 50_000)
            )
        summarise(report, f"citations from {file}")
        return
    if dates or archive:
        raise LineageError("--dates and --archive go with an edge-list FILE, not with --source")
    if from_file is not None:
        if ids or restart:
            raise LineageError("--from-file replays what was recorded: --ids and --restart do not apply")
        if source in ("s2", "semantic_scholar", "semantic-scholar"):
            from loaders.semantic_scholar import replay_semantic_scholar as replay
        elif source == "openalex":
            from loaders.openalex import replay_openalex as replay
        else:
            raise LineageError(f"--source {source!r}: use s2 or openalex")
        with opened(ctx) as store:
            report = replay(store, from_file, batch_size=ctx.obj.batch_size)
        summarise(report, f"citations from {source} answers recorded in {from_file}")
        return
    wanted = _ids(ids)
    if source in ("s2", "semantic_scholar", "semantic-scholar"):
        from loaders.semantic_scholar import load_semantic_scholar as load
    elif source == "openalex":
        from loaders.openalex import load_openalex as load
    else:
        raise LineageError(f"--source {source!r}: use s2 or openalex")
    with opened(ctx) as store:
        report = load(store, wanted, batch_size=ctx.obj.batch_size, resume=not restart)
    summarise(report, f"citations from {source}")


def load_hf_cards_cmd(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Argument(help="Directory of model cards (owner__name.md or owner/name/README.md).")
    ],
    manifest: Annotated[
        Path | None,
        typer.Option("--manifest", help="TSV with file and hf_repo_id columns (default: found beside the cards)."),
    ] = None,
) -> None:
    """Load model lineage from Hugging Face model cards (base_model → BUILDS_ON, arxiv tags → INTRODUCES).

    Example: [bold]lineage load hf-cards ./cards[/bold]
    """
    from loaders.checkpoints import tie_checkpoints
    from loaders.hf_cards import CardError, load_hf_cards

    with opened(ctx) as store:
        try:
            report = load_hf_cards(store, directory, manifest=manifest, batch_size=ctx.obj.batch_size)
        except CardError as exc:
            raise LineageError(str(exc)) from None
        report += tie_checkpoints(store)  # repos stored before their curated model listed them
    summarise(report, f"model cards from {directory}")


@extract_app.command("mentions")
def extract_mentions_cmd(
    ctx: typer.Context,
    cards: Annotated[
        Path | None,
        typer.Option(
            "--cards", help="Also read these model cards for 'fine-tuned from X' phrases (load hf-cards first)."
        ),
    ] = None,
) -> None:
    """Find model and method names in paper titles and abstracts (MENTIONS, provenance extracted).

    Also proposes BUILDS_ON edges from phrases like "fine-tuned from X", stored as [italic]extracted[/italic]: they never replace curated statements.

    Example: [bold]lineage extract mentions --cards ./cards[/bold]
    """
    from loaders.hf_cards import CardError
    from loaders.mentions import extract_mentions

    with opened(ctx) as store:
        try:
            report = extract_mentions(store, cards=cards, batch_size=ctx.obj.batch_size)
        except CardError as exc:
            raise LineageError(str(exc)) from None
    summarise(report, "mentions")
