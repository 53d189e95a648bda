"""Interactive, offline lineage pages (vis-network, inlined) for any subgraph from ``graph.store.to_networkx``."""

from viz.page import PageWriteError, RenderResult, render_html, write_page

__all__ = ["PageWriteError", "RenderResult", "render_html", "write_page"]
