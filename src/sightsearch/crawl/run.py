"""One crawl run: the workers' loop, the page budget, retries, and the reporting of each outcome.

Every piece of state shared between workers lives in the frontier (queue, dedup, retries with a not-before time), so a
Redis frontier can replace the memory one; a run itself only keeps this process's counters.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable

from sightsearch.config import Settings
from sightsearch.crawl.base import CrawlRequest, FetchedPage, Fetcher, Frontier
from sightsearch.crawl.links import LinkSelectors, discover_links
from sightsearch.crawl.robots import RobotsPolicy
from sightsearch.crawl.stats import CrawlStats
from sightsearch.crawl.throttle import DomainThrottle, backoff_delay
from sightsearch.crawl.sitemap import is_sitemap_index, parse_sitemap
from sightsearch.crawl.urls import canonicalize_url, site_of
from sightsearch.errors import PermanentError, TransientError
from sightsearch.events.bus import EventBus
from sightsearch.events.catalog import PageFailed, PageFetched

log = logging.getLogger(__name__)

OnPage = Callable[[FetchedPage, CrawlRequest], Awaitable[None]]
OnFailure = Callable[[CrawlRequest, Exception], Awaitable[None]]
OnProgress = Callable[[CrawlStats], None]

_IDLE_POLL = 0.02  # seconds an idle worker waits before asking the frontier again
_PAUSING_STATUSES = frozenset({429, 503})
_HTML_TYPES = frozenset({"", "text/html", "application/xhtml+xml"})
_XML_TYPES = frozenset({"application/xml", "text/xml"})


@dataclasses.dataclass(frozen=True)
class CrawlContext:
    """The collaborators a run uses; each is a seam (frontier: memory or Redis, fetcher: HTTP or browser)."""

    settings: Settings
    fetcher: Fetcher
    frontier: Frontier
    bus: EventBus
    run_id: str
    robots: RobotsPolicy | None
    throttle: DomainThrottle


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """What one ``Crawler.run`` call asked for."""

    on_page: OnPage
    on_failure: OnFailure | None
    on_progress: OnProgress | None
    max_pages: int
    selectors: LinkSelectors
    scope: frozenset[str]


class CrawlRun:
    """The state of one ``Crawler.run``: counters, the page budget, and the workers' loop."""

    def __init__(self, ctx: CrawlContext, options: RunOptions) -> None:
        self.ctx = ctx
        self.o = options
        self.stats = CrawlStats()
        self._claimed = 0  # workers between a pop and the end of handling it (and idle workers mid-pop)
        self._reserved = 0  # fresh URLs admitted under max_pages
        self._retrying = 0  # this run's requests waiting in the frontier for a retry
        self._done = asyncio.Event()
        self._scope = set(options.scope)

    async def work(self) -> None:
        """One worker: pop, handle, repeat, until the run is finished."""
        while not self._done.is_set():
            # Claim before popping: between a shared frontier handing out the last request and this worker
            # counting it, another worker must not conclude that the crawl is over.
            self._claimed += 1
            progressed = False
            try:
                request = await self.ctx.frontier.pop()
                progressed = request is not None and await self._handle(request)
            finally:
                self._claimed -= 1
            if not progressed:
                await self._idle()

    async def _idle(self) -> None:
        """Finish the run when nothing is in flight and nothing is left to do, else wait a little."""
        budget_spent = self._reserved >= self.o.max_pages and self._retrying == 0
        if self._claimed == 0 and (budget_spent or await self.ctx.frontier.size() == 0) and self._claimed == 0:
            self._done.set()
        else:
            await asyncio.sleep(_IDLE_POLL)

    async def _handle(self, request: CrawlRequest) -> bool:
        """Fetch and report one request; False when it was put back because the page budget is spent."""
        if request.attempt > 0:
            self._retrying -= 1
        elif self._reserved >= self.o.max_pages:
            # Left in the frontier (a shared one keeps it for a later run) while this run finishes its retries.
            await self.ctx.frontier.requeue(request)
            return False
        elif not await self._admit(request):
            return True
        try:
            page = await self._fetch(request)
        except TransientError as err:
            await self._retry_or_fail(request, err)
        except PermanentError as err:
            await self._fail(request, err)
        else:
            await self._succeed(request, page)
        return True

    async def _admit(self, request: CrawlRequest) -> bool:
        """Count a fresh request against the page budget unless robots.txt disallows it."""
        self._reserved += 1  # before any await, so concurrent workers cannot overshoot max_pages
        if self.ctx.robots is not None and not await self.ctx.robots.allowed(request.url):
            self._reserved -= 1
            self.stats.robots_blocked += 1
            log.debug("robots.txt disallows %s", request.url)
            return False
        return True

    async def _fetch(self, request: CrawlRequest) -> FetchedPage:
        robots = self.ctx.robots
        crawl_delay = await robots.crawl_delay(request.url) if robots is not None else None
        async with self.ctx.throttle.slot(site_of(request.url), min_delay=crawl_delay):
            return await self.ctx.fetcher.fetch(request)

    async def _retry_or_fail(self, request: CrawlRequest, err: TransientError) -> None:
        settings = self.ctx.settings
        if getattr(err, "status", None) in _PAUSING_STATUSES:
            self.ctx.throttle.penalize(site_of(request.url), err.retry_after)
        too_long = err.retry_after is not None and err.retry_after > settings.max_retry_after
        if request.attempt >= settings.max_retries or too_long:
            await self._fail(request, err)
            return
        delay = backoff_delay(request.attempt + 1, settings.backoff_base, settings.backoff_max, err.retry_after)
        # Re-queued with a not-before time instead of sleeping here: the worker and the site slot stay free.
        retry = dataclasses.replace(request, attempt=request.attempt + 1, not_before=time.time() + delay)
        self._retrying += 1
        self.stats.retries += 1
        await self.ctx.frontier.requeue(retry)

    async def _fail(self, request: CrawlRequest, err: Exception) -> None:
        status = getattr(err, "status", None)
        self.stats.pages_failed += 1
        if status is not None:
            self.stats.by_status[status] += 1
        self.ctx.bus.publish(PageFailed(
            run_id=self.ctx.run_id, url=request.url, site=site_of(request.url), error=str(err),
            transient=isinstance(err, TransientError), attempt=request.attempt, status=status,
        ))
        await self._report_failure(request, err)
        self._progress()

    async def _succeed(self, request: CrawlRequest, page: FetchedPage) -> None:
        self.stats.pages_fetched += 1
        self.stats.bytes += len(page.body)
        self.stats.by_status[page.status] += 1
        self.ctx.bus.publish(PageFetched(
            run_id=self.ctx.run_id, url=page.url, site=site_of(page.url), status=page.status,
            bytes=len(page.body), latency_ms=page.elapsed * 1000, kind=request.kind,
        ))
        for hop in page.redirects:  # the pages behind redirects were fetched too: never queue them again
            await self.ctx.frontier.mark_seen(hop)
        if request.depth == 0:
            # A seed that redirects (http -> https, bare host -> www) moves the crawl to that site.
            self._scope.add(site_of(page.url))
        if page.content_type in _HTML_TYPES and page.text:
            await self._queue_links(request, page)
        elif page.content_type in _XML_TYPES or request.kind == "sitemap":
            await self._queue_sitemap(request, page)
        try:
            await self.o.on_page(page, request)
        except Exception as err:  # the handler is the pipeline's code: its bug loses one page, not the crawl
            self.stats.handler_errors += 1
            log.exception("on_page failed for %s", page.url)
            await self._report_failure(request, err)
        self._progress()

    async def _queue_links(self, request: CrawlRequest, page: FetchedPage) -> None:
        links = discover_links(
            page.text, page.url,
            product_link_selectors=self.o.selectors.product, pagination_selectors=self.o.selectors.pagination,
        )
        for link in links:
            if site_of(link.url) in self._scope:
                link.depth = request.depth + 1
                self.stats.links_queued += await self.ctx.frontier.add(link)

    async def _queue_sitemap(self, request: CrawlRequest, page: FetchedPage) -> None:
        """A sitemap seed (or a child of a sitemap index) queues its URLs; an index queues its child sitemaps."""
        kind = "sitemap" if is_sitemap_index(page.body) else "unknown"
        for url in parse_sitemap(page.body, page.url):
            if site_of(url) in self._scope:
                link = CrawlRequest(url=canonicalize_url(url), depth=request.depth + 1, kind=kind, referer=page.url)
                self.stats.links_queued += await self.ctx.frontier.add(link)

    async def _report_failure(self, request: CrawlRequest, err: Exception) -> None:
        if self.o.on_failure is None:
            return
        try:
            await self.o.on_failure(request, err)
        except Exception:
            log.exception("on_failure failed for %s", request.url)

    def _progress(self) -> None:
        if self.o.on_progress is not None:
            self.o.on_progress(self.stats)
