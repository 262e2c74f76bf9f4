"""Bad input gets a clear error and loses nothing: the demo shop's traps through the real fetcher, extractor,
image downloader and the whole embedded run."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from sightsearch.config import Settings
from sightsearch.crawl import CrawlRequest, HttpFetcher
from sightsearch.demo import running_demo_site
from sightsearch.errors import ImageError, PermanentFetchError, TransientFetchError
from sightsearch.extract import extract_product
from sightsearch.images import ImageDownloader
from sightsearch.runner import EmbeddedRun
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import DeadLetter, Product

SETTINGS = Settings(render="never", max_page_bytes=1_000_000, max_redirects=5, request_timeout=5, backoff_base=0.05, max_retries=1)


@pytest.fixture(scope="module")
def shop() -> Iterator[str]:
    with running_demo_site() as base_url:
        yield base_url


async def fetch(url: str):  # type: ignore[no-untyped-def]
    async with HttpFetcher(SETTINGS) as fetcher:
        return await fetcher.fetch(CrawlRequest(url=url))


@pytest.mark.parametrize(
    ("path", "error", "words"),
    [
        ("/trap/redirect-loop", PermanentFetchError, "loop"),
        ("/trap/redirect-chain?n=9", PermanentFetchError, "redirect"),
        ("/trap/huge", PermanentFetchError, "larger than"),
        ("/trap/big?mb=3", PermanentFetchError, "larger than"),
        ("/status/404", PermanentFetchError, "404"),
        ("/status/500", TransientFetchError, "500"),
    ],
)
async def test_fetch_traps_fail_with_a_clear_error(shop: str, path: str, error: type, words: str) -> None:
    with pytest.raises(error) as raised:
        await fetch(shop + path)
    assert words in str(raised.value).lower()


@pytest.mark.parametrize(
    ("path", "title", "price", "currency"),
    [
        ("/trap/latin1", "Crème brûlée Kocher - Größe M", "49.90", "EUR"),
        ("/trap/cp1252-noheader", "Café “Deluxe” Espresso Maker – Größe L", "129.00", "EUR"),
        ("/trap/malformed", "Broken Markup Lamp", "19.99", "USD"),
    ],
)
async def test_wrong_encodings_and_broken_html_still_extract(shop: str, path: str, title: str, price: str,
                                                            currency: str) -> None:
    page = await fetch(shop + path)
    product = extract_product(page.body, page.url)
    assert product.title == title
    assert (product.price, product.currency) == (Decimal(price), currency)
    assert "\ufffd" not in page.text


@pytest.mark.parametrize(("path", "words"), [("/img/bomb.png", "image bomb"), ("/img/not-an-image.jpg", "not an image")])
async def test_bad_images_are_refused(shop: str, path: str, words: str) -> None:
    async with ImageDownloader(SETTINGS) as downloader:
        with pytest.raises(ImageError, match=words):
            await downloader.download(shop + path)


async def test_a_run_over_traps_dead_letters_each_with_its_reason(shop: str, sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    seeds = [shop + p for p in ("/trap/redirect-loop", "/trap/huge", "/trap/latin1", "/trap/malformed", "/status/404")]
    summary = await EmbeddedRun(SETTINGS, engine=engine, max_pages=20).execute(seeds)
    assert summary.status == "finished"
    with session_scope(engine) as session:
        reasons = {d.url.removeprefix(shop): d.reason for d in session.scalars(select(DeadLetter).where(DeadLetter.stage == "fetch"))}
        titles = set(session.scalars(select(Product.title)))
    assert set(reasons) == {"/trap/redirect-loop", "/trap/huge", "/status/404"}
    assert "loop" in reasons["/trap/redirect-loop"] and "larger than" in reasons["/trap/huge"]
    assert {"Crème brûlée Kocher - Größe M", "Broken Markup Lamp"} <= titles
