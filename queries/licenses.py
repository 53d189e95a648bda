"""The ``license-drift`` saved query's verdicts: each derivative's row judged by the rule table.

``queries/cypher/license-drift.cypher`` lists every derivative of a base with its path and each
hop's declared license; :func:`drift_rows` (the query's ``// filter:``) adds ``status`` and
``why`` from :func:`graph.licenses.judge`, judging the derivative against the hops above it on
that path (nearest first, up to the base), and keeps the rows ``show=`` asks for.
"""

from __future__ import annotations

from typing import Any

from graph.licenses import judge

#: What each ``show=`` keeps.
SHOWN: dict[str, frozenset[str]] = {
    "drift": frozenset({"drift"}),
    "undeclared": frozenset({"undeclared"}),
    "all": frozenset({"drift", "ok", "undeclared", "unchecked"}),
}


def drift_rows(rows: list[dict[str, Any]], values: dict[str, Any]) -> list[dict[str, Any]]:
    """``rows`` with ``status`` and ``why``, only those ``values['show']`` keeps (order kept)."""
    keep = SHOWN[values.get("show") or "drift"]
    out = []
    for row in rows:
        path = list(row.get("path") or [])
        licenses = list(row.get("licenses") or [None] * len(path))
        names = list(row.get("license_names") or [None] * len(path))
        above = list(zip(path[1:], licenses[1:], names[1:], strict=False))
        verdict = judge(row.get("license"), names[0] if names else None, above)
        if verdict.status in keep:
            out.append({**row, "status": verdict.status, "why": verdict.why})
    return out
