"""Client-submitted runs stay guarded after submission: redirect hops and image URLs are checked too."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import Engine, select

from sightsearch.crawl.ssrf import url_guard
from sightsearch.config import Settings
from sightsearch.runner import EmbeddedRun
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import DeadLetter, ImageRecord, Product

PRODUCT = (b'<html><body><script type="application/ld+json">{"@type": "Product", "name": "Lamp", "sku": "L1",'
           b' "image": "http://169.254.169.254/latest/meta-data/x.jpg",'
           b' "offers": {"price": "12.00", "priceCurrency": "EUR"}}</script></body></html>')


class Redirector(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        targets = {"/to-loopback": "http://127.0.0.2:9/secret", "/to-metadata": "http://169.254.169.254/latest/"}
        if self.path in targets:
            self.send_response(302)
            self.send_header("Location", targets[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = PRODUCT if self.path == "/p/lamp" else b"<html><body>ok</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_redirects_and_images_to_private_addresses_are_refused(site: str, sqlite_engine: Engine) -> None:
    run = EmbeddedRun(Settings(render="never", max_retries=0), engine=sqlite_engine, max_pages=10,
                      url_guard=url_guard(["127.0.0.1"]))
    await run.execute([f"{site}/to-loopback", f"{site}/to-metadata", f"{site}/p/lamp"])
    with session_scope(sqlite_engine) as session:
        reasons = {d.url.removeprefix(site): d.reason for d in session.scalars(select(DeadLetter))}
        image = session.scalars(select(ImageRecord)).one()
        titles = list(session.scalars(select(Product.title)))
    assert "refused by the SSRF guard" in reasons["/to-loopback"]
    assert "refused by the SSRF guard" in reasons["/to-metadata"]
    assert image.phash is None and "refused by the SSRF guard" in (image.error or "")
    assert titles == ["Lamp"]  # the product stays; only the unsafe image is refused
