"""A fetcher that sends each request through a proxy of a ``ProxyPool`` and reports bans and failures to it."""

from __future__ import annotations

from collections.abc import Callable

from typing_extensions import override

from sightsearch.config import Settings
from sightsearch.crawl.base import CrawlRequest, FetchedPage, Fetcher
from sightsearch.crawl.http import HttpFetcher
from sightsearch.crawl.proxies import Proxy, ProxyPool, ban_reason
from sightsearch.crawl.urls import site_of
from sightsearch.errors import PermanentFetchError, TransientFetchError


class ProxyBanned(TransientFetchError):
    """The target refused the request through one proxy; retried, through another one."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, retry_after=retry_after)
        self.status = status


class ProxiedFetcher(Fetcher):
    """Fetches through the pool: one keep-alive ``HttpFetcher`` per proxy, created on its first use.

    A ban (403, 429, captcha page) or a connection failure rests the proxy and raises a transient error, so the
    caller's retry goes out through another proxy; a 429 keeps its status and Retry-After for the site's throttle.
    """

    def __init__(self, settings: Settings, pool: ProxyPool, *,
                 make_fetcher: Callable[[Proxy], Fetcher] | None = None) -> None:
        self._settings = settings
        self.pool = pool
        self._make = make_fetcher or self._http_fetcher
        self._fetchers: dict[int, Fetcher] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> ProxiedFetcher:
        pool = ProxyPool(settings.proxies, cooldown=settings.proxy_cooldown,
                         max_failures=settings.proxy_max_failures, sticky=settings.proxy_sticky)
        return cls(settings, pool)

    def _http_fetcher(self, proxy: Proxy) -> Fetcher:
        return HttpFetcher(self._settings, proxy=proxy.url)

    @override
    async def fetch(self, request: CrawlRequest) -> FetchedPage:
        proxy = self.pool.choose(site_of(request.url))
        fetcher = self._fetchers.get(id(proxy)) or self._fetchers.setdefault(id(proxy), self._make(proxy))
        try:
            page = await fetcher.fetch(request)
        except (TransientFetchError, PermanentFetchError) as err:
            status = getattr(err, "status", None)
            if status in (403, 429):
                self.pool.banned(proxy, f"HTTP {status}")
                raise ProxyBanned(f"HTTP {status} through proxy {proxy.label}", status,
                                  getattr(err, "retry_after", None)) from None
            if isinstance(err, TransientFetchError) and status is None:  # connection-level: maybe the proxy
                self.pool.failed(proxy, type(err).__name__)
                raise TransientFetchError(self.pool.scrub(f"{err} (through proxy {proxy.label})")) from None
            raise
        reason = ban_reason(page.status, page.text)
        if reason is not None:
            self.pool.banned(proxy, reason)
            raise ProxyBanned(f"ban page ({reason}) through proxy {proxy.label}")
        self.pool.succeeded(proxy)
        return page

    @override
    async def aclose(self) -> None:
        fetchers, self._fetchers = list(self._fetchers.values()), {}
        for fetcher in fetchers:
            await fetcher.aclose()
