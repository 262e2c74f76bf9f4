"""``BrowserFetcher``: the ``Fetcher`` that renders pages in headless Chromium through Selenium WebDriver."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from typing_extensions import override

from sightsearch.config import Settings
from sightsearch.crawl.base import CrawlRequest, FetchedPage, Fetcher
from sightsearch.crawl.browser.install import check_browser_installed
from sightsearch.crawl.browser.pool import ProxySource, Recycled, SessionPool, proxy_cycle
from sightsearch.crawl.browser.render import render_page
from sightsearch.crawl.browser.session import BrowserCrashedError

if TYPE_CHECKING:  # specs are only read here; extraction is not loaded for them
    from sightsearch.extract.spec import SiteSpec


def spec_for(specs: Sequence[SiteSpec], url: str) -> SiteSpec | None:
    """The first of ``specs`` that matches ``url``."""
    return next((spec for spec in specs if spec.matches(url)), None)


class BrowserFetcher(Fetcher):
    """Renders each page in one of ``settings.browser_sessions`` isolated Chromium sessions.

    Nothing starts before the first fetch, which checks the installation (``BrowserNotInstalledError``, a
    ``ConfigurationError`` naming the Debian packages). WebDriver calls block, so they run in threads, at most one
    per session. A session is replaced after ``browser_pages_per_session`` pages, past ``browser_max_memory_mb``,
    or when it crashed; a crash fails the page as transient (``BrowserCrashedError``) so the crawler retries it.
    Proxies: ``proxy_for_session`` (the proxy pool) or else ``settings.proxies`` in turn, one per session.
    """

    def __init__(self, settings: Settings, *, specs: Sequence[SiteSpec] = (),
                 proxy_for_session: ProxySource | None = None,
                 on_recycle: Callable[[Recycled], None] | None = None) -> None:
        self._settings = settings
        self._specs = list(specs)
        proxies = proxy_for_session or proxy_cycle(getattr(settings, "proxies", None) or [])
        self._pool = SessionPool(settings, proxies, on_recycle)
        self._slots = asyncio.Semaphore(settings.browser_sessions)
        self._checked = False
        self.pages_rendered = 0

    def check_installed(self) -> None:
        """Raise ``BrowserNotInstalledError`` now if Chromium, ChromeDriver or Selenium is missing."""
        if not self._checked:
            check_browser_installed(self._settings)
            self._checked = True

    @override
    async def fetch(self, request: CrawlRequest) -> FetchedPage:
        """Render ``request.url``; waits for the site spec's ``wait_for`` selector, else for network and DOM quiet."""
        self.check_installed()
        spec = spec_for(self._specs, request.url)
        wait_for = spec.wait_for if spec is not None else None
        async with self._slots:
            session = await asyncio.to_thread(self._pool.acquire)
            crashed = True  # until proven otherwise: a cancelled render leaves the session in an unknown state
            try:
                page = await asyncio.to_thread(render_page, session, request.url, wait_for)
                crashed = False
            except BrowserCrashedError:
                raise
            except Exception:
                crashed = False
                raise
            finally:
                await asyncio.to_thread(self._pool.release, session, crashed=crashed)
        self.pages_rendered += 1
        return page

    def memory_bytes(self) -> int:
        """Resident memory of all live browser sessions (driver and Chromium processes)."""
        return self._pool.memory_bytes()

    @property
    def sessions_started(self) -> int:
        """Sessions launched so far, replacements included."""
        return self._pool.started

    @override
    async def aclose(self) -> None:
        await asyncio.to_thread(self._pool.close)
