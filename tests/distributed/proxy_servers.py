"""Tiny forwarding HTTP proxies and an origin site on 127.0.0.1, for the proxy-pool tests."""

from __future__ import annotations

import base64
import http.client
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class _Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def reply(self, status: int, body: bytes, content_type: str = "text/html") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class OriginHandler(_Quiet):
    def do_GET(self) -> None:
        self.server.hits[self.path] += 1  # type: ignore[attr-defined]
        self.reply(200, f"<html><body>page {self.path}</body></html>".encode())


class ProxyHandler(_Quiet):
    """Forwards absolute-URI GETs; ``mode`` is ``forward``, ``403`` (ban) or ``captcha`` (a 200 ban page)."""

    def do_GET(self) -> None:
        server = self.server
        server.seen += 1  # type: ignore[attr-defined]
        if server.credentials and self.headers.get("Proxy-Authorization") != server.credentials:  # type: ignore[attr-defined]
            self.send_response(407)
            self.send_header("Proxy-Authenticate", 'Basic realm="test"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if server.mode == "403":  # type: ignore[attr-defined]
            return self.reply(403, b"<html>Forbidden</html>")
        if server.mode == "captcha":  # type: ignore[attr-defined]
            return self.reply(200, b"<html><h1>Please solve this CAPTCHA to continue</h1></html>")
        target = urlsplit(self.path)
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=5)
        upstream.request("GET", target.path or "/", headers={"Host": target.netloc})
        response = upstream.getresponse()
        self.reply(response.status, response.read(), response.getheader("Content-Type", "text/html"))
        upstream.close()


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1",
          **attributes: object) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    for name, value in attributes.items():
        setattr(server, name, value)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def origin(host: str = "127.0.0.1") -> Iterator[ThreadingHTTPServer]:
    with serve(OriginHandler, host, hits=Counter()) as server:
        yield server


@contextmanager
def proxy(mode: str = "forward", user: str | None = None, password: str | None = None) -> Iterator[tuple[ThreadingHTTPServer, str]]:
    """A proxy server and its URL (with the credentials it demands, if any)."""
    credentials = None
    if user:
        credentials = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    with serve(ProxyHandler, mode=mode, seen=0, credentials=credentials) as server:
        port = server.server_address[1]
        auth = f"{user}:{password}@" if user else ""
        yield server, f"http://{auth}127.0.0.1:{port}"
