"""One page of a crawl, the same in both modes: robots, politeness, fetch, retry decision, links, extraction.

``PageHandler.handle(request) -> PageOutcome`` is the only place that turns a request into what happened to it. The
embedded loop (``crawl.run``) and the Celery fetch task (``workers.pages``) differ only in what they do with the
outcome: where new links and retries wait (the in-process frontier, or the run's Redis state and Celery's queues)
and where records go (an in-process batch, or the run's Redis list).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from sightsearch.config import Settings
from sightsearch.crawl.base import CrawlRequest, FetchedPage, Fetcher
from sightsearch.crawl.analysis import PageAnalysis
from sightsearch.crawl.links import LinkSelectors
from sightsearch.crawl.parsing import PageParser, parse_inline
from sightsearch.crawl.politeness import Politeness
from sightsearch.crawl.robots import RobotsPolicy
from sightsearch.crawl.throttle import backoff_delay
from sightsearch.crawl.urls import canonicalize_url, is_http_url, robots_url, site_of
from sightsearch.errors import (ConfigurationError, PermanentError, PermanentFetchError, SightSearchError,
                                 TransientError)
from sightsearch.events.bus import EventBus
from sightsearch.events.catalog import PageFailed, PageFetched
from sightsearch.extract.spec import SiteSpec
from sightsearch.records import ProductRecord

log = logging.getLogger(__name__)

DeadLetterEntry = tuple[str, str, dict[str, Any]]  # (stage, reason, payload)

_PAUSING_STATUSES = frozenset({429, 503})


@dataclass
class PageOutcome:
    """What happened to one request. ``status``: ``fetched``, ``failed``, ``retry`` (``retry`` holds the request
    to queue again, with its ``not_before``), ``blocked`` (robots.txt) or ``skipped`` (the run's time was up)."""

    request: CrawlRequest
    status: str
    page: FetchedPage | None = None
    links: list[CrawlRequest] = field(default_factory=list)
    record: ProductRecord | None = None
    dead_letters: list[DeadLetterEntry] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    retry: CrawlRequest | None = None
    error: Exception | None = None


def _skipped(request: CrawlRequest) -> PageOutcome:
    """The run's time was up before this page started: counted, not fetched."""
    return PageOutcome(request, "skipped", counts=Counter(time_limit_skipped=1))


def retry_delay(settings: Settings, request: CrawlRequest, err: TransientError) -> float | None:
    """Seconds before the next attempt of ``request``, or None when it should be dead-lettered now: exponential
    back-off with full jitter, a server's Retry-After when it asks for longer, too long a Retry-After fails."""
    too_long = err.retry_after is not None and err.retry_after > settings.max_retry_after
    if request.attempt >= settings.max_retries or too_long:
        return None
    return backoff_delay(request.attempt + 1, settings.backoff_base, settings.backoff_max, err.retry_after)


def link_selectors(spec: SiteSpec | None) -> LinkSelectors:
    """The crawler's link selectors from a site spec's ``product_links`` and ``pagination`` (CSS only)."""
    if spec is None:
        return LinkSelectors()
    for name in ("product_links", "pagination"):
        selector = getattr(spec, name)
        if selector is not None and selector.css is None:
            raise ConfigurationError(f"site spec {spec.name!r}: {name} must be a CSS selector (XPath is for fields)")
    return LinkSelectors(
        product=[spec.product_links.css] if spec.product_links and spec.product_links.css else [],
        pagination=[spec.pagination.css] if spec.pagination and spec.pagination.css else [],
    )


@contextmanager
def _unforeseen_fails_page(step: str, url: str) -> Iterator[None]:
    """Turn an error nobody foresaw in ``step`` (a bug, a response no code expected) into a ``PermanentFetchError``
    naming it: that page is dead-lettered with the reason, and the run goes on. Errors raised on purpose pass."""
    try:
        yield
    except SightSearchError:
        raise
    except Exception as err:
        log.exception("%s of %s failed", step, url)
        raise PermanentFetchError(f"{step} of {url} failed: {type(err).__name__}: {err}") from err


@dataclass
class PageHandler:
    """Handles the requests of run ``run_id`` with the run's collaborators (each one a seam)."""

    settings: Settings
    run_id: str
    fetcher: Fetcher
    politeness: Politeness
    bus: EventBus
    robots: RobotsPolicy | None = None
    spec: SiteSpec | None = None
    parser: PageParser = parse_inline
    """Where pages are parsed (``crawl.parsing.page_parser``: a pool of parser processes, or inline)."""
    deadline: float | None = None
    """``time.time()`` after which no page starts (``max_run_seconds`` after the run began); None: no limit."""
    follow_sitemaps: bool = False
    """A seed's outcome also brings the sitemaps its site's robots.txt lists (``follow_sitemaps`` of the run)."""

    def __post_init__(self) -> None:
        self.selectors = link_selectors(self.spec)

    async def handle(self, request: CrawlRequest) -> PageOutcome:
        """Fetch ``request`` and report the outcome. Raises only ``SiteBusy`` and ``RenderDeferred`` (the
        distributed mode's cues to re-schedule the request), never for a page's own failure: an error nobody
        foresaw while asking robots.txt or fetching the page fails this page, with the reason."""
        if self._time_left() == 0:
            return _skipped(request)
        try:
            with _unforeseen_fails_page("robots.txt check", request.url):
                allowed, crawl_delay = await self._robots_verdict(request.url)
        except PermanentError as err:
            return self.failed(request, err)
        if not allowed:
            log.debug("robots.txt disallows %s", request.url)
            return PageOutcome(request, "blocked", counts=Counter(robots_blocked=1))
        site = site_of(request.url)
        if crawl_delay is not None and crawl_delay > self.settings.max_crawl_delay:
            # A site asking for minutes between requests would hold the run (and its slot) for days: it is taken
            # at its word, as not to be crawled, rather than crawled faster than it asked.
            log.warning("robots.txt of %s asks for a %g s Crawl-delay, over max_crawl_delay (%g s): not crawled",
                        site, crawl_delay, self.settings.max_crawl_delay)
            return PageOutcome(request, "blocked", counts=Counter(robots_blocked=1, crawl_delay_refused=1))
        # Room first (the pages waiting for the parser bound the crawl's memory), then the site's turn: a fetch
        # that waited for room must not have used up the politeness gap meanwhile. Both waits end at the run's
        # deadline; a fetch under way does not.
        async with AsyncExitStack() as held:
            try:
                try:
                    async with asyncio.timeout(self._time_left()):
                        await held.enter_async_context(self.parser.room())
                        await held.enter_async_context(self.politeness.slot(site, crawl_delay))
                except TimeoutError:
                    return _skipped(request)
                with _unforeseen_fails_page("fetch", request.url):
                    page = await self.fetcher.fetch(request)
            except TransientError as err:
                return await self._transient(request, site, err)
            except PermanentError as err:
                return self.failed(request, err)
        return await self._fetched(request, page)

    def _time_left(self) -> float | None:
        """Seconds until the run's deadline (0 once it has passed), or None without one."""
        return None if self.deadline is None else max(0.0, self.deadline - time.time())

    async def _robots_verdict(self, url: str) -> tuple[bool, float | None]:
        """Whether robots.txt lets us fetch ``url``, and the site's Crawl-delay (no policy: allowed, no delay)."""
        if self.robots is None:
            return True, None
        if not await self.robots.allowed(url):
            return False, None
        return True, await self.robots.crawl_delay(url)

    def failed(self, request: CrawlRequest, err: Exception) -> PageOutcome:
        """The request failed for good: a ``page.failed`` event and a dead letter with the reason."""
        status = getattr(err, "status", None)
        self.bus.publish(PageFailed(
            run_id=self.run_id, url=request.url, site=site_of(request.url), error=str(err),
            transient=isinstance(err, TransientError), attempt=request.attempt, status=status,
        ))
        payload = {"url": request.url, "kind": request.kind, "attempt": request.attempt,
                   "error_type": type(err).__name__}
        counts = Counter(pages_failed=1, pages_dead_lettered=1, rejected_fetch=1)
        if status is not None:
            counts[f"status_{status}"] += 1
        return PageOutcome(request, "failed", dead_letters=[("fetch", str(err) or type(err).__name__, payload)],
                           counts=counts, error=err)

    async def _transient(self, request: CrawlRequest, site: str, err: TransientError) -> PageOutcome:
        status = getattr(err, "status", None)
        if status in _PAUSING_STATUSES:
            await self.politeness.penalize(site, err.retry_after, status=status)
        delay = retry_delay(self.settings, request, err)
        if delay is None:
            return self.failed(request, err)
        retry = dataclasses.replace(request, attempt=request.attempt + 1, not_before=time.time() + delay)
        return PageOutcome(request, "retry", retry=retry, counts=Counter(retries=1), error=err)

    async def _fetched(self, request: CrawlRequest, page: FetchedPage) -> PageOutcome:
        self.bus.publish(PageFetched(
            run_id=self.run_id, url=page.url, site=site_of(page.url), status=page.status, bytes=len(page.body),
            latency_ms=page.elapsed * 1000, kind=request.kind,
        ))
        analysis = await self._analyse(page, request)
        analysis.counts.update(pages_fetched=1, bytes=len(page.body), **{f"status_{page.status}": 1})
        links = analysis.links
        if self.follow_sitemaps and request.depth == 0 and self.robots is not None:
            links = links + await self._robots_sitemaps(page.url)
        return PageOutcome(request, "fetched", page=page, links=links, record=analysis.record,
                           dead_letters=analysis.dead_letters, counts=analysis.counts)

    async def _robots_sitemaps(self, url: str) -> list[CrawlRequest]:
        """The sitemaps the robots.txt of ``url``'s site lists, as requests one step from the seed. The frontier's
        scope and dedup apply as to any link: a sitemap on another host is not followed, one listed twice is
        fetched once."""
        assert self.robots is not None
        listed = robots_url(url)
        try:
            found = await self.robots.sitemaps(url)
        except PermanentError:
            return []
        requests = []
        for location in found:
            sitemap = urljoin(listed, location.strip())
            if is_http_url(sitemap):
                requests.append(CrawlRequest(url=canonicalize_url(sitemap), kind="sitemap", referer=listed, depth=1))
        return requests

    async def _analyse(self, page: FetchedPage, request: CrawlRequest) -> PageAnalysis:
        return await self.parser(page, request, self.run_id, self.spec, self.selectors, self.settings.keep_inferred)
