"""A small site on 127.0.0.1 whose every request is logged with its time and User-Agent (which worker fetched it)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = Callable[[int], tuple[int, dict[str, str], str]]  # n-th request (0-based) -> status, headers, body


@dataclass
class Hit:
    path: str
    at: float
    agent: str


@dataclass
class LoggingSite:
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def page(self, path: str, body: str, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.routes[path] = lambda n: (status, dict(headers or {}), body)

    def times(self, path: str | None = None) -> list[float]:
        with self.lock:
            return sorted(h.at for h in self.hits if path is None or h.path == path)

    def count(self, path: str) -> int:
        return len(self.times(path))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        site: LoggingSite = self.server.site  # type: ignore[attr-defined]
        with site.lock:
            n = sum(1 for h in site.hits if h.path == self.path)
            site.hits.append(Hit(self.path, time.monotonic(), self.headers.get("User-Agent", "")))
        route = site.routes.get(self.path)
        status, headers, body = route(n) if route else (404, {}, "not found")
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", headers.pop("Content-Type", "text/html; charset=utf-8"))
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def logging_site() -> Iterator[LoggingSite]:
    site = LoggingSite()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.site = site  # type: ignore[attr-defined]
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def links_page(paths: list[str]) -> str:
    return "<html><body>" + "".join(f'<a href="{p}">{p}</a>' for p in paths) + "</body></html>"
