"""The one HTTP client of the citation loaders (Semantic Scholar, OpenAlex), and a replay server.

:class:`HttpClient` is a small, polite JSON client on the standard library (no extra
dependency):

* at most one request every ``min_interval`` seconds (both APIs ask for ≤1 request/s without
  special arrangement);
* 429, 5xx, timeouts and connection errors are retried up to ``retries`` times, waiting
  ``backoff * 2**attempt`` seconds (capped at ``max_backoff``), or what ``Retry-After`` says;
* any other non-2xx answer raises :class:`LoaderError` at once, carrying the API's own message
  (``{"error": "Paper with id 0 not found"}``), the URL, the status and the attempt.

``base_url`` is configurable, so tests point the client at a :class:`ReplayServer` on 127.0.0.1
that answers with recorded responses (:func:`cassette_routes` reads VCR cassettes).
"""

from __future__ import annotations

import email.utils
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit
from urllib.request import Request, urlopen

import yaml

from graph.errors import LineageError

log = logging.getLogger(__name__)
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "llm-lineage/0.1 (+https://github.com/; citation loader)"


class LoaderError(LineageError):
    """A request that failed for good: names the source, URL, attempt and the API's message."""

    def __init__(self, source: str, url: str, attempt: int, message: str, status: int | None = None) -> None:
        self.source, self.url, self.attempt, self.status = source, url, attempt, status
        self.message = message
        code = f"HTTP {status}: " if status else ""
        super().__init__(f"{source}: {code}{message} ({url}, try {attempt + 1})")


@dataclass
class Response:
    status: int
    data: Any
    url: str


def api_message(body: bytes) -> str:
    """The error text an API put in its body (``error``/``message`` fields), else the body itself."""
    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text[:300] or "(empty body)"
    if isinstance(data, dict):
        parts = [str(data[k]) for k in ("error", "message") if data.get(k)]
        if parts:
            return ": ".join(dict.fromkeys(parts))
    return text[:300]


class HttpClient:
    """A JSON-over-HTTP client with rate limiting and retries (see the module docstring)."""

    def __init__(
        self,
        source: str,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        min_interval: float = 1.0,
        retries: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source = source
        self.base_url = base_url.rstrip("/")
        self.headers = {"user-agent": USER_AGENT, "accept": "application/json", **(headers or {})}
        self.params = dict(params or {})
        self.min_interval, self.retries = min_interval, retries
        self.backoff, self.max_backoff, self.timeout = backoff, max_backoff, timeout
        self.sleep = sleep
        self.requests = 0  # requests sent, retries included
        self._last: float | None = None

    def url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        query = {**self.params, **{k: v for k, v in (params or {}).items() if v is not None}}
        encoded = urlencode(query, safe=":,|/") if query else ""
        return f"{self.base_url}{quote(path, safe='/:@')}" + (f"?{encoded}" if encoded else "")

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Response:
        return self.request("GET", path, params)

    def post(self, path: str, params: Mapping[str, Any] | None = None, body: Any = None) -> Response:
        return self.request("POST", path, params, body)

    def _pause(self, at_least: float = 0.0) -> None:
        wait = at_least
        if self._last is not None:
            wait = max(wait, self.min_interval - (time.monotonic() - self._last))
        if wait > 0:
            self.sleep(wait)

    def request(self, method: str, path: str, params: Mapping[str, Any] | None = None, body: Any = None) -> Response:
        url = self.url(path, params)
        data = json.dumps(body).encode() if body is not None else None
        headers = {**self.headers, **({"content-type": "application/json"} if data is not None else {})}
        delay = 0.0
        for attempt in range(self.retries + 1):
            self._pause(delay)
            self._last = time.monotonic()
            self.requests += 1
            log.info("%s %s (try %d)", method, url, attempt + 1)
            retry_after: str | None = None
            try:
                with urlopen(Request(url, data=data, headers=headers, method=method), timeout=self.timeout) as resp:
                    status, payload = resp.status, resp.read()
            except HTTPError as exc:
                status, payload = exc.code, exc.read()
                retry_after = exc.headers.get("retry-after") if exc.headers else None
            except (URLError, TimeoutError, ConnectionError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                error = LoaderError(self.source, url, attempt, f"request failed: {reason}")
                delay = self._backoff(attempt, None)
                continue
            if status in RETRY_STATUS:
                error = LoaderError(self.source, url, attempt, api_message(payload), status)
                delay = self._backoff(attempt, retry_after)
                continue
            if not 200 <= status < 300:
                raise LoaderError(self.source, url, attempt, api_message(payload), status)
            try:
                return Response(status, json.loads(payload.decode("utf-8")), url)
            except ValueError:
                raise LoaderError(self.source, url, attempt, "the answer is not JSON", status) from None
        raise error

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), self.max_backoff)
            except ValueError:
                when = email.utils.parsedate_to_datetime(retry_after)
                return min(max(when.timestamp() - time.time(), 0.0), self.max_backoff)
        return min(self.backoff * 2**attempt, self.max_backoff)


# --- replay: recorded responses on 127.0.0.1 ---------------------------------------------------


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


class ReplayServer:
    """A local HTTP server answering from recorded :class:`Route`s (first match wins).

    ``fallback`` may answer what no route matches (return ``(status, json-able body)`` or
    ``None``); anything else gets a 404 naming the request. ``requests`` lists what was asked.
    """

    def __init__(self, routes: Iterable[Route] = (), fallback: Handler | None = None) -> None:
        self.routes = list(routes)
        self.fallback = fallback
        self.requests: list[Seen] = []
        server = self

        class _Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                seen = Seen(self.command, unquote(parts.path), query, json.loads(raw) if raw else None, headers)
                server.requests.append(seen)
                status, body = server.answer(seen)
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
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

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


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
