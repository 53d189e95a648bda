"""Recorded responses served on 127.0.0.1, for the loaders' tests (test-only: not shipped).

The loaders' real HTTP client (loaders/http.py) is pointed at a :class:`ReplayServer`, which
answers from recorded :class:`Route`s: VCR cassettes in the real wire format
(:func:`cassette_routes`) or a test's own handler. :class:`LoopbackServer` is the HTTP part
both it and the loopback Hub (``hub_replay.py``) stand on.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

import yaml


@dataclass
class Route:
    """One recorded answer: served to requests with this method and path whose query has ``query``."""

    method: str
    path: str
    status: int
    body: bytes
    query: dict[str, str] = field(default_factory=dict)
    times: int | None = None  # serve this many times, then fall through to later routes

    def matches(self, method: str, path: str, query: dict[str, str]) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        return (
            self.method == method
            and unquote(self.path) == unquote(path)
            and all(query.get(k) == v for k, v in self.query.items())
        )


@dataclass
class Seen:
    """A request the replay server received."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Seen], tuple[int, Any] | None]


class LoopbackServer:
    """An HTTP server on 127.0.0.1 (a free port), in a thread, for ``with``; what it answers is
    :meth:`respond`'s. ``requests`` lists what was asked."""

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        server = self

        class _Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query, keep_blank_values=True)
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                last = {k: v[-1] for k, v in query.items()}
                seen = Seen(self.command, unquote(parts.path), last, json.loads(raw) if raw else None, headers)
                server.requests.append(seen)
                status, body, extra = server.respond(seen, query)
                self.send_response(status)
                for name, value in {
                    "content-type": "application/json",
                    **extra,
                    "content-length": str(len(body)),
                }.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def respond(self, seen: Seen, query: dict[str, list[str]]) -> tuple[int, bytes, dict[str, str]]:
        """Status, body and headers for one request (``query``: every value of each parameter)."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class ReplayServer(LoopbackServer):
    """A local HTTP server answering from recorded :class:`Route`s (first match wins).

    ``fallback`` may answer what no route matches (return ``(status, json-able body)`` or
    ``None``); anything else gets a 404 naming the request. ``requests`` lists what was asked.
    """

    def __init__(self, routes: Iterable[Route] = (), fallback: Handler | None = None) -> None:
        super().__init__()
        self.routes = list(routes)
        self.fallback = fallback

    def respond(self, seen: Seen, query: dict[str, list[str]]) -> tuple[int, bytes, dict[str, str]]:
        status, body = self.answer(seen)
        return status, body, {}

    def answer(self, seen: Seen) -> tuple[int, bytes]:
        for route in self.routes:
            if route.matches(seen.method, seen.path, seen.query):
                if route.times is not None:
                    route.times -= 1
                return route.status, route.body
        if self.fallback:
            found = self.fallback(seen)
            if found is not None:
                status, body = found
                return status, body if isinstance(body, bytes) else json.dumps(body).encode()
        return 404, json.dumps({"error": f"no recorded response for {seen.method} {seen.path}"}).encode()


def cassette_routes(path: str | Path, *, match: Iterable[str] = (), strip_prefix: str = "") -> list[Route]:
    """Routes from a VCR cassette (both layouts: ``body.string`` + ``status.code``, or the httpx
    recorder's ``content`` + ``status_code``). ``match`` names the query parameters a request must
    repeat to get the answer (others, like ``fields``, are ignored); ``strip_prefix`` is removed
    from recorded paths (``/graph/v1``).
    """
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    keep = set(match)
    routes = []
    for item in data["interactions"]:
        request, response = item["request"], item["response"]
        parts = urlsplit(request["uri"])
        query = {k: v[-1] for k, v in parse_qs(parts.query).items() if k in keep}
        if "body" in response:
            body, status = response["body"]["string"], response["status"]["code"]
        else:
            body, status = response["content"], response["status_code"]
        route_path = parts.path.removeprefix(strip_prefix) if strip_prefix else parts.path
        routes.append(Route(request["method"], route_path, int(status), str(body).encode(), query))
    return routes
