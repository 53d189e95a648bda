"""The time layout: x is the month a node appeared, y a lane per node type.

Lineage reads left to right (older to newer) when time is on the x axis; lanes keep models,
methods, papers and authors apart, and nodes of one lane that would overlap (labels included)
are packed into rows around the lane's centre line. Undated nodes sit in a block at the left, a
grid whose columns are a label's width apart (odd columns half a row lower), so their labels
never overlap however many there are.
Dense periods need either width or rows; a few widths are tried and the one that fits a
landscape screen at the largest zoom wins. Each try is one pass over the nodes plus a sort per lane.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from viz.style import LABEL_ORDER

CELL = 180.0  # px: nodes closer than this on x share a stack (room for a label)
ROW = 56.0  # px between stacked nodes
UNDATED_COL = CELL  # px between columns of the undated block: room for a label, as on the time axis
LANE_GAP = 70.0  # px between lanes
WIDTHS = (1600.0, 2400.0, 3600.0, 5400.0, 8000.0)  # px the dated span may be spread over
ASPECT = 1.45  # width / height of the screen the layout is fitted to
_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2}))?")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Placed:
    """One node to place: id, type, ISO date (or None) and influence score."""

    id: str
    label: str
    date: str | None
    score: float


def month_index(date: str | None) -> int | None:
    """``'2023-10-10'`` → months since year 0 (``'2023'`` counts as January); None if unparsable."""
    match = _DATE.match(date or "")
    if not match:
        return None
    month = int(match.group(2) or 1)
    return int(match.group(1)) * 12 + min(max(month, 1), 12) - 1


def time_layout(nodes: list[Placed]) -> tuple[dict[str, tuple[float, float]], dict[str, Any]]:
    """Positions per node id, and the axis (year ticks, lanes) the page draws behind them."""
    months = {n.id: month_index(n.date) for n in nodes}
    best: tuple[float, dict[str, tuple[float, float]], dict[str, Any]] | None = None
    for width in WIDTHS:
        positions, axis = _layout(nodes, months, width)
        extent_x = axis["right"] - axis["left"]
        extent_y = axis["lanes"][-1]["bottom"] if axis["lanes"] else 1.0
        zoom = min(ASPECT / max(extent_x, 1.0), 1.0 / max(extent_y, 1.0))
        if best is None or zoom > best[0] * 1.02:  # prefer the narrower layout unless clearly worse
            best = (zoom, positions, axis)
    assert best is not None
    return best[1], best[2]


def _layout(
    nodes: list[Placed], months: dict[str, int | None], width: float
) -> tuple[dict[str, tuple[float, float]], dict[str, Any]]:
    dated = [m for m in months.values() if m is not None]
    lo, hi = (min(dated), max(dated)) if dated else (0, 0)
    per_month = min(120.0, max(8.0, width / (hi - lo + 1)))
    undated_right = -max(1.25 * CELL, 6 * per_month) if dated else 0.0
    widest = 1  # columns of the widest undated block, to centre the "undated" caption over them

    dated_by_lane: dict[str, list[Placed]] = {}
    undated_by_lane: dict[str, list[Placed]] = {}
    xs: dict[str, float] = {}
    for node in nodes:
        month = months[node.id]
        if month is None:
            undated_by_lane.setdefault(node.label, []).append(node)
        else:
            xs[node.id] = (month - lo) * per_month
            dated_by_lane.setdefault(node.label, []).append(node)

    positions: dict[str, tuple[float, float]] = {}
    lane_axis = []
    cursor = 0.0
    for label in sorted(set(dated_by_lane) | set(undated_by_lane), key=_lane_rank):
        offsets: dict[str, float] = {}
        undated = sorted(undated_by_lane.get(label, []), key=lambda n: (-n.score, n.id))
        cols = _undated_columns(len(undated))
        widest = max(widest, cols)
        for i, node in enumerate(undated):
            col = i % cols
            xs[node.id] = undated_right - col * UNDATED_COL
            offsets[node.id] = _alternate(i // cols) + (0.5 if col % 2 else 0.0)
        dated_nodes = sorted(dated_by_lane.get(label, []), key=lambda n: (xs[n.id], -n.score, n.id))
        offsets.update(_pack(dated_nodes, xs))
        half = max(abs(v) for v in offsets.values()) * ROW + ROW
        centre = cursor + half
        for node_id, offset in offsets.items():
            positions[node_id] = (round(xs[node_id], 1), round(centre + offset * ROW, 1))
        lane_axis.append({"label": label, "y": centre, "top": cursor, "bottom": centre + half})
        cursor = centre + half + LANE_GAP

    axis = {
        "ticks": _ticks(lo, hi, per_month) if dated else [],
        "lanes": lane_axis,
        "left": min((x for x, _ in positions.values()), default=0.0) - UNDATED_COL,
        "right": (hi - lo) * per_month + UNDATED_COL,
        "undated": undated_right - (widest - 1) * UNDATED_COL / 2 if len(dated) < len(nodes) else None,
    }
    return positions, axis


def _undated_columns(count: int) -> int:
    """Columns for ``count`` undated nodes: a block about as wide as it is tall on screen."""
    return max(1, math.ceil(math.sqrt(count * ROW / UNDATED_COL))) if count else 1


def _pack(members: list[Placed], xs: dict[str, float]) -> dict[str, int]:
    """Greedy interval packing, left to right: each node takes the row nearest the lane's centre
    line that no node within ``CELL`` to its left occupies, so labels do not overlap."""
    free_from: list[float] = []  # per row (in _alternate order): x from which it is free again
    rows: dict[str, int] = {}
    for node in members:
        x = xs[node.id]
        row = next((i for i, until in enumerate(free_from) if until <= x), len(free_from))
        if row == len(free_from):
            free_from.append(x)
        free_from[row] = x + CELL
        rows[node.id] = _alternate(row)
    return rows


def _alternate(i: int) -> int:
    """0, +1, -1, +2, -2, …: stack outwards from the lane's centre line."""
    return (i + 1) // 2 * (1 if i % 2 else -1)


def _lane_rank(label: str) -> tuple[int, str]:
    return (LABEL_ORDER.index(label) if label in LABEL_ORDER else len(LABEL_ORDER), label)


def _ticks(lo: int, hi: int, per_month: float) -> list[dict[str, Any]]:
    """One tick per January in the span (the first month gets a labelled tick too)."""
    ticks = []
    if lo % 12:
        ticks.append({"x": 0.0, "label": f"{_MONTHS[lo % 12]} {lo // 12}", "major": False})
    step = 1 if (hi - lo) / 12 <= 15 else 5
    for year in range(math.ceil(lo / 12), hi // 12 + 2):
        if year % step == 0 or year * 12 == lo:
            ticks.append({"x": (year * 12 - lo) * per_month, "label": str(year), "major": True})
    return ticks
