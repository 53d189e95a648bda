"""The lineage page in a real headless Chromium, offline.

Chromium is driven over the DevTools protocol through ``--remote-debugging-pipe`` (fds 3 and 4),
so no websocket library is needed. Every host name resolves to nothing and the page's network is
emulated offline; the test still records every request the page makes and asserts none left it.
Skips without Chromium, unless ``LINEAGE_REQUIRE_BROWSER=1`` (then it fails).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import queue
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from graph.store import to_networkx
from viz import write_page
from viz.screenshot import CHROMIUM_FLAGS, find_chromium, screenshot

LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")


def _prov(source: str, evidence: str = "", trust: int = 2) -> dict[str, Any]:
    return {
        "sources": [source],
        "evidence": [evidence],
        "confidence": [0.9],
        "retrieved": ["2024-11-01"],
        "trust": trust,
    }


def lineage_graph() -> nx.MultiDiGraph:
    """Mistral → Zephyr with papers, a method, an author, one extracted edge and a hostile title."""
    nodes = {
        "arxiv:2310.06825": {"label": "Paper", "name": "Mistral 7B", "date": "2023-10-10", "citations": 900},
        "arxiv:2310.16944": {
            "label": "Paper",
            "name": "Zephyr: Direct Distillation of LM Alignment",
            "date": "2023-10-25",
        },
        "arxiv:2305.18290": {
            "label": "Paper",
            "name": 'DPO <img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>',
            "date": "2023-05-29",
        },
        "model:mistral-7b": {
            "label": "Model",
            "name": "Mistral 7B",
            "date": "2023-09-27",
            "hf_id": "mistralai/Mistral-7B-v0.1",
        },
        "model:zephyr-7b": {"label": "Model", "name": "Zephyr 7B", "date": "2023-10-26"},
        "method:dpo": {"label": "Method", "name": "DPO"},
        "author:albert-q-jiang": {"label": "Author", "name": "Albert Q. Jiang"},
    }
    edges = [
        {
            "type": "BUILDS_ON",
            "source": "model:zephyr-7b",
            "target": "model:mistral-7b",
            "kind": "fine_tuned_from",
            **_prov("curated", "Zephyr is a fine-tuned version of Mistral", 3),
        },
        {
            "type": "BUILDS_ON",
            "source": "model:zephyr-7b",
            "target": "method:dpo",
            "kind": "uses_method",
            **_prov("extracted", "<b>trained with DPO</b>", 1),
        },
        {"type": "INTRODUCES", "source": "arxiv:2310.06825", "target": "model:mistral-7b", **_prov("curated", trust=3)},
        {"type": "INTRODUCES", "source": "arxiv:2310.16944", "target": "model:zephyr-7b", **_prov("curated", trust=3)},
        {"type": "INTRODUCES", "source": "arxiv:2305.18290", "target": "method:dpo", **_prov("curated", trust=3)},
        {"type": "CITES", "source": "arxiv:2310.16944", "target": "arxiv:2310.06825", **_prov("semantic_scholar")},
        {"type": "CITES", "source": "arxiv:2310.16944", "target": "arxiv:2305.18290", **_prov("semantic_scholar")},
        {"type": "AUTHORED", "source": "author:albert-q-jiang", "target": "arxiv:2310.06825", **_prov("arxiv")},
        {"type": "MENTIONS", "source": "arxiv:2310.16944", "target": "method:dpo", **_prov("extracted", trust=1)},
    ]
    return to_networkx(nodes, edges)


class DevTools:
    """A minimal DevTools-protocol client over Chromium's ``--remote-debugging-pipe``."""

    def __init__(self, binary: str, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire_pipes() -> None:  # the browser reads commands on fd 3, writes replies on fd 4
            read_end = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            write_end = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.proc = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=wire_pipes,  # runs before exec; the only way to place the pipes on fds 3 and 4
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._replies: dict[int, queue.Queue[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        while chunk := os.read(self._from_browser, 1 << 16):
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                with self._lock:
                    if "id" in message and message["id"] in self._replies:
                        self._replies[message["id"]].put(message)
                    else:
                        self.events.append(message)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        with self._lock:
            self._next_id += 1
            call_id = self._next_id
            self._replies[call_id] = queue.Queue()
        message: dict[str, Any] = {"id": call_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        reply = self._replies[call_id].get(timeout=20)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def close(self) -> None:
        with contextlib.suppress(OSError, RuntimeError, queue.Empty):
            self.send("Browser.close")
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)


class Page:
    """One tab with networking, logging and offline emulation on."""

    def __init__(self, tools: DevTools) -> None:
        self.tools = tools
        target = tools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = tools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for method in ("Network.enable", "Runtime.enable", "Log.enable", "Page.enable"):
            self.call(method)
        self.call(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.tools.send(method, params, self.session)

    def open(self, path: Path, timeout: float = 20.0) -> None:
        self.call("Page.navigate", {"url": path.resolve().as_uri()})
        deadline = time.monotonic() + timeout
        while self.eval("document.body ? document.body.dataset.ready : null") != "1":
            if time.monotonic() > deadline:
                raise AssertionError(f"{path.name} never became ready; errors: {self.errors()}")
            time.sleep(0.05)

    def eval(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def _events(self, method: str) -> list[dict[str, Any]]:
        with self.tools._lock:
            return [
                e["params"] for e in self.tools.events if e.get("sessionId") == self.session and e["method"] == method
            ]

    def requests(self) -> list[str]:
        return [e["request"]["url"] for e in self._events("Network.requestWillBeSent")]

    def errors(self) -> list[str]:
        thrown = [str(e["exceptionDetails"]) for e in self._events("Runtime.exceptionThrown")]
        logged = [e["entry"]["text"] for e in self._events("Log.entryAdded") if e["entry"]["level"] == "error"]
        console = [str(e["args"]) for e in self._events("Runtime.consoleAPICalled") if e["type"] in ("error", "assert")]
        return thrown + logged + console

    def close(self) -> None:
        self.tools.send("Target.detachFromTarget", {"sessionId": self.session})


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    binary = find_chromium()
    if binary is None:
        if os.environ.get("LINEAGE_REQUIRE_BROWSER") == "1":
            pytest.fail("LINEAGE_REQUIRE_BROWSER=1 but no chromium found (apt-get install chromium)")
        pytest.skip("chromium not installed (apt-get install chromium); set LINEAGE_REQUIRE_BROWSER=1 to fail instead")
    tools = DevTools(binary, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield tools
    finally:
        tools.close()


@pytest.fixture
def page(browser: DevTools) -> Iterator[Page]:
    tab = Page(browser)
    try:
        yield tab
    finally:
        tab.close()


@pytest.mark.parametrize("layout", ["force", "time"])
def test_page_draws_every_node_and_edge_offline(page: Page, tmp_path: Path, layout: str) -> None:
    graph = lineage_graph()
    path = tmp_path / f"lineage-{layout}.html"
    result = write_page(graph, path, layout=layout)
    page.open(path)

    stats = page.eval("window.lineageStats")
    assert stats == {"nodes": 7, "edges": 9, "drawnNodes": 7, "drawnEdges": 9}
    assert (result.nodes, result.edges) == (7, 9)
    assert page.eval("[document.body.dataset.nodes, document.body.dataset.edges]") == ["7", "9"]
    assert page.eval("lineageNetwork.physics.options.enabled") is False  # settled, or never on (time)

    requests = page.requests()
    assert requests, "the navigation itself should have been recorded"
    assert [url for url in requests if not url.startswith(LOCAL_SCHEMES)] == []
    assert page.errors() == []


def test_time_layout_orders_by_date_in_the_browser(page: Page, tmp_path: Path) -> None:
    path = tmp_path / "time.html"
    write_page(lineage_graph(), path, layout="time")
    page.open(path)
    xs = page.eval(
        "(() => { const p = lineageNetwork.getPositions(); "
        "return ['arxiv:2305.18290', 'model:mistral-7b', 'model:zephyr-7b'].map(id => p[id].x); })()"
    )
    assert xs == sorted(xs) and len(set(xs)) == 3


def test_hostile_text_stays_text(page: Page, tmp_path: Path) -> None:
    path = tmp_path / "hostile.html"
    write_page(lineage_graph(), path)
    page.open(path)
    assert page.eval("window.__pwned") is None
    tooltip = page.eval("lineageNetwork.body.data.nodes.get('arxiv:2305.18290').title.textContent")
    assert '<img src=x onerror="window.__pwned=1"><script>' in tooltip
    assert page.eval("document.querySelectorAll('.tt img, .tt script').length") == 0
    edge_tip = page.eval("lineageNetwork.body.data.edges.get().find(e => e.kind === 'uses_method').title.textContent")
    assert "<b>trained with DPO</b>" in edge_tip and "extracted" in edge_tip


def test_filters_and_search(page: Page, tmp_path: Path) -> None:
    path = tmp_path / "filters.html"
    write_page(lineage_graph(), path)
    page.open(path)

    page.eval("document.querySelector('input[data-filter=trust][value=\"1\"]').click()")
    assert page.eval("lineageStats.edges") == 7  # the two extracted-only edges are hidden
    page.eval("document.querySelector('input[data-filter=label][value=Author]').click()")
    assert page.eval("[lineageStats.nodes, lineageStats.drawnEdges]") == [6, 6]  # AUTHORED edge loses its end

    page.eval(
        "document.getElementById('lineage-query').value = 'albert';"
        "document.getElementById('lineage-search').requestSubmit();"
    )
    assert page.eval("lineageNetwork.getSelectedNodes()") == ["author:albert-q-jiang"]
    assert page.eval("lineageStats.nodes") == 7  # searching a hidden type shows it again
    details = page.eval("document.getElementById('lineage-details-body').textContent")
    assert "Albert Q. Jiang" in details
    assert page.eval("document.getElementById('lineage-details').hidden") is False

    page.eval(
        "document.getElementById('lineage-query').value = 'zzz-nothing';"
        "document.getElementById('lineage-search').requestSubmit();"
    )
    assert page.eval("document.getElementById('lineage-search-msg').textContent") == "no match"
    assert page.errors() == []


def test_screenshot(browser: DevTools, tmp_path: Path) -> None:
    path = tmp_path / "shot.html"
    write_page(lineage_graph(), path, title="Zephyr lineage")
    png = screenshot(path, tmp_path / "shot.png", width=800, height=600, settle_ms=3000)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (800, 600)
    assert len(data) > 10_000  # a drawn graph, not a blank page


def test_hover_shows_tooltip_with_links(page: Page, tmp_path: Path) -> None:
    path = tmp_path / "hover.html"
    write_page(lineage_graph(), path)
    page.open(path)
    point = page.eval(
        "(() => { const p = lineageNetwork.getPositions(['model:mistral-7b'])['model:mistral-7b'];"
        " const d = lineageNetwork.canvasToDOM(p); const r = lineageNetwork.body.container.getBoundingClientRect();"
        " return {x: d.x + r.left, y: d.y + r.top}; })()"
    )
    for _ in range(2):  # vis shows the popup after a short delay following a move
        page.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": point["x"], "y": point["y"]})
        time.sleep(0.4)
    tip = page.eval(
        "(() => { const t = document.querySelector('div.vis-tooltip');"
        " return t && {visible: getComputedStyle(t).visibility, text: t.textContent,"
        " links: [...t.querySelectorAll('a')].map(a => a.href)}; })()"
    )
    assert tip is not None and tip["visible"] == "visible"
    assert "Mistral 7B" in tip["text"] and "model:mistral-7b" in tip["text"]
    assert tip["links"] == ["https://huggingface.co/mistralai/Mistral-7B-v0.1"]
