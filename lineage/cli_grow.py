"""``lineage grow ID``: grow the graph around one paper or model from every configured source.

The orchestration is :mod:`loaders.grow`; it and the loaders are imported inside the command, so
``lineage --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from lineage.cli_common import EXIT_PARTIAL, console, count_bar, err, opened


def grow_cmd(
    ctx: typer.Context,
    seed: Annotated[
        str,
        typer.Argument(
            help="Where to start: an arXiv id (2307.09288, paper:arxiv:2307.09288), a DOI (doi:10.…), "
            "a Hub repo id (meta-llama/Llama-2-7b), or a stored model/method id or name (model:llama-2, DPO)."
        ),
    ],
    depth: Annotated[
        int,
        typer.Option("--depth", min=0, max=5, help="Levels of references to follow, and of the Hub's tree down."),
    ] = 1,
    max_requests: Annotated[
        int | None,
        typer.Option(
            "--max-requests",
            min=0,
            help="One request budget for all sources together; when spent, grow stops and says what was not fetched.",
        ),
    ] = None,
    source: Annotated[
        str, typer.Option("--source", help="Where references come from: s2 (Semantic Scholar) or openalex.")
    ] = "s2",
    max_models: Annotated[int, typer.Option("--max-models", min=1, help="At most this many Hub repos.")] = 200,
    hub_cache: Annotated[
        Path | None,
        typer.Option("--hub-cache", help="Where the Hub's answers are kept (default: under the data home)."),
    ] = None,
    arxiv_url: Annotated[
        str | None, typer.Option("--arxiv-url", help="arXiv API URL (default: export.arxiv.org).", hidden=True)
    ] = None,
    delay: Annotated[float, typer.Option("--delay", min=0.0, help="Seconds between arXiv requests.")] = 3.0,
) -> None:
    """Grow the graph around one paper or model, from every source, the way a researcher snowballs.

    In order: the Hub's model tree under a model (and the papers its card names); the papers' arXiv records; for a paper, the Hub repos whose cards tag it; references from Semantic Scholar or OpenAlex, --depth levels; then mentions of models and methods in the abstracts. Every write is an idempotent upsert: a second run adds nothing.

    A source that fails or has no record is one line naming it and the rest goes on; the exit status is then 3 (1 if nothing was added or found at all), as for `lineage load`. Uses S2_API_KEY, OPENALEX_*, HF_ENDPOINT and HF_TOKEN as the single-source loaders do.

    Examples:
      [bold]lineage grow 2307.09288[/bold]   (the Llama 2 paper: its record, the repos tagging it, its references)
      [bold]lineage grow meta-llama/Llama-2-7b --depth 2 --max-requests 300[/bold]
      [bold]lineage grow model:zephyr-7b --source openalex[/bold]
    """
    if source not in ("s2", "openalex"):
        err.print(f"--source {source}: must be s2 or openalex", markup=False, highlight=False)
        raise typer.Exit(2)
    from lineage.settings import data_home
    from loaders.arxiv_api import ArxivClient
    from loaders.grow import Clients, grow
    from loaders.hf_hub import HubClient
    from loaders.openalex import openalex_client
    from loaders.semantic_scholar import s2_client

    clients = Clients(
        arxiv=ArxivClient(delay_seconds=delay, base_url=arxiv_url),
        citations=s2_client() if source == "s2" else openalex_client(),
        hub=HubClient(hub_cache or data_home() / "hf-hub-cache"),
        citation_source=source,  # type: ignore[arg-type]
    )
    with opened(ctx) as store, count_bar("grow") as tick:
        report = grow(
            store,
            seed,
            clients=clients,
            depth=depth,
            max_requests=max_requests,
            max_models=max_models,
            batch_size=ctx.obj.batch_size,
            progress=tick,
        )
    print_grow(report, seed)


def print_grow(report: Any, seed: str) -> None:
    """What was added from where, one line a source; each problem source in one line; exit 3 if
    any source failed and others loaded, 1 if nothing loaded (:data:`EXIT_PARTIAL`)."""
    console.print(f"grew the graph around {seed}:", markup=False, highlight=False)
    for name, part in report.by_source.items():
        asked = report.requests.get(name, 0)
        console.print(
            f"  {name}: {asked} request(s), nodes {part.nodes_added} added, {part.nodes_updated} updated; "
            f"edges {part.edges_added} added, {part.edges_updated} updated",
            markup=False,
            highlight=False,
        )
    console.print(
        f"total: {sum(report.requests.values())} request(s), nodes {report.nodes_added} added, "
        f"edges {report.edges_added} added",
        markup=False,
        highlight=False,
    )
    for note in report.notes:
        console.print(note, markup=False, highlight=False, soft_wrap=True)
    if report.not_fetched:
        err.print(
            "request budget spent (--max-requests): not fetched: " + "; ".join(report.not_fetched),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    for line in report.problem_lines():
        err.print(line, markup=False, highlight=False, soft_wrap=True)
    if report.problems:
        loaded = any(getattr(report, f"{k}_{h}") for k in ("nodes", "edges") for h in ("added", "updated", "unchanged"))
        raise typer.Exit(EXIT_PARTIAL if loaded else 1)
