"""Ad-hoc Cypher for people who know what they want: one read-only statement, bounded.

The engine decides what reads: each store runs ad-hoc Cypher where it cannot write or reach
files (``GraphStore.adhoc``: on Neo4j a READ-mode transaction after an ``EXPLAIN`` that must
say read-only; on the embedded store a child process with a read-only database handle, no
file writes, a memory bound and a kill at the timeout). This module is the first, friendly
refusal in front of that: it reads strings, quoted names and comments in one pass (so a quote
inside a comment cannot hide a clause, nor a comment marker inside a string), and refuses more
than one statement, write, file, procedure, transaction and admin clauses, characters outside
ASCII in code (look-alikes), and statements too long or too deeply nested to parse cheaply.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from graph.errors import QueryError, QueryRefusedError
from graph.store import GraphStore

DEFAULT_ROW_LIMIT = 1000
#: A statement longer than this is not an ad-hoc question (and parsing costs grow with it).
MAX_CHARS = 10_000
#: Brackets nested deeper than this are refused before any parser sees them: 4 KB of nested
#: parentheses kept an engine's parser busy for tens of seconds.
MAX_NESTING = 32
#: Parameters: strings, lists and maps larger than these are refused.
MAX_PARAM_CHARS = 10_000
MAX_PARAM_ITEMS = 10_000
INT64 = (-(2**63), 2**63 - 1)

#: Clauses that write, read or write files, run procedures, switch databases or control
#: transactions and the schema, on either engine. Matched as whole keywords in code only.
REFUSED_KEYWORDS = {
    "CREATE": "a write or admin clause",
    "MERGE": "a write or admin clause",
    "SET": "a write or admin clause",
    "DELETE": "a write or admin clause",
    "DETACH": "a write or admin clause",
    "REMOVE": "a write or admin clause",
    "FOREACH": "a write or admin clause",
    "UPDATE": "a write or admin clause",
    "DROP": "a write or admin clause",
    "ALTER": "a write or admin clause",
    "COMMENT": "a write or admin clause",
    "ANALYZE": "a write or admin clause",
    "GRANT": "a write or admin clause",
    "DENY": "a write or admin clause",
    "REVOKE": "a write or admin clause",
    "SHOW": "a write or admin clause",
    "TERMINATE": "a write or admin clause",
    "CHECKPOINT": "a write or admin clause",
    "COPY": "COPY (reads or writes files)",
    "LOAD": "LOAD (reads files)",
    "EXPORT": "EXPORT (writes files)",
    "IMPORT": "IMPORT (reads files)",
    "ATTACH": "ATTACH (opens another database)",
    "INSTALL": "INSTALL (extensions)",
    "UNINSTALL": "UNINSTALL (extensions)",
    "CALL": "CALL (procedures and subqueries)",
    "USE": "USE (another database)",
    "BEGIN": "transaction control",
    "COMMIT": "transaction control",
    "ROLLBACK": "transaction control",
}
#: Function namespaces that reach outside the graph (APOC's file and URL loaders, admin).
REFUSED_NAMESPACES = {"apoc", "dbms", "gds"}


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "punct", "string", "name" (a `quoted name`)
    text: str
    pos: int


def _refuse(what: str, shown: str = "") -> QueryRefusedError:
    tail = f" ({shown[:40]!r})" if shown else ""
    return QueryRefusedError(f"refused: {what} is not allowed in ad-hoc read-only Cypher{tail}", "cypher")


def tokens(cypher: str) -> list[Token]:
    """The statement's tokens, strings, quoted names and comments read in one left-to-right pass.

    Both engines read ``\\`` as an escape inside ``'…'`` and ``"…"`` and a doubled backtick
    inside a quoted name; an unterminated string or comment is refused rather than guessed at.
    """
    out: list[Token] = []
    i, n = 0, len(cypher)
    while i < n:
        ch = cypher[i]
        if ch in " \t\r\n\f\v":
            i += 1
        elif cypher.startswith("//", i):
            end = cypher.find("\n", i)
            i = n if end < 0 else end + 1
        elif cypher.startswith("/*", i):
            end = cypher.find("*/", i + 2)
            if end < 0:
                raise _refuse("an unterminated /* comment")
            i = end + 2
        elif ch in "'\"":
            j = i + 1
            while j < n and cypher[j] != ch:
                j += 2 if cypher[j] == "\\" else 1
            if j >= n:
                raise _refuse("an unterminated string")
            out.append(Token("string", cypher[i : j + 1], i))
            i = j + 1
        elif ch == "`":
            j = i + 1
            while True:
                j = cypher.find("`", j)
                if j < 0:
                    raise _refuse("an unterminated `quoted name`")
                if cypher.startswith("``", j):
                    j += 2
                    continue
                break
            out.append(Token("name", cypher[i : j + 1], i))
            i = j + 1
        elif ch.isascii() and (ch.isalnum() or ch in "_$"):
            j = i + 1
            while j < n and cypher[j].isascii() and (cypher[j].isalnum() or cypher[j] == "_"):
                j += 1
            out.append(Token("word", cypher[i:j], i))
            i = j
        elif ch.isascii() and ch.isprintable():
            out.append(Token("punct", ch, i))
            i += 1
        else:
            raise _refuse(f"the character {ch!r} (U+{ord(ch):04X}) outside a string", cypher[max(0, i - 10) : i + 10])
    return out


def check_read_only(cypher: str) -> str:
    """The statement, trimmed, if it reads only; else :class:`QueryError` saying what was refused."""
    if not cypher or not cypher.strip():
        raise QueryError("empty Cypher statement", "cypher")
    if len(cypher) > MAX_CHARS:
        raise QueryError(f"the statement has {len(cypher):,} characters; at most {MAX_CHARS:,} are allowed", "cypher")
    toks = tokens(cypher)
    depth = 0
    for k, tok in enumerate(toks):
        prev = toks[k - 1].text if k else ""
        after = toks[k + 1].text if k + 1 < len(toks) else ""
        if tok.kind == "punct":
            if tok.text in "([{":
                depth += 1
                if depth > MAX_NESTING:
                    raise QueryError(f"brackets nested more than {MAX_NESTING} deep", "cypher")
            elif tok.text in ")]}":
                depth -= 1
            elif tok.text == ";" and k + 1 < len(toks):
                raise _refuse("more than one statement", cypher[tok.pos : tok.pos + 40])
            continue
        if tok.kind != "word" or prev in (".", ":") or prev.upper() == "AS":
            continue  # strings, `names`, property keys, labels, relationship types, aliases
        word = tok.text.upper()
        if after == ":" and prev in ("{", ","):
            continue  # a map key: {set: 1}
        if word in REFUSED_KEYWORDS:
            what = (
                "LOAD CSV (reads files and URLs)"
                if word == "LOAD" and after.upper() == "CSV"
                else REFUSED_KEYWORDS[word]
            )
            raise _refuse(what, cypher[tok.pos : tok.pos + 40])
        if tok.text.lower() in REFUSED_NAMESPACES and after == ".":
            raise _refuse(f"the {tok.text.lower()}.* namespace", cypher[tok.pos : tok.pos + 40])
    if not toks:
        raise QueryError("empty Cypher statement (only comments)", "cypher")
    return cypher.strip().rstrip(";").rstrip()


def check_params(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as the engines take them: names are words, integers fit in 64 bits (a larger
    one would silently become a float), strings and lists are bounded."""
    for name, value in params.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise QueryError(f"parameter name {str(name)[:40]!r}: use letters, digits and _", "params")
        _check_value(name, value, 0)
    return params


