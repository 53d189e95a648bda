"""Render query rows for people (rich tables) and for programs (JSON, CSV)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from rich.console import Console
from rich.table import Table


def cell(value: Any, column: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        sep = " → " if column in ("ids", "names") else ", "
        return sep.join(str(v) for v in value)
    return str(value)


def table(title: str, columns: list[str], rows: list[dict[str, Any]]) -> Table:
    out = Table(title=title, title_justify="left", show_lines=False)
    for col in columns:
        out.add_column(col, overflow="fold")
    for row in rows:
        out.add_row(*(cell(row.get(c), c) for c in columns))
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
