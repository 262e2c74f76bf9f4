"""Submit a distributed run and follow it: the ``crawl --distributed`` path and the beat's scheduled crawls.

Submitting records the run (store row, Redis state, ``RunStarted``), admits the seeds and sends their fetch tasks;
from there the workers drive the run to its end. Following only reads the run's counts from Redis.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from sightsearch.config import Settings
from sightsearch.crawl.base import CrawlRequest
from sightsearch.crawl.dedup import BloomParams
from sightsearch.crawl.urls import canonicalize_url, site_of
from sightsearch.errors import ConfigurationError
from sightsearch.events import create_event_bus
from sightsearch.extract.spec import SiteSpec
from sightsearch.runs import RunSummary, start_run
from sightsearch.storage.db import get_engine, upgrade_schema
from sightsearch.workers.context import coordination_url
from sightsearch.workers.runstate import RunState

ProgressHook = Callable[[Mapping[str, int]], None]
_NUDGE_AFTER = 10.0  # seconds a run may look idle before the follower asks the fleet to finish it again


async def submit(client: Any, settings: Settings, seeds: list[str], *, max_pages: int | None = None,
                 download_images: bool | None = None, render: bool = False, guarded: bool = False,
                 spec: SiteSpec | None = None) -> str:
    """Start a run from ``seeds``; returns its id once the seeds' tasks are queued. A ``guarded`` run (submitted by
    an API client) has every request checked by the SSRF guard on the workers; ``spec`` travels with the run."""
    from sightsearch.workers.app import CeleryScheduler, app_for

    scheduler = CeleryScheduler(app_for(settings))
    run_id, limit = uuid.uuid4().hex, max_pages or settings.max_pages
    seeds = [canonicalize_url(seed) for seed in seeds]
    params = BloomParams.for_capacity(max(2 * limit, 1000), settings.dedup_error_rate)
    images = settings.download_images if download_images is None else download_images
    await asyncio.to_thread(_record_start, settings, run_id, seeds, limit)
    state = RunState(client, run_id)
    await state.create({"status": "running", "seeds": seeds, "max_pages": limit, "download_images": images,
                        "render": render, "guarded": guarded, "started_at": time.time(), "bloom_bits": params.bits,
                        "max_seconds": settings.max_run_seconds, "follow_sitemaps": settings.follow_sitemaps,
                        "spec": spec.model_dump(mode="json", exclude_unset=True) if spec else None,
                        "bloom_hashes": params.hashes}, [site_of(seed) for seed in seeds])
    admitted = await state.admit(seeds, limit, params)
    for seed, ok in zip(seeds, admitted):
        if ok:
            scheduler.page(run_id, CrawlRequest(url=seed), render=render)
    await state.mark_sent([seed for seed, ok in zip(seeds, admitted) if ok])
    return run_id


def _record_start(settings: Settings, run_id: str, seeds: list[str], max_pages: int) -> None:
    engine = get_engine(settings.database_url)
    upgrade_schema(engine)
    bus = create_event_bus(settings, engine)
    try:
        start_run(engine, bus, run_id, seeds, mode="distributed", max_pages=max_pages)
    finally:
        bus.close()


async def follow(client: Any, settings: Settings, run_id: str, on_progress: ProgressHook | None = None, *,
                 poll: float = 0.5, timeout: float | None = None) -> RunSummary:
    """Report the run's counts every ``poll`` seconds until the workers finish it; returns its summary."""
    from sightsearch.workers.app import CeleryScheduler, app_for

    scheduler = CeleryScheduler(app_for(settings))
    state, started, idle_since = RunState(client, run_id), time.monotonic(), None
    while True:
        meta, counts = await state.meta(), await state.counts()
        if on_progress is not None:
            on_progress({"pages": counts.get("pages_fetched", 0) + counts.get("pages_failed", 0),
                         "max_pages": int(meta.get("max_pages", 0)), "loaded": counts.get("loaded", 0),
                         "rejected": counts.get("rejected", 0)})
        if meta.get("status") != "running":
            seconds = float(meta.get("seconds") or time.monotonic() - started)
            return RunSummary(run_id, str(meta.get("status", "unknown")), seconds, Counter(counts), meta.get("error"))
        if timeout is not None and time.monotonic() - started > timeout:
            raise TimeoutError(f"run {run_id} not finished after {timeout:.0f}s (it goes on in the workers)")
        if await state.progress() == (0, 0, 0):
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since > _NUDGE_AFTER:  # a finish task lost with a misconfigured fleet
                scheduler.finish(run_id)
                idle_since = time.monotonic()
        else:
            idle_since = None
        await asyncio.sleep(poll)


def require_workers(settings: Settings, wait: float = 5.0) -> None:
    """Refuse to submit into an empty fleet: a run nobody works on would wait forever."""
    from sightsearch.workers.app import app_for

    if not app_for(settings).control.ping(timeout=wait, limit=1):
        raise ConfigurationError("no Celery worker answers on the broker: start some with `sightsearch worker` "
                                 "(one per queue: fetch, render, images, etl)")


def run_distributed(seeds: list[str], settings: Settings, max_pages: int | None = None,
                    on_progress: ProgressHook | None = None, *, timeout: float | None = None,
                    spec: SiteSpec | None = None) -> RunSummary:
    """Submit a run to the workers and follow it to the end: the ``sightsearch crawl --distributed`` path."""
    import redis.asyncio as redis

    require_workers(settings)

    async def main() -> RunSummary:
        client = redis.Redis.from_url(coordination_url(settings))
        try:
            run_id = await submit(client, settings, seeds, max_pages=max_pages, spec=spec)
            return await follow(client, settings, run_id, on_progress, timeout=timeout)
        finally:
            await client.aclose()

    return asyncio.run(main())
