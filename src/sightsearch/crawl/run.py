"""The embedded backend's loop: workers pop requests from the in-process frontier and hand them to the page handler.

Every piece of state shared between workers lives in the frontier (queue, dedup, retries with a not-before time); the
loop keeps the page budget, the run's scope and its counters. What a page *is* (robots, politeness, fetch, retry
decision, links, record) is decided once, by ``crawl.page.PageHandler``, for both modes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sightsearch.crawl.base import Frontier
from sightsearch.crawl.page import PageHandler, PageOutcome
from sightsearch.crawl.stats import CrawlStats
from sightsearch.crawl.urls import site_of

log = logging.getLogger(__name__)

OnOutcome = Callable[[PageOutcome], Awaitable[None]]
OnProgress = Callable[[CrawlStats], None]

_IDLE_POLL = 0.02  # seconds an idle worker waits before asking the frontier again


@dataclass(frozen=True)
class RunOptions:
    """What one ``Crawler.run`` call asked for."""

    on_outcome: OnOutcome
    on_progress: OnProgress | None
    max_pages: int
    scope: frozenset[str]


class CrawlLoop:
    """The state of one ``Crawler.run``: counters, the page budget, and the workers' loop."""

    def __init__(self, handler: PageHandler, frontier: Frontier, options: RunOptions) -> None:
        self.handler = handler
        self.frontier = frontier
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
                request = await self.frontier.pop()
                progressed = request is not None and await self._handle(request)
            finally:
                self._claimed -= 1
            if not progressed:
                await self._idle()

    async def _idle(self) -> None:
        """Finish the run when nothing is in flight and nothing is left to do, else wait a little."""
        budget_spent = self._reserved >= self.o.max_pages and self._retrying == 0
        # Past the run's deadline nothing starts: retries not yet due are not waited for.
        budget_spent = budget_spent or (self.handler.deadline is not None and time.time() >= self.handler.deadline)
        if self._claimed == 0 and (budget_spent or await self.frontier.size() == 0) and self._claimed == 0:
            self._done.set()
        else:
            await asyncio.sleep(_IDLE_POLL)

    async def _handle(self, request) -> bool:  # type: ignore[no-untyped-def]
        """Handle one request; False when it was put back because the page budget is spent."""
        if request.attempt > 0:
            self._retrying -= 1
        elif self._reserved >= self.o.max_pages:
            # Left in the frontier (a shared one keeps it for a later run) while this run finishes its retries.
            await self.frontier.requeue(request)
            return False
        else:
            self._reserved += 1  # before any await, so concurrent workers cannot overshoot max_pages
        outcome = await self.handler.handle(request)
        if outcome.status == "blocked" and request.attempt == 0:
            self._reserved -= 1
        await self._apply(outcome)
        return True

    async def _apply(self, outcome: PageOutcome) -> None:
        """Queue what the page found: its retry, or its links within the run's scope."""
        if outcome.retry is not None:
            self._retrying += 1
            await self.frontier.requeue(outcome.retry)
        if outcome.page is not None:
            for hop in outcome.page.redirects:  # the pages behind redirects were fetched too: never queue them again
                await self.frontier.mark_seen(hop)
            if outcome.request.depth == 0:  # a seed that redirects (http -> https, bare host -> www) moves the crawl
                self._scope.add(site_of(outcome.page.url))
        for link in outcome.links:
            if site_of(link.url) in self._scope:
                outcome.counts["links_queued"] += await self.frontier.add(link)
        self.stats.add(outcome.counts)
        try:
            await self.o.on_outcome(outcome)
        except Exception:  # the consumer is the pipeline's code: its bug loses one page, not the crawl
            self.stats.add({"handler_errors": 1})
            log.exception("handling the outcome of %s failed", outcome.request.url)
        if self.o.on_progress is not None and outcome.status in ("fetched", "failed"):
            self.o.on_progress(self.stats)
