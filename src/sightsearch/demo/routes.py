"""Request routing for the demo shop: maps a request target to a ``Response``, pages precomputed in memory.

The only per-request state is the transient-failure bookkeeping (first request of some product pages fails).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import parse_qs, urlsplit

from sightsearch.demo.images import ImageCache
from sightsearch.demo.js_pages import js_resources
from sightsearch.demo.pages import render_site, robots_txt, sitemap_xml
from sightsearch.demo.product_page import layout
from sightsearch.demo.shop import DemoShop
from sightsearch.demo.traps import trap_pages

HTML = "text/html; charset=utf-8"
_MB = 1024 * 1024
_HUGE_CAP = 4 * 1024 * _MB  # an "endless" body still ends after 4 GiB, so a forgotten client cannot pin a thread
_NOT_FOUND = layout("Not found", "<h1>404 Not found</h1>").encode()


@dataclass(frozen=True)
class Response:
    """A response to send; ``stream`` writes the body itself (big and endless bodies), instead of ``body``."""

    status: int
    body: bytes = b""
    content_type: str = HTML
    headers: tuple[tuple[str, str], ...] = ()
    stream: Callable[[BinaryIO], None] | None = None
    length: int | None = None  # Content-Length of a streamed body; None means chunked


class DemoRoutes:
    """Everything the server answers, built from one ``DemoShop``; thread-safe."""

    def __init__(self, shop: DemoShop) -> None:
        self.shop = shop
        self._pages = {target: html.encode() for target, html in render_site(shop).items()}
        self._fixed = {**trap_pages(), **js_resources(shop.js_products)}
        self._images = ImageCache(shop.image_specs)
        self._first_failure = {path: int(code) for code, paths in shop.transient.items() for path in paths}
        self._lock = threading.Lock()

    def resolve(self, target: str, host: str) -> Response:
        """The response for a GET of ``target``; ``host`` (the Host header) makes sitemap URLs absolute."""
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        if path in self._first_failure and (failed := self._fail_once(path)):
            return failed
        if path.startswith("/c/") and "page" in query:
            page = self._pages.get(f"{path}?page={query['page'][0]}")
            return Response(200, page) if page else Response(404, _NOT_FOUND)
        if page := self._pages.get(path):
            return Response(200, page)
        if path in self._fixed:
            body, content_type = self._fixed[path]
            return Response(200, body, content_type)
        return self._dynamic(path, query, host)

    def _fail_once(self, path: str) -> Response | None:
        """Fail the first request of a transient page with its code, then serve it normally."""
        with self._lock:
            code = self._first_failure.pop(path, None)
        if code is None:
            return None
        headers = (("Retry-After", "1"),) if code == 429 else ()
        return Response(code, layout("Try again", f"<h1>{code}</h1>").encode(), headers=headers)

    def _dynamic(self, path: str, query: dict[str, list[str]], host: str) -> Response:
        base_url = f"http://{host}"
        if path == "/robots.txt":
            return Response(200, robots_txt(self.shop, base_url).encode(), "text/plain; charset=utf-8")
        if path == "/sitemap.xml":
            return Response(200, sitemap_xml(self.shop, base_url).encode(), "application/xml")
        if path.startswith("/img/"):
            image = self._images.get(path)
            content_type = "image/png" if path.endswith(".png") else "image/jpeg"
            return Response(200, image, content_type) if image else Response(404, _NOT_FOUND)
        if path.startswith("/status/") and path[8:].isdigit() and 200 <= int(path[8:]) <= 599:
            return _status(int(path[8:]))
        return _trap(path, query)


def _status(code: int) -> Response:
    headers = (("Retry-After", "1"),) if code in (429, 503) else ()
    if 300 <= code < 400:
        headers = (("Location", "/"),)
    body = b"" if code in (204, 304) else layout(str(code), f"<h1>Status {code}</h1>").encode()
    return Response(code, body, headers=headers)


def _int_param(query: dict[str, list[str]], name: str, default: int, upper: int) -> int:
    """A clamped integer query parameter; junk falls back to ``default``."""
    try:
        return max(0, min(upper, int(query.get(name, [default])[0])))
    except ValueError:
        return default


def _trap(path: str, query: dict[str, list[str]]) -> Response:
    """The request-dependent traps: redirects, big and endless bodies, slow answers."""
    if path == "/trap/redirect-loop":
        return Response(302, headers=(("Location", "/trap/redirect-loop-b"),))
    if path == "/trap/redirect-loop-b":
        return Response(302, headers=(("Location", "/trap/redirect-loop"),))
    if path == "/trap/redirect-chain":
        hops = _int_param(query, "n", 5, 1000)
        if hops == 0:
            return Response(200, layout("End of chain", "<h1>End of the redirect chain</h1>").encode())
        return Response(302, headers=(("Location", f"/trap/redirect-chain?n={hops - 1}"),))
    if path == "/trap/big":
        megabytes = _int_param(query, "mb", 10, 1024)
        return Response(200, stream=lambda out: _write_big(out, megabytes), length=megabytes * _MB)
    if path == "/trap/huge":
        return Response(200, stream=_write_endless)
    if path == "/slow":
        # Capped, so a stop() never waits long on a sleeping handler.
        time.sleep(_int_param(query, "ms", 1000, 10_000) / 1000)
        return Response(200, layout("Slow", "<h1>Finally</h1>").encode())
    return Response(404, _NOT_FOUND)


def _write_big(out: BinaryIO, megabytes: int) -> None:
    block = (b"<p>" + b"x" * 1016 + b"</p>\n") * 1024
    for _ in range(megabytes):
        out.write(block)


def _write_endless(out: BinaryIO) -> None:
    """Chunked filler until the client hangs up (the write raises) or the safety cap is reached."""
    chunk = b"<p>" + b"filler " * 9000 + b"</p>\n"
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    for _ in range(_HUGE_CAP // len(chunk)):
        out.write(framed)
    out.write(b"0\r\n\r\n")
