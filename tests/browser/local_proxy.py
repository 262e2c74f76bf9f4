"""A tiny forwarding HTTP proxy on 127.0.0.1 that counts what goes through it (plain HTTP only)."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _ProxyServer

    def do_GET(self) -> None:
        target = urlsplit(self.path)  # a proxy receives absolute URLs
        with self.server.lock:
            self.server.seen.append(self.path)
        upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=10)
        try:
            upstream.request("GET", target.path + (f"?{target.query}" if target.query else ""),
                             headers={"Host": target.netloc, "User-Agent": self.headers.get("User-Agent", "")})
            response = upstream.getresponse()
            body = response.read()
        finally:
            upstream.close()
        self.send_response(response.status)
        for name in ("Content-Type", "Location", "Retry-After"):
            if response.getheader(name):
                self.send_header(name, response.getheader(name))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.seen: list[str] = []
        self.lock = threading.Lock()


@contextmanager
def counting_proxy() -> Iterator[_ProxyServer]:
    """A running proxy; ``server.seen`` lists the URLs it forwarded, ``server.server_address`` its port."""
    server = _ProxyServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
