"""Refuse what a web page could make a browser send: cross-site writes, form bodies, and foreign Host names.

API keys stop strangers, but with authentication off on loopback (an allowed setup) any page the operator visits
could POST a form to ``http://127.0.0.1:8000/api/v1/failures/1/replay``. So, whatever the auth setting:

- a state-changing request (POST, PUT, PATCH, DELETE) that carries ``Origin`` (or, without it, ``Referer``) must come
  from the API's own origin or one of ``api_cors_origins``;
- its body must be JSON (``multipart/form-data`` only where a route takes an upload), which a plain HTML form cannot
  send without a CORS preflight;
- the ``Host`` header must name the API: on every request when ``api_allowed_hosts`` is set (required to serve
  beyond loopback); on a loopback bind without it, on state-changing requests from a browser (those with ``Origin``
  or ``Referer``), which must name a loopback host, so a DNS name rebound to 127.0.0.1 does not make a hostile page
  same-origin. Scripts and test clients on loopback keep working whatever Host they send.
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from sightsearch.api.errors import error_response

__all__ = ["LOOPBACK_NAMES", "RequestGuard", "host_name"]

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_HEADERS = frozenset({b"host", b"origin", b"referer", b"content-type", b"content-length", b"transfer-encoding"})
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def host_name(host: str) -> str:
    """The name part of a ``Host`` header or an origin's authority, lower case: ``[::1]:8000`` -> ``::1``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _authority(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return parts.netloc.lower() if parts.scheme in ("http", "https") and parts.netloc else None


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class RequestGuard:
    """Pure ASGI: answers 400 (Host), 403 (cross-site) or 415 (not JSON) before the app sees the request."""

    def __init__(self, app: ASGIApp, *, allowed_hosts: Collection[str], allowed_origins: Collection[str],
                 upload_paths: Collection[str], every_request: bool = True) -> None:
        """``every_request`` False: the Host is checked only on browser writes (the loopback default)."""
        self.app, self.every_request = app, every_request
        self.allowed_hosts = frozenset(host_name(host) for host in allowed_hosts)
        self.allowed_origins = frozenset(origin.rstrip("/").lower() for origin in allowed_origins)
        self.upload_paths = frozenset(upload_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = self.problem(scope)
            if problem is not None:
                status, code, message = problem
                await error_response(status, code, message)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def problem(self, scope: Scope) -> tuple[int, str, str] | None:
        """Why this request is refused, as (status, code, message), or None."""
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]
                   if name in _HEADERS}
        host = headers.get("host", "")
        writes = scope["method"] in STATE_CHANGING
        from_browser = "origin" in headers or "referer" in headers
        if (self.every_request or (writes and from_browser)) and host_name(host) not in self.allowed_hosts:
            return 400, "host_not_allowed", "the Host header does not name this API (see SIGHTSEARCH_API_ALLOWED_HOSTS)"
        if not writes:
            return None
        if not self._same_site(headers, host.lower()):
            return 403, "cross_site_request", "cross-site requests cannot change anything here (Origin not allowed)"
        return self._body_problem(headers, scope["path"])

    def _same_site(self, headers: dict[str, str], host: str) -> bool:
        origin = headers.get("origin")
        if origin is None and "referer" in headers:
            authority = _authority(headers["referer"])
            return authority == host or any(_authority(o) == authority for o in self.allowed_origins)
        if origin is None:
            return True  # not a browser: curl, scripts and SDKs send no Origin and are not driven by a web page
        return origin.rstrip("/").lower() in self.allowed_origins or _authority(origin) == host

    def _body_problem(self, headers: dict[str, str], path: str) -> tuple[int, str, str] | None:
        content_type = headers.get("content-type")
        if content_type is None:
            has_body = headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
            return (415, "unsupported_media_type", "send the body as application/json") if has_body else None
        if _is_json(content_type):
            return None
        if path in self.upload_paths and content_type.lower().startswith("multipart/form-data"):
            return None
        return 415, "unsupported_media_type", "request bodies must be application/json" + (
            " (or multipart/form-data for an upload)" if path in self.upload_paths else "")
