"""ASGI middleware: request body limits, the last-resort error catcher, the API's own request metrics and the
security headers every answer carries."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sightsearch.api.errors import error_response, internal_error_response
from sightsearch.api.telemetry import HttpMetrics


class BodyTooLarge(HTTPException):
    """The request body went over its limit while being read.

    An ``HTTPException`` so that FastAPI's body parsing lets it through as a 413 instead of rewrapping it as a 400.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is over the {limit} byte limit")


class HttpMiddleware:
    """ASGI middleware that acts on HTTP requests in ``handle``; lifespan and other scopes pass through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class BodyLimit(HttpMiddleware):
    """Answer 413 when a body is over its limit: at once from Content-Length, or while streaming without one.

    ``limit_for(path)`` gives the limit, so uploads can be allowed more than JSON bodies.
    """

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        super().__init__(app)
        self.limit_for = limit_for

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(limit)(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await _too_large(limit)(scope, receive, send)


def _too_large(limit: int) -> ASGIApp:
    return error_response(413, "payload_too_large", f"request body is over the {limit} byte limit", {"limit": limit})


class CatchErrors(HttpMiddleware):
    """Turn any unhandled exception into the 500 error shape (logged with its traceback, never sent)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except BodyTooLarge:
            raise
        except Exception as exc:  # the whole point: nothing unexpected reaches the client raw
            if started:
                raise  # too late for a clean answer; the server closes the connection
            await internal_error_response(exc, scope["path"])(scope, receive, send)


class RecordRequests(HttpMiddleware):
    """Count requests and time them by method, route template and status, for ``/metrics``."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started, status = time.perf_counter(), 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = scope.get("route")
            # The template, not the raw path: /products/{product_id} is one series, not one per product.
            template = getattr(route, "path", None) or "<unmatched>"
            self.metrics.observe(scope["method"], template, status, time.perf_counter() - started)


# Every answer: browsers must not guess another content type (a JSON error quoting input rendered as HTML), nor frame
# it, nor send its URL on as a Referer.
SECURITY_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"))
# Answers that are not pages (JSON, metrics, errors) load nothing; the console and /docs set their own policy.
DATA_POLICY = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
# Unless a route says how its answer may be kept (the product reads, the console), no cache keeps it: a shared cache
# would not know that an answer to a request with an X-API-Key is private.
NOT_STORED = (b"cache-control", b"no-store")


class SecurityHeaders(HttpMiddleware):
    """Add ``SECURITY_HEADERS`` and ``NOT_STORED`` to every response that does not set them, and ``DATA_POLICY`` to
    non-HTML ones."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [header for header in (*SECURITY_HEADERS, NOT_STORED) if header[0] not in present]
                content_type = next((value for name, value in headers if name.lower() == b"content-type"), b"")
                if DATA_POLICY[0] not in present and not content_type.startswith(b"text/html"):
                    headers.append(DATA_POLICY)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGet(HttpMiddleware):
    """Answer ``HEAD`` as the ``GET`` of the same URL without its body (RFC 9110 9.3.2); routes declare GET only.

    The server sees the request as it came (uvicorn then sends no body either); the app sees a GET on a copy of the
    scope, whose matched route is handed back for the request metrics.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        as_get = {**scope, "method": "GET"}

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            await self.app(as_get, receive, send_without_body)
        finally:
            if "route" in as_get:
                scope["route"] = as_get["route"]
