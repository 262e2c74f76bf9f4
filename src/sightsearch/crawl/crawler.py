"""The crawler: the public entry point that runs workers over a frontier, politely, within one site's scope."""

from __future__ import annotations

import asyncio
import time

from sightsearch.config import Settings
from sightsearch.crawl.base import CrawlRequest, Fetcher, Frontier
from sightsearch.crawl.links import LinkSelectors
from sightsearch.crawl.robots import RobotsPolicy, robots_text_fetcher
from sightsearch.crawl.run import CrawlContext, CrawlRun, OnFailure, OnPage, OnProgress, RunOptions
from sightsearch.crawl.stats import CrawlStats
from sightsearch.crawl.throttle import DomainThrottle
from sightsearch.crawl.urls import canonicalize_url, site_of
from sightsearch.events.bus import EventBus

__all__ = ["Crawler", "OnFailure", "OnPage", "OnProgress"]


class Crawler:
    """Crawls the sites of its seeds. The caller owns and closes the fetcher, frontier and bus.

    Politeness: robots.txt is read once per site (unless ``respect_robots`` is off) and its Crawl-delay widens the
    per-site gap; the throttle caps requests in flight per site and pauses a site after a 429 or 503.
    """

    def __init__(
        self, settings: Settings, fetcher: Fetcher, frontier: Frontier, bus: EventBus, run_id: str,
        *, robots: RobotsPolicy | None = None, throttle: DomainThrottle | None = None,
    ) -> None:
        if robots is None and settings.respect_robots:
            robots = RobotsPolicy(robots_text_fetcher(fetcher), settings.user_agent)
        self._ctx = CrawlContext(settings, fetcher, frontier, bus, run_id, robots, throttle or DomainThrottle(settings))

    async def run(
        self, seeds: list[str], on_page: OnPage, *, max_pages: int, on_failure: OnFailure | None = None,
        link_selectors: LinkSelectors | None = None, on_progress: OnProgress | None = None,
    ) -> CrawlStats:
        """Crawl from ``seeds`` until nothing is queued or in flight, or ``max_pages`` URLs reached an outcome.

        Only the seeds' sites are crawled. ``on_page`` gets every fetched page after its links were queued; an
        exception in it is counted and passed to ``on_failure``, never fatal. ``on_failure`` also gets every
        request that failed for good (the pipeline dead-letters it). ``on_progress`` gets the live stats after
        each page. URLs left in the frontier when the budget is spent stay there (a shared frontier keeps them).
        """
        options = RunOptions(
            on_page, on_failure, on_progress, max_pages, link_selectors or LinkSelectors(),
            frozenset(site_of(seed) for seed in seeds),
        )
        run = CrawlRun(self._ctx, options)
        for seed in seeds:
            await self._ctx.frontier.add(CrawlRequest(url=canonicalize_url(seed)))
        started = time.monotonic()
        workers = [asyncio.create_task(run.work()) for _ in range(self._ctx.settings.concurrency)]
        try:
            await asyncio.gather(*workers)
        finally:
            for worker in workers:  # a bug in one worker stops the run instead of leaving orphan tasks
                worker.cancel()
            run.stats.elapsed = time.monotonic() - started
        return run.stats
