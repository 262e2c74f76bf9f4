"""robots.txt: Disallow, Crawl-delay and Sitemap lines, fetched once per site and cached for the run."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from protego import Protego

from sightsearch.crawl.base import CrawlRequest, Fetcher
from sightsearch.crawl.urls import robots_url, site_of
from sightsearch.errors import FetchError, PermanentFetchError, SightSearchError

log = logging.getLogger(__name__)

FetchText = Callable[[str], Awaitable[str | None]]
"""Returns the text at a URL, None when it does not exist (404), or raises when it cannot be read now."""

MAX_ROBOTS_BYTES = 500 * 1024  # Google's robots.txt spec: the first 500 KiB are read, the rest is ignored


def robots_text_fetcher(fetcher: Fetcher) -> FetchText:
    """Adapt a ``Fetcher`` into the ``FetchText`` a ``RobotsPolicy`` needs: a permanent failure (404, 410) is None.

    The request is of kind ``robots``: the fetcher reads the first ``MAX_ROBOTS_BYTES`` of a larger file instead of
    refusing it (crawl/http.py), through the same proxies, URL guard and user agent as every page.
    """

    async def fetch_text(url: str) -> str | None:
        try:
            page = await fetcher.fetch(CrawlRequest(url=url, kind="robots"))
        except PermanentFetchError:
            return None
        return page.text

    return fetch_text


def robots_head(text: str) -> str:
    """The part of a robots.txt that is read: its first ``MAX_ROBOTS_BYTES``, cut at the last whole line (a rule
    cut in half, ``Disallow: /`` of ``Disallow: /private``, would block far more than it says)."""
    data = text.encode("utf-8")
    if len(data) <= MAX_ROBOTS_BYTES:
        return text
    head = data[:MAX_ROBOTS_BYTES]
    return head[: head.rfind(b"\n") + 1].decode("utf-8", "ignore")


class RobotsPolicy:
    """Answers robots.txt questions for any URL, fetching each site's file once.

    A missing robots.txt (404 and other permanent failures) allows everything, as the standard says. An unreadable
    one (5xx, timeout, reset) also allows everything, with a warning: RFC 9309 would have us assume full disallow,
    but for a product crawler a shop's flaky robots endpoint should not silently empty the run; the warning makes
    the choice visible, and Crawl-delay and the per-site rate limit still apply. So does a robots.txt that breaks
    the code reading it (logged as the bug it is): one site's file never ends the run.
    """

    def __init__(self, fetch_text: FetchText, user_agent: str) -> None:
        self._fetch_text = fetch_text
        self._user_agent = user_agent
        self._parsed: dict[str, Protego | None] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def allowed(self, url: str) -> bool:
        """True unless the site's robots.txt disallows ``url`` for our user agent."""
        rules = await self._rules(url)
        return rules is None or rules.can_fetch(url, self._user_agent)

    async def crawl_delay(self, url: str) -> float | None:
        """The site's Crawl-delay (or 1 / Request-rate) for our user agent, in seconds, if it sets one."""
        rules = await self._rules(url)
        if rules is None:
            return None
        delay = rules.crawl_delay(self._user_agent)
        if delay is None and (rate := rules.request_rate(self._user_agent)) is not None and rate.requests:
            delay = rate.seconds / rate.requests
        return float(delay) if delay is not None else None

    async def sitemaps(self, url: str) -> list[str]:
        """The Sitemap URLs the site's robots.txt lists."""
        rules = await self._rules(url)
        return list(rules.sitemaps) if rules is not None else []

    async def _rules(self, url: str) -> Protego | None:
        site = site_of(url)
        if site in self._parsed:
            return self._parsed[site]
        # One fetch per site even when many workers ask at once.
        async with self._locks.setdefault(site, asyncio.Lock()):
            if site not in self._parsed:
                self._parsed[site] = await self._load(robots_url(url))
        return self._parsed[site]

    async def _load(self, url: str) -> Protego | None:
        try:
            text = await self._fetch_text(url)
            return Protego.parse(robots_head(text)) if text is not None else None
        except FetchError as err:
            log.warning("robots.txt unreadable at %s (%s); allowing all URLs of the site", url, err)
        except SightSearchError:
            raise  # raised on purpose (a site busy, a render deferred): the request is scheduled again
        except Exception:  # a bug or a response no code expected: unreadable too, and logged as the bug it is
            log.exception("robots.txt at %s could not be read; allowing all URLs of the site", url)
        return None
