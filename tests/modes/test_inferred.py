"""Guessed values are marked in the store and the API (``inferred:`` sources), and a setting drops them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from sightsearch.api import create_app
from sightsearch.storage.db import create_db_engine, session_scope
from sightsearch.storage.models import Product
from tests.distributed.local_site import logging_site
from tests.modes.shop import crawl_embedded, fast, page


def crawl_one(tmp: Path, monkeypatch: pytest.MonkeyPatch, **settings: object) -> Product:
    with logging_site() as site:
        site.page("/robots.txt", "User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"})
        # A price and nothing about stock: "in stock" is a guess, not something the page says.
        site.page("/p/vase", page("Glass vase Aurora", "<p class='price'>$19.90</p><p>Handmade.</p>"))
        crawled = crawl_embedded(tmp, [site.url("/p/vase")], None, fast(**settings), monkeypatch)
    assert crawled.status == "finished" and len(crawled.products) == 1
    engine = create_db_engine(f"sqlite:///{tmp / 'embedded.db'}")
    with session_scope(engine) as session:
        product = session.scalars(select(Product)).one()
    engine.dispose()
    return product


def test_inferred_values_are_marked_in_the_store_and_the_api(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    product = crawl_one(tmp_path, monkeypatch)
    assert product.availability == "InStock" and product.sources["availability"].startswith("inferred:")
    assert not product.sources["price"].startswith("inferred:")
    engine = create_db_engine(f"sqlite:///{tmp_path / 'embedded.db'}")
    from sightsearch.config import Settings

    app = create_app(Settings(_env_file=None), engine=engine)

    async def get_detail() -> dict:  # type: ignore[type-arg]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as api:
            return (await api.get(f"/api/v1/products/{product.id}")).json()

    detail = asyncio.run(get_detail())
    assert detail["sources"]["availability"].startswith("inferred:")
    assert set(detail["confidence"]) >= {"price"}
    engine.dispose()


def test_a_setting_drops_inferred_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    product = crawl_one(tmp_path, monkeypatch, keep_inferred="false")
    assert product.availability is None and "availability" not in product.sources
    assert product.price is not None and all(not s.startswith("inferred:") for s in product.sources.values())
