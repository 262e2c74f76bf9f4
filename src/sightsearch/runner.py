"""The embedded mode: one asyncio process crawls, extracts, downloads images and runs the ETL into the store."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from sightsearch.config import Settings
from sightsearch.crawl import (
    Crawler, CrawlRequest, CrawlStats, FetchedPage, Fetcher, HttpFetcher, LinkSelectors, MemoryFrontier,
)
from sightsearch.crawl.guard import UrlGuard
from sightsearch.errors import ConfigurationError, StageFailed
from sightsearch.etl.contract import Record
from sightsearch.etl.pipeline import EtlPipeline, database_unavailable, publish_backlog
from sightsearch.events.bus import EventBus
from sightsearch.events.catalog import RunFinished, RunStarted
from sightsearch.events import create_event_bus
from sightsearch.extract import SiteSpec, extract_product
from sightsearch.images import ImageDownloader, ImageInfo
from sightsearch.storage.db import get_engine, session_scope, upgrade_schema
from sightsearch.storage.deadletters import add_dead_letters
from sightsearch.storage.imagegroups import regroup_images
from sightsearch.storage.models import CrawlRun
from sightsearch.storage.pending import park_batch, pending_batches

log = logging.getLogger(__name__)

ProgressHook = Callable[[Mapping[str, int]], None]


@dataclass
class RunSummary:
    """The outcome of one run: its id, status, counts and wall time."""

    run_id: str
    status: str
    seconds: float
    counts: Counter[str] = field(default_factory=Counter)


def page_record(page: FetchedPage, spec: SiteSpec | None, run_id: str) -> Record | None:
    """The raw product record of a fetched page, or None when the page holds no product (a listing)."""
    product = extract_product(page.body or page.text, page.url, spec=spec)
    if not product.is_product():
        return None
    return {**product.to_output(), "fetched_at": datetime.now(UTC).isoformat(), "run_id": run_id}


def page_fetcher(settings: Settings, spec: SiteSpec | None, url_guard: UrlGuard | None = None) -> Fetcher:
    """HTTP, plus headless Chromium where pages need it (``settings.render``: never, auto or always).

    The browser starts only when a page needs it; without Chromium, such pages are dead-lettered with the
    packages to install instead of loading empty products.
    """
    from sightsearch.crawl.browser import AutoRenderFetcher, BrowserFetcher

    specs = [spec] if spec else []
    spec_renders = spec is not None and "render" in spec.model_fields_set and spec.render != "never"
    if url_guard is not None or (settings.render == "never" and not spec_renders):
        # A guarded run stays on HTTP: a browser would load sub-resources and follow redirects unchecked.
        return HttpFetcher(settings, url_guard=url_guard)

    def has_product(page: FetchedPage) -> bool:
        return extract_product(page.body or page.text, page.url, spec=spec).is_product()

    return AutoRenderFetcher(HttpFetcher(settings), BrowserFetcher(settings, specs=specs), settings.render,
                             specs=specs, has_product=has_product, evidence_pages=settings.render_evidence_pages)


def link_selectors(spec: SiteSpec | None) -> LinkSelectors | None:
    """The crawler's link selectors from a site spec's ``product_links`` and ``pagination``."""
    if spec is None or not (spec.product_links or spec.pagination):
        return None
    for name in ("product_links", "pagination"):
        selector = getattr(spec, name)
        if selector is not None and selector.css is None:
            raise ConfigurationError(f"site spec {spec.name!r}: {name} must be a CSS selector (XPath is for fields)")
    return LinkSelectors(
        product=[spec.product_links.css] if spec.product_links and spec.product_links.css else [],
        pagination=[spec.pagination.css] if spec.pagination and spec.pagination.css else [],
    )


def image_facts(results: Mapping[str, ImageInfo | Exception]) -> dict[str, dict[str, Any]]:
    """Downloader results as the plain dicts the enrich stage reads."""
    facts: dict[str, dict[str, Any]] = {}
    for url, info in results.items():
        if isinstance(info, ImageInfo):
            facts[url] = {k: getattr(info, k) for k in ("width", "height", "format", "bytes", "sha256", "phash")}
        else:
            facts[url] = {"error": str(info) or type(info).__name__}
    return facts


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
        self.url_guard = url_guard  # checked before every request, redirects and images included
        self.run_id = uuid.uuid4().hex
        self.counts: Counter[str] = Counter()
        self._batch: list[Record] = []
        self._load_lock = asyncio.Lock()

    async def execute(self, seeds: list[str]) -> RunSummary:
        """Crawl from ``seeds`` to the page budget, load every product found, and record the run."""
        started = time.perf_counter()
        await asyncio.to_thread(self._start, seeds)
        status, error = "failed", None
        try:
            await self._crawl(seeds)
            status = "finished"
        except BaseException as err:
            error = f"{type(err).__name__}: {err}"
            raise
        finally:
            seconds = time.perf_counter() - started
            await asyncio.to_thread(self._finish, status, seconds, error)
        return RunSummary(self.run_id, status, seconds, self.counts)

    async def _crawl(self, seeds: list[str]) -> None:
        async with page_fetcher(self.settings, self.spec, self.url_guard) as fetcher, \
                ImageDownloader(self.settings, url_guard=self.url_guard) as images:
            async def fetch_images(urls: list[str]) -> dict[str, dict[str, Any]]:
                return image_facts(await images.download_many(urls)) if self.settings.download_images else {}

            self.pipeline = EtlPipeline(self.engine, self.bus, self.run_id, fetch_images=fetch_images,
                                        load_retries=self.settings.load_retries,
                                        load_backoff=(self.settings.backoff_base, self.settings.backoff_max))
            await self._load_parked()
            crawler = Crawler(self.settings, fetcher, MemoryFrontier(), self.bus, self.run_id)
            stats = await crawler.run(
                seeds, self._on_page, max_pages=self.max_pages, on_failure=self._on_failure,
                on_progress=self._progress, link_selectors=link_selectors(self.spec),
            )
            await self._flush_batch()
        self._count_crawl(stats)

    async def _on_page(self, page: FetchedPage, request: CrawlRequest) -> None:
        if "html" not in page.content_type and "xml" not in page.content_type:
            return
        record = await asyncio.to_thread(page_record, page, self.spec, self.run_id)
        if record is None:
            if request.kind == "product":
                await self._dead_letter("extract", "no product data found on a product page", {"url": page.url})
            return
        self.counts["products_found"] += 1
        self._batch.append(record)
        if len(self._batch) >= self.settings.batch_size:
            await self._flush_batch()

    async def _flush_batch(self) -> None:
        async with self._load_lock:
            batch, self._batch = self._batch, []
            if batch:
                await self._process(batch, "cleanse")

    async def _process(self, batch: list[Record], start: str) -> bool:
        """Run a batch; when the database stays down through the retries, park it on disk instead of losing it."""
        try:
            outcome = await self.pipeline.process(batch, start=start)
        except StageFailed as err:
            if not database_unavailable(err.__cause__):
                raise
            path = await asyncio.to_thread(park_batch, self.settings.data_dir, self.run_id, start, batch)
            self.counts["batches_parked"] += 1
            log.error("database unavailable: %d records parked in %s; the next run loads them first", len(batch), path)
            return False
        self.counts.update(outcome.counts)
        return True

    async def _load_parked(self) -> None:
        """Load the batches an earlier run parked during a database outage, oldest first."""
        for path, start, records in pending_batches(self.settings.data_dir):
            if not await self._process(records, start):
                return
            path.unlink()
            self.counts["parked_batches_loaded"] += 1

    async def _on_failure(self, request: CrawlRequest, error: Exception) -> None:
        self.counts["pages_dead_lettered"] += 1
        payload = {"url": request.url, "kind": request.kind, "attempt": request.attempt, "error_type": type(error).__name__}
        await self._dead_letter("fetch", str(error) or type(error).__name__, payload)

    async def _dead_letter(self, stage: str, reason: str, payload: dict[str, Any]) -> None:
        def write() -> None:
            with session_scope(self.engine) as session:
                add_dead_letters(session, self.run_id, [(stage, reason, payload)])

        self.counts[f"rejected_{stage}"] += 1
        await asyncio.to_thread(write)

    def _progress(self, stats: CrawlStats) -> None:
        if self.on_progress:
            self.on_progress({"pages": stats.pages_fetched + stats.pages_failed, "max_pages": self.max_pages,
                              "loaded": self.counts["loaded"], "rejected": self.counts["rejected"]})

    def _count_crawl(self, stats: CrawlStats) -> None:
        self.counts.update(pages_fetched=stats.pages_fetched, pages_failed=stats.pages_failed, retries=stats.retries,
                           robots_blocked=stats.robots_blocked, bytes=stats.bytes)

    def _start(self, seeds: list[str]) -> None:
        upgrade_schema(self.engine)
        with session_scope(self.engine) as session:
            session.add(CrawlRun(id=self.run_id, seeds=seeds, status="running", mode="embedded"))
        self.bus.publish(RunStarted(run_id=self.run_id, seeds=seeds, max_pages=self.max_pages))

    def _finish(self, status: str, seconds: float, error: str | None) -> None:
        with session_scope(self.engine) as session:
            self.counts["image_groups"] = regroup_images(session, self.settings.near_duplicate_distance)
            run = session.get(CrawlRun, self.run_id)
            assert run is not None
            run.status, run.seconds, run.error = status, round(seconds, 3), error
            run.finished_at = datetime.now(UTC)
            run.counts = {k: int(v) for k, v in sorted(self.counts.items()) if v}
        publish_backlog(self.engine, self.bus, self.run_id)  # fetch and extract dead letters change it too
        self.bus.publish(RunFinished(run_id=self.run_id, status=status, counts=dict(self.counts), seconds=seconds))
        self.bus.close()
