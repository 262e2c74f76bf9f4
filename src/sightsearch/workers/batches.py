"""ETL batches of a distributed run: claim records from Redis, download their images, run ``EtlPipeline``, count once.

A batch is claimed under a name (the Celery task id, so a redelivered task gets its own batch back) and stays in the
run's ``etl`` hash until loaded; loading twice is harmless (the load stage upserts by product key) and is counted
once. The images queue downloads a batch's images into the run's ``images`` hash; the load step reads them there
and downloads whatever is missing itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from sightsearch.etl.pipeline import EtlPipeline
from sightsearch.images.facts import download_facts
from sightsearch.records import ImageFact
from sightsearch.runs import finish_run
from sightsearch.workers.context import WorkerContext
from sightsearch.workers.runstate import RunState


class BatchLoader:
    """The ETL of run ``run_id`` in one worker process."""

    def __init__(self, ctx: WorkerContext, run_id: str) -> None:
        self.ctx = ctx
        self.run_id = run_id
        self.state = RunState(ctx.redis, run_id)

    async def claim(self, name: str, *, minimum: int | None = None) -> list[dict[str, Any]]:
        size = self.ctx.settings.batch_size
        return await self.state.claim_batch(name, size, minimum=size if minimum is None else minimum)

    async def prepare_images(self, records: list[dict[str, Any]]) -> None:
        """Download the batch's images (the images queue's job) and keep their facts in the run's Redis hash."""
        if not await self._images_wanted():
            return
        urls = sorted({url for record in records for url in record.get("images") or []})
        known = await self.ctx.redis.hmget(self.state.key("images"), urls) if urls else []
        missing = [url for url, fact in zip(urls, known) if fact is None]
        if missing:
            facts = await download_facts(await self._downloader(), missing)
            await self.ctx.redis.hset(self.state.key("images"),
                                      mapping={u: f.model_dump_json() for u, f in facts.items()})
            await self.ctx.redis.expire(self.state.key("images"), 86_400)

    async def load(self, name: str, records: list[dict[str, Any]]) -> bool:
        """Run ``records`` through the five stages into the store; True when this delivery counted the batch."""
        fetch = self._fetch_images if await self._images_wanted() else None
        pipeline = EtlPipeline(self.ctx.engine, self.ctx.bus, self.run_id, fetch_images=fetch)
        outcome = await pipeline.process(records)
        return await self.state.complete_batch(name, outcome.counts)

    async def drain(self, prefix: str, *, minimum: int | None = None) -> int:
        """Claim and load batches named ``prefix:N`` until fewer than ``minimum`` records wait; returns batches."""
        count = 0
        while records := await self.claim(f"{prefix}:{count}", minimum=minimum):
            await self.prepare_images(records)
            await self.load(f"{prefix}:{count}", records)
            count += 1
        return count

    async def finalize(self) -> dict[str, int]:
        """Close the run through the shared lifecycle, then free its bulky Redis keys."""
        meta = await self.state.meta()
        counts = await self.state.counts()
        seconds = time.time() - float(meta.get("started_at", time.time()))
        summary = await asyncio.to_thread(finish_run, self.ctx.engine, self.ctx.bus, self.run_id, counts, seconds,
                                          near_duplicate_distance=self.ctx.settings.near_duplicate_distance)
        await self.state.count(image_groups=summary.counts["image_groups"])
        await self.state.set_meta(status=summary.status, seconds=round(seconds, 3), error=summary.error)
        await self.state.release()
        return dict(summary.counts)

    async def _images_wanted(self) -> bool:
        return bool((await self.state.meta()).get("download_images")) and self.ctx.settings.download_images

    async def _downloader(self) -> Any:
        """The image downloader; a run submitted by an API client (``guarded``) gets the SSRF-guarded one."""
        return self.ctx.images_for(await self.state.meta())

    async def _fetch_images(self, urls: list[str]) -> Mapping[str, ImageFact]:
        stored = await self.ctx.redis.hmget(self.state.key("images"), urls) if urls else []
        facts = {url: ImageFact.model_validate_json(fact) for url, fact in zip(urls, stored) if fact is not None}
        missing = [url for url in urls if url not in facts]
        if missing:
            facts.update(await download_facts(await self._downloader(), missing))
        return facts
