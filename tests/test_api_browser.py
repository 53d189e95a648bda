"""``lineage serve`` in a real headless Chromium: the home page finds a node, runs a query and
draws the lineage page, with every request staying on the server.

The server is the real command (uvicorn in a subprocess on a free loopback port) over an
embedded store loaded with the curated lineage. Chromium is driven with the DevTools helpers of
``test_viz_browser`` (its ``browser`` fixture skips without Chromium unless
``LINEAGE_REQUIRE_BROWSER=1``). Chromium runs with the same flags except that 127.0.0.1 is
exempt from the resolve-nothing rule and the tab is not emulated offline, so it can reach the
loopback server; every other host still resolves to nothing.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import test_viz_browser
from test_viz_browser import DevTools, Page

from graph.backends import open_store
from loaders.curated import load_curated
from viz.screenshot import CHROMIUM_FLAGS, find_chromium

SERVE = "import lineage.cli, lineage.cli_serve; lineage.cli.run()"
LOCAL = ("data:", "about:", "blob:")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``lineage --db <curated store> serve --port <free>``; yields its base URL."""
    folder = tmp_path_factory.mktemp("served")
    db = folder / "store.lbug"
    store = open_store("ladybug", path=db)
    load_curated(store)
    store.close()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("NEO4J_URI", "LINEAGE_API_TOKEN")}
    log = open(folder / "server.log", "wb")  # noqa: SIM115  (closed below, after the process)
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, "--db", str(db), "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base, proc, folder / "server.log")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def wait_for_health(base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"lineage serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2) as response:
                if json.loads(response.read())["reachable"]:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"lineage serve did not answer within {timeout} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    binary = find_chromium()
    if binary is None:
        if os.environ.get("LINEAGE_REQUIRE_BROWSER") == "1":
            pytest.fail("LINEAGE_REQUIRE_BROWSER=1 but no chromium found (apt-get install chromium)")
        pytest.skip("chromium not installed (apt-get install chromium); set LINEAGE_REQUIRE_BROWSER=1 to fail instead")
    flags = tuple(f"{f}, EXCLUDE 127.0.0.1" if f.startswith("--host-resolver-rules=") else f for f in CHROMIUM_FLAGS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(test_viz_browser, "CHROMIUM_FLAGS", flags)
        tools = DevTools(binary, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield tools
    finally:
        tools.close()


@pytest.fixture
def tab(browser: DevTools) -> Iterator[Page]:
    page = Page(browser)
    page.call(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    try:
        yield page
    finally:
        page.close()


def wait(page: Page, expression: str, what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.eval(expression)
        if value:
            return value
        time.sleep(0.05)
    status = page.eval("document.getElementById('status') && document.getElementById('status').textContent")
    raise AssertionError(f"timed out waiting for {what}; status {status!r}; errors {page.errors()}")


FRAME = "document.getElementById('view').contentWindow"
DRAWN = f"document.body?.dataset.state === 'drawn' && {FRAME}.document.body?.dataset.ready === '1'"


def drawn_stats(page: Page) -> dict[str, int]:
    wait(page, DRAWN, "the lineage page to draw")
    return page.eval(f"{FRAME}.lineageStats")


def only_local(page: Page, base: str) -> Callable[[], list[str]]:
    return lambda: [u for u in page.requests() if not u.startswith((base, *LOCAL))]


def test_deep_link_draws_the_lineage(tab: Page, server: str) -> None:
    tab.call("Page.navigate", {"url": f"{server}/?node=model:zephyr-7b&query=ancestors"})
    stats = drawn_stats(tab)
    assert stats["nodes"] >= 5 and stats["drawnNodes"] == stats["nodes"] and stats["drawnEdges"] >= 4
    drawn = tab.eval(f"{FRAME}.lineageNetwork.body.data.nodes.getIds()")
    assert {"model:zephyr-7b", "model:mistral-7b", "method:dpo"} <= set(drawn)
    assert tab.eval("document.getElementById('view').getAttribute('src')").startswith("/viz/ancestors?id=model")
    links = tab.eval("[...document.querySelectorAll('#links a')].map(a => a.getAttribute('href'))")
    assert any(link.startswith("/export/ancestors?") and link.endswith("format=graphml") for link in links)
    assert only_local(tab, server)() == []
    assert tab.errors() == []


def test_type_a_node_pick_a_query_see_the_page(tab: Page, server: str) -> None:
    tab.call("Page.navigate", {"url": f"{server}/"})
    wait(tab, "document.body?.dataset.state === 'ready'", "the home page to list the queries")
    queries = tab.eval("[...document.querySelectorAll('#query option')].map(o => o.value)")
    assert {"ancestors", "descendants", "path"} <= set(queries) and "search" not in queries

    tab.eval(
        "const input = document.getElementById('node'); input.value = 'dpo';"
        "input.dispatchEvent(new Event('input', {bubbles: true}));"
    )
    options = wait(
        tab,
        "(() => { const o = [...document.querySelectorAll('#node-options option')].map(o => o.value);"
        " return o.length ? o : null; })()",
        "suggestions from /search",
    )
    assert options[0] == "method:dpo"
    tab.eval(
        "document.getElementById('node').value = 'method:dpo';"
        "const q = document.getElementById('query'); q.value = 'descendants';"
        "q.dispatchEvent(new Event('change'));"
        "document.querySelector('#extra [data-param=depth]').value = '10';"
        "document.getElementById('ask').requestSubmit();"
    )
    stats = drawn_stats(tab)
    assert stats["nodes"] >= 2
    assert "model:zephyr-7b" in tab.eval(f"{FRAME}.lineageNetwork.body.data.nodes.getIds()")
    assert tab.eval("location.search") == "?query=descendants&node=method%3Adpo&depth=10&layout=force"
    assert only_local(tab, server)() == []
    assert tab.errors() == []


def test_the_placeholder_names_work(tab: Page, server: str) -> None:
    """The box says "e.g. zephyr, DPO": typing a name or a repo id draws that node's lineage."""
    for typed, meant in (("zephyr", "model:zephyr-7b"), ("HuggingFaceH4/zephyr-7b-beta", "model:zephyr-7b")):
        tab.call("Page.navigate", {"url": f"{server}/?node={typed}&query=ancestors"})
        assert drawn_stats(tab)["nodes"] >= 5
        assert tab.eval("document.getElementById('node').value") == meant
    assert tab.errors() == []


def test_unknown_node_offers_the_api_suggestions(tab: Page, server: str) -> None:
    tab.call("Page.navigate", {"url": f"{server}/?node=zephyrr&query=ancestors"})
    wait(tab, "document.body?.dataset.state === 'error'", "the error")
    assert "did you mean" in tab.eval("document.getElementById('status').textContent")
    tab.eval("[...document.querySelectorAll('#status button')].find(b => b.textContent === 'model:zephyr-7b').click()")
    assert drawn_stats(tab)["nodes"] >= 5
    assert tab.eval("document.getElementById('node').value") == "model:zephyr-7b"


def test_docs_render_offline(tab: Page, server: str) -> None:
    pytest.importorskip("swagger_ui_bundle", reason="offline /docs needs swagger-ui-bundle-v2")
    tab.call("Page.navigate", {"url": f"{server}/docs"})
    wait(tab, "document.querySelectorAll('.opblock').length > 10", "Swagger UI to list the operations")
    paths = tab.eval("[...document.querySelectorAll('.opblock-summary-path')].map(e => e.textContent)")
    assert "/lineage/{id}" in paths and "/queries/ancestors" in paths
    assert only_local(tab, server)() == []
