"""``lineage serve``: the HTTP API and the home page, over the configured store."""

from __future__ import annotations

from typing import Annotated

import typer

from lineage.cli_common import console


def serve_cmd(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on (0.0.0.0 for every one).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8000,
    query_timeout: Annotated[
        float, typer.Option("--query-timeout", min=0.1, help="Seconds any one database query may run.")
    ] = 10.0,
    cache_size: Annotated[
        int, typer.Option("--cache-size", min=0, help="Query results kept in memory (embedded store only; 0: none).")
    ] = 1024,
    log_level: Annotated[str, typer.Option("--log-level", help="critical, error, warning, info or debug.")] = "info",
    cypher: Annotated[
        str | None,
        typer.Option(
            "--cypher",
            help="Who may POST /cypher (ad-hoc read-only Cypher): token (default; the LINEAGE_API_TOKEN bearer), "
            "open (anyone who reaches the server: a public explorer) or off. Env: LINEAGE_CYPHER_ACCESS.",
        ),
    ] = None,
    allowed_hosts: Annotated[
        str | None,
        typer.Option(
            "--allowed-hosts",
            help="Host names to answer, comma-separated, or * for any. Default: localhost names when --host is a "
            "loopback address (so no other site can reach it by DNS rebinding), any otherwise. "
            "Env: LINEAGE_ALLOWED_HOSTS.",
        ),
    ] = None,
) -> None:
    """Serve lineage over HTTP: JSON API, downloads, lineage pages and a home page.

    Open http://127.0.0.1:8000/ for the home page and /docs for the interactive API docs.
    Writes (POST /load/curated) are enabled only when LINEAGE_API_TOKEN is set, and then need
    [bold]Authorization: Bearer $LINEAGE_API_TOKEN[/bold]. Ad-hoc Cypher (POST /cypher) needs the
    same token unless --cypher open: it is read-only, time- and memory-limited either way.

    Examples:
      [bold]lineage serve[/bold]
      [bold]lineage --db /data/lineage.lbug serve --host 0.0.0.0 --port 8080[/bold]
      [bold]NEO4J_URI=bolt://localhost:7687 lineage serve[/bold]
      [bold]lineage serve --host 0.0.0.0 --allowed-hosts lineage.example.org --cypher open[/bold]
    """
    import uvicorn

    from lineage.api import create_app

    settings = ctx.obj
    where = settings.neo4j_uri if settings.backend == "neo4j" else settings.db
    console.print(f"serving the {settings.backend} store at {where} on http://{host}:{port}/ (docs: /docs)")
    try:
        application = create_app(
            settings=settings,
            query_timeout=query_timeout,
            cypher_timeout=query_timeout,
            cache_size=cache_size,
            cypher=cypher,
            bind=host,
            hosts=allowed_hosts,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--cypher") from None
    uvicorn.run(application, host=host, port=port, log_level=log_level.lower(), server_header=False)
