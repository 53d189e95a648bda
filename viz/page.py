"""One self-contained, offline HTML page per subgraph.

Everything the page needs is inlined: vis-network (the build pyvis ships, see
``viz/assets/LICENSE-vis-network.txt``), our CSS and JS, and the data. A Content-Security-Policy
forbids every fetch, so the page behaves the same on a plane as on a desk, and a hostile title
cannot pull anything in. pyvis's own template is not used: it loads bootstrap and vis from CDNs.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any

import networkx as nx

from graph.errors import LineageError
from viz.elements import Elements, build_elements
from viz.options import vis_options
from viz.rank import degrees, influence, top_nodes
from viz.style import EDGE_ORDER, EDGE_STYLES, LABEL_ORDER, OTHER_EDGE, TRUST_NAMES, edge_visuals, label_colour

LAYOUTS = ("force", "time")
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)
_CSS_LENGTH = re.compile(r"^\d+(\.\d+)?(px|vh|vw|%|em|rem)$")
_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", 0x2028: "\\u2028", 0x2029: "\\u2029"}


class PageWriteError(LineageError):
    """The page could not be written where asked (names the path and the reason)."""


@dataclass
class RenderResult:
    """The page and what is on it; ``trimmed_from`` is the node count before the cap, if one applied."""

    html: str
    nodes: int
    edges: int
    trimmed_from: int | None = None
    warning: str | None = None


def render_html(
    graph: nx.MultiDiGraph,
    *,
    title: str = "LLM lineage",
    layout: str = "force",
    node_cap: int = 1500,
    height: str = "800px",
) -> RenderResult:
    """Draw ``graph`` (as built by ``graph.store.to_networkx``) as one offline HTML page.

    Above ``node_cap`` nodes only the most influential are kept (see :mod:`viz.rank`).
    """
    if not _CSS_LENGTH.match(height):
        raise ValueError(f"height {height!r}: use a CSS length such as 800px or 90vh")
    drawing = prepare(graph, layout=layout, node_cap=node_cap)
    elements = drawing.elements
    data = {
        "layout": layout,
        "nodes": elements.nodes,
        "edges": elements.edges,
        "edgeStyles": elements.edge_styles,
        "options": drawing.options,
        "axis": elements.axis,
    }
    html = _page(title, layout, height, elements, data, drawing.warning)
    return RenderResult(html, len(elements.nodes), len(elements.edges), drawing.trimmed_from, drawing.warning)


@dataclass
class Drawing:
    """What is drawn, however it is shown: the styled elements and the vis options (with groups)."""

    elements: Elements
    options: dict[str, Any]
    trimmed_from: int | None = None
    warning: str | None = None


def prepare(graph: nx.MultiDiGraph, *, layout: str = "force", node_cap: int = 1500) -> Drawing:
    """The nodes to draw (above ``node_cap`` the most influential, :mod:`viz.rank`), styled, and
    the options for them: shared by the page and :func:`viz.notebook.to_pyvis`."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout {layout!r}: use one of {', '.join(LAYOUTS)}")
    if node_cap < 1:
        raise ValueError(f"node_cap {node_cap}: must be at least 1")
    degree = degrees(graph)
    scores = influence(graph, degree)
    total = graph.number_of_nodes()
    keep = top_nodes(scores, degree, node_cap)
    trimmed_from, warning = None, None
    if total > node_cap:
        trimmed_from = total
        warning = f"showing {len(keep):,} of {total:,} nodes, ranked by influence"
    elements = build_elements(graph, keep, scores, layout=layout)
    options = vis_options(layout, len(elements.nodes), len(elements.edges))
    options["groups"] = elements.groups
    return Drawing(elements, options, trimmed_from, warning)


def write_page(graph: nx.MultiDiGraph, path: str | os.PathLike[str], **kw: Any) -> RenderResult:
    """Render and write atomically (temp file in the same directory, then rename)."""
    target = Path(path)
    result = render_html(graph, **kw)
    directory = target.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise PageWriteError(f"cannot write {target}: directory {directory} is not writable ({exc.strerror})") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(result.html)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise PageWriteError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return result


