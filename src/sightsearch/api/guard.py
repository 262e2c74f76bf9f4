"""Refuse what a web page could make a browser send: cross-site writes, form bodies, and foreign Host names.

API keys stop strangers, but with authentication off on loopback (an allowed setup) any page the operator visits
could POST a form to ``http://127.0.0.1:8000/api/v1/failures/1/replay``. So, whatever the auth setting:

- a state-changing request (POST, PUT, PATCH, DELETE) that carries ``Origin`` (or, without it, ``Referer``) must come
  from the API's own origin or one of ``api_cors_origins``;
- its body must be JSON (``multipart/form-data`` only where a route takes an upload), which a plain HTML form cannot
  send without a CORS preflight;
- the ``Host`` header must name the API: on every request when ``api_allowed_hosts`` is set (required to serve
  beyond loopback); on a loopback bind without it, on every request from a browser (one with ``Origin``, ``Referer``
  or a ``Sec-Fetch-*`` header, which pages cannot remove), which must name a loopback host, so a DNS name rebound to
  127.0.0.1 does not make a hostile page same-origin, for reads as for writes. Scripts and test clients on loopback
  (none of those headers) keep working whatever Host they send.

A refused CORS preflight answers in the API's error shape too (``JsonErrorCors``).
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sightsearch.api.errors import error_response

__all__ = ["LOOPBACK_NAMES", "JsonErrorCors", "RequestGuard", "host_name"]

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_BROWSER_MARKS = frozenset({"origin", "referer", "sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest"})
_HEADERS = frozenset(name.encode() for name in _BROWSER_MARKS | {"host", "content-type", "content-length",
                                                                 "transfer-encoding"})
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def host_name(host: str) -> str:
    """The name part of a ``Host`` header or an origin's authority, lower case: ``[::1]:8000`` -> ``::1``.

    A port that is not digits (``localhost:evil.example``) makes the whole value no name at all: "".
    """
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        return name if not rest or (rest[0] == ":" and _is_port(rest[1:])) else ""
    if host.count(":") != 1:
        return host  # a bare name, or an IPv6 address as written in the settings
    name, port = host.split(":")
    return name if _is_port(port) else ""


def _is_port(port: str) -> bool:
    return not port or (port.isascii() and port.isdigit())  # RFC 3986: port = *DIGIT


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
        """``every_request`` False: the Host is checked only on requests from a browser (the loopback default)."""
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
        if sum(name == b"host" for name, _ in scope["headers"]) > 1:  # RFC 9112 3.2: answer 400
            return 400, "host_not_allowed", "the request has more than one Host header"
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]
                   if name in _HEADERS}
        host = headers.get("host", "")
        writes = scope["method"] in STATE_CHANGING
        from_browser = not _BROWSER_MARKS.isdisjoint(headers)
        if (self.every_request or from_browser) and host_name(host) not in self.allowed_hosts:
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
            # A browser tells where the request comes from even when it sends neither; scripts send none of these.
            return headers.get("sec-fetch-site") not in ("cross-site", "same-site")
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


class JsonErrorCors(CORSMiddleware):
    """Starlette's CORS handling, with a refused preflight in the error shape instead of plain text."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code == 200:
            return response
        reason = bytes(response.body).decode("latin-1")  # "Disallowed CORS origin, method" and the like
        return error_response(response.status_code, "cors_not_allowed",
                              f"{reason}: this API allows GET and POST, with the X-API-Key and Content-Type headers, "
                              "from the origins in SIGHTSEARCH_API_CORS_ORIGINS",
                              headers={"Vary": response.headers.get("vary", "Origin")})
