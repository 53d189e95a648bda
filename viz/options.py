"""vis-network options for the two layouts, starting from pyvis's options model.

pyvis gives the physics/interaction/edges skeleton vis expects; we bound the stabilisation
(a page must settle in seconds, not minutes) and add what pyvis does not model: arrows, label
scaling (small nodes drop their labels when zoomed out, which is what keeps a big graph from
turning into a wall of text) and hover.
"""

from __future__ import annotations

import json
from typing import Any

from pyvis.options import Options

MAX_STABILIZATION = 200


def stabilization_iterations(n_nodes: int) -> int:
    """Fewer iterations for bigger graphs: each one costs O(n log n) in the browser."""
    if n_nodes <= 300:
        return MAX_STABILIZATION
    if n_nodes <= 1500:
        return 150
    return 80


def vis_options(layout: str, n_nodes: int, n_edges: int) -> dict[str, Any]:
    """The options object handed to ``new vis.Network``."""
    opts = Options()
    time = layout == "time"
    opts.interaction.hideEdgesOnDrag = n_edges > 4000
    if time:
        opts.physics.enabled = False
        opts.physics.toggle_stabilization(False)
    else:
        opts.physics.use_force_atlas_2based(
            {
                "gravity": -70,
                "central_gravity": 0.012,
                "spring_length": 120,
                "spring_strength": 0.06,
                "damping": 0.55,
                "overlap": 0.5,
            }
        )
        stab = opts.physics.stabilization
        stab.iterations = stabilization_iterations(n_nodes)
        stab.updateInterval = 25
        stab.fit = True
    if time:
        opts.edges.toggle_smoothness("curvedCW")
    elif n_edges <= 3000:
        opts.edges.toggle_smoothness("continuous")
    else:
        opts.edges.smooth.enabled = False
    options: dict[str, Any] = json.loads(opts.to_json())
    options["edges"]["color"] = {"inherit": False}
    if time:
        options["edges"]["smooth"]["roundness"] = 0.18
    options["edges"].update(
        {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.45}},
            "selectionWidth": 1.5,
            "hoverWidth": 1.2,
            "font": {"size": 0, "face": "system-ui, sans-serif", "align": "middle", "strokeWidth": 3},
        }
    )
    options["nodes"] = {
        "borderWidth": 1,
        "borderWidthSelected": 3,
        "font": {"face": "system-ui, sans-serif", "color": "#1f2328", "strokeWidth": 4, "strokeColor": "#ffffff"},
        "scaling": {
            "min": 7,
            "max": 26 if time else 34,
            "label": {"enabled": True, "min": 11, "max": 18 if time else 24, "maxVisible": 36, "drawThreshold": 7},
        },
    }
    options["interaction"].update(
        {"hover": True, "tooltipDelay": 120, "navigationButtons": False, "keyboard": False, "multiselect": False}
    )
    options["layout"] = {"randomSeed": 7, "improvedLayout": n_nodes <= 150}
    if not time:
        options["physics"].update({"minVelocity": 1.0, "maxVelocity": 60, "timestep": 0.45})
    return options
