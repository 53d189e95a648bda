"""Hover text for nodes and edges, as small HTML fragments built only from escaped values.

Titles and evidence come from papers and model cards, i.e. from strangers: every value goes
through :func:`html.escape` and links are only ever built from known URL patterns, so a title
like ``<script>`` shows as text and cannot run.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

from viz.style import TRUST_NAMES

MAX_AUTHORS = 5
MAX_EVIDENCE = 280


def node_tooltip(node_id: str, attrs: dict[str, Any]) -> str:
    """Name, type, id, authors, date, links, note and sources of one node."""
    label = str(attrs.get("label") or "")
    name = str(attrs.get("name") or attrs.get("title") or node_id)
    rows = [
        f'<div class="tt-name">{escape(name)}</div>',
        f'<div class="tt-meta">{escape(label)} · {escape(node_id)}</div>',
    ]
    authors = [str(a) for a in attrs.get("authors") or []]
    if authors:
        shown = ", ".join(authors[:MAX_AUTHORS]) + (" et al." if len(authors) > MAX_AUTHORS else "")
        rows.append(_row("authors", escape(shown)))
    date = node_date(attrs)
    if date:
        source = attrs.get("date_source")
        rows.append(_row("date", escape(date + (f" ({source})" if source else ""))))
    for key, caption in (("organisation", "organisation"), ("parameters", "parameters"), ("hf_id", "hf")):
        if attrs.get(key) not in (None, "", []):
            value = _parameters(attrs[key]) if key == "parameters" else str(attrs[key])
            rows.append(_row(caption, escape(value)))
    if attrs.get("license"):
        name = attrs.get("license_name")
        rows.append(_row("license", escape(str(attrs["license"]) + (f" ({name})" if name else ""))))
    if attrs.get("license_drift"):
        rows.append(f'<div class="tt-drift">license drift: {escape(str(attrs["license_drift"]))}</div>')
    if attrs.get("categories"):
        rows.append(_row("categories", escape(", ".join(map(str, attrs["categories"][:4])))))
    for key in ("pagerank", "citations"):
        if isinstance(attrs.get(key), int | float):
            value = f"{attrs[key]:.4g}" if key == "pagerank" else f"{int(attrs[key]):,}"
            rows.append(_row(key, escape(value)))
    links = node_links(node_id, attrs)
    if links:
        rows.append(_row("links", " · ".join(_link(url, text) for text, url in links)))
    if attrs.get("note"):
        rows.append(f'<div class="tt-note">{escape(str(attrs["note"]))}</div>')
    if attrs.get("sources"):
        rows.append(_row("sources", escape(", ".join(map(str, attrs["sources"])))))
    return "".join(rows)


def edge_tooltip(source: str, target: str, attrs: dict[str, Any], names: dict[str, str]) -> str:
    """Relation, its ends, and every source with its evidence and confidence."""
    relation = str(attrs.get("type") or "")
    kind = str(attrs.get("kind") or "")
    head = escape(relation + (f" · {kind.replace('_', ' ')}" if kind else ""))
    trust = attrs.get("trust")
    rows = [
        f'<div class="tt-name">{head}</div>',
        f'<div class="tt-meta">{escape(names.get(source, source))} → {escape(names.get(target, target))}</div>',
    ]
    if isinstance(trust, int):
        rows.append(_row("trust", escape(f"{TRUST_NAMES.get(trust, str(trust))} ({trust})")))
    items = []
    for entry in provenance(attrs):
        conf = entry["confidence"]
        detail = f"confidence {conf:.2f}" if isinstance(conf, int | float) else ""
        if entry["retrieved"]:
            detail += f", retrieved {entry['retrieved']}"
        evidence = str(entry["evidence"] or "")
        if len(evidence) > MAX_EVIDENCE:
            evidence = evidence[: MAX_EVIDENCE - 1] + "…"
        quote_html = f'<div class="tt-evidence">“{escape(evidence)}”</div>' if evidence else ""
        items.append(f"<li><b>{escape(str(entry['source']))}</b> {escape(detail)}{quote_html}</li>")
    if items:
        rows.append(f'<ul class="tt-sources">{"".join(items)}</ul>')
    return "".join(rows)


def provenance(attrs: dict[str, Any]) -> list[dict[str, Any]]:
    """The parallel provenance lists of an edge, zipped back into one dict per source."""
    sources = list(attrs.get("sources") or [])
    n = len(sources)

    def column(key: str) -> list[Any]:
        values = list(attrs.get(key) or [])
        return values + [None] * (n - len(values))

    return [
        {"source": s, "evidence": e, "confidence": c, "retrieved": r}
        for s, e, c, r in zip(sources, column("evidence"), column("confidence"), column("retrieved"), strict=False)
    ]


def node_date(attrs: dict[str, Any]) -> str | None:
    """The date a node is ordered by: ``date``, else its publication or release date."""
    for key in ("date", "published", "release_date"):
        if attrs.get(key):
            return str(attrs[key])
    return None


def node_links(node_id: str, attrs: dict[str, Any]) -> list[tuple[str, str]]:
    """(text, url) pairs for the places a node lives: arXiv, DOI, Hugging Face."""
    links = []
    if node_id.startswith("arxiv:"):
        links.append(("arXiv", "https://arxiv.org/abs/" + quote(node_id[len("arxiv:") :], safe="/.")))
    doi = attrs.get("doi") or (node_id[len("doi:") :] if node_id.startswith("doi:") else None)
    if doi:
        links.append(("DOI", "https://doi.org/" + quote(str(doi), safe="/.()-_;:")))
    if attrs.get("hf_id"):
        kind = "datasets/" if attrs.get("label") == "Dataset" else ""  # the Hub keeps datasets apart
        links.append(("Hugging Face", f"https://huggingface.co/{kind}" + quote(str(attrs["hf_id"]), safe="/.-_")))
    return links


def _row(caption: str, value_html: str) -> str:
    return f'<div class="tt-row"><span class="tt-key">{escape(caption)}</span> {value_html}</div>'


def _link(url: str, text: str) -> str:
    return f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{escape(text)}</a>'


def _parameters(value: Any) -> str:
    if not isinstance(value, int | float):
        return str(value)
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if value >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:,}"
