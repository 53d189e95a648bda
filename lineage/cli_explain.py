"""``lineage cite`` and ``lineage explain``: a node's lineage as BibTeX, and why A traces to B.

The commands are plain functions; :mod:`lineage.cli` registers them. Both take ids the way
users know them (``zephyr``, ``HuggingFaceH4/zephyr-7b-beta``, ``2310.06825``): the saved
queries they run resolve them (:mod:`queries.resolve`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from graph.errors import LineageError
from lineage.cli_common import console, err, opened


def cite_cmd(
    ctx: typer.Context,
    node: Annotated[str, typer.Argument(help="The model, method or paper (any id, repo id or name).")],
    depth: Annotated[int, typer.Option("--depth", min=1, max=10, help="Builds-on hops of lineage to cite.")] = 10,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write a .bib file instead of printing.")
    ] = None,
) -> None:
    """Print the BibTeX of a node's lineage: the papers behind it and everything it builds on.

    Examples:
      [bold]lineage cite zephyr[/bold]
      [bold]lineage cite HuggingFaceH4/zephyr-7b-beta -o zephyr.bib[/bold]
    """
    from graph.export import bibtex, export
    from queries.cite import lineage_graph

    with opened(ctx) as store:
        graph = lineage_graph(store, node, depth)
    root = graph.graph.get("root") or node
    if not any(d.get("label") == "Paper" for _, d in graph.nodes(data=True)):
        raise LineageError(f"the lineage of {root} has no papers to cite; nothing written")
    if output:
        export(graph, "bibtex", output)
        papers = sum(1 for _, d in graph.nodes(data=True) if d.get("label") == "Paper")
        err.print(f"wrote {output} ({papers} papers)")
        return
    typer.echo(bibtex(graph), nl=False)


def explain_cmd(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The newer thing (e.g. zephyr).")],
    target: Annotated[str, typer.Argument(help="What it may trace to (e.g. arxiv:1706.03762).")],
    max_hops: Annotated[int, typer.Option("--max-hops", min=1, max=10, help="Give up beyond this many hops.")] = 8,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="At most this many paths.")] = 5,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Why does SOURCE trace to TARGET? The lineage paths, each hop with its kind and evidence.

    Examples:
      [bold]lineage explain zephyr arxiv:1706.03762[/bold]
      [bold]lineage explain HuggingFaceH4/zephyr-7b-beta DPO --format json[/bold]
    """
    from queries.explain import explain

    if fmt not in ("text", "json"):
        raise LineageError(f"--format {fmt!r}: use text or json")
    with opened(ctx) as store:
        answer = explain(store, source, target, max_hops=max_hops, limit=limit)
    if fmt == "json":
        typer.echo(json.dumps(answer.as_dict(), indent=1, ensure_ascii=False))
        return
    head = f"{answer.source_name} ({answer.source}) → {answer.target_name} ({answer.target})"
    if not answer.paths:
        console.print(f"{head}: no lineage path within {max_hops} hops", markup=False, highlight=False, soft_wrap=True)
        return
    for n, path in enumerate(answer.paths, 1):
        hops = f"{len(path)} hop" + ("" if len(path) == 1 else "s")
        console.print(f"{head}: path {n} of {len(answer.paths)}, {hops}", markup=False, highlight=False, soft_wrap=True)
        for hop in path:
            line = f"  {hop.source_name} ({hop.source}) —{hop.kind}→ {hop.target_name} ({hop.target})"
            console.print(line, markup=False, highlight=False, soft_wrap=True)
            for ev in hop.evidence:
                said = f'"{ev.evidence}"' if ev.evidence else "(no sentence recorded)"
                console.print(f"      {ev.source}, {ev.origin}: {said}", markup=False, highlight=False, soft_wrap=True)
