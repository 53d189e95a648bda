"""What every ``lineage`` command shares: the consoles, the store a command opens, ``key=value``
parameters, the one-line load summary and error line, and writing a page.

The command modules (``lineage/cli_*.py``) import from here, never from :mod:`lineage.cli`,
which builds the app and registers their commands: so no module imports back the one that
imports it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape

from graph.errors import LineageError

if TYPE_CHECKING:
    from graph.store import GraphStore

console = Console()
err = Console(stderr=True)


@contextmanager
def opened(ctx: typer.Context) -> Iterator[GraphStore]:
    """The store the global options (``ctx.obj``, :class:`lineage.settings.Settings`) name, closed after."""
    store = ctx.obj.open_store()
    try:
        yield store
    finally:
        store.close()


def parse_params(pairs: list[str] | None) -> dict[str, Any]:
    """``['id=model:zephyr-7b', 'depth=4']`` → dict; a pair without ``=`` is an error naming it."""
    out: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise LineageError(f"parameter {pair!r} must be written key=value")
        out[key.strip()] = value.strip()
    return out


def format_params(params: dict[str, Any]) -> str:
    """Validated parameters as a title shows them: ``id=model:zephyr-7b depth=4`` (empty ones left out)."""
    return " ".join(
        f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in params.items() if v not in ([], None)
    )


def print_report(report: Any, what: str) -> None:
    """A loader's counts in one line."""
    console.print(
        f"loaded {what}: nodes {report.nodes_added} added, {report.nodes_updated} updated, "
        f"{report.nodes_unchanged} unchanged; edges {report.edges_added} added, {report.edges_updated} updated, "
        f"{report.edges_unchanged} unchanged"
    )


def print_error(exc: LineageError) -> None:
    """An error as the one red line on stderr every command ends with."""
    err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)


def write_viz(graph: Any, path: Path, title: str, layout: str = "force") -> None:
    """Draw ``graph`` as one HTML page at ``path`` and say so (with the drawing's warning, if any)."""
    from viz import write_page

    result = write_page(graph, path, title=title, layout=layout)
    if getattr(result, "warning", None):
        err.print(f"warning: {result.warning}")
    console.print(f"wrote {path} ({graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges)")
