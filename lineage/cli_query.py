"""``lineage cypher``: ad-hoc read-only Cypher from the command line.

The command is a plain function :mod:`lineage.cli` registers. The statement goes
through :func:`queries.adhoc.run_read_only`: writes, ``LOAD CSV``, procedure calls and ``USE``
are refused with a one-line error naming the clause (exit 1), the engine runs it in a read
transaction with a timeout, and at most ``--limit`` rows come back.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from graph.errors import LineageError
from lineage.cli_common import console, err, opened, parse_params
from lineage.output import print_rows

FORMATS = ("table", "json", "csv")
DEFAULT_ROW_LIMIT = 1000  # = queries.adhoc.DEFAULT_ROW_LIMIT; not imported, to keep --help fast


def parse_value(text: str) -> Any:
    """A ``--param`` value: JSON when it parses (``3``, ``true``, ``["a","b"]``), else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def cypher_cmd(
    ctx: typer.Context,
    statement: Annotated[str, typer.Argument(help="One read-only Cypher statement (quote it).")],
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="A $parameter as key=value; JSON values allowed (depth=3, ids='[\"a\"]')."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100_000, help="At most this many rows.")] = (
        DEFAULT_ROW_LIMIT
    ),
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds before the query is stopped.")] = 10.0,
) -> None:
    """Run ad-hoc read-only Cypher against the configured store.

    The engines differ a little in Cypher dialect; saved queries (lineage query --list) run on both.

    Examples:
      [bold]lineage cypher "MATCH (n:Node {label: 'Model'}) RETURN n.id AS id, n.name AS name" --limit 5[/bold]
      [bold]lineage cypher "MATCH (n:Node {id: $id})-[:BUILDS_ON]->(m:Node) RETURN m.id AS id" -p id=model:zephyr-7b[/bold]
    """
    from queries.adhoc import check_read_only, run_read_only

    if fmt not in FORMATS:
        raise LineageError(f"--format {fmt!r}: use table, json or csv")
    check_read_only(statement)  # refuse before opening anything
    values = {k: parse_value(v) for k, v in parse_params(param).items()}
    with opened(ctx) as store:
        rows = run_read_only(store, statement, values, limit=limit, timeout=timeout)
    columns = list(rows[0]) if rows else []
    print_rows(console, "cypher", columns, rows, fmt)
    if len(rows) == limit:
        err.print(f"[dim]first {limit} rows shown; raise --limit to see more[/dim]")
