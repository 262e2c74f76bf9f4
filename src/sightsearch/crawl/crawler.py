"""The crawler: the embedded backend's entry point, workers over a frontier within the seeds' sites."""

from __future__ import annotations

import asyncio
import time

from sightsearch.crawl.base import CrawlRequest, Frontier
from sightsearch.crawl.page import PageHandler
from sightsearch.crawl.run import CrawlLoop, OnOutcome, OnProgress, RunOptions
from sightsearch.crawl.stats import CrawlStats
from sightsearch.crawl.urls import canonicalize_url, site_of

__all__ = ["Crawler", "OnOutcome", "OnProgress"]

PAGES_PER_FETCH = 8
"""Pages in progress per fetch slot: while one page is fetched, others wait for a parser or are loaded. Fetches in
flight stay capped at ``concurrency`` by the politeness seam, and the bytes waiting for the parsers by
``parse_backlog_mb``; the extra pages keep the parser fed with full batches (5,000-product demo shop, 8 fetches:
7.9 s at 1, 7.5-7.8 at 2, 6.8-7.0 at 4, 6.6-6.9 at 8; after the collector tuning, A/B of alternating crawls:
808-857 pages/s at 4, 871-931 at 8, 896 at 12)."""


class Crawler:
    """Crawls the sites of its seeds with ``concurrency`` fetches in flight (``PAGES_PER_FETCH`` times as many
    pages in progress). The caller owns the handler's collaborators and the frontier, and closes them."""

    def __init__(self, handler: PageHandler, frontier: Frontier, *, concurrency: int) -> None:
        self.handler = handler
        self.frontier = frontier
        self.concurrency = concurrency

    async def run(self, seeds: list[str], on_outcome: OnOutcome, *, max_pages: int,
                  on_progress: OnProgress | None = None) -> CrawlStats:
        """Crawl from ``seeds`` until nothing is queued or in flight, or ``max_pages`` URLs reached an outcome.

        Only the seeds' sites are crawled. ``on_outcome`` gets every page's final outcome (fetched, failed or blocked)
        and every retry; an exception in it is counted as a handler error, never fatal. ``on_progress`` gets the live
        stats after each page. URLs left in the frontier when the budget is spent stay there.
        """
        options = RunOptions(on_outcome, on_progress, max_pages, frozenset(site_of(seed) for seed in seeds))
        loop = CrawlLoop(self.handler, self.frontier, options)
        for seed in seeds:
            await self.frontier.add(CrawlRequest(url=canonicalize_url(seed)))
        started = time.monotonic()
        workers = [asyncio.create_task(loop.work()) for _ in range(self.concurrency * PAGES_PER_FETCH)]
        try:
            await asyncio.gather(*workers)
        finally:
            for worker in workers:  # a bug in one worker stops the run instead of leaving orphan tasks
                worker.cancel()
            loop.stats.elapsed = time.monotonic() - started
        return loop.stats
