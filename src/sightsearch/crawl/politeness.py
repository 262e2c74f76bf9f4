"""The politeness seam: how a page waits for its site's turn, and how a 429/503 slows the site down.

``LocalPoliteness`` keeps the state in this process (the embedded mode); ``FleetPoliteness`` keeps it in Redis so a
fleet of workers shares one rate per site. The page handler only calls ``slot`` and ``penalize``.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from typing_extensions import override

from sightsearch.config import Settings
from sightsearch.crawl.redis_throttle import RedisTokenBucket, site_rate
from sightsearch.crawl.throttle import DomainThrottle
from sightsearch.errors import SightSearchError


class SiteBusy(SightSearchError):
    """The site's next slot is further away than a task should sleep: try the request again in ``wait`` seconds."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"site busy for {wait:.1f}s")
        self.wait = wait


class Politeness(ABC):
    """Per-site pacing shared by every request of a run."""

    @abstractmethod
    def slot(self, site: str, crawl_delay: float | None) -> Any:
        """An async context manager held while the request is sent; may raise ``SiteBusy``."""

    @abstractmethod
    async def penalize(self, site: str, retry_after: float | None, *, status: int) -> None:
        """The site answered 429 (slow down) or 503 (pause): honour its Retry-After."""


class LocalPoliteness(Politeness):
    """Concurrency cap and start gap per site in this process (``DomainThrottle``)."""

    def __init__(self, settings: Settings, throttle: DomainThrottle | None = None) -> None:
        self.throttle = throttle or DomainThrottle(settings)

    @override
    def slot(self, site: str, crawl_delay: float | None) -> Any:
        return self.throttle.slot(site, min_delay=crawl_delay)

    @override
    async def penalize(self, site: str, retry_after: float | None, *, status: int) -> None:
        self.throttle.penalize(site, retry_after)


class FleetPoliteness(Politeness):
    """A Redis token bucket per site shared by every worker; a wait longer than ``max_throttle_wait`` raises
    ``SiteBusy`` so the task re-schedules itself instead of holding a worker."""

    def __init__(self, settings: Settings, bucket: RedisTokenBucket) -> None:
        self.settings = settings
        self.bucket = bucket

    @override
    @asynccontextmanager
    async def slot(self, site: str, crawl_delay: float | None) -> AsyncIterator[None]:
        rate, burst = site_rate(self.settings, crawl_delay)
        reservation = await self.bucket.reserve(site, rate, burst, max_wait=self.settings.max_throttle_wait)
        if not reservation.granted:
            raise SiteBusy(reservation.wait)
        await asyncio.sleep(reservation.wait)
        yield

    @override
    async def penalize(self, site: str, retry_after: float | None, *, status: int) -> None:
        await self.bucket.penalize(site, retry_after, slow_down=status == 429)
