"""Replaying dead letters from the stage that rejected them, on SQLite and PostgreSQL; nothing is deleted."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from sightsearch.config import Settings
from sightsearch.etl.pipeline import EtlPipeline
from sightsearch.events.bus import MemoryBus
from sightsearch.replay import replay_dead_letter
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import DeadLetter, Product

COMING_SOON = b"<html><body><p>Coming soon</p></body></html>"
PAGE = {"body": COMING_SOON}


class ChangingPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE["body"])))
        self.end_headers()
        self.wfile.write(PAGE["body"])

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def page_url() -> Iterator[str]:
    PAGE["body"] = COMING_SOON
    server = ThreadingHTTPServer(("127.0.0.1", 0), ChangingPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/p/lamp"
    server.shutdown()
    server.server_close()


def dead_letter(engine: Engine) -> DeadLetter:
    with session_scope(engine) as session:
        return session.scalars(select(DeadLetter)).one()


async def test_replay_after_a_code_fix_loads_and_resolves(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    record = {"url": "http://shop.test/p/1", "title": "Wool scarf", "price": "30", "currency": "XBT", "sku": "S1"}
    await EtlPipeline(engine, MemoryBus(), "run-1").process([record])
    item = dead_letter(engine)
    assert (item.stage, item.reason) == ("validate", "currency 'XBT' is not an ISO 4217 code")

    message = await replay_dead_letter(engine, item.id)
    assert "still fails: currency 'XBT'" in message
    assert (dead_letter(engine).status, dead_letter(engine).occurrences) == ("open", 2)

    import sightsearch.vocabulary as vocabulary  # the "code fix": a wider currency list

    monkeypatch.setattr(vocabulary, "CURRENCIES", vocabulary.CURRENCIES | {"XBT"})
    message = await replay_dead_letter(engine, item.id)
    assert message == f"dead letter {item.id} replayed from validate: inserted and resolved"
    assert dead_letter(engine).status == "resolved"  # kept as the trace, not deleted
    assert await replay_dead_letter(engine, item.id) == f"dead letter {item.id} is already resolved"
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Product)) == 1


async def test_replay_of_a_page_refetches_it(engine: Engine, page_url: str) -> None:
    from sightsearch.storage.deadletters import add_dead_letters

    with session_scope(engine) as session:
        add_dead_letters(session, "run-1", [("extract", "no product data found on a product page", {"url": page_url})])
    item = dead_letter(engine)
    settings = Settings(max_retries=0)
    assert "still fails: no product found" in await replay_dead_letter(engine, item.id, settings)
    PAGE["body"] = (b'<html><body><script type="application/ld+json">{"@type": "Product", "name": "Desk lamp",'
                    b' "sku": "DL-1", "offers": {"price": "49.00", "priceCurrency": "EUR"}}</script></body></html>')
    assert "replayed from cleanse: inserted and resolved" in await replay_dead_letter(engine, item.id, settings)
    with session_scope(engine) as session:
        assert session.scalars(select(Product.title)).one() == "Desk lamp"
