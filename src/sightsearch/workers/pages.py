"""One page of a distributed run: the shared page path (``crawl.page.PageHandler``) on the run's Redis state.

What differs from the embedded loop is only where an outcome goes: links are admitted fleet-wide (Bloom filter and
page budget in one Lua script) and sent as Celery tasks, the record joins the run's Redis list, and the page is
counted by one atomic ``finish_page``, so a task redelivered after its worker died can neither lose nor double a page.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from sightsearch.crawl.base import CrawlRequest
from sightsearch.crawl.browser.auto import RenderDeferred
from sightsearch.crawl.dedup import BloomParams, RedisBloomFilter
from sightsearch.crawl.page import PageOutcome
from sightsearch.crawl.urls import site_of
from sightsearch.storage.db import session_scope
from sightsearch.storage.deadletters import add_dead_letters
from sightsearch.workers.context import WorkerContext
from sightsearch.workers.runstate import RunState

log = logging.getLogger(__name__)


class Scheduler(Protocol):
    """How a step hands work to the fleet (Celery in production)."""

    def page(self, run_id: str, request: CrawlRequest, *, render: bool) -> None: ...
    def batch(self, run_id: str, *, images: bool) -> None: ...
    def finish(self, run_id: str) -> None: ...


class RetryLater(Exception):
    """The page asked for a retry: the task re-sends ``request`` (its ``not_before`` says when)."""

    def __init__(self, request: CrawlRequest) -> None:
        super().__init__(f"retry {request.url} (attempt {request.attempt})")
        self.request = request


@dataclass
class PageStep:
    """Crawls one request of run ``run_id`` on the fetch queue, or on the render queue when ``render``."""

    ctx: WorkerContext
    run_id: str
    render: bool
    schedule: Scheduler

    def __post_init__(self) -> None:
        self.state = RunState(self.ctx.redis, self.run_id)

    async def crawl(self, request: CrawlRequest) -> None:
        """Handle the request and apply its outcome. Raises ``RetryLater`` for a transient failure and
        ``SiteBusy`` when the site's politeness slot is far away (both re-schedule the task)."""
        meta = await self.state.meta()
        if not await self.state.is_pending(request.url) or meta.get("status") != "running":
            await self._check_done()  # a duplicate delivery, or a task that died after finishing its page
            return
        handler = await self.ctx.handler(self.run_id, meta, render=self.render)
        try:
            outcome = await handler.handle(request)
        except RenderDeferred:  # the page needs JavaScript: the render queue's workers run the browser
            self.schedule.page(self.run_id, request, render=True)
            return
        if outcome.retry is not None:
            await self.state.count(retries=1)
            raise RetryLater(outcome.retry)
        await self.apply(outcome, meta)

    async def fail(self, request: CrawlRequest, err: Exception) -> None:
        """The request failed for good outside the handler (a bug, the fleet's own trouble): dead-letter it."""
        meta = await self.state.meta()
        handler = await self.ctx.handler(self.run_id, meta, render=self.render)
        await self.apply(handler.failed(request, err), meta)

    async def apply(self, outcome: PageOutcome, meta: dict[str, Any]) -> None:
        """Admit the page's links, store its dead letters and record, and count it, once per page."""
        if outcome.dead_letters and await self.state.is_pending(outcome.request.url):
            await asyncio.to_thread(self._dead_letters, outcome)
        if outcome.page is not None:
            params = BloomParams(meta["bloom_bits"], meta["bloom_hashes"])
            await RedisBloomFilter(self.ctx.redis, self.state.key("seen"), params).add_many(outcome.page.redirects)
            if outcome.request.depth == 0:  # a seed that redirects (http -> https, bare host -> www) moves the crawl
                await self.ctx.redis.sadd(self.state.key("scope"), site_of(outcome.page.url))
            outcome.counts["links_queued"] += await self._queue_links(outcome.links, meta, params)
        record = outcome.record.to_payload() if outcome.record is not None else None
        left = await self.state.finish_page(outcome.request.url, outcome.counts, record)
        self.ctx.bus.flush()
        if left is None:
            log.info("page %s was already finished by another delivery", outcome.request.url)
            return
        pending, waiting = left
        if pending == 0:
            self.schedule.finish(self.run_id)
        elif waiting >= self.ctx.settings.batch_size and await self.state.flag_batch():
            self.schedule.batch(self.run_id, images=bool(meta.get("download_images")))

    async def _queue_links(self, links: list[CrawlRequest], meta: dict[str, Any], params: BloomParams) -> int:
        in_scope = await self.state.in_scope([site_of(link.url) for link in links])
        links = [link for link, ok in zip(links, in_scope) if ok]
        admitted = await self.state.admit([link.url for link in links], meta["max_pages"], params)
        children = [link for link, ok in zip(links, admitted) if ok]
        for child in children:
            self.schedule.page(self.run_id, child, render=bool(meta.get("render")))
        await self.state.mark_sent([child.url for child in children])
        return len(children)

    async def _check_done(self) -> None:
        pending, _, _ = await self.state.progress()
        meta = await self.state.meta()
        if pending == 0 and meta.get("status") == "running":
            self.schedule.finish(self.run_id)

    def _dead_letters(self, outcome: PageOutcome) -> None:
        with session_scope(self.ctx.engine) as session:
            add_dead_letters(session, self.run_id, outcome.dead_letters)
