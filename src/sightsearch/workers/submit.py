"""The API's seam into the fleet: runs submitted over HTTP go to the Celery workers when a broker is configured."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Engine

from sightsearch.config import Settings
from sightsearch.workers.context import coordination_url


class DistributedSubmitter:
    """Submits runs to the workers (see ``sightsearch.api.submit.RunSubmitter``); live counts come from Redis."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings, self.engine = settings, engine
        self._async_client: Any = None
        self._sync_client: Any = None

    async def submit(self, seeds: list[str], max_pages: int) -> str:
        """Queue the run's seeds on the fleet; returns the run id at once."""
        import redis.asyncio as redis

        from sightsearch.workers.coordinator import require_workers, submit

        require_workers(self.settings)
        if self._async_client is None:
            self._async_client = redis.Redis.from_url(coordination_url(self.settings))
        return await submit(self._async_client, self.settings, seeds, max_pages=max_pages, guarded=True)

    def live_counts(self, run_id: str) -> Counter[str] | None:
        """The run's counters as the workers keep them in Redis, or None for an unknown run."""
        import redis

        if self._sync_client is None:
            self._sync_client = redis.Redis.from_url(coordination_url(self.settings), decode_responses=True)
        counts = self._sync_client.hgetall(f"sightsearch:run:{run_id}:counts")
        return Counter({k: int(v) for k, v in counts.items()}) if counts else None

    async def close(self) -> None:
        if self._async_client is not None:
            await self._async_client.aclose()
        if self._sync_client is not None:
            self._sync_client.close()
