"""The whole embedded pipeline against the demo shop on loopback: load, rejects, images, idempotence, epochs."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from sightsearch.config import Settings
from sightsearch.demo import DemoShop, running_demo_site
from sightsearch.runner import EmbeddedRun, RunSummary
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import CrawlRun, DeadLetter, EventRecord, ImageRecord, PriceObservation, Product

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settings(**overrides: Any) -> Settings:
    # HTTP only: rendering the JavaScript-only pages is tests/browser's subject.
    return Settings(backoff_base=0.05, backoff_max=0.5, max_retry_after=2, render="never", **overrides)


async def crawl(engine: Engine, port: int, epoch: int = 0) -> RunSummary:
    with running_demo_site(port=port, epoch=epoch) as base_url:
        return await EmbeddedRun(settings(), engine=engine, max_pages=2000).execute([base_url + "/"])


def count(engine: Engine, model: type, *where: Any) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return DemoShop().truth()


async def test_crawl_rerun_and_epoch(engine: Engine, truth: dict[str, Any]) -> None:
    port = free_port()
    good = [p for p in truth["products"] if not p["broken"]]
    broken = [p for p in truth["products"] if p["broken"]]

    first = await crawl(engine, port)
    assert first.status == "finished"
    assert count(engine, Product) == len(good)
    assert count(engine, PriceObservation) == len(good)
    with session_scope(engine) as session:
        loaded = {p.sku: p for p in session.scalars(select(Product))}
        for item in good:
            product = loaded[item["sku"]]
            assert (product.title, format(product.price, ".2f"), product.currency, product.availability) == (
                item["title"], item["price"], item["currency"], item["availability"]), item["path"]
        rejected_urls = set(session.scalars(select(DeadLetter.url).where(DeadLetter.stage == "validate")))
        assert {f"http://127.0.0.1:{port}{p['path']}" for p in broken} <= rejected_urls
        # robots.txt: the disallowed bait page was never fetched
        fetched = {e.payload["url"] for e in session.scalars(select(EventRecord).where(EventRecord.type == "page.fetched"))}
        assert not any("/private/" in url for url in fetched)
        # transient 503 / 429 pages were retried into products, not dead letters
        assert not session.scalars(select(DeadLetter).where(DeadLetter.stage == "fetch")).all()
        # a failed image (bomb, 404) keeps its product and is recorded with its error
        failed_images = session.scalars(select(ImageRecord).where(ImageRecord.error.is_not(None))).all()
        assert failed_images and all(i.phash is None for i in failed_images)
        for item in truth["image_failures"]:
            assert any(p.url.endswith(item["path"]) for p in loaded.values())
        # every planted near-duplicate group is found, and no image strays into a wrong group
        by_path = {i.url.split(str(port), 1)[1]: i.group_key for i in session.scalars(select(ImageRecord))}
        for group in truth["near_duplicate_groups"]:
            keys = {by_path.get(path) for path in group}
            assert len(keys) == 1 and None not in keys, group
        assert first.counts["image_groups"] == len(truth["near_duplicate_groups"])
        run = session.get(CrawlRun, first.run_id)
        assert run is not None and run.counts["loaded"] == len(good)

    again = await crawl(engine, port)
    assert (again.counts["inserted"], again.counts["updated"], again.counts["price_changes"]) == (0, 0, 0)
    assert count(engine, Product) == len(good)
    assert count(engine, PriceObservation) == len(good)

    changed = DemoShop(epoch=1).truth()["changed_since_epoch_0"]
    price_or_stock = {c["key"] for c in changed if {"price", "availability"} & set(c["fields"])}
    broken_keys = {p["key"] for p in broken}
    expected = len(price_or_stock - broken_keys)
    assert expected > 0
    epoch1 = await crawl(engine, port, epoch=1)
    assert epoch1.counts["price_changes"] == expected
    assert count(engine, PriceObservation) == len(good) + expected
    assert count(engine, Product) == len(good)
