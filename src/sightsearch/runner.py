"""The embedded mode: one asyncio process crawls, extracts, downloads images and runs the ETL into the store.

The page path (``crawl.page.PageHandler``), the ETL (``etl.pipeline.EtlPipeline``) and the run lifecycle (``runs``)
are the same as on the Celery workers; this module only wires them to the in-process frontier and batch.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping

from sqlalchemy import Engine

from sightsearch.config import Settings
from sightsearch.crawl import Crawler, CrawlStats, MemoryFrontier, RobotsPolicy, robots_text_fetcher
from sightsearch.crawl.fetchers import build_fetcher
from sightsearch.crawl.guard import UrlGuard
from sightsearch.crawl.page import PageHandler, PageOutcome
from sightsearch.crawl.parsing import page_parser, warm_up
from sightsearch.crawl.politeness import LocalPoliteness
from sightsearch.errors import StageFailed
from sightsearch.etl.pipeline import EtlPipeline, database_unavailable
from sightsearch.events import create_event_bus
from sightsearch.events.bus import EventBus
from sightsearch.extract import SiteSpec
from sightsearch.images import ImageDownloader
from sightsearch.images.facts import download_facts
from sightsearch.records import ImageFact, ProductRecord
from sightsearch.runs import RunSummary, finish_run, start_run
from sightsearch.storage.db import get_engine, session_scope, upgrade_schema
from sightsearch.storage.deadletters import add_dead_letters
from sightsearch.storage.pending import park_batch, pending_batches

__all__ = ["EmbeddedRun", "RunSummary"]

log = logging.getLogger(__name__)

ProgressHook = Callable[[Mapping[str, int]], None]


class EmbeddedRun:
    """One crawl run in this process. Create it, then ``await run.execute(seeds)``."""

    def __init__(self, settings: Settings, *, spec: SiteSpec | None = None, max_pages: int | None = None,
                 engine: Engine | None = None, bus: EventBus | None = None, on_progress: ProgressHook | None = None,
                 url_guard: UrlGuard | None = None) -> None:
        self.settings = settings
        self.spec = spec
        self.max_pages = max_pages or settings.max_pages
        self.engine = engine or get_engine(settings.database_url)
        self.bus = bus or create_event_bus(settings, self.engine)
        self.on_progress = on_progress
        self.url_guard = url_guard  # checked before every request, robots.txt, redirects and images included
        self.run_id = uuid.uuid4().hex
        self.counts: Counter[str] = Counter()
        self._batch: list[ProductRecord] = []
        self._load_lock = asyncio.Lock()

    async def execute(self, seeds: list[str]) -> RunSummary:
        """Crawl from ``seeds`` to the page budget, load every product found, and record the run. The run ends
        ``failed`` when it raised or when every seed failed (nothing fetched)."""
        started = time.perf_counter()
        # The parser processes boot (a fork server, its imports) in the background; the first pages are parsed
        # here meanwhile.
        warming = asyncio.create_task(asyncio.to_thread(warm_up, self.settings.parse_processes))
        try:
            await asyncio.to_thread(self._start, seeds)
        except BaseException:
            await warming
            raise
        error: str | None = None
        try:
            await self._crawl(seeds)
        except BaseException as err:
            error = f"{type(err).__name__}: {err}"
            raise
        finally:
            await warming
            summary = await asyncio.to_thread(
                finish_run, self.engine, self.bus, self.run_id, self.counts, time.perf_counter() - started,
                near_duplicate_distance=self.settings.near_duplicate_distance, error=error)
            self.bus.close()
        return summary

    def _start(self, seeds: list[str]) -> None:
        upgrade_schema(self.engine)
        start_run(self.engine, self.bus, self.run_id, seeds, mode="embedded", max_pages=self.max_pages)

    async def _crawl(self, seeds: list[str]) -> None:
        async with build_fetcher(self.settings, spec=self.spec, url_guard=self.url_guard) as fetcher, \
                ImageDownloader(self.settings, url_guard=self.url_guard) as images:
            async def fetch_images(urls: list[str]) -> Mapping[str, ImageFact]:
                return await download_facts(images, urls) if self.settings.download_images else {}

            self.pipeline = EtlPipeline(self.engine, self.bus, self.run_id, fetch_images=fetch_images,
                                        load_retries=self.settings.load_retries,
                                        load_backoff=(self.settings.backoff_base, self.settings.backoff_max))
            await self._load_parked()
            robots = RobotsPolicy(robots_text_fetcher(fetcher), self.settings.user_agent) \
                if self.settings.respect_robots else None
            parser = page_parser(self.settings.parse_processes, self.settings.parse_backlog_mb * 1024 * 1024)
            deadline = time.time() + self.settings.max_run_seconds if self.settings.max_run_seconds else None
            handler = PageHandler(self.settings, self.run_id, fetcher, LocalPoliteness(self.settings), self.bus,
                                  robots=robots, spec=self.spec, parser=parser, deadline=deadline,
                                  follow_sitemaps=self.settings.follow_sitemaps)
            crawler = Crawler(handler, MemoryFrontier(), concurrency=self.settings.concurrency)
            await crawler.run(seeds, self._on_outcome, max_pages=self.max_pages, on_progress=self._progress)
            await self._flush_batch()

    async def _on_outcome(self, outcome: PageOutcome) -> None:
        self.counts.update(outcome.counts)
        if outcome.dead_letters:
            await asyncio.to_thread(self._dead_letters, outcome)
        if outcome.record is not None:
            self._batch.append(outcome.record)
            if len(self._batch) >= self.settings.batch_size:
                await self._flush_batch()

    def _dead_letters(self, outcome: PageOutcome) -> None:
        with session_scope(self.engine) as session:
            add_dead_letters(session, self.run_id, outcome.dead_letters)

    async def _flush_batch(self) -> None:
        async with self._load_lock:
            batch, self._batch = self._batch, []
            if batch:
                await self._process(batch, "cleanse")

    async def _process(self, batch: list[ProductRecord], start: str) -> bool:
        """Run a batch; when the database stays down through the retries, park it on disk instead of losing it."""
        try:
            outcome = await self.pipeline.process(batch, start=start)
        except StageFailed as err:
            if not database_unavailable(err.__cause__):
                raise
            path = await asyncio.to_thread(park_batch, self.settings.data_dir, self.run_id, start,
                                           [record.to_payload() for record in batch])
            self.counts["batches_parked"] += 1
            log.error("database unavailable: %d records parked in %s; the next run loads them first", len(batch), path)
            return False
        self.counts.update(outcome.counts)
        return True

    async def _load_parked(self) -> None:
        """Load the batches an earlier run parked during a database outage, oldest first."""
        for path, start, payloads in pending_batches(self.settings.data_dir):
            if not await self._process([ProductRecord.model_validate(p) for p in payloads], start):
                return
            path.unlink()
            self.counts["parked_batches_loaded"] += 1

    def _progress(self, stats: CrawlStats) -> None:
        if self.on_progress:
            self.on_progress({"pages": stats.pages_done, "max_pages": self.max_pages,
                              "loaded": self.counts["loaded"], "rejected": self.counts["rejected"]})
