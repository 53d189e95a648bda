"""Who may reach the service and what its pages may be embedded in.

* **Hosts.** A server on loopback answers only requests addressed to a loopback name, so a web
  page cannot reach it by DNS rebinding (a hostile name re-pointed at 127.0.0.1).
* **Framing.** Only the service's own pages may frame its responses (the home page shows
  ``/viz`` pages in a frame): ``frame-ancestors 'self'`` and ``X-Frame-Options: SAMEORIGIN`` on
  every response, since a ``<meta>`` CSP in a page cannot say that.
* **Ad-hoc Cypher.** ``LINEAGE_CYPHER_ACCESS``: ``token`` (the default: the same bearer token as
  ``/load``), ``open`` (a public, read-only explorer) or ``off``.
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Iterable
from typing import Any

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
CYPHER_ACCESS = ("token", "open", "off")
CYPHER_ENV = "LINEAGE_CYPHER_ACCESS"
HOSTS_ENV = "LINEAGE_ALLOWED_HOSTS"
FRAMING = {"X-Frame-Options": "SAMEORIGIN", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def cypher_access(value: str | None = None) -> str:
    """The ``/cypher`` access mode, from the argument or ``$LINEAGE_CYPHER_ACCESS``."""
    mode = (value or os.environ.get(CYPHER_ENV) or "token").strip().lower()
    if mode not in CYPHER_ACCESS:
        raise ValueError(f"{CYPHER_ENV}={mode!r}: use one of {', '.join(CYPHER_ACCESS)}")
    return mode


def is_loopback(host: str) -> bool:
    if host.strip("[]") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(bind: str | None, given: str | Iterable[str] | None = None) -> list[str] | None:
    """Host names the server answers to: ``given`` (or ``$LINEAGE_ALLOWED_HOSTS``, comma-separated;
    ``*`` for any), else the loopback names when bound to loopback, else any (``None``)."""
    raw = given if given is not None else os.environ.get(HOSTS_ENV)
    if raw:
        names = [h.strip().lower() for h in (raw.split(",") if isinstance(raw, str) else raw) if h.strip()]
        return None if "*" in names else names
    if bind is None or is_loopback(bind):
        return list(LOOPBACK_HOSTS)
    return None


def host_name(header: str) -> str:
    """``example.org:8000`` -> ``example.org``; ``[::1]:8000`` -> ``::1``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class SecurityMiddleware:
    """Pure ASGI: refuse requests for other hosts, and add the framing headers to every answer."""

    def __init__(self, app: Any, hosts: list[str] | None) -> None:
        self.app, self.hosts = app, hosts

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        host = host_name(headers.get(b"host", b"").decode("latin-1"))
        if self.hosts is not None and host not in self.hosts:
            body = json.dumps(
                {
                    "error": f"this server does not answer for host {host[:100]!r}; "
                    f"it serves {', '.join(self.hosts)} (set --allowed-hosts or {HOSTS_ENV})",
                    "parameter": "Host",
                }
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [(b"content-type", b"application/json"), *_header_list({})],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": _header_list(dict(message.get("headers") or []))}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _header_list(existing: dict[bytes, bytes]) -> list[tuple[bytes, bytes]]:
    out = dict(existing)
    for name, value in FRAMING.items():
        out.setdefault(name.lower().encode(), value.encode())
    csp = out.get(b"content-security-policy", b"").decode()
    if "frame-ancestors" not in csp:
        csp = f"{csp}; frame-ancestors 'self'" if csp else "frame-ancestors 'self'"
    out[b"content-security-policy"] = csp.encode()
    return list(out.items())
