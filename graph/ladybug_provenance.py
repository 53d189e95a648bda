"""Edge provenance in the embedded store: each distinct provenance is stored once.

An edge's provenance is four parallel lists (sources, evidence, confidence, retrieved). Kept on
every edge as text, they were most of a bulk load's memory and time (the engine holds a rel
COPY's strings in memory; with list columns each commit also got slower as the table grew:
BENCHMARKS.md, session 7). So the rel tables carry ``prov``, the key of a ``Provenance``
row that holds the lists as one JSON text, and edges with the same provenance (a paper's
authors, a curated file's edges) share the row. The key is a 63-bit hash of the text, so any
writer can compute it without a counter; a key met again with another text is refused (checked
against the rows already committed).

Only the embedded store sees this: its reads attach the lists back (:func:`attach`), so edges
leave the store exactly as they came. Neo4j keeps the lists on the relationship.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from graph.errors import StoreError
from graph.vocab import EDGE_COLUMNS

if TYPE_CHECKING:
    import pyarrow as pa

#: The provenance lists, in the order of the JSON text.
PROVENANCE_COLUMNS = [c for c, t in EDGE_COLUMNS.items() if t.endswith("[]")]
#: What a rel table stores: the edge's own columns and the key of its provenance.
REL_COLUMNS = {c: t for c, t in EDGE_COLUMNS.items() if not t.endswith("[]")} | {"prov": "INT64"}
#: The rel columns as a RETURN list (an edge bound to ``e``); :func:`attach` turns ``prov`` back into lists.
EDGE_RETURN = ", ".join(f"e.{c} AS {c}" for c in REL_COLUMNS)
DDL = "CREATE NODE TABLE IF NOT EXISTS Provenance(key INT64 PRIMARY KEY, value STRING)"

LOOKUP = "UNWIND $keys AS k MATCH (p:Provenance {key: k}) RETURN p.key AS key, p.value AS value"

Rows = Callable[[str, dict[str, Any]], list[dict[str, Any]]]


@lru_cache(maxsize=65536)
def _interned(lists: tuple[tuple[Any, ...], ...]) -> tuple[int, str]:
    text = json.dumps([list(x) for x in lists], separators=(",", ":"))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big") >> 1, text


def interned(row: dict[str, Any]) -> tuple[int, str]:
    """``(key, text)`` of an edge row's provenance lists."""
    return _interned(tuple(tuple(row.get(c) or ()) for c in PROVENANCE_COLUMNS))


def rel_row(row: dict[str, Any]) -> dict[str, Any]:
    """An edge row as its rel table stores it: ends, own columns, provenance key."""
    out = {"source": row["source"], "target": row["target"]}
    out.update({c: row.get(c) for c in REL_COLUMNS if c != "prov"})
    out["prov"] = interned(row)[0]
    return out


def texts_of(rows: Iterable[dict[str, Any]]) -> dict[int, str]:
    """Every distinct provenance of these edge rows, by key."""
    return dict(interned(r) for r in rows)


def table(texts: dict[int, str]) -> pa.Table:
    """Provenance rows as the Arrow table ``COPY`` reads."""
    import pyarrow as pa  # here: a read-only CLI call never needs pyarrow

    return pa.table({"key": pa.array(list(texts), pa.int64()), "value": pa.array(list(texts.values()), pa.string())})


def unwritten(rows: Rows, texts: dict[int, str]) -> dict[int, str]:
    """The rows of ``texts`` the database does not have yet; a key it has with another text is refused."""
    if not texts:
        return {}
    found = rows(LOOKUP, {"keys": list(texts)})
    for r in found:
        if r["value"] != texts[r["key"]]:
            raise StoreError(
                f"edge provenance key {r['key']} already holds {r['value']!r}, not {texts[r['key']]!r}: "
                "a hash clash; please report it"
            )
    have = {r["key"] for r in found}
    return {k: v for k, v in texts.items() if k not in have}


def attach(rows: Rows, edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Edge rows read with ``prov`` get their provenance lists back (one lookup per distinct key)."""
    keys = list({e["prov"] for e in edges if e.get("prov") is not None})
    found = rows(LOOKUP, {"keys": keys}) if keys else []
    decoded = {r["key"]: dict(zip(PROVENANCE_COLUMNS, json.loads(r["value"]), strict=True)) for r in found}
    empty: dict[str, list[Any]] = {c: [] for c in PROVENANCE_COLUMNS}
    out = []
    for e in edges:
        key = e.pop("prov", None)
        lists = decoded.get(key) if key is not None else empty
        if lists is None:
            raise StoreError(f"edge {e.get('source')} -> {e.get('target')}: its provenance row {key} is missing")
        out.append({**e, **{c: list(v) for c, v in lists.items()}})
    return out


def old_layout(rows: Rows, rel_tables: list[str]) -> list[str]:
    """The rel tables that still keep provenance lists on every edge (see :func:`migrate`)."""
    have = {r["name"] for r in rows("CALL show_tables() RETURN name", {})}
    return [
        t
        for t in rel_tables
        if t in have and "sources" in {r["name"] for r in rows(f"CALL table_info('{t}') RETURN name", {})}
    ]


#: Edges moved over per transaction by :func:`migrate`.
MIGRATE_CHUNK = 20_000


def migrate(rows: Rows, rel_tables: list[str]) -> None:
    """Move an older store's provenance (JSON text on every edge) into Provenance rows.

    Each chunk is its own transaction and takes the edges whose ``prov`` is still null, so an
    interrupted migration resumes when the store is next opened; the old columns are dropped last.
    """
    for t in old_layout(rows, rel_tables):
        names = {r["name"] for r in rows(f"CALL table_info('{t}') RETURN name", {})}
        if "prov" not in names:
            rows(f"ALTER TABLE {t} ADD prov INT64", {})
        lists = ", ".join(f"e.{c} AS {c}" for c in PROVENANCE_COLUMNS)
        while True:
            found = rows(
                f"MATCH (a:Node)-[e:{t}]->(b:Node) WHERE e.prov IS NULL "
                f"RETURN a.id AS source, b.id AS target, coalesce(e.kind, '') AS kind, {lists} LIMIT {MIGRATE_CHUNK}",
                {},
            )
            if not found:
                break
            for r in found:
                r.update({c: json.loads(r[c]) if r[c] else [] for c in PROVENANCE_COLUMNS})
            fresh = unwritten(rows, texts_of(found))
            keyed = [
                {"source": r["source"], "target": r["target"], "kind": r["kind"], "prov": interned(r)[0]} for r in found
            ]
            rows("BEGIN TRANSACTION", {})
            try:
                if fresh:  # (an empty list parameter has no type the engine can bind)
                    rows(
                        "UNWIND $rows AS r CREATE (:Provenance {key: r.key, value: r.value})",
                        {"rows": [{"key": k, "value": v} for k, v in fresh.items()]},
                    )
                done = rows(
                    f"UNWIND $rows AS r MATCH (a:Node {{id: r.source}})-[e:{t}]->(b:Node {{id: r.target}}) "
                    "WHERE coalesce(e.kind, '') = r.kind AND e.prov IS NULL SET e.prov = r.prov RETURN count(*) AS n",
                    {"rows": keyed},
                )
                rows("COMMIT", {})
            except BaseException:
                rows("ROLLBACK", {})
                raise
            if not done[0]["n"]:
                raise StoreError(f"cannot move the provenance of {t} edges into Provenance rows")
        for c in PROVENANCE_COLUMNS:
            rows(f"ALTER TABLE {t} DROP {c}", {})
