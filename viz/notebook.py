"""Lineage in a notebook: a result's table and its page inline, and the same drawing as pyvis.

The inline page is the offline page of :mod:`viz.page` in an ``<iframe srcdoc>``: the iframe
gives it its own document, so its fixed element ids, its script and its Content-Security-Policy
cannot meet another result's (or the notebook's), and ``sandbox`` keeps a hostile title from
reaching the notebook. The wrapper's own ids carry a fresh token per call, so two results (or one
shown twice) on one notebook page never share an id.

:func:`to_pyvis` gives a real :class:`pyvis.network.Network` with the page's nodes, edges, colours,
shapes and options (:func:`viz.page.prepare`), for users who customise and ``.show()`` it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from html import escape
from html.parser import HTMLParser
from typing import Any

import networkx as nx

from viz.page import prepare, render_html
from viz.style import LABEL_SHAPES

#: Rows a notebook table shows before it says how many more there are (``to_pandas`` has all).
MAX_ROWS = 50
#: List values (``via`` of co-citation, authors) show this many items and a count of the rest.
MAX_ITEMS = 5
#: The page bar above the drawing; the iframe is this much taller than the drawing.
BAR_PX = 56
_TABLE_CSS = (
    "border-collapse:collapse;font-size:12.5px;margin:4px 0 8px;"
    "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif"
)
_CELL = "border-bottom:1px solid #d8dee4;padding:3px 8px;text-align:left;vertical-align:top"


def new_token() -> str:
    """A fresh id prefix for one display (``lineage-`` and 12 hex digits)."""
    return f"lineage-{uuid.uuid4().hex[:12]}"


def result_html(
    title: str,
    columns: Sequence[str],
    rows: Sequence[dict[str, Any]],
    graph: nx.MultiDiGraph,
    *,
    height_px: int = 520,
    max_rows: int = MAX_ROWS,
) -> str:
    """The table, then the lineage page inline (no page when the rows name no nodes)."""
    token = new_token()
    summary = f"{len(rows):,} row{'s' * (len(rows) != 1)} · {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges"
    parts = [
        f'<div id="{token}" class="lineage-result">',
        f'<div id="{token}-title" style="font-weight:600;margin:2px 0">{escape(title)} '
        f'<span style="font-weight:400;color:#57606a">{summary}</span></div>',
        table_html(columns, rows, max_rows=max_rows, table_id=f"{token}-table"),
    ]
    if graph.number_of_nodes():
        parts.append(page_iframe(graph, title=title, height_px=height_px, iframe_id=f"{token}-page"))
    parts.append("</div>")
    return "\n".join(parts)


def table_html(
    columns: Sequence[str], rows: Sequence[dict[str, Any]], *, max_rows: int = MAX_ROWS, table_id: str | None = None
) -> str:
    """An HTML table of ``rows`` (every value escaped), the first ``max_rows`` of them."""
    attr = f' id="{escape(table_id)}"' if table_id else ""
    if not rows:
        return f'<p{attr} style="color:#57606a;margin:4px 0">no rows</p>'
    head = "".join(f'<th style="{_CELL}">{escape(str(c))}</th>' for c in columns)
    body = "".join(
        "<tr>" + "".join(f'<td style="{_CELL}">{escape(cell_text(row.get(c)))}</td>' for c in columns) + "</tr>"
        for row in rows[:max_rows]
    )
    more = ""
    if len(rows) > max_rows:
        more = (
            f'<tr><td colspan="{len(columns)}" style="{_CELL};color:#57606a">'
            f"… {len(rows) - max_rows:,} more rows (to_pandas() has them all)</td></tr>"
        )
    return f'<table{attr} style="{_TABLE_CSS}"><thead><tr>{head}</tr></thead><tbody>{body}{more}</tbody></table>'


def cell_text(value: Any) -> str:
    """A value as a table cell shows it: lists as their first few items and a count of the rest."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        shown = ", ".join(map(str, value[:MAX_ITEMS]))
        return shown + (f" … (+{len(value) - MAX_ITEMS:,})" if len(value) > MAX_ITEMS else "")
    return str(value)


