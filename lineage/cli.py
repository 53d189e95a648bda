"""The ``lineage`` command line: load, query, draw and serve LLM lineage.

Every command works on the embedded store by default (no server); set ``NEO4J_URI`` (or
``--neo4j-uri``) to use Neo4j instead. Errors are one line on stderr and a non-zero exit;
``--debug`` shows the traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from graph.errors import LineageError
from lineage import (
    cli_arxiv,
    cli_explain,
    cli_exported,
    cli_hf_dump,
    cli_hub,
    cli_lineage_sources,
    cli_query,
    cli_serve,
)
from lineage.cli_common import (
    EXIT_CODES_HELP,
    console,
    err,
    format_params,
    opened,
    parse_params,
    print_error,
    print_report,
    write_viz,
)
from lineage.output import print_rows
from lineage.settings import Settings

__all__ = ["app", "console", "err", "format_params", "opened", "parse_params", "print_report", "run", "write_viz"]

app = typer.Typer(
    help="LLM Lineage: where a model or method comes from, and what came of it.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
load_app = typer.Typer(
    help="Load data into the graph (each load is batched and idempotent).\n\n" + EXIT_CODES_HELP,
    no_args_is_help=True,
)
app.add_typer(load_app, name="load")
neo4j_app = typer.Typer(
    help="Run a local Neo4j 5.26 for development (needs Java 17 and Maven). "
    "With your own server or Aura, just set NEO4J_URI instead.",
    no_args_is_help=True,
)
app.add_typer(neo4j_app, name="neo4j")


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[Path | None, typer.Option("--db", help="Embedded store directory \\[env: LINEAGE_DB].")] = None,
    neo4j_uri: Annotated[
        str | None,
        typer.Option("--neo4j-uri", help="Use Neo4j at this URI (bolt://, neo4j://, neo4j+s://) \\[env: NEO4J_URI]."),
    ] = None,
    neo4j_user: Annotated[str | None, typer.Option("--neo4j-user", help="\\[env: NEO4J_USERNAME]")] = None,
    neo4j_password: Annotated[str | None, typer.Option("--neo4j-password", help="\\[env: NEO4J_PASSWORD]")] = None,
    neo4j_database: Annotated[str | None, typer.Option("--neo4j-database", help="\\[env: NEO4J_DATABASE]")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    settings = Settings()
    if db:
        settings.db = db
    for name, value in (
        ("neo4j_uri", neo4j_uri),
        ("neo4j_user", neo4j_user),
        ("neo4j_password", neo4j_password),
        ("neo4j_database", neo4j_database),
    ):
        if value:
            setattr(settings, name, value)
    ctx.obj = settings


# --- load ----------------------------------------------------------------------------------


@load_app.command("curated")
def load_curated_cmd(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Argument(help="Curated YAML file (default: the one shipped with the project).")
    ] = None,
) -> None:
    """Load the curated lineage (papers, models, methods, builds-on edges from the seed articles).

    Example: [bold]lineage load curated[/bold]
    """
    from loaders.checkpoints import tie_checkpoints
    from loaders.curated import CURATED_FILE, load_curated

    with opened(ctx) as store:
        report = load_curated(store, file or CURATED_FILE, batch_size=ctx.obj.batch_size)
        report += tie_checkpoints(store)  # card nodes of repos the curated models list
    print_report(report, f"curated ({file or CURATED_FILE})")


# --- query ---------------------------------------------------------------------------------


@app.command("query")
def query_cmd(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Saved query name; see --list.")] = None,
    params: Annotated[
        list[str] | None, typer.Argument(help="Parameters as key=value, e.g. id=model:zephyr-7b depth=4.")
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the saved queries and their parameters.")] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    viz: Annotated[Path | None, typer.Option("--viz", help="Also write the result as an HTML page here.")] = None,
    export_to: Annotated[
        Path | None,
        typer.Option(
            "--export",
            help="Also write the result's subgraph here; the suffix picks the format "
            "(.graphml .gexf .json .cypher .bib; no suffix: a directory of CSV files).",
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds before the engine stops the query.")
    ] = 120.0,
) -> None:
    """Run a saved lineage query.

    Examples:
      [bold]lineage query ancestors id=model:zephyr-7b depth=4[/bold]
      [bold]lineage query path source=arxiv:1706.03762 target=model:mixtral-8x7b[/bold]
      [bold]lineage query model-family id=model:llama --export llama.graphml[/bold]
      [bold]lineage query --list[/bold]
    """
    from graph.formats import choose_format
    from queries.registry import get_query, registry, run_query

    if list_ or not name:
        from rich.markup import escape

        for q in registry().values():
            console.print(f"[bold]{q.name}[/bold]  {q.description}")
            for p in q.params:
                console.print(f"    {escape(p.describe())}" + (f"  [dim]{escape(p.help)}[/dim]" if p.help else ""))
        return
    if fmt not in ("table", "json", "csv"):
        raise LineageError(f"--format {fmt!r}: use table, json or csv")
    get_query(name)
    export_format = choose_format(None, export_to) if export_to else None  # a bad suffix fails before the query
    with opened(ctx) as store:
        result = run_query(store, name, parse_params(params), timeout=timeout)
        why = None
        if not result.rows:
            from queries.empty import why_empty

            why = why_empty(store, name, result.params)
        if export_format:
            from queries.cite import for_export

            exported = for_export(store, result.graph, export_format)
    print_rows(console, f"{name} {format_params(result.params)}", result.columns, result.rows, fmt)
    if why:  # on stderr: --format json stays JSON
        err.print(f"no results: {why}", markup=False, highlight=False, soft_wrap=True)
    if viz:
        write_viz(result.graph, viz, title=f"{name} {format_params(result.params)}")
    if export_to and export_format:
        from graph.export import export

        written = export(exported, export_format, export_to)
        err.print(f"wrote {written} ({export_format}, {exported.number_of_nodes()} nodes)")


# --- viz -----------------------------------------------------------------------------------


@app.command("viz")
def viz_cmd(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Saved query whose result to draw.")] = None,
    params: Annotated[list[str] | None, typer.Argument(help="Query parameters as key=value.")] = None,
    node: Annotated[str | None, typer.Option("--node", help="Draw the neighbourhood of this node instead.")] = None,
    depth: Annotated[int, typer.Option("--depth", min=1, max=3, help="Hops around --node.")] = 2,
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")] = Path("lineage.html"),
    layout: Annotated[str, typer.Option("--layout", help="force, or time (x = date).")] = "force",
) -> None:
    """Draw lineage as one offline, interactive HTML page.

    Examples:
      [bold]lineage viz ancestors id=model:zephyr-7b -o zephyr.html[/bold]
      [bold]lineage viz --node model:zephyr-7b --depth 2 -o out.html[/bold]
    """
    from queries.registry import run_query

    if layout not in ("force", "time"):
        raise LineageError(f"--layout {layout!r}: use force or time")
    if node:
        name, values = "neighbourhood", {"id": node, "depth": depth}
    elif name:
        values = parse_params(params)
    else:
        name, values = "overview", {}
    with opened(ctx) as store:
        result = run_query(store, name, values)
    if result.graph.number_of_nodes() == 0:
        raise LineageError(f"{name} {format_params(result.params)} found nothing to draw; nothing written")
    write_viz(result.graph, output, title=f"{name} {format_params(result.params)}", layout=layout)


# --- export --------------------------------------------------------------------------------


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Saved query whose result to export.")] = None,
    params: Annotated[list[str] | None, typer.Argument(help="Query parameters as key=value.")] = None,
    node: Annotated[str | None, typer.Option("--node", help="Export the neighbourhood of this node instead.")] = None,
    depth: Annotated[int, typer.Option("--depth", min=1, max=3, help="Hops around --node.")] = 2,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="graphml, gexf, json, csv, cypher or bibtex. Default: what the --output suffix names "
            "(.graphml .gexf .json .cypher .bib; none: a directory of CSV files), graphml without --output.",
        ),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (a directory for csv).")] = None,
    bundle: Annotated[Path | None, typer.Option("--bundle", help="Write every format plus manifest.json here.")] = None,
) -> None:
    """Export a subgraph for Gephi, Cytoscape, neo4j-admin, cypher-shell or your bibliography.

    Examples:
      [bold]lineage export ancestors id=model:zephyr-7b -o zephyr.gexf[/bold]
      [bold]lineage export --node model:mistral-7b --depth 2 --format bibtex -o refs.bib[/bold]
      [bold]lineage export descendants id=method:dpo --bundle dpo-export/[/bold]
    """
    from graph.export import SUFFIX, export, write_bundle
    from graph.formats import choose_format
    from queries.cite import for_export
    from queries.registry import run_query

    fmt = choose_format(fmt, output)  # before the query: a bad suffix or --format writes nothing
    if node:
        name, values = "neighbourhood", {"id": node, "depth": depth}
    elif name:
        values = parse_params(params)
    else:
        raise LineageError("name a saved query (see lineage query --list) or give --node ID")
    with opened(ctx) as store:
        result = run_query(store, name, values)
        backend = store.backend
        # BibTeX (alone or in the bundle) also cites the papers behind the models and methods
        cited = for_export(store, result.graph, "bibtex") if bundle or fmt == "bibtex" else result.graph
    if result.graph.number_of_nodes() == 0:
        raise LineageError(f"{name} {format_params(result.params)} found nothing; nothing written")
    if bundle:
        manifest = {"query": name, "parameters": result.params, "backend": backend}
        write_bundle(result.graph, bundle, manifest, cited=cited)
        console.print(f"wrote {bundle}/ (every format + manifest.json)")
        return
    graph = cited if fmt == "bibtex" else result.graph
    target = output or Path(f"{name}{SUFFIX[fmt] or '-csv'}")
    export(graph, fmt, target)
    console.print(f"wrote {target} ({graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges)")


# --- stats ---------------------------------------------------------------------------------


@app.command("stats")
def stats_cmd(ctx: typer.Context) -> None:
    """Count nodes per type and edges per relation, and list the models and methods still undated.

    A model or method is dated by its own release date or by the paper that introduces it
    (graph/dates.py); the undated ones need one of these.
    """
    from graph.dates import undated

    with opened(ctx) as store:
        counts = store.counts()
        location = store.location
        missing = undated(store)
    rows = [{"what": k, "count": v} for k, v in counts.items()]
    print_rows(console, f"{ctx.obj.backend} store at {location}", ["what", "count"], rows, "table")
    title = f"undated models and methods ({len(missing)}): no release date and no dated introducing paper"
    print_rows(console, title, ["id", "name", "label"], missing, "table")


# --- neo4j -------------------------------------------------------------------------------

DataDir = Annotated[Path | None, typer.Option("--data", help="Server data directory (default: under LINEAGE_HOME).")]


@neo4j_app.command("start")
def neo4j_start(
    data: DataDir = None,
    port: Annotated[int, typer.Option("--port", help="Bolt port on 127.0.0.1 (0 picks a free one).")] = 7687,
    password: Annotated[str, typer.Option("--password", help="Password for user neo4j.")] = "lineage-dev",
) -> None:
    """Build (first time) and start a local Neo4j in the background; prints the NEO4J_* to export."""
    from lineage import neo4j_server as srv

    reason = srv.java_available()
    if reason:
        raise LineageError(f"cannot start Neo4j: {reason}")
    state = srv.start_detached(data or srv.default_data_dir(), port=port, password=password)
    console.print(f"Neo4j running (pid {state['pid']}). Use it with:")
    console.print(
        f"  export NEO4J_URI={state['uri']} NEO4J_USERNAME={state['user']} NEO4J_PASSWORD={state['password']}"
    )


@neo4j_app.command("stop")
def neo4j_stop(data: DataDir = None) -> None:
    """Stop the local Neo4j started by `lineage neo4j start`."""
    from lineage import neo4j_server as srv

    if srv.stop_detached(data or srv.default_data_dir()):
        console.print("Neo4j stopped")
    else:
        console.print("no local Neo4j was running")


@neo4j_app.command("status")
def neo4j_status(data: DataDir = None) -> None:
    """Say whether the local Neo4j is running, and where."""
    from lineage import neo4j_server as srv

    state = srv.status(data or srv.default_data_dir())
    if not state:
        console.print("not running")
        raise typer.Exit(3)
    console.print(f"running: {state['uri']} (pid {state['pid']})")


# --- demo ----------------------------------------------------------------------------------

DEMO_QUESTIONS = [
    ("What does Zephyr 7B build on?", "ancestors", {"id": "model:zephyr-7b", "depth": 10}),
    ("What came of DPO?", "descendants", {"id": "method:dpo", "depth": 10}),
    (
        "How does the Transformer paper lead to Mixtral?",
        "path",
        {"source": "arxiv:1706.03762", "target": "model:mixtral-8x7b", "limit": 1},
    ),
]


@app.command("demo")
def demo_cmd(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the lineage page.")] = Path(
        "lineage-demo.html"
    ),
    neo4j: Annotated[
        bool,
        typer.Option(
            "--neo4j", help="Run on Neo4j: NEO4J_URI if set, else a local server the project starts (needs Java 17)."
        ),
    ] = False,
) -> None:
    """The main job: load the curated lineage, answer three lineage questions, draw the page.

    Needs no network and, by default, no server.
    """
    from loaders.curated import CURATED_FILE, load_curated
    from queries.registry import run_query

    server = None
    if neo4j and not ctx.obj.neo4j_uri:
        from lineage.neo4j_server import Neo4jServer

        err.print("starting a local Neo4j (first run builds it with Maven)...")
        server = Neo4jServer.start()
        ctx.obj.neo4j_uri, ctx.obj.neo4j_user, ctx.obj.neo4j_password = server.uri, server.user, server.password
    try:
        with opened(ctx) as store:
            report = load_curated(store, CURATED_FILE, batch_size=ctx.obj.batch_size)
            print_report(report, f"the curated lineage into {store.backend} at {store.location}")
            for question, name, params in DEMO_QUESTIONS:
                result = run_query(store, name, params)
                print_rows(console, question, result.columns, result.rows, "table")
            page = run_query(store, "overview", {})
        write_viz(page.graph, output, title="LLM lineage (curated)")
    finally:
        if server:
            server.stop()


# --- commands defined in their own modules, registered here (order = order in --help) ------

load_app.command("arxiv")(cli_arxiv.load_arxiv_cmd)
load_app.command("snapshot")(cli_arxiv.load_snapshot_cmd)
load_app.command("citations")(cli_lineage_sources.load_citations_cmd)
load_app.command("hf-cards")(cli_lineage_sources.load_hf_cards_cmd)
load_app.command("export")(cli_exported.load_export_cmd)
load_app.command("hf")(cli_hub.load_hf_cmd)
load_app.command("hf-dump")(cli_hf_dump.load_hf_dump_cmd)
app.add_typer(cli_lineage_sources.extract_app, name="extract")
app.command("cite")(cli_explain.cite_cmd)
app.command("explain")(cli_explain.explain_cmd)
app.command("cypher")(cli_query.cypher_cmd)
app.command("serve")(cli_serve.serve_cmd)


def run() -> None:
    """Console-script entry point: turn our errors into one line and exit code 1."""
    from lineage.cli_lazy import lazy_command

    debug = "--debug" in sys.argv
    try:
        lazy_command(app)()  # builds only the command that runs (Typer's app() builds them all)
    except LineageError as exc:
        if debug:
            raise
        print_error(exc)
        sys.exit(1)


if __name__ == "__main__":
    run()
