"""A real HTTP server on 127.0.0.1 serving crafted responses (helpers; the fixtures are in conftest.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = Callable[[BaseHTTPRequestHandler], None]


def respond(
    handler: BaseHTTPRequestHandler, status: int, body: bytes | str = b"", headers: dict[str, str] | None = None,
    content_type: str = "text/html; charset=utf-8",
) -> None:
    """Write a complete response with a Content-Length (keep-alive stays usable)."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)


@dataclass
class LocalSite:
    """Routes by path (with query when one matches exactly), and a log of every request's path and start time."""

    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[tuple[str, float]] = field(default_factory=list)
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def page(self, path: str, body: bytes | str, *, status: int = 200, headers: dict[str, str] | None = None,
             content_type: str = "text/html; charset=utf-8") -> None:
        self.routes[path] = lambda h: respond(h, status, body, headers, content_type)

    def sequence(self, path: str, *routes: Route) -> None:
        """The n-th request to ``path`` gets ``routes[n]``; the last one repeats."""
        calls = iter(range(1_000_000))
        self.routes[path] = lambda h: routes[min(next(calls), len(routes) - 1)](h)

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.routes[path] = lambda h: respond(h, status, b"", {"Location": location})

    def times(self, path: str) -> list[float]:
        with self.lock:
            return [at for hit, at in self.hits if hit == path]

    def count(self, path: str) -> int:
        return len(self.times(path))

    def paths(self) -> list[str]:
        with self.lock:
            return [hit for hit, _ in self.hits]


def _handler_for(site: LocalSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            with site.lock:
                site.hits.append((self.path, time.monotonic()))
            route = site.routes.get(self.path) or site.routes.get(self.path.split("?")[0])
            if route is None:
                respond(self, 404, "not found")
            else:
                route(self)

        def handle(self) -> None:
            try:
                super().handle()
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                pass  # the client gave up (size cap, timeout): expected in these tests

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def start_site() -> tuple[LocalSite, ThreadingHTTPServer, threading.Thread]:
    """Serve a fresh ``LocalSite`` on a free loopback port in a background thread."""
    local = LocalSite()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(local))
    server.daemon_threads = True
    local.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return local, server, thread