def page_iframe(graph: nx.MultiDiGraph, *, title: str, height_px: int = 520, iframe_id: str | None = None) -> str:
    """The offline lineage page for ``graph`` in a sandboxed ``<iframe srcdoc>``."""
    page = render_html(graph, title=title, height=f"{height_px}px")
    attr = f' id="{escape(iframe_id)}"' if iframe_id else ""
    return (
        f'<iframe{attr} title="{escape(title)}" sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox" '
        f'style="width:100%;height:{height_px + BAR_PX}px;border:1px solid #d8dee4;border-radius:6px" '
        f'srcdoc="{escape(page.html, quote=True)}"></iframe>'
    )


def to_pyvis(
    graph: nx.MultiDiGraph,
    *,
    title: str = "",
    layout: str = "force",
    node_cap: int = 1500,
    height: str = "600px",
    width: str = "100%",
    **network: Any,
) -> Any:
    """``graph`` as a :class:`pyvis.network.Network` drawn like the project's pages.

    Nodes carry the page's colour, shape, size (influence) and a plain-text tooltip; edges the
    page's colour, width and dashes per relation and trust; ``options`` are the page's
    (:func:`viz.options.vis_options`), kept as pyvis's ``Options`` so ``toggle_physics``,
    ``show_buttons`` and the like still work. Extra keyword arguments go to ``Network``; by default
    it is made for a notebook with vis-network inlined, so ``net.show("x.html")`` works offline.
    """
    from pyvis.network import Network

    drawing = prepare(graph, layout=layout, node_cap=node_cap)
    elements = drawing.elements
    settings = {"notebook": True, "cdn_resources": "in_line", "heading": title, **network}
    net = Network(height=height, width=width, directed=True, **settings)
    for node in elements.nodes:
        label = node["group"]
        extra = {k: node[k] for k in ("x", "y", "fixed", "physics") if k in node}
        net.add_node(
            node["id"],
            label=node["label"],
            shape=LABEL_SHAPES.get(label, "dot"),
            title=plain_text(node["title"]),
            value=node["value"],
            group=label,
            **extra,
        )
        net.get_node(node["id"])["color"] = elements.groups[label]["color"]  # add_node drops it when a group is given
    for edge in elements.edges:
        style = elements.edge_styles[f"{edge['type']}|{edge['trust']}"]
        extra = {k: edge[k] for k in ("kind", "label") if k in edge}
        net.add_edge(
            edge["from"],
            edge["to"],
            title=plain_text(edge["title"]),
            relation=edge["type"],
            trust=edge["trust"],
            **style,
            **extra,
        )
    _merge(net.options, drawing.options)
    return net


def _merge(target: Any, values: dict[str, Any]) -> None:
    """Set ``values`` on pyvis's ``Options`` tree, keeping its objects where it has them."""
    for key, value in values.items():
        current = getattr(target, key, None) if not isinstance(target, dict) else target.get(key)
        if isinstance(value, dict) and current is not None and hasattr(current, "__dict__"):
            _merge(current, value)
        elif isinstance(target, dict):
            target[key] = value
        else:
            setattr(target, key, value)


class _Text(HTMLParser):
    """Text of a tooltip fragment, one line per block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.in_key = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("div", "li", "br", "p") and self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")
        self.in_key = tag == "span" and ("class", "tt-key") in attrs  # the page's CSS adds its colon

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self.in_key:
            self.parts.append(":")
            self.in_key = False

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(fragment: str) -> str:
    """A :mod:`viz.tooltips` fragment as plain text for pyvis.

    vis-network shows a string title as text, but pyvis's template switches to ``innerHTML``
    when a node title contains ``href``: angle brackets from titles (strangers' text) are
    swapped for look-alikes so no tag can form either way.
    """
    parser = _Text()
    parser.feed(fragment)
    text = "".join(parser.parts).strip()
    return text.replace("<", "‹").replace(">", "›")


def options_json(net: Any) -> dict[str, Any]:
    """The options a pyvis network hands to vis, as a dict (for checks and debugging)."""
    return json.loads(net.options.to_json()) if hasattr(net.options, "to_json") else dict(net.options)
