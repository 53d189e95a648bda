"""Which export format a command writes: the one decision ``lineage export`` and ``lineage
query --export`` (and the API's file names) share.

Apart from :mod:`graph.export` so that deciding costs no networkx import: the CLI checks the
format before it opens the store.
"""

from __future__ import annotations

from pathlib import Path

from graph.errors import LineageError

FORMATS = ("graphml", "gexf", "json", "csv", "cypher", "bibtex")
SUFFIX = {"graphml": ".graphml", "gexf": ".gexf", "json": ".json", "csv": "", "cypher": ".cypher", "bibtex": ".bib"}
DEFAULT = "graphml"


class ExportError(LineageError):
    pass


def format_of(path: str | Path) -> str:
    """The format a file name asks for: its suffix (``.graphml``, ``.gexf``, ``.json``,
    ``.cypher``, ``.bib``); a name without a suffix is a directory of neo4j-admin CSV files."""
    suffix = Path(path).suffix.lower()
    if not suffix:
        return "csv"
    for fmt, known in SUFFIX.items():
        if known and suffix == known:
            return fmt
    wanted = ", ".join(s for s in SUFFIX.values() if s)
    raise ExportError(f"{path}: cannot tell the format from {suffix!r}; use {wanted}, or no suffix for CSV")


def choose_format(fmt: str | None, path: str | Path | None) -> str:
    """``--format`` when given, else what the output file's suffix asks for, else GraphML.

    A ``--format`` that contradicts the suffix (``--format graphml -o x.gexf``) is refused
    rather than writing one format under another's name.
    """
    if fmt is not None and fmt not in FORMATS:
        raise ExportError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    if path is None:
        return fmt or DEFAULT
    if fmt is None:
        return format_of(path)
    suffix = Path(path).suffix.lower()
    known = {s: f for f, s in SUFFIX.items() if s}
    if suffix in known and known[suffix] != fmt:
        raise ExportError(f"--format {fmt} does not match {path} (a {known[suffix]} name); drop one of them")
    return fmt
