"""``lineage load hf``: the Hugging Face Hub's model tree around one repo, live.

The loader (:mod:`loaders.hf_hub`) and ``huggingface_hub`` are imported inside the command, so
``lineage --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lineage.cli_common import count_bar, err, opened


def load_hf_cmd(
    ctx: typer.Context,
    repo: Annotated[
        str,
        typer.Argument(
            help="Where to start: a Hub repo id (meta-llama/Llama-2-7b), its URL, or a stored model id (model:llama-2)."
        ),
    ],
    down: Annotated[
        bool,
        typer.Option(
            "--down/--up",
            help="--down: the repos built on it (fine-tunes, adapters, quantisations, merges), recursively. "
            "--up: the base_model chain to the roots.",
        ),
    ] = True,
    depth: Annotated[int, typer.Option("--depth", min=0, max=20, help="Levels to follow from the start.")] = 3,
    max_models: Annotated[
        int, typer.Option("--max-models", min=1, help="Stop after this many repos (the rest is listed in the summary).")
    ] = 500,
    cache: Annotated[
        Path | None,
        typer.Option(
            "--cache",
            help="Where the Hub's answers are kept, so a re-run works offline (default: under the data home).",
        ),
    ] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Send no request: answer only from --cache.")] = False,
    rate: Annotated[float, typer.Option("--rate", min=0.1, help="At most this many requests per second.")] = 3.0,
    restart: Annotated[
        bool,
        typer.Option(
            "--restart",
            help="Start over: ignore the checkpoint of an unfinished run (interrupted, or stopped by --max-models).",
        ),
    ] = False,
) -> None:
    """Load the Hub's model tree around a repo: lineage edges by kind, papers, datasets, methods.

    Each repo's card metadata goes through the same parser as [bold]lineage load hf-cards[/bold]; models also get the Hub's created date, downloads, likes, license, pipeline tag and library.

    Uses HF_ENDPOINT and HF_TOKEN (a token reads gated cards). Answers are cached on disk (--cache), so a re-run works offline; an interrupted run resumes. A missing or gated repo is one line naming it: the rest loads, and the exit code is 1.

    Examples:
      [bold]lineage load hf meta-llama/Llama-2-7b --down --depth 2 --max-models 200[/bold]
      [bold]lineage load hf malhajar/meditron-7b-chat --up[/bold]   (its bases, to the root)
      [bold]lineage load hf meta-llama/Llama-2-7b --offline[/bold]   (again, from the cache only)
    """
    from lineage.cli_lineage_sources import summarise
    from lineage.settings import data_home
    from loaders.checkpoints import tie_checkpoints
    from loaders.hf_hub import HubClient, load_hf_hub

    client = HubClient(cache or data_home() / "hf-hub-cache", min_interval=1.0 / rate, offline=offline)
    direction = "down" if down else "up"
    with opened(ctx) as store, count_bar("Hub") as tick:
        report = load_hf_hub(
            store,
            repo,
            client=client,
            direction=direction,
            depth=depth,
            max_models=max_models,
            batch_size=ctx.obj.batch_size,
            resume=not restart,
            progress=tick,
        )
        report += tie_checkpoints(store)  # repos stored before their curated model listed them
    err.print(
        f"{report.repos} repo(s) visited; {report.requests} request(s) to {client.endpoint}, "
        f"{report.cached} answer(s) from the cache at {client.cache}",
        highlight=False,
    )
    summarise(report, f"the Hub's model tree {direction} from {repo}")
