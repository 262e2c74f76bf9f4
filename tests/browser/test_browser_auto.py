"""``AutoRenderFetcher`` on the demo shop: HTTP first, the browser only for app shells, or for a whole site once it is
known to need JavaScript; ``never`` / ``always`` / site-spec overrides; and no browser installed."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import browser_settings, has_product

from sightsearch.config import Settings
from sightsearch.crawl import CrawlRequest, HttpFetcher
from sightsearch.crawl.browser import (
    AutoRenderFetcher,
    BrowserFetcher,
    BrowserNotInstalledError,
    RenderDeferred,
    RenderUnavailableError,
)
from sightsearch.crawl.urls import site_of
from sightsearch.demo import DemoServer
from sightsearch.errors import PermanentFetchError
from sightsearch.extract import extract_product, parse_spec


def auto_fetcher(mode: str = "auto", settings: Settings | None = None, **options: object) -> AutoRenderFetcher:
    settings = settings or browser_settings()
    return AutoRenderFetcher(HttpFetcher(settings), BrowserFetcher(settings), mode, has_product=has_product,
                             **options)  # type: ignore[arg-type]


def request(shop: DemoServer, path: str) -> CrawlRequest:
    return CrawlRequest(url=shop.base_url + path, kind="product" if path.startswith("/p/") else "unknown")


async def test_auto_renders_only_app_shells_and_keeps_the_site_on_http(shop: DemoServer) -> None:
    js = shop.shop.js_products[4:6]
    paths = ["/", "/c/kitchen", shop.shop.products[0].path, js[0].path, shop.shop.products[1].path, js[1].path]
    async with auto_fetcher() as fetcher:
        pages = {path: await fetcher.fetch(request(shop, path)) for path in paths}
        assert fetcher.memory.decision(site_of(shop.base_url)) == "http"
        assert isinstance(fetcher.browser, BrowserFetcher) and fetcher.browser.pages_rendered == 2
    assert {path for path, page in pages.items() if page.rendered} == {js[0].path, js[1].path}
    for product in js:
        extracted = extract_product(pages[product.path].body, pages[product.path].url)
        assert (extracted.title, extracted.price) == (product.title, product.price)
        assert shop.hits(product.path) == 2  # once over HTTP (an app shell), once in the browser


async def test_a_site_known_to_need_javascript_is_rendered_directly(shop: DemoServer) -> None:
    """With the app-shell test off, the evidence is "no product over HTTP, a product once rendered"."""
    first, second, third = shop.shop.js_products[6:9]
    async with auto_fetcher(needs_render=lambda page: False, evidence_pages=2) as fetcher:
        for product in (first, second):
            assert (await fetcher.fetch(request(shop, product.path))).rendered
        assert fetcher.memory.decision(site_of(shop.base_url)) == "browser"
        page = await fetcher.fetch(request(shop, third.path))
        robots = await fetcher.fetch(CrawlRequest(url=shop.base_url + "/robots.txt", kind="robots"))
    assert page.rendered and extract_product(page.body, page.url).price == third.price
    assert shop.hits(third.path) == 1  # no HTTP fetch first any more
    assert not robots.rendered and "Disallow" in robots.text


async def test_never_never_renders_and_always_always_does(shop: DemoServer) -> None:
    product, plain = shop.shop.js_products[9], shop.shop.products[2]
    async with auto_fetcher("never") as fetcher:
        page = await fetcher.fetch(request(shop, product.path))
        assert isinstance(fetcher.browser, BrowserFetcher) and fetcher.browser.sessions_started == 0
    assert not page.rendered and not extract_product(page.body, page.url).is_product()
    async with auto_fetcher("always") as fetcher:
        rendered = await fetcher.fetch(request(shop, plain.path))
        sitemap = await fetcher.fetch(CrawlRequest(url=shop.base_url + "/sitemap.xml"))
    assert rendered.rendered and extract_product(rendered.body, rendered.url).price == plain.price
    assert not sitemap.rendered and sitemap.content_type == "application/xml"  # not HTML: fetched over HTTP


async def test_a_site_spec_render_setting_wins_but_its_default_does_not_turn_auto_off(shop: DemoServer) -> None:
    plain, kept_off, detected = shop.shop.products[3], shop.shop.js_products[10], shop.shop.js_products[11]
    specs = [
        parse_spec({"name": "forced", "match": f"re:{plain.path}$", "render": "always"}),
        parse_spec({"name": "off", "match": f"re:{kept_off.path}$", "render": "never"}),
        parse_spec({"name": "shop", "match": "127.0.0.1"}),
    ]
    async with auto_fetcher(specs=specs) as fetcher:
        pages = [await fetcher.fetch(request(shop, p.path)) for p in (plain, kept_off, detected)]
    assert [page.rendered for page in pages] == [True, False, True]


async def test_without_a_browser_auto_reports_javascript_pages_and_always_stops(shop: DemoServer,
                                                                              missing_binary: Path) -> None:
    settings = browser_settings(browser_binary=missing_binary)
    async with auto_fetcher(settings=settings) as fetcher:
        plain = await fetcher.fetch(request(shop, shop.shop.products[4].path))
        with pytest.raises(RenderUnavailableError) as unavailable:
            await fetcher.fetch(request(shop, shop.shop.js_products[0].path))
    assert not plain.rendered and extract_product(plain.body, plain.url).is_product()
    assert isinstance(unavailable.value, PermanentFetchError)  # the crawler dead-letters it, no retry
    message = str(unavailable.value)
    assert "needs JavaScript rendering but no browser is installed" in message
    assert "apt-get install chromium chromium-driver" in message and shop.shop.js_products[0].path in message
    async with auto_fetcher("always", settings=settings) as fetcher:
        with pytest.raises(BrowserNotInstalledError, match="apt-get install chromium chromium-driver"):
            await fetcher.fetch(request(shop, shop.shop.products[4].path))


async def test_deferred_rendering_hands_javascript_pages_to_a_browser_worker(shop: DemoServer) -> None:
    """Distributed mode: the fetch worker raises ``RenderDeferred`` and the browser queue renders the URL."""
    settings = browser_settings()
    async with AutoRenderFetcher(HttpFetcher(settings), None, "auto", defer_rendering=True) as fetcher:
        plain = await fetcher.fetch(request(shop, shop.shop.products[5].path))
        with pytest.raises(RenderDeferred) as deferred:
            await fetcher.fetch(request(shop, shop.shop.js_products[1].path))
    assert not plain.rendered
    assert deferred.value.url == shop.base_url + shop.shop.js_products[1].path and deferred.value.reason == "app shell"
