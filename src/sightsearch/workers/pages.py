"""One page of a distributed run: the same steps as the embedded crawler, on shared state, free of Celery.

The step is safe to run twice (a task redelivered after its worker died): children are admitted by fingerprint in
Redis before they are sent, and the page is counted, and its record queued, by one atomic ``finish_page``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from sightsearch.crawl.base import CrawlRequest, FetchedPage, Fetcher
from sightsearch.crawl.browser.auto import RenderDeferred
from sightsearch.crawl.dedup import BloomParams, RedisBloomFilter
from sightsearch.crawl.links import discover_links
from sightsearch.crawl.redis_throttle import site_rate
from sightsearch.crawl.sitemap import is_sitemap_index, parse_sitemap
from sightsearch.crawl.urls import canonicalize_url, site_of
from sightsearch.errors import TransientError
from sightsearch.events.catalog import PageFailed, PageFetched
from sightsearch.runner import page_record
from sightsearch.storage.db import session_scope
from sightsearch.storage.deadletters import add_dead_letters
from sightsearch.workers.context import WorkerContext
from sightsearch.workers.runstate import RunState

log = logging.getLogger(__name__)

_PAUSING_STATUSES = frozenset({429, 503})
_HTML_TYPES = frozenset({"", "text/html", "application/xhtml+xml"})
_XML_TYPES = frozenset({"application/xml", "text/xml"})


class Scheduler(Protocol):
    """How a step hands work to the fleet (Celery in production)."""

    def page(self, run_id: str, request: CrawlRequest, *, render: bool) -> None: ...
    def batch(self, run_id: str, *, images: bool) -> None: ...
    def finish(self, run_id: str) -> None: ...


class Deferred(Exception):
    """The site's next politeness slot is further than ``max_throttle_wait``: come back in ``wait`` seconds."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"site busy for {wait:.1f}s")
        self.wait = wait


