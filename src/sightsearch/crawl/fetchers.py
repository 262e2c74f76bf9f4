"""The run's fetcher, built the same way in both modes: HTTP (through the proxy pool when configured), and headless
Chromium where pages need it (``settings.render``: never, auto or always, or a site spec that asks for it)."""

from __future__ import annotations

from sightsearch.config import Settings
from sightsearch.crawl.base import FetchedPage, Fetcher
from sightsearch.crawl.guard import UrlGuard
from sightsearch.extract.spec import SiteSpec


def http_fetcher(settings: Settings, url_guard: UrlGuard | None = None) -> Fetcher:
    """Plain HTTP, or the proxy pool's fetcher when ``settings.proxies`` is set. A guarded run (submitted by an API
    client) goes direct, so the address the guard approved is the one connected to."""
    if settings.proxies and url_guard is None:
        from sightsearch.crawl.proxied import ProxiedFetcher

        return ProxiedFetcher.from_settings(settings)
    from sightsearch.crawl.http import HttpFetcher

    return HttpFetcher(settings, url_guard=url_guard)


def spec_renders(spec: SiteSpec | None) -> bool:
    """True when a site spec asks for rendering."""
    return spec is not None and "render" in spec.model_fields_set and spec.render != "never"


def build_fetcher(settings: Settings, *, spec: SiteSpec | None = None, url_guard: UrlGuard | None = None,
                  defer_rendering: bool = False) -> Fetcher:
    """The fetcher of a run. The browser starts only when a page needs it; without Chromium such pages are
    dead-lettered with the packages to install. With ``defer_rendering`` (the fleet's fetch queue) a page that
    needs JavaScript raises ``RenderDeferred`` for the render queue instead of starting a browser here."""
    http = http_fetcher(settings, url_guard)
    if url_guard is not None or (settings.render == "never" and not spec_renders(spec)):
        # A guarded run stays on HTTP: a browser would load sub-resources and follow redirects unchecked.
        return http
    from sightsearch.crawl.browser import AutoRenderFetcher, BrowserFetcher
    from sightsearch.extract import extract_product

    specs = [spec] if spec else []

    def has_product(page: FetchedPage) -> bool:
        return extract_product(page.body or page.text, page.url, spec=spec).is_product()

    browser = None if defer_rendering else BrowserFetcher(settings, specs=specs)
    return AutoRenderFetcher(http, browser, settings.render, specs=specs, has_product=has_product,
                             evidence_pages=settings.render_evidence_pages, defer_rendering=defer_rendering)


def browser_fetcher(settings: Settings, spec: SiteSpec | None = None) -> Fetcher:
    """The render queue's fetcher: headless Chromium for every page it is given."""
    from sightsearch.crawl.browser import BrowserFetcher

    return BrowserFetcher(settings, specs=[spec] if spec else [])