def embed_json(value: Any) -> str:
    """JSON that is safe inside ``<script>``: no ``</script>`` or ``<!--`` can appear in it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_JSON_ESCAPES)


@cache
def _asset(name: str) -> str:
    return files("viz").joinpath("assets", name).read_text(encoding="utf-8")


def _page(title: str, layout: str, height: str, elements: Elements, data: dict[str, Any], warning: str | None) -> str:
    t = escape(title)
    summary = f"{len(elements.nodes):,} nodes · {len(elements.edges):,} edges"
    banner = f'<div id="lineage-warning" role="alert">{escape(warning)}</div>' if warning else ""
    vis_js = _asset("vis-network.min.js").replace("</script", "<\\/script")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="generator" content="LLM Lineage (vis-network 9.1.2 via pyvis)">
<title>{t}</title>
<style>
{_asset("lineage.css")}
#lineage-main {{ height: {height}; }}
</style>
</head>
<body data-ready="0" data-layout="{layout}">
<header id="lineage-bar">
<h1>{t}</h1>
<form id="lineage-search" role="search" autocomplete="off">
<input id="lineage-query" type="search" list="lineage-names" placeholder="Find a node by name or id…" aria-label="find a node">
<button type="submit">Find</button>
<span id="lineage-search-msg" role="status"></span>
</form>
<span id="lineage-status">{summary}</span>
</header>
{banner}
<main id="lineage-main">
{_legend(elements, layout)}
<div id="lineage-canvas">
<div id="lineage-network" aria-label="lineage graph"></div>
<aside id="lineage-details" hidden>
<button type="button" id="lineage-details-close" aria-label="close">×</button>
<div id="lineage-details-body"></div>
</aside>
</div>
</main>
<datalist id="lineage-names"></datalist>
<script type="application/json" id="lineage-data">{embed_json(data)}</script>
<script>
{vis_js}
</script>
<script>
{_asset("lineage.js")}
</script>
</body>
</html>
"""


def _legend(elements: Elements, layout: str) -> str:
    """Legend and filters in one: every swatch is also the checkbox that shows or hides it."""
    labels = list(LABEL_ORDER) + sorted(set(elements.label_counts) - set(LABEL_ORDER))
    node_rows = "".join(
        _check(
            "label",
            label,
            f'<span class="swatch swatch-{escape(label.lower())}" style="background:{label_colour(label)}"></span>',
            escape(label),
            elements.label_counts.get(label, 0),
        )
        for label in labels
    )
    types = list(EDGE_ORDER) + sorted(set(elements.type_counts) - set(EDGE_ORDER))
    edge_rows = "".join(
        _check(
            "type",
            relation,
            _line(edge_visuals(relation, 2)),
            escape(EDGE_STYLES.get(relation, OTHER_EDGE).caption),
            elements.type_counts.get(relation, 0),
        )
        for relation in types
    )
    trust_rows = "".join(
        _check("trust", str(level), _line(edge_visuals("BUILDS_ON", level)), name, elements.trust_counts.get(level, 0))
        for level, name in TRUST_NAMES.items()
    )
    where = (
        "x = date (methods and authors without one: their introducing or first paper's; else at the left)"
        if layout == "time"
        else "Force layout"
    )
    return f"""<aside id="lineage-legend" aria-label="legend and filters">
<fieldset><legend>Nodes</legend>{node_rows}</fieldset>
<fieldset><legend>Edges</legend>{edge_rows}</fieldset>
<fieldset><legend>Provenance</legend>{trust_rows}</fieldset>
<p class="lg-note">Size = influence (pagerank, else citations, else degree). Arrows point from newer to older;
hover an edge for its kind and evidence. {where}. Click a node for details and links.</p>
</aside>"""


def _check(kind: str, value: str, swatch: str, caption: str, count: int) -> str:
    empty = " lg-empty" if count == 0 else ""
    return (
        f'<label class="lg-row{empty}"><input type="checkbox" data-filter="{kind}" value="{escape(value)}" checked>'
        f'{swatch}<span class="lg-caption">{caption}</span><span class="lg-count">{count:,}</span></label>'
    )


def _line(visuals: dict[str, Any]) -> str:
    colour = visuals["color"]
    dash = ' stroke-dasharray="5 4"' if visuals["dashes"] else ""
    width = max(1.0, float(visuals["width"]))
    return (
        f'<svg class="lg-line" width="30" height="10" aria-hidden="true"><line x1="1" y1="5" x2="29" y2="5" '
        f'stroke="{colour["color"]}" stroke-opacity="{colour["opacity"]}" stroke-width="{width:g}"{dash}/></svg>'
    )
