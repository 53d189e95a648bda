"""Visual encodings in one place, so the legend and the drawing can never disagree.

Colour and shape say what a node is; colour and width say what an edge means; dashes and fading
say how much to trust it (extracted-only edges are dashed and faded, sourced and curated solid).
A builds-on edge of a contrast kind (replaces, compared with) is not lineage: it is drawn as its
own relation, ``CONTRAST``, orange and dotted, with its own legend row and filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph.schema import CONTRAST_KINDS

#: Node colour per label (Tableau 10: distinct, colour-blind tolerant, readable on white).
LABEL_COLOURS: dict[str, str] = {
    "Paper": "#4e79a7",
    "Model": "#e15759",
    "Method": "#59a14f",
    "Author": "#b07aa1",
    "Dataset": "#f28e2b",
}
#: Shape per label: a second cue besides colour.
LABEL_SHAPES: dict[str, str] = {
    "Paper": "dot",
    "Model": "diamond",
    "Method": "square",
    "Author": "triangle",
    "Dataset": "hexagon",
}
#: Legend order, and top-to-bottom lane order in the time layout.
LABEL_ORDER: tuple[str, ...] = ("Model", "Method", "Dataset", "Paper", "Author")
OTHER_COLOUR = "#9e9e9e"


@dataclass(frozen=True)
class EdgeStyle:
    """How one relation is drawn."""

    colour: str
    width: float
    opacity: float
    caption: str


EDGE_STYLES: dict[str, EdgeStyle] = {
    "BUILDS_ON": EdgeStyle("#c44e52", 2.6, 0.95, "builds on"),
    "CONTRAST": EdgeStyle("#f28e2b", 1.8, 0.9, "replaces / compared with"),
    "INTRODUCES": EdgeStyle("#17a2b8", 1.6, 0.85, "introduces"),
    "TRAINED_ON": EdgeStyle("#b8a200", 1.8, 0.85, "trained on"),
    "CITES": EdgeStyle("#8c939a", 0.7, 0.5, "cites"),
    "AUTHORED": EdgeStyle("#c9b3d6", 0.6, 0.55, "authored"),
    "MENTIONS": EdgeStyle("#b8b8b8", 0.6, 0.3, "mentions"),
}
EDGE_ORDER: tuple[str, ...] = ("BUILDS_ON", "CONTRAST", "INTRODUCES", "TRAINED_ON", "CITES", "AUTHORED", "MENTIONS")
OTHER_EDGE = EdgeStyle("#9e9e9e", 0.8, 0.5, "other")

#: Trust levels (see ``graph.schema.TRUST``) and how they read in the legend.
TRUST_NAMES: dict[int, str] = {3: "curated", 2: "sourced", 1: "extracted only"}
#: A model whose declared license drifts from its base's (graph.licenses): a thick dark-yellow
#: dashed border and a warning sign before its label; its tooltip says why.
DRIFT_BORDER = "#b8860b"
DRIFT_MARK = "\u26a0 "
EXTRACTED_DASHES = [6, 5]
EXTRACTED_FADE = 0.45
CONTRAST_DASHES = [2, 5]


def display_relation(edge_type: str, kind: str | None) -> str:
    """The relation an edge is drawn and filtered as: ``CONTRAST`` for a builds-on edge of a contrast kind."""
    return "CONTRAST" if edge_type == "BUILDS_ON" and (kind or "") in CONTRAST_KINDS else edge_type


def label_colour(label: str) -> str:
    return LABEL_COLOURS.get(label, OTHER_COLOUR)


def node_colour(label: str) -> dict[str, Any]:
    """vis colour object: the label colour, darker border, unchanged when hovered or selected."""
    colour = label_colour(label)
    border = _darken(colour)
    state = {"background": colour, "border": "#222222"}
    return {"background": colour, "border": border, "highlight": state, "hover": state}


def drift_visuals(label: str) -> dict[str, Any]:
    """vis node properties that mark a license drift (on top of the label's group style)."""
    colour = label_colour(label)
    state = {"background": colour, "border": DRIFT_BORDER}
    return {
        "color": {"background": colour, "border": DRIFT_BORDER, "highlight": state, "hover": state},
        "borderWidth": 4,
        "borderWidthSelected": 5,
        "shapeProperties": {"borderDashes": [6, 3]},
    }


def edge_visuals(edge_type: str, trust: int) -> dict[str, Any]:
    """vis edge properties for a relation at a trust level."""
    style = EDGE_STYLES.get(edge_type, OTHER_EDGE)
    extracted = trust <= 1
    opacity = round(style.opacity * (EXTRACTED_FADE if extracted else 1.0), 3)
    dashes = CONTRAST_DASHES if edge_type == "CONTRAST" else EXTRACTED_DASHES if extracted else None
    return {
        "color": {"color": style.colour, "highlight": "#111111", "hover": style.colour, "opacity": opacity},
        "width": style.width * (1.25 if trust >= 3 else 1.0),
        "dashes": list(dashes) if dashes else False,
    }


def _darken(hex_colour: str, factor: float = 0.7) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(int(c * factor) for c in (r, g, b)))
