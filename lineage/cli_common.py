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

from graph.errors import LineageError

if TYPE_CHECKING:
    from rich.console import Console

    from graph.store import GraphStore


class LazyConsole:
    """A :class:`rich.console.Console` made on first use, so importing a command module does
    not import rich's console (part of ``lineage --help``'s start-up, issue 25)."""

    def __init__(self, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr)
        return getattr(self._console, name)


console: Console = LazyConsole()  # type: ignore[assignment]
err: Console = LazyConsole(stderr=True)  # type: ignore[assignment]


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


#: ``lineage load …`` exit status when some records failed and the rest loaded (1: nothing
#: loaded; 2: a bad command line, as for every command). Documented in ``lineage load --help``.
EXIT_PARTIAL = 3
EXIT_CODES_HELP = (
    "Exit status: 0 everything loaded; 3 some records failed (each listed with why) and the rest loaded; "
    "1 nothing loaded (every record failed, or the input or the store was unusable); 2 a bad command line."
)


@contextmanager
def progress_bar(label: str, unit: str = "papers") -> Iterator[Any]:
    """A rich progress callback for a loader's ``progress`` (``done``, ``total``, ``papers``: the
    records so far, ``rate``) on a terminal; ``None`` (quiet) when output is piped or captured."""
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[count]:,} " + unit + " · {task.fields[rate]:,.0f}/s"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=None, count=0, rate=0.0)

        def tick(p: Any) -> None:
            bar.update(task, completed=p.done, total=p.total, count=p.papers, rate=p.rate)

        yield tick


@contextmanager
def count_bar(label: str) -> Iterator[Any]:
    """A rich bar for loaders that report ``tick(done, total, what)`` (the Hub crawl's repos,
    grow's steps) on a terminal; ``None`` (quiet) when output is piped or captured."""
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[what]}"))
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(label, total=None, what="")

        def tick(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, what=what)

        yield tick


def summarise(report: Any, what: str, limit: int | None = None) -> None:
    """A load's whole summary: the counts, what was skipped and why, its notes, disagreements
    with curated data (arXiv loads), then the failures and the exit status (:func:`end_load`)."""
    print_report(report, what)
    reasons = ", ".join(f"{n:,} {reason}" for reason, n in report.skip_reasons.most_common())
    console.print(f"skipped {report.skipped:,}" + (f" ({reasons})" if reasons else ""), markup=False, highlight=False)
    for note in report.notes:
        console.print(note, markup=False, highlight=False, soft_wrap=True)
    disagreements = getattr(report, "disagreements", ())
    if disagreements:
        console.print(f"{len(disagreements)} disagreement(s) with curated data (arXiv's values were kept):")
        for line in disagreements:
            console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
    end_load(report, limit)


def end_load(report: Any, limit: int | None = None) -> None:
    """After a load's summary: its failures, one line each (the first ``limit``), and the exit
    status that tells a partial load (:data:`EXIT_PARTIAL`) from one that loaded nothing (1)."""
    failures = report.failures
    if not failures:
        console.print("failures 0", highlight=False)
        return
    loaded = any(
        getattr(report, f"{kind}_{how}") for kind in ("nodes", "edges") for how in ("added", "updated", "unchanged")
    )
    outcome = "the rest loaded" if loaded else "nothing loaded"
    code = EXIT_PARTIAL if loaded else 1
    err.print(f"{len(failures)} failure(s), {outcome} (exit {code}):", highlight=False)
    for line in failures[:limit]:
        err.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
    if limit is not None and len(failures) > limit:
        err.print(f"  … and {len(failures) - limit} more", highlight=False)
    raise typer.Exit(code)


def print_error(exc: LineageError) -> None:
    """An error as the one red line on stderr every command ends with."""
    from rich.markup import escape

    err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)


def write_viz(graph: Any, path: Path, title: str, layout: str = "force") -> None:
    """Draw ``graph`` as one HTML page at ``path`` and say so (with the drawing's warning, if any)."""
    from viz import write_page

    result = write_page(graph, path, title=title, layout=layout)
    if getattr(result, "warning", None):
        err.print(f"warning: {result.warning}")
    console.print(f"wrote {path} ({graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges)")
