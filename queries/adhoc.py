"""Ad-hoc Cypher for people who know what they want: read-only, bounded, never string-built.

The engines already refuse writes inside read transactions (Neo4j ``execute_read``, Ladybug
``BEGIN TRANSACTION READ ONLY``); this guard also refuses what a read transaction would
allow but a shared service must not: ``LOAD CSV`` (reads files and URLs), procedure calls
(``CALL dbms.*``, APOC), ``USE`` of another database, and schema or admin commands. It
names the clause it refused.
"""

from __future__ import annotations

import re
from typing import Any

from graph.errors import QueryError
from graph.store import GraphStore

_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
REFUSED = [
    (re.compile(r"\bLOAD\s+CSV\b", re.I), "LOAD CSV"),
    (re.compile(r"\bCALL\b", re.I), "CALL (procedures and subqueries)"),
    (re.compile(r"\bUSE\b", re.I), "USE"),
    (
        re.compile(
            r"\b(CREATE|MERGE|SET|DELETE|DETACH|REMOVE|DROP|ALTER|GRANT|DENY|REVOKE|COPY|INSTALL|LOAD|ATTACH|"
            r"EXPORT|IMPORT|BEGIN|COMMIT|ROLLBACK|CHECKPOINT|FOREACH)\b",
            re.I,
        ),
        "a write or admin clause",
    ),
    (re.compile(r"\b(apoc|dbms|db|gds|tx)\s*\.", re.I), "procedure namespaces"),
    (re.compile(r";\s*\S"), "more than one statement"),
]
DEFAULT_ROW_LIMIT = 1000


def _blank_strings(cypher: str) -> str:
    """Replace string literals and quoted names by ``''`` in one linear pass.

    A regex here backtracks quadratically on an unclosed quote followed by backslashes.
    """
    out: list[str] = []
    i, n = 0, len(cypher)
    while i < n:
        ch = cypher[i]
        if ch not in "'\"`":
            out.append(ch)
            i += 1
            continue
        j = i + 1
        while j < n and cypher[j] != ch:
            j += 2 if cypher[j] == "\\" and ch != "`" else 1
        out.append("''")
        i = j + 1
    return "".join(out)


def check_read_only(cypher: str) -> str:
    """Return the statement if it is a plain read, else raise :class:`QueryError` naming why."""
    if not cypher or not cypher.strip():
        raise QueryError("empty Cypher statement", "cypher")
    code = _COMMENTS.sub(" ", _blank_strings(cypher))
    for pattern, what in REFUSED:
        match = pattern.search(code)
        if match:
            raise QueryError(
                f"refused: {what} is not allowed in ad-hoc read-only Cypher ({match.group(0).strip()!r})", "cypher"
            )
    return cypher.strip().rstrip(";")


def run_read_only(
    store: GraphStore,
    cypher: str,
    params: dict[str, Any] | None = None,
    *,
    limit: int = DEFAULT_ROW_LIMIT,
    timeout: float | None = 10.0,
) -> list[dict[str, Any]]:
    """Run a checked read in a read transaction, time-limited; at most ``limit`` rows come back."""
    statement = check_read_only(cypher)
    try:
        rows = store.read(statement, params or {}, timeout=timeout)
    except Exception as exc:
        raise QueryError(f"Cypher error: {str(exc).splitlines()[0]}", "cypher") from exc
    return rows[:limit]
