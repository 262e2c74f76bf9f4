"""A whole embedded crawl of the demo shop with ``--render auto``: every JavaScript-only product is loaded with its
price; without a browser those pages are dead-lettered with the install command instead of loading empty products.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import browser_settings
from sqlalchemy import Engine, select

from sightsearch.config import Settings
from sightsearch.demo import DemoServer
from sightsearch.runner import EmbeddedRun
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import DeadLetter, Product

pytestmark = pytest.mark.slow


async def crawl(shop: DemoServer, engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings.render == "auto"
    summary = await EmbeddedRun(settings, engine=engine, max_pages=400).execute([shop.base_url + "/"])
    assert summary.status == "finished"


async def test_a_rendered_crawl_loads_every_javascript_only_product(shop: DemoServer, sqlite_engine: Engine,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    truth = shop.shop.truth()
    await crawl(shop, sqlite_engine, browser_settings(browser_sessions=2, concurrency=4), monkeypatch)
    with session_scope(sqlite_engine) as session:
        loaded = {p.sku: p for p in session.scalars(select(Product))}
    for item in truth["js_only"]:
        product = loaded[item["sku"]]
        assert (product.title, format(product.price, ".2f"), product.currency, product.availability) == (
            item["title"], item["price"], item["currency"], item["availability"]), item["path"]
    assert {p["sku"] for p in truth["products"] if not p["broken"]} <= set(loaded)  # the HTTP pages are all there


async def test_without_a_browser_the_javascript_pages_are_dead_lettered_with_the_hint(
        shop: DemoServer, sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch, missing_binary: Path) -> None:
    truth = shop.shop.truth()
    await crawl(shop, sqlite_engine, browser_settings(browser_binary=missing_binary, concurrency=4), monkeypatch)
    with session_scope(sqlite_engine) as session:
        skus = set(session.scalars(select(Product.sku)))
        letters = {d.url.removeprefix(shop.base_url): d for d in session.scalars(select(DeadLetter))}
    assert not skus & {item["sku"] for item in truth["js_only"]}
    assert {p["sku"] for p in truth["products"] if not p["broken"]} <= skus
    for item in truth["js_only"]:
        letter = letters[item["path"]]
        assert letter.stage == "fetch" and "apt-get install chromium chromium-driver" in letter.reason