@dataclass
class PageStep:
    """Crawls one request of run ``run_id`` with ``fetcher`` (HTTP, or the browser on the render queue)."""

    ctx: WorkerContext
    run_id: str
    fetcher: Fetcher
    schedule: Scheduler

    def __post_init__(self) -> None:
        self.state = RunState(self.ctx.redis, self.run_id)

    async def crawl(self, request: CrawlRequest) -> None:
        """Fetch, queue new links, queue the record; raises ``TransientError`` for the task to retry."""
        meta = await self.state.meta()
        if not await self.state.is_pending(request.url) or meta.get("status") != "running":
            await self._check_done()  # a duplicate delivery, or a task that died after finishing its page
            return
        robots = self.ctx.robots(self.run_id)
        if robots is not None and not await robots.allowed(request.url):
            await self._finish(request, {"robots_blocked": 1}, None)
            return
        crawl_delay = await robots.crawl_delay(request.url) if robots is not None else None
        rate, burst = site_rate(self.ctx.settings, crawl_delay)
        site = site_of(request.url)
        slot = await self.ctx.bucket.reserve(site, rate, burst, max_wait=self.ctx.settings.max_throttle_wait)
        if not slot.granted:
            raise Deferred(slot.wait)
        await asyncio.sleep(slot.wait)
        try:
            # A run submitted by an API client checks every request, redirect hops included, and stays on HTTP.
            fetcher = self.ctx.guarded_fetcher if meta.get("guarded") else self.fetcher
            page = await fetcher.fetch(request)
        except RenderDeferred:  # the page needs JavaScript: the render queue's workers run the browser
            self.schedule.page(self.run_id, request, render=True)
            return
        except TransientError as err:
            status = getattr(err, "status", None)
            if status in _PAUSING_STATUSES:
                await self.ctx.bucket.penalize(site, err.retry_after, slow_down=status == 429)
            raise
        await self._succeed(request, page, meta)

    async def fail(self, request: CrawlRequest, err: Exception) -> None:
        """The request failed for good: dead-letter it with the reason, and count it."""
        status = getattr(err, "status", None)
        self.ctx.bus.publish(PageFailed(
            run_id=self.run_id, url=request.url, site=site_of(request.url), error=str(err),
            transient=isinstance(err, TransientError), attempt=request.attempt, status=status,
        ))
        payload = {"url": request.url, "kind": request.kind, "attempt": request.attempt, "error_type": type(err).__name__}
        if await self.state.is_pending(request.url):
            await asyncio.to_thread(self._dead_letter, "fetch", str(err) or type(err).__name__, payload)
        await self._finish(request, {"pages_failed": 1, "pages_dead_lettered": 1, "rejected_fetch": 1}, None)

    async def _succeed(self, request: CrawlRequest, page: FetchedPage, meta: dict[str, Any]) -> None:
        self.ctx.bus.publish(PageFetched(
            run_id=self.run_id, url=page.url, site=site_of(page.url), status=page.status, bytes=len(page.body),
            latency_ms=page.elapsed * 1000, kind=request.kind,
        ))
        params = BloomParams(meta["bloom_bits"], meta["bloom_hashes"])
        await RedisBloomFilter(self.ctx.redis, self.state.key("seen"), params).add_many(page.redirects)
        if request.depth == 0:  # a seed that redirects (http -> https, bare host -> www) moves the crawl there
            await self.ctx.redis.sadd(self.state.key("scope"), site_of(page.url))
        queued = await self._queue_links(request, page, meta, params)
        counts = {"pages_fetched": 1, "bytes": len(page.body), "links_queued": queued}
        record = None
        if "html" in page.content_type or "xml" in page.content_type:
            record = await asyncio.to_thread(page_record, page, None, self.run_id)
            if record is None and request.kind == "product":
                await asyncio.to_thread(self._dead_letter, "extract", "no product data found on a product page",
                                        {"url": page.url})
                counts["rejected_extract"] = 1
        counts["products_found"] = int(record is not None)
        await self._finish(request, counts, record, meta)

    async def _queue_links(self, request: CrawlRequest, page: FetchedPage, meta: dict[str, Any], params: BloomParams) -> int:
        if page.content_type in _HTML_TYPES and page.text:
            links = discover_links(page.text, page.url)
        elif page.content_type in _XML_TYPES or request.kind == "sitemap":
            kind = "sitemap" if is_sitemap_index(page.body) else "unknown"
            links = [CrawlRequest(url=canonicalize_url(u), kind=kind, referer=page.url) for u in parse_sitemap(page.body, page.url)]
        else:
            return 0
        in_scope = await self.state.in_scope([site_of(link.url) for link in links])
        links = [link for link, ok in zip(links, in_scope) if ok]
        admitted = await self.state.admit([link.url for link in links], meta["max_pages"], params)
        children = [link for link, ok in zip(links, admitted) if ok]
        for child in children:
            child.depth = request.depth + 1
            self.schedule.page(self.run_id, child, render=bool(meta.get("render")))
        await self.state.mark_sent([child.url for child in children])
        return len(children)

    async def _finish(self, request: CrawlRequest, counts: dict[str, int], record: dict[str, Any] | None,
                      meta: dict[str, Any] | None = None) -> None:
        left = await self.state.finish_page(request.url, counts, record)
        self.ctx.bus.flush()
        if left is None:
            log.info("page %s was already finished by another delivery", request.url)
            return
        pending, waiting = left
        if pending == 0:
            self.schedule.finish(self.run_id)
        elif waiting >= self.ctx.settings.batch_size and await self.state.flag_batch():
            self.schedule.batch(self.run_id, images=bool((meta or {}).get("download_images")))

    async def _check_done(self) -> None:
        pending, _, _ = await self.state.progress()
        meta = await self.state.meta()
        if pending == 0 and meta.get("status") == "running":
            self.schedule.finish(self.run_id)

    def _dead_letter(self, stage: str, reason: str, payload: dict[str, Any]) -> None:
        with session_scope(self.ctx.engine) as session:
            add_dead_letters(session, self.run_id, [(stage, reason, payload)])
