"""The demo shop's HTTP server: HTTP/1.1 keep-alive, one thread per connection, pages served from memory."""

from __future__ import annotations

import socket
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from typing import Any

from sightsearch.demo.handler import ShopRequestHandler
from sightsearch.demo.routes import DemoRoutes
from sightsearch.demo.shop import DemoShop
from sightsearch.errors import ConfigurationError
from sightsearch.netaddr import is_loopback_host


class _ShopHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() closes the live sockets itself, so it never waits on a keep-alive client
    request_queue_size = 256  # crawlers open many connections at once; the default backlog of 5 drops them

    def __init__(self, address: tuple[str, int], owner: DemoServer) -> None:
        self.owner = owner
        self.live: set[socket.socket] = set()
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, ShopRequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.live.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self.live.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet for clients that reset or time out (normal for a crawler test target); report anything else."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def check_loopback(host: str, allow_public: bool) -> None:
    """Refuse a non-loopback bind unless ``allow_public``: the demo shop has traps nobody should reach from outside."""
    if allow_public or is_loopback_host(host):
        return
    raise ConfigurationError(
        f"the demo shop binds only to loopback (127.0.0.1, ::1, localhost), not {host!r}; "
        "pass allow_public=True if you really want it reachable from other machines"
    )


class DemoServer:
    """A demo shop server; ``start()`` serves in a background thread, ``stop()`` closes every connection."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, allow_public: bool = False, **shop_options: Any
    ) -> None:
        check_loopback(host, allow_public)
        self.shop = DemoShop(**shop_options)
        self.routes = DemoRoutes(self.shop)
        self._address = (host, port)
        self._hits: Counter[str] = Counter()
        self._hits_lock = threading.Lock()
        self._httpd: _ShopHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` of the running server (the real port when started on port 0)."""
        if self._httpd is None:
            raise RuntimeError("the demo server is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://[{host}]:{port}" if ":" in str(host) else f"http://{host}:{port}"

    def bind(self) -> None:
        """Open the listening socket; separate from serving so errors surface in the caller's thread."""
        self._httpd = _ShopHTTPServer(self._address, self)

    def start(self) -> DemoServer:
        """Bind and serve in a daemon thread; returns ``self`` once the socket accepts connections."""
        self.bind()
        assert self._httpd is not None
        # A short poll interval makes stop() take ~50 ms instead of the default 0.5 s.
        serve = self._httpd.serve_forever
        self._thread = threading.Thread(target=serve, args=(0.05,), name="demo-shop", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Bind and serve in the calling thread until ``KeyboardInterrupt``, then close cleanly."""
        self.bind()
        assert self._httpd is not None
        try:
            self._httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._close_connections()
            self._httpd.server_close()

    def stop(self) -> None:
        """Stop accepting, cut live connections (keep-alive, endless bodies) and close the socket."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._close_connections()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd, self._thread = None, None

    def _close_connections(self) -> None:
        assert self._httpd is not None
        for conn in list(self._httpd.live):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already gone

    def count(self, path: str) -> None:
        """Record one request for ``path`` (query string excluded)."""
        with self._hits_lock:
            self._hits[path] += 1

    def hits(self, path: str | None = None) -> int:
        """Requests seen for ``path`` (without query string), or in total when ``path`` is None."""
        with self._hits_lock:
            return self._hits[path] if path is not None else sum(self._hits.values())


@contextmanager
def running_demo_site(port: int = 0, **shop_options: Any) -> Iterator[str]:
    """Serve the demo shop on 127.0.0.1 in a background thread; yields its base URL, stops it on exit."""
    server = DemoServer("127.0.0.1", port, **shop_options).start()
    try:
        yield server.base_url
    finally:
        server.stop()


def serve_demo(host: str = "127.0.0.1", port: int = 8000, **shop_options: Any) -> None:
    """Serve the demo shop in the foreground until Ctrl-C (``allow_public=True`` to bind beyond loopback)."""
    DemoServer(host, port, **shop_options).serve_forever()
