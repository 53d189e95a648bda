"""The home page at ``/``: type a node, pick a query, see the lineage page. The page is the asset
``lineage/assets/home.html``: plain HTML and inline JavaScript, no build step and nothing from
other hosts.

It fills the query list from ``/queries`` and node suggestions from ``/search``, checks the
request with ``/queries/<name>`` (so an unknown id shows the API's suggestions), then shows
``/viz/<name>?...`` in an iframe. The address bar carries the choice, so a link such as
``/?node=model:zephyr-7b&query=ancestors`` opens straight on that page. All text from the API
is set with ``textContent``/``value``, never parsed as HTML.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

HOME_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
    "frame-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)


@cache
def home_page() -> str:
    """The page, read once from ``lineage/assets/home.html`` (static: everything it shows comes
    from the API at run time)."""
    return files("lineage").joinpath("assets/home.html").read_text(encoding="utf-8")
