"""``BrowserFetcher`` against the demo shop in the real headless Chromium: rendering, waits, status, recycling,
crash recovery, proxies, and the error when no browser is installed."""

from __future__ import annotations

import glob
import os
import signal
import tempfile
from pathlib import Path

import pytest
from conftest import browser_settings
from local_proxy import counting_proxy

from sightsearch.crawl import CrawlRequest, HttpStatusPermanentError
from sightsearch.crawl.browser import (
    BrowserCrashedError,
    BrowserFetcher,
    BrowserNotInstalledError,
    NotHtmlError,
    Recycled,
)
from sightsearch.demo import DemoServer
from sightsearch.demo.js_pages import price_delay_ms
from sightsearch.errors import ConfigurationError, TransientFetchError
from sightsearch.extract import extract_product, parse_spec


def profiles() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "sightsearch-chromium-*")))


async def test_renders_a_javascript_only_product_with_its_delayed_price(shop: DemoServer) -> None:
    product = shop.shop.js_products[0]
    before = profiles()
    async with BrowserFetcher(browser_settings()) as fetcher:
        page = await fetcher.fetch(CrawlRequest(url=shop.base_url + product.path))
    extracted = extract_product(page.body, page.url)
    assert page.rendered and page.status == 200 and page.content_type == "text/html"
    assert (extracted.title, extracted.price, extracted.currency) == (product.title, product.price, product.currency)
    assert (extracted.sku, extracted.availability) == (product.sku, product.availability)
    assert page.elapsed >= price_delay_ms(product) / 1000  # it waited for the timer and the second fetch
    assert profiles() <= before  # the session's profile folder is gone with it


async def test_a_spec_selector_is_waited_for_and_a_missing_one_times_out(shop: DemoServer) -> None:
    product = shop.shop.js_products[1]
    # First match wins: the home page waits for what never comes, product pages for the delayed price.
    never = parse_spec({"name": "home", "match": "re:/$", "wait_for": "#does-not-exist"})
    ready = parse_spec({"name": "demo", "match": "127.0.0.1", "wait_for": "[data-price-ready]"})
    settings = browser_settings(browser_quiet_window=0, browser_wait_timeout=1.5)
    async with BrowserFetcher(settings, specs=[never, ready]) as fetcher:
        page = await fetcher.fetch(CrawlRequest(url=shop.base_url + product.path))
        assert extract_product(page.body, page.url).price == product.price
        with pytest.raises(TransientFetchError, match="does-not-exist"):
            await fetcher.fetch(CrawlRequest(url=shop.base_url + "/"))


async def test_status_codes_and_non_html_fail_like_http(shop: DemoServer) -> None:
    async with BrowserFetcher(browser_settings()) as fetcher:
        with pytest.raises(HttpStatusPermanentError, match="404"):
            await fetcher.fetch(CrawlRequest(url=shop.base_url + "/status/404"))
        with pytest.raises(NotHtmlError):
            await fetcher.fetch(CrawlRequest(url=shop.base_url + "/sitemap.xml"))
        page = await fetcher.fetch(CrawlRequest(url=shop.base_url + "/trap/redirect-chain?n=2"))
    assert page.url.endswith("n=0") and len(page.redirects) == 2


async def test_sessions_are_recycled_after_n_pages_and_past_the_memory_ceiling(shop: DemoServer) -> None:
    urls = [shop.base_url + product.path for product in shop.shop.products[:3]]
    recycled: list[Recycled] = []
    async with BrowserFetcher(browser_settings(browser_pages_per_session=2), on_recycle=recycled.append) as fetcher:
        for url in urls:
            await fetcher.fetch(CrawlRequest(url=url))
        assert fetcher.sessions_started == 2
    assert [r.reason for r in recycled] == ["pages"] and recycled[0].pages == 2 and recycled[0].memory_bytes > 0
    recycled.clear()
    async with BrowserFetcher(browser_settings(browser_max_memory_mb=64), on_recycle=recycled.append) as fetcher:
        await fetcher.fetch(CrawlRequest(url=urls[0]))
    assert [r.reason for r in recycled] == ["memory"] and recycled[0].memory_bytes > 64 * 1024 * 1024


def _chromium_pids(fetcher: BrowserFetcher) -> list[int]:
    session = fetcher._pool._idle[0]  # white box: the one idle session of a one-session pool
    return [pid for pid in session.pids() if Path(f"/proc/{pid}/comm").read_text().strip().startswith("chrom") and
            not Path(f"/proc/{pid}/comm").read_text().strip().startswith("chromedriver")]


async def test_a_killed_browser_is_replaced_and_the_page_fails_as_transient(shop: DemoServer) -> None:
    url = shop.base_url + shop.shop.js_products[2].path
    async with BrowserFetcher(browser_settings()) as fetcher:
        await fetcher.fetch(CrawlRequest(url=url))
        killed = _chromium_pids(fetcher)
        assert killed
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(BrowserCrashedError) as crashed:
            await fetcher.fetch(CrawlRequest(url=url))
        assert isinstance(crashed.value, TransientFetchError)  # the crawler retries it
        page = await fetcher.fetch(CrawlRequest(url=url))
        assert extract_product(page.body, page.url).price == shop.shop.js_products[2].price
        assert fetcher.sessions_started == 2
        assert not set(killed) & set(_chromium_pids(fetcher))


async def test_each_session_uses_the_proxy_it_is_given(shop: DemoServer) -> None:
    product = shop.shop.js_products[3]
    with counting_proxy() as proxy:
        address = f"http://127.0.0.1:{proxy.server_address[1]}"
        async with BrowserFetcher(browser_settings(), proxy_for_session=lambda: address) as fetcher:
            page = await fetcher.fetch(CrawlRequest(url=shop.base_url + product.path))
        seen = list(proxy.seen)
    assert extract_product(page.body, page.url).price == product.price
    assert shop.base_url + product.path in seen
    assert shop.base_url + f"/api/products/{product.id}/price.json" in seen  # the page's own fetches too


async def test_a_proxy_with_credentials_is_refused_clearly(shop: DemoServer) -> None:
    async with BrowserFetcher(browser_settings(), proxy_for_session=lambda: "http://u:p@127.0.0.1:9") as fetcher:
        with pytest.raises(ConfigurationError, match="credentials"):
            await fetcher.fetch(CrawlRequest(url=shop.base_url + "/"))


async def test_a_missing_browser_names_the_debian_packages(shop: DemoServer, missing_binary: Path) -> None:
    async with BrowserFetcher(browser_settings(browser_binary=missing_binary)) as fetcher:
        with pytest.raises(BrowserNotInstalledError) as missing:
            await fetcher.fetch(CrawlRequest(url=shop.base_url + "/"))
    assert isinstance(missing.value, ConfigurationError)
    message = str(missing.value)
    assert "apt-get install chromium chromium-driver" in message and str(missing_binary) in message


def test_importing_the_package_loads_no_selenium() -> None:
    import subprocess
    import sys

    code = "import sys, sightsearch.crawl.browser; print('selenium' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


