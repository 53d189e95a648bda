"""``lineage load export``: a subgraph someone exported, loaded back into a store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lineage.cli_common import opened, print_report


def load_export_cmd(
    ctx: typer.Context,
    path: Annotated[
        Path,
        typer.Argument(
            help="What `lineage export` or `query --export` wrote: a .json or .cypher file, or a CSV folder."
        ),
    ],
) -> None:
    """Load an exported subgraph (JSON, CSV or Cypher) into the store, with its provenance.

    The file is read and checked whole before anything is written: a bad line fails the load
    with the file and line and the store is left as it was. Loading the same file twice changes
    nothing. GraphML, GEXF and BibTeX are for other tools and are not read back.

    Example: [bold]lineage export model-family id=model:mistral-7b -o family.json && lineage --db other.lbug load export family.json[/bold]
    """
    from loaders.exported import load_exported

    with opened(ctx) as store:
        report = load_exported(store, path, batch_size=ctx.obj.batch_size)
    print_report(report, f"the export {path}")
