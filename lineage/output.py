"""Render query rows for people (rich tables) and for programs (JSON, CSV)."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # rich loads when a table is drawn: the CLI's start-up stays light (issue 25)
    from rich.console import Console
    from rich.table import Table


#: A list cell in a table shows its length and this many items (``via`` next to a hub is
#: hundreds of ids); JSON and CSV keep every item.
SHOWN = 3
#: Lists that are one path (a chain of hops): always shown whole, in order.
PATHS = ("ids", "names")


def cell(value: Any, column: str = "", short: bool = False) -> str:
    """One value as text; ``short`` (tables) cuts a long list to ``N: first, few, …``."""
    if value is None:
        return ""
    if isinstance(value, list):
        if column in PATHS:
            return " → ".join(str(v) for v in value)
        if short and len(value) > SHOWN:
            return f"{len(value)}: " + ", ".join(str(v) for v in value[:SHOWN]) + ", …"
        return ", ".join(str(v) for v in value)
    return str(value)


def table(title: str, columns: list[str], rows: list[dict[str, Any]]) -> Table:
    from rich.table import Table

    out = Table(title=title, title_justify="left", show_lines=False)
    for col in columns:
        out.add_column(col, overflow="fold")
    for row in rows:
        out.add_row(*(cell(row.get(c), c, short=True) for c in columns))
    return out


def print_rows(console: Console, title: str, columns: list[str], rows: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        console.print_json(json.dumps(rows, default=str))
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: cell(row.get(c), c) for c in columns})
        console.out(buf.getvalue(), end="")
    else:
        if rows:
            console.print(table(title, columns, rows))
        else:
            console.print(f"[bold]{title}[/bold]: no results")