def _check_value(name: str, value: Any, depth: int) -> None:
    if depth > 8:
        raise QueryError(f"parameter {name!r}: nested more than 8 deep", name)
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if not INT64[0] <= value <= INT64[1]:
            raise QueryError(f"parameter {name!r}: {str(value)[:30]}… does not fit in a 64-bit integer", name)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise QueryError(f"parameter {name!r}: {value} is not a finite number", name)
    elif isinstance(value, str):
        if len(value) > MAX_PARAM_CHARS:
            raise QueryError(f"parameter {name!r}: {len(value):,} characters, at most {MAX_PARAM_CHARS:,}", name)
    elif isinstance(value, (list, tuple)):
        if len(value) > MAX_PARAM_ITEMS:
            raise QueryError(f"parameter {name!r}: {len(value):,} items, at most {MAX_PARAM_ITEMS:,}", name)
        for item in value:
            _check_value(name, item, depth + 1)
    elif isinstance(value, dict):
        if len(value) > MAX_PARAM_ITEMS:
            raise QueryError(f"parameter {name!r}: {len(value):,} keys, at most {MAX_PARAM_ITEMS:,}", name)
        for item in value.values():
            _check_value(name, item, depth + 1)
    else:
        raise QueryError(f"parameter {name!r}: a {type(value).__name__} is not a Cypher value", name)


def run_read_only(
    store: GraphStore,
    cypher: str,
    params: dict[str, Any] | None = None,
    *,
    limit: int = DEFAULT_ROW_LIMIT,
    timeout: float = 10.0,
) -> list[dict[str, Any]]:
    """Check, then run in the store's ad-hoc sandbox: at most ``limit`` rows, stopped at ``timeout`` s."""
    statement = check_read_only(cypher)
    values = check_params(dict(params or {}))
    return store.adhoc(statement, values, limit=limit, timeout=timeout)
