"""Replaying a dead letter whose page is heavy to parse: the API's event loop keeps serving meanwhile (the replay
parses and extracts in a worker thread, on an event loop of its own)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import Engine

from sightsearch.api import create_app
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import DeadLetter
from tests.api.conftest import api_settings, client_for, new_key

# About 4.8 MB (under the default page cap) of listing blocks: seconds of parsing, link discovery and extraction.
BLOCK = '<div class="item"><a href="/c/{0}">Item {0}</a><span class="price">{0}.99 €</span></div>'
HEAVY = ("<html><head><title>Everything</title></head><body>" + "".join(BLOCK.format(n) for n in range(50_000))
         + "</body></html>").encode()


@pytest.fixture
def heavy_page() -> Iterator[str]:
    """A server on 127.0.0.1 that answers every GET with ``HEAVY``; yields the page's URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/p/heavy" else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            body = HEAVY if self.path == "/p/heavy" else b""
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/p/heavy"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


async def test_a_heavy_replay_does_not_stall_the_event_loop(sqlite_engine: Engine, heavy_page: str) -> None:
    with session_scope(sqlite_engine) as session:
        item = DeadLetter(stage="extract", reason="no product data found on a product page", url=heavy_page,
                          site="127.0.0.1", payload={"url": heavy_page})
        session.add(item)
        session.flush()
        failure_id = item.id
    key = new_key(sqlite_engine)
    gaps: list[float] = []

    async def tick() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    app = create_app(api_settings(ssrf_allow=["127.0.0.1"]), engine=sqlite_engine)
    async with client_for(app) as api:
        ticking = asyncio.create_task(tick())
        started = time.perf_counter()
        try:
            replayed = await api.post(f"/api/v1/failures/{failure_id}/replay", headers={"X-API-Key": key})
        finally:
            ticking.cancel()
        took = time.perf_counter() - started
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["status"] == "open" and "still fails" in replayed.json()["message"]
    assert took > 1.0  # the page really is heavy (on the loop, it stalled every other request this long)...
    # ...and the loop ticked on meanwhile: its longest pause is a GIL hand-off or one libxml2 call, not the replay.
    assert max(gaps) < min(1.0, took / 2), f"the loop stalled {max(gaps):.2f}s during a {took:.2f}s replay"
