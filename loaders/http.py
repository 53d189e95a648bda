"""The one HTTP client of the citation loaders (Semantic Scholar, OpenAlex).

:class:`HttpClient` is a small, polite JSON client on the standard library (no extra
dependency):

* at most one request every ``min_interval`` seconds (both APIs ask for ≤1 request/s without
  special arrangement);
* 429, 5xx, timeouts and connection errors are retried up to ``retries`` times, waiting
  ``backoff * 2**attempt`` seconds (capped at ``max_backoff``), or what ``Retry-After`` says;
* any other non-2xx answer raises :class:`LoaderError` at once, carrying the API's own message
  (``{"error": "Paper with id 0 not found"}``), the URL, the status and the attempt.

``base_url`` is configurable, so tests point the client at a replay server on 127.0.0.1 that
answers with recorded responses (tests/replay.py).
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode
from urllib.request import Request, urlopen

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
